//! The delivery log: one row per HTTP attempt.

use sea_orm::entity::prelude::*;

/// A row of `webhook_attempts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub endpoint_id: Uuid,
    /// 1 for the first attempt of the delivery.
    pub attempt: i32,
    pub started_at: DateTimeUtc,
    pub duration_ms: i32,
    /// The HTTP status answered, if any answer came.
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did without (or despite) an answer.
    pub error: Option<String>,
    /// The first 1 KiB of the response body.
    pub response_excerpt: String,
}

/// Relations are expressed as explicit filters in the services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
