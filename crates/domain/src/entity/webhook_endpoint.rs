//! Where an organization's events are sent, signed with the endpoint's
//! secret.

use sea_orm::entity::prelude::*;

/// A row of `webhook_endpoints`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub description: String,
    /// JSON array of the event types sent; empty sends every type.
    pub event_types: String,
    pub enabled: bool,
    /// `whsec_…`: the key deliveries are signed with (kept in clear, since
    /// signing needs it).
    pub secret: String,
    /// The secret before the last rotation, still signed with until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// Since when every attempt has failed; `None` while it answers.
    pub failing_since: Option<DateTimeUtc>,
    /// Why the service disabled it, if it did.
    pub disabled_reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
