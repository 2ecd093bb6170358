//! Where a webhook may be delivered: only to public addresses, so that an
//! administrator cannot make the service call its own network (SSRF).
//!
//! A URL is checked when it is registered and before every attempt; its
//! host's addresses are checked by the resolver the HTTP client connects
//! through, so a name that resolves to a private address is refused at
//! connect time (also when its DNS answer changes after registration).
//! Redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::WebhookSettings;

/// Why `ip` may not be called, or `None` when it is a public address.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private address",
        _ if ip.is_link_local() => "a link-local address (cloud metadata lives there)",
        (0, _, _) => "a \"this network\" address",
        (100, 64..=127, _) => "a carrier-grade NAT address",
        (192, 0, 0) => "an IETF protocol address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address",
        _ if ip.is_multicast() => "a multicast address",
        (240..=255, _, _) => "a reserved or broadcast address",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded_v4 = || {
        let [.., a, b, c, d] = ip.octets();
        Ipv4Addr::new(a, b, c, d)
    };
    Some(match segments {
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_unspecified() => "the unspecified address",
        _ if ip.is_multicast() => "a multicast address",
        [first, ..] if first & 0xfe00 == 0xfc00 => "a unique local (private) address",
        [first, ..] if first & 0xffc0 == 0xfe80 => "a link-local address",
        [0x2001, 0x0db8, ..] => "a documentation address",
        [0x2001, 0, ..] => "a Teredo address",
        // NAT64 and 6to4 carry an IPv4 address: judged by it.
        [0x0064, 0xff9b, 0, 0, 0, 0, ..] => return forbidden_v4(embedded_v4()),
        [0x2002, hi, lo, ..] => {
            let [a, b] = hi.to_be_bytes();
            let [c, d] = lo.to_be_bytes();
            return forbidden_v4(Ipv4Addr::new(a, b, c, d));
        }
        [0, 0, 0, 0, 0, 0, ..] => "an IPv4-compatible address",
        _ => return None,
    })
}

/// Checks a URL against the policy: `https` in production, and a host that
/// is not a forbidden literal address. Names are checked when resolved.
pub fn check_url(url: &str, policy: WebhookSettings) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|err| format!("is not a URL ({err})"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if !policy.require_https => {}
        "http" => return Err("must use https:// in production".into()),
        other => return Err(format!("must use https://, not {other}://")),
    }
    if !policy.allow_private {
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err("must name a host".into()),
        };
        if let Some(ip) = literal
            && let Some(reason) = forbidden(ip)
        {
            return Err(format!(
                "points at {ip}, {reason}; webhooks go to public addresses only"
            ));
        }
    }
    Ok(parsed)
}

/// The resolver deliveries connect through: the system's, with every
/// forbidden address removed; a name left with none is refused.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    /// `WEBHOOK_ALLOW_PRIVATE`: keep every address.
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
                .into_iter()
                .partition(|addr| allow_private || forbidden(addr.ip()).is_none());
            if allowed.is_empty() {
                let shown = refused
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(format!(
                    "{host} resolves only to addresses webhooks may not reach ({shown})"
                )
                .into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Resolves `host` now and refuses it when it reaches only forbidden
/// addresses (the check made at registration, for an answer at once).
pub async fn check_name(host: &str) -> Result<(), String> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|err| format!("names a host that does not resolve ({err})"))?
        .collect();
    if found.iter().any(|addr| forbidden(addr.ip()).is_none()) {
        return Ok(());
    }
    let shown = found
        .iter()
        .map(|a| a.ip().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(format!(
        "names {host}, which resolves only to addresses webhooks may not reach ({shown})"
    ))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn private_and_special_addresses_are_refused_and_public_ones_allowed() {
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(
                forbidden(ip(refused)).is_some(),
                "{refused} must be refused"
            );
        }
        for allowed in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(forbidden(ip(allowed)), None, "{allowed} is public");
        }
    }

    const PRODUCTION: WebhookSettings = WebhookSettings {
        allow_private: false,
        require_https: true,
    };

    #[test]
    fn production_urls_must_be_https_to_a_public_host() {
        assert!(check_url("https://hooks.example.com/in", PRODUCTION).is_ok());
        for refused in [
            "http://hooks.example.com/in",
            "https://127.0.0.1/in",
            "https://10.0.0.8/in",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]:8443/in",
            "https://[::ffff:192.168.0.1]/in",
            "ftp://hooks.example.com/",
        ] {
            assert!(check_url(refused, PRODUCTION).is_err(), "{refused}");
        }
        let allowed = WebhookSettings {
            allow_private: true,
            require_https: false,
        };
        assert!(check_url("http://127.0.0.1:9000/in", allowed).is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_when_connecting() {
        let guarded = GuardedResolver {
            allow_private: false,
        };
        let name: Name = "localhost".parse().unwrap_or_else(|_| unreachable!());
        let refused = guarded.resolve(name).await.err().map(|e| e.to_string());
        assert!(
            refused
                .as_deref()
                .is_some_and(|m| m.contains("localhost resolves only to")),
            "{refused:?}"
        );
        let open = GuardedResolver {
            allow_private: true,
        };
        let name: Name = "localhost".parse().unwrap_or_else(|_| unreachable!());
        assert!(open.resolve(name).await.is_ok());
    }
}
