//! The GraphQL API of SPEC §3: schema roots, types and resolvers.
//!
//! Resolvers only translate between GraphQL and the domain; rules and
//! permission checks live in the domain services.

pub mod context;
pub mod enums;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod ops;
pub mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, MergedObject, SDLExportOptions, Schema};
use sea_orm::DatabaseConnection;

use crate::auth::JwtKeys;
use context::Caller;
use loaders::DbLoader;
use ops::auth::{AuthMutation, AuthQuery, SessionPolicy};
use ops::bank::{BankMutation, BankQuery};
use ops::candidates::{CandidateMutation, CandidateQuery};
use ops::plans::{PlanMutation, PlanQuery};
use ops::scorecards::ScorecardMutation;

/// Every query.
#[derive(MergedObject, Default)]
pub struct Query(AuthQuery, BankQuery, CandidateQuery, PlanQuery);

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    BankMutation,
    CandidateMutation,
    PlanMutation,
    ScorecardMutation,
);

/// The service's schema.
pub type ApiSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deepest nesting a query may use.
pub const MAX_DEPTH: usize = 12;
/// Most fields a query may select, counting nested ones.
pub const MAX_COMPLEXITY: usize = 5_000;

/// Builds the schema over `db`, signing tokens with `keys`.
pub fn build(db: DatabaseConnection, keys: JwtKeys, sessions: SessionPolicy) -> ApiSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(db)
        .data(keys)
        .data(sessions)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .finish()
}

/// The schema's SDL with fields, arguments and enum values sorted, as
/// checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl_with_options(
            SDLExportOptions::new()
                .sorted_fields()
                .sorted_arguments()
                .sorted_enum_items(),
        )
}

/// Attaches the caller and a fresh batch loader to one request.
pub fn prepare(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    caller: Caller,
) -> async_graphql::Request {
    let request = request.data(caller);
    match caller.0 {
        Some(actor) => request.data(DataLoader::new(
            DbLoader::new(db.clone(), actor),
            tokio::spawn,
        )),
        None => request,
    }
}
