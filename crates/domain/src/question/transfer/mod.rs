//! Importing questions into the bank from a document, and exporting them to
//! one, as JSON, CSV or Markdown (`docs/question-formats.md` describes each).
//!
//! The three formats carry the same fields, category by name, so an export
//! re-imports cleanly into another organization. An import is all or
//! nothing: every row is checked with the rules of `createQuestion`, and one
//! bad row refuses the whole document with every problem listed.

mod check;
pub use check::OnDuplicate;
mod csv_doc;
mod json;
mod markdown;

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::service::record_event;
use super::{QuestionFilter, categories, tags_of};
use crate::actor::{Actor, Permission};
use crate::entity::{question, question_tag, question_version};
use crate::error::{Error, Problem, Result};
use crate::event::EventType;
use crate::types::{Level, QuestionStatus};

/// A document format the bank is imported from and exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionFormat {
    /// `{"questions": [...]}`, one object per question.
    Json,
    /// RFC 4180 CSV with a header row, one record per question.
    Csv,
    /// One `## <prompt>` section per question, for people to read and edit.
    Markdown,
}

impl QuestionFormat {
    /// Every format, in declaration order.
    pub const ALL: &'static [QuestionFormat] = &[
        QuestionFormat::Json,
        QuestionFormat::Csv,
        QuestionFormat::Markdown,
    ];

    /// The format's name as clients spell it (`JSON`, `CSV`, `MARKDOWN`).
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionFormat::Json => "JSON",
            QuestionFormat::Csv => "CSV",
            QuestionFormat::Markdown => "MARKDOWN",
        }
    }

    /// How a document of this format must begin, for error messages.
    fn expected_start(self) -> String {
        match self {
            QuestionFormat::Json => r#"an object {"questions": [...]}"#.to_owned(),
            QuestionFormat::Csv => format!("the header row `{}`", csv_doc::HEADER.join(",")),
            QuestionFormat::Markdown => "a `## <prompt>` heading for each question".to_owned(),
        }
    }
}

/// What an import added to the bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// How many questions were added.
    pub imported: usize,
    /// Ids of the new questions, in document order.
    pub question_ids: Vec<Uuid>,
    /// Rows whose prompt was already in the bank and were left out (with
    /// `SKIP`, or with `UPDATE` when nothing differed).
    pub skipped: usize,
    /// Questions of the bank that got a new version (`UPDATE`).
    pub updated: usize,
}

/// A question as it is exported: its current version, category by name.
struct Exported {
    category: String,
    level: Level,
    status: QuestionStatus,
    prompt: String,
    guidance: String,
    rubric: [String; 4],
    tags: Vec<String>,
    minutes: i32,
}

/// One question as read from a document, before any rule is checked.
#[derive(Clone, Debug, Default)]
struct Record {
    /// Line where the question starts, when the format can tell.
    line: Option<usize>,
    category: String,
    level: String,
    prompt: String,
    guidance: String,
    rubric: Vec<String>,
    tags: Vec<String>,
    minutes: RawMinutes,
    status: Option<String>,
}

/// The minutes of a record as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum RawMinutes {
    /// Not given at all.
    #[default]
    Missing,
    /// A whole number (its range is checked later).
    Number(i64),
    /// Something that is not a whole number, as written.
    NotANumber(String),
}

impl RawMinutes {
    /// Reads minutes written as text; blank means missing.
    fn from_text(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() {
            RawMinutes::Missing
        } else {
            text.parse().map_or_else(
                |_| RawMinutes::NotANumber(text.to_owned()),
                RawMinutes::Number,
            )
        }
    }
}

