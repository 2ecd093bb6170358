//! The GraphQL API of docs/domain.md §3: schema roots, types and resolvers.
//!
//! Resolvers only translate between GraphQL and the domain; rules and
//! permission checks live in the domain services.

pub mod audit;
pub mod compiled;
pub mod context;
pub mod enums;
pub mod error;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod ops;
pub mod order;
pub mod tree;
pub mod types;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Data, MergedObject, MergedSubscription, SDLExportOptions, Schema};
use sea_orm::DatabaseConnection;

use crate::auth::throttle::ClientIp;
pub use context::ApiState;
use context::Caller;
use limits::{Limits, QueryLimits};
use loaders::DbLoader;
use ops::auth::{AuthMutation, AuthQuery};
use ops::bank::{BankMutation, BankQuery};
use ops::candidates::{CandidateMutation, CandidateQuery};
use ops::composer::{ComposerMutation, ComposerQuery};
use ops::integrations::{IntegrationMutation, IntegrationQuery};
use ops::panels::{PanelMutation, PanelQuery};
use ops::plans::{PlanMutation, PlanQuery};
use ops::reports::ReportQuery;
use ops::scorecards::ScorecardMutation;
use ops::subscriptions::ScorecardSubscription;

/// Every query.
#[derive(MergedObject, Default)]
pub struct Query(
    AuthQuery,
    BankQuery,
    CandidateQuery,
    PlanQuery,
    ComposerQuery,
    ReportQuery,
    PanelQuery,
    IntegrationQuery,
);

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    BankMutation,
    CandidateMutation,
    PlanMutation,
    ScorecardMutation,
    ComposerMutation,
    PanelMutation,
    IntegrationMutation,
);

/// Every subscription (served over WebSocket, see `routes::graphql_ws`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(ScorecardSubscription);

/// The service's schema.
pub type ApiSchema = Schema<Query, Mutation, Subscription>;

/// What the schema exposes beyond the operations themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Surface {
    /// The per-request limits (see [`limits`]).
    pub limits: QueryLimits,
    /// Whether `__schema` and `__type` answer (off by default in production).
    pub introspection: bool,
    /// Whether errors suggest field names ("Did you mean …"); off in
    /// production, where they describe the schema to anyone.
    pub suggestions: bool,
}

impl Default for Surface {
    fn default() -> Self {
        Surface {
            limits: QueryLimits::default(),
            introspection: true,
            suggestions: true,
        }
    }
}

/// The limits of `surface` over this schema.
pub fn limits(surface: Surface) -> Result<Limits, String> {
    Limits::new(surface.limits, surface.introspection, &sdl())
}

/// Builds the schema over the service's `state`, exposing what `surface`
/// allows, with the limits and the audit log as schema extensions: the
/// schema of WebSocket connections, whose operations reach async-graphql
/// without passing through the HTTP handler.
pub fn build(state: Arc<ApiState>, surface: Surface, limits: Limits) -> ApiSchema {
    builder(state, surface)
        .extension(limits)
        .extension(audit::Audit)
        .finish()
}

/// The same schema without extensions, for `POST /graphql` and `GET
/// /graphql`, whose handler prices every document before it runs and
/// audits the response afterwards ([`audit::record`]). With any extension
/// async-graphql sends every field and every list item through the
/// extension chain (a type lookup, a type-name string and a boxed future
/// per extension each); a page of a thousand values paid that a thousand
/// times.
pub fn build_http(state: Arc<ApiState>, surface: Surface) -> ApiSchema {
    builder(state, surface).finish()
}

fn builder(
    state: Arc<ApiState>,
    surface: Surface,
) -> async_graphql::SchemaBuilder<Query, Mutation, Subscription> {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .data(state)
    // Bounds async-graphql's own recursive passes; the limits refuse
    // anything deeper first, with a clearer message.
    .limit_depth(surface.limits.depth as usize)
    .limit_recursive_depth(surface.limits.depth as usize * 2 + 8);
    if !surface.introspection {
        builder = builder.disable_introspection();
    }
    if !surface.suggestions {
        builder = builder.disable_suggestions();
    }
    builder
}

/// The schema's SDL with fields, arguments and enum values sorted, as
/// checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .finish()
    .sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}

/// Attaches the caller, their network address and a fresh batch loader to
/// one request.
pub fn prepare(
    request: async_graphql::Request,
    db: &DatabaseConnection,
    caller: Caller,
    client: ClientIp,
) -> async_graphql::Request {
    let request = request.data(caller).data(client);
    match caller.0 {
        Some(actor) => request.data(DataLoader::new(
            DbLoader::new(db.clone(), actor),
            tokio::spawn,
        )),
        None => request,
    }
}

/// What every operation of one WebSocket connection shares: the caller
/// authenticated by `connection_init` and a batch loader for them.
pub fn connection_data(
    db: &DatabaseConnection,
    actor: domain::Actor,
    client: ClientIp,
    request_id: crate::request_id::RequestId,
) -> Data {
    let mut data = Data::default();
    data.insert(Caller(Some(actor)));
    data.insert(client);
    data.insert(request_id);
    data.insert(DataLoader::new(
        DbLoader::new(db.clone(), actor),
        tokio::spawn,
    ));
    data
}
