//! What every resolver reads: the service's state (database, keys, session
//! policy, events, throttle), and per request the caller and its batch
//! loader.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use domain::Actor;
use sea_orm::DatabaseConnection;

use super::error::Code;
use super::loaders::DbLoader;
use super::ops::auth::SessionPolicy;
use crate::auth::JwtKeys;
use crate::auth::throttle::Throttle;

/// What the whole service shares, given to the schema once.
pub struct ApiState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// Keys that sign and verify access tokens.
    pub keys: JwtKeys,
    /// How long sessions last.
    pub sessions: SessionPolicy,
    /// Sends webhook pings and knows where deliveries may go.
    pub webhooks: crate::webhooks::Worker,
    /// Where audit entries are written.
    pub audit: crate::audit::AuditLog,
    /// Limits on sign-in attempts.
    pub throttle: Throttle,
}

/// The caller of one request, as the HTTP layer authenticated it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caller(pub Option<Actor>);

/// The service's state. Every schema is made by `graphql::build` or `build_http`, which
/// gives it the state, so the lookup cannot miss.
pub fn state<'a>(ctx: &Context<'a>) -> &'a ApiState {
    ctx.data_unchecked::<std::sync::Arc<ApiState>>()
}

/// The database pool.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    &state(ctx).db
}

/// The signed-in caller, or `UNAUTHENTICATED`.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    match ctx.data_opt::<Caller>() {
        Some(Caller(Some(actor))) => Ok(*actor),
        _ => Err(Code::Unauthenticated.error(
            "sign in first: send `Authorization: Bearer <accessToken>` from login or signUp",
        )),
    }
}

/// The request's batch loader (present only for signed-in callers).
pub fn loader<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DataLoader<DbLoader>> {
    ctx.data_opt::<DataLoader<DbLoader>>().ok_or_else(|| {
        Code::Unauthenticated.error("sign in first: send `Authorization: Bearer <accessToken>`")
    })
}