/// Splits a tag list written as `a; b` or `a, b`; blank entries are dropped.
fn split_tags(text: &str) -> Vec<String> {
    text.split([';', ','])
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A problem with the document as a whole (it could not be read).
fn document_problem(message: impl Into<String>) -> Problem {
    Problem::new("document", message)
}

/// Every question of the actor's organization matching `filter`, oldest
/// first, as a document in `format`. Any role may export; re-importing the
/// document elsewhere recreates the same questions.
pub async fn export(
    db: &DatabaseConnection,
    actor: &Actor,
    format: QuestionFormat,
    filter: &QuestionFilter,
) -> Result<String> {
    let questions = filter
        .query(actor)?
        .order_by_asc(question::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = questions.iter().map(|q| q.id).collect();
    let mut tags = tags_of(db, actor, &ids).await?;
    let names: HashMap<Uuid, String> = categories(db, actor)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let exported = questions
        .into_iter()
        .map(|q| {
            let category = names.get(&q.category_id).cloned().ok_or_else(|| {
                Error::Internal(format!(
                    "question {} is in category {}, which is not in its organization",
                    q.id, q.category_id
                ))
            })?;
            Ok(Exported {
                category,
                level: q.level,
                status: q.status,
                tags: tags.remove(&q.id).unwrap_or_default(),
                prompt: q.prompt,
                guidance: q.guidance,
                rubric: [q.rubric1, q.rubric2, q.rubric3, q.rubric4],
                minutes: q.minutes,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    match format {
        QuestionFormat::Json => json::write(&exported),
        QuestionFormat::Csv => csv_doc::write(&exported),
        QuestionFormat::Markdown => Ok(markdown::write(&exported)),
    }
}

/// Adds every question of `document` to the actor's bank as an active
/// version 1, or none of them: when the document cannot be read, or any row
/// breaks a rule of `createQuestion`, names an unknown category or repeats a
/// prompt (of the document or of the bank), every problem is returned, each
/// naming its row (`rows[3].rubric`, counted from 0) or the `document`.
///
/// `on_duplicate` decides what a row whose prompt is already in the bank
/// does: a problem (`Fail`, the default), left out (`Skip`), or a new
/// version of the bank's question (`Update`).
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    format: QuestionFormat,
    document: &str,
    on_duplicate: OnDuplicate,
) -> Result<ImportReport> {
    actor.require(Permission::ManageBank)?;
    let document = document.strip_prefix('\u{feff}').unwrap_or(document);
    if document.trim().is_empty() {
        return Err(document_problem(format!(
            "the document is empty; a {} document starts with {}",
            format.as_str(),
            format.expected_start()
        ))
        .into());
    }
    let records = match format {
        QuestionFormat::Json => json::read(document),
        QuestionFormat::Csv => csv_doc::read(document),
        QuestionFormat::Markdown => markdown::read(document),
    }?;
    if records.is_empty() {
        return Err(document_problem(format!(
            "the document has no questions; a {} document needs {}",
            format.as_str(),
            match format {
                QuestionFormat::Json => "at least one object in `questions`".to_owned(),
                QuestionFormat::Csv => "at least one record after the header".to_owned(),
                QuestionFormat::Markdown => format.expected_start(),
            }
        ))
        .into());
    }
    let categories = categories(db, actor).await?;
    let existing: HashMap<String, Uuid> = question::Entity::find()
        .select_only()
        .column(question::Column::Prompt)
        .column(question::Column::Id)
        .filter(question::Column::OrganizationId.eq(actor.organization_id))
        .into_tuple::<(String, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(prompt, id)| (check::prompt_key(&prompt), id))
        .collect();
    let checked =
        check::rows(&records, &categories, &existing, on_duplicate).map_err(Error::Invalid)?;
    let valid = checked.new;

    let now = Utc::now();
    let mut question_ids = Vec::with_capacity(valid.len());
    let mut question_rows = Vec::with_capacity(valid.len());
    let mut version_rows = Vec::with_capacity(valid.len());
    let mut tag_rows = Vec::new();
    let mut created = Vec::with_capacity(valid.len());
    for question in &valid {
        let id = Uuid::now_v7();
        created.push((id, question.category_id()));
        let rows = question.rows(actor.organization_id, id, 1, Some(actor.user_id), now);
        question_ids.push(id);
        question_rows.push(rows.question);
        version_rows.push(rows.version);
        tag_rows.extend(rows.tags);
    }
    let txn = crate::db::begin_write(db).await?;
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for chunk in question_rows.chunks(50) {
        question::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in version_rows.chunks(50) {
        question_version::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    for chunk in tag_rows.chunks(200) {
        question_tag::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    let (mut skipped, mut updated) = (0, 0);
    match on_duplicate {
        OnDuplicate::Fail => {}
        OnDuplicate::Skip => skipped = checked.existing.len(),
        OnDuplicate::Update => {
            let ids: Vec<Uuid> = checked.existing.iter().map(|(id, _)| *id).collect();
            let currents: HashMap<Uuid, question::Model> = question::Entity::find()
                .filter(question::Column::Id.is_in(ids.clone()))
                .all(&txn)
                .await?
                .into_iter()
                .map(|q| (q.id, q))
                .collect();
            let tags = tags_of(&txn, actor, &ids).await?;
            for (id, row) in &checked.existing {
                let Some(current) = currents.get(id) else {
                    continue;
                };
                let current_tags = tags.get(id).map(Vec::as_slice).unwrap_or_default();
                if row.same_as(current, current_tags) {
                    skipped += 1;
                } else {
                    super::service::write_version(&txn, actor, current, row, now).await?;
                    let version = current.version + 1;
                    let kind = EventType::QuestionUpdated;
                    record_event(&txn, actor, kind, *id, row.category_id(), version).await?;
                    updated += 1;
                }
            }
        }
    }
    for (id, category) in created {
        record_event(&txn, actor, EventType::QuestionCreated, id, category, 1).await?;
    }
    crate::event::commit(txn).await?;
    Ok(ImportReport {
        imported: question_ids.len(),
        question_ids,
        skipped,
        updated,
    })
}
