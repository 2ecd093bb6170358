//! A cap on the connections one client address may hold open at once, so
//! that one client cannot take every file descriptor of the process with
//! connections it keeps idle or feeds slowly.
//!
//! Connections are counted when accepted (actix-web's `on_connect`); one
//! over the cap is shut down at once, before it can send anything. The
//! count drops when actix-web drops the connection. Addresses are counted
//! like the sign-in throttle counts them (IPv6 per /64). Behind a reverse
//! proxy every connection comes from the proxy: raise the cap or set it
//! to 0 (no cap) there.

use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, Shutdown};
use std::sync::{Arc, Mutex};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

use crate::auth::throttle::ClientIp;

/// Open connections per client address.
#[derive(Clone, Debug, Default)]
pub struct ConnectionCap {
    max: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One counted connection; dropping it (with the connection) uncounts it.
struct Slot {
    address: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(count) = open.get_mut(&self.address)
        {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

impl ConnectionCap {
    /// At most `max` connections per address; 0 for no cap.
    pub fn new(max: usize) -> ConnectionCap {
        ConnectionCap {
            max,
            open: Arc::default(),
        }
    }

    /// Counts a new connection from `address`; `false` when it is one too many.
    fn admit(&self, address: IpAddr, extensions: &mut Extensions) -> bool {
        let Ok(mut open) = self.open.lock() else {
            return true;
        };
        let count = open.entry(address).or_insert(0);
        if *count >= self.max {
            return false;
        }
        *count += 1;
        extensions.insert(Slot {
            address,
            open: self.open.clone(),
        });
        true
    }

    /// The connections counted now for `address`.
    pub fn open_from(&self, address: IpAddr) -> usize {
        let bucket = ClientIp(address).bucket();
        self.open
            .lock()
            .map_or(0, |open| open.get(&bucket).copied().unwrap_or(0))
    }

    /// actix-web's `on_connect` hook.
    pub fn on_connect(&self, connection: &dyn Any, extensions: &mut Extensions) {
        if self.max == 0 {
            return;
        }
        let Some(stream) = connection.downcast_ref::<TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let address = ClientIp(peer.ip()).bucket();
        if !self.admit(address, extensions) {
            tracing::warn!(
                client = %address,
                cap = self.max,
                "refused a connection: this address already holds the most connections allowed \
                 (MAX_CONNECTIONS_PER_CLIENT)"
            );
            let _ = socket2::SockRef::from(stream).shutdown(Shutdown::Both);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_the_cap_and_a_closed_connection_frees_its_place() {
        let cap = ConnectionCap::new(2);
        let address: IpAddr = "203.0.113.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let mut first = Extensions::new();
        let mut second = Extensions::new();
        let mut third = Extensions::new();
        assert!(cap.admit(address, &mut first));
        assert!(cap.admit(address, &mut second));
        assert!(!cap.admit(address, &mut third), "a third is one too many");
        assert!(cap.admit("203.0.113.8".parse().unwrap_or(address), &mut third));
        drop(first);
        assert_eq!(cap.open_from(address), 1);
        let mut again = Extensions::new();
        assert!(
            cap.admit(address, &mut again),
            "room again after one closed"
        );
    }
}
