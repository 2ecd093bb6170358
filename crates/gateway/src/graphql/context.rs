//! What every resolver reads from the request: the database, the caller, and
//! the request's batch loader.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use domain::Actor;
use sea_orm::DatabaseConnection;

use super::error::Code;
use super::loaders::DbLoader;

/// The caller of one request, as the HTTP layer authenticated it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caller(pub Option<Actor>);

/// The database pool.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
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
