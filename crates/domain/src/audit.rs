//! The audit log: one entry per mutation and per read of scorecards or
//! candidate reports, with who asked, from where, about which records, and
//! how it ended. Entries are written by the gateway (which knows the
//! request) and read by administrators; a background task prunes them
//! after the retention period.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{audit_entry, audit_subject};
use crate::error::Result;
use crate::page::{Page, PageRequest};
use crate::query::check_filter_text;

/// How long entries are kept when the operator sets nothing.
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
/// Most subjects kept per entry.
pub const MAX_SUBJECTS: usize = 200;

/// Whether an entry records a change or a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A mutation.
    Mutation,
    /// A read of scorecards or candidate reports.
    Read,
}

impl Kind {
    /// `MUTATION` or `READ`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mutation => "MUTATION",
            Kind::Read => "READ",
        }
    }
}

/// An entry about to be written.
#[derive(Clone, Debug)]
pub struct NewEntry {
    /// The organization it belongs to; `None` for an anonymous caller
    /// (sign-in, sign-up), kept for the operator.
    pub organization_id: Option<Uuid>,
    /// Who asked (a user or an API key); `None` when nobody was signed in.
    pub actor_id: Option<Uuid>,
    /// The GraphQL field: `submitScorecard`, `candidateReport`…
    pub operation: String,
    /// A change or a read.
    pub kind: Kind,
    /// `OK` or the error code answered.
    pub outcome: String,
    /// The client's address.
    pub client_ip: String,
    /// The request's id (the `x-request-id` answered).
    pub request_id: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The records it concerns.
    pub subjects: Vec<Uuid>,
}

/// Writes `entries` in one transaction.
pub async fn write(db: &DatabaseConnection, entries: Vec<NewEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    let mut rows = Vec::with_capacity(entries.len());
    let mut subjects = Vec::new();
    for entry in entries {
        let id = Uuid::now_v7();
        let mut seen = entry.subjects;
        seen.sort();
        seen.dedup();
        seen.truncate(MAX_SUBJECTS);
        subjects.extend(seen.into_iter().map(|subject| audit_subject::ActiveModel {
            entry_id: Set(id),
            subject_id: Set(subject),
        }));
        rows.push(audit_entry::ActiveModel {
            id: Set(id),
            organization_id: Set(entry.organization_id),
            actor_id: Set(entry.actor_id),
            operation: Set(entry.operation.chars().take(100).collect()),
            kind: Set(entry.kind.as_str().to_owned()),
            outcome: Set(entry.outcome.chars().take(32).collect()),
            client_ip: Set(entry.client_ip.chars().take(64).collect()),
            request_id: Set(entry.request_id.chars().take(64).collect()),
            at: Set(entry.at),
        });
    }
    for chunk in rows.chunks(100) {
        audit_entry::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in subjects.chunks(400) {
        audit_subject::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Which entries to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Entries of this user or API key.
    pub actor_id: Option<Uuid>,
    /// Entries concerning this record.
    pub subject_id: Option<Uuid>,
    /// Entries of this operation (the GraphQL field name).
    pub operation: Option<String>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

/// An entry with the records it concerns.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The entry.
    pub entry: audit_entry::Model,
    /// Its subjects.
    pub subjects: Vec<Uuid>,
}

/// A page of the organization's audit log, newest first (administrators
/// only).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<Entry>> {
    actor.require(Permission::ManageUsers)?;
    if let Some(problem) = check_filter_text("filter.operation", filter.operation.as_deref()) {
        return Err(problem.into());
    }
    let mut query = audit_entry::Entity::find()
        .filter(audit_entry::Column::OrganizationId.eq(actor.organization_id));
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_entry::Column::ActorId.eq(actor_id));
    }
    if let Some(operation) = &filter.operation {
        query = query.filter(audit_entry::Column::Operation.eq(operation.trim()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_entry::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_entry::Column::At.lt(to));
    }
    if let Some(subject) = filter.subject_id {
        query = query.filter(
            audit_entry::Column::Id.in_subquery(
                Query::select()
                    .column(audit_subject::Column::EntryId)
                    .from(audit_subject::Entity)
                    .and_where(audit_subject::Column::SubjectId.eq(subject))
                    .to_owned(),
            ),
        );
    }
    let total = query.clone().count(db).await?;
    let mut window = query.order_by_desc(audit_entry::Column::Id);
    if let Some(after) = page.after {
        window = window.filter(audit_entry::Column::Id.lt(after));
    }
    let rows = window.limit(page.first + 1).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut subjects: std::collections::HashMap<Uuid, Vec<Uuid>> = Default::default();
    for row in audit_subject::Entity::find()
        .filter(audit_subject::Column::EntryId.is_in(ids))
        .all(db)
        .await?
    {
        subjects
            .entry(row.entry_id)
            .or_default()
            .push(row.subject_id);
    }
    let entries = rows
        .into_iter()
        .map(|entry| Entry {
            subjects: subjects.remove(&entry.id).unwrap_or_default(),
            entry,
        })
        .collect();
    Ok(Page::from_rows(entries, page.first, total))
}

/// Deletes entries older than `retention` before `now`; returns how many.
pub async fn prune(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<u64> {
    let cutoff = now - retention;
    let old = Query::select()
        .column(audit_entry::Column::Id)
        .from(audit_entry::Entity)
        .and_where(audit_entry::Column::At.lt(cutoff))
        .to_owned();
    // Subjects carry no foreign key (see migration 000014): they go with
    // their entries in one transaction, so none is left behind.
    let txn = crate::db::begin_write(db).await?;
    audit_subject::Entity::delete_many()
        .filter(audit_subject::Column::EntryId.in_subquery(old))
        .exec(&txn)
        .await?;
    let deleted = audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::At.lt(cutoff))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(deleted.rows_affected)
}

/// How many entries the organization of `actor` has (for tests and the
/// metrics of a run).
pub async fn count<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<u64> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::OrganizationId.eq(actor.organization_id))
        .count(db)
        .await?)
}
