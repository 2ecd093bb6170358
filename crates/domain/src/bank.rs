//! The default question bank shipped in `data/question_bank.json`, embedded
//! in the binary so it runs from any directory. Every new organization gets
//! its own copy.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::Deserialize;
use uuid::Uuid;

use crate::entity::{category, competency, question, question_tag, question_version};
use crate::error::{Error, Problem, Result};
use crate::question::{QuestionInput, ValidQuestion};
use crate::types::Level;

/// The bank as written in the data file.
pub const DEFAULT_BANK_JSON: &str = include_str!("../../../data/question_bank.json");

/// A category or competency of the data file.
#[derive(Clone, Debug, Deserialize)]
pub struct NamedEntry {
    /// Display name, unique in its list.
    pub name: String,
    /// One sentence on what it covers.
    pub description: String,
}

/// A question of the data file.
#[derive(Clone, Debug, Deserialize)]
pub struct BankQuestion {
    /// Name of its category.
    pub category: String,
    /// Experience band.
    pub level: Level,
    /// The question as asked.
    pub prompt: String,
    /// What a strong answer covers.
    pub guidance: String,
    /// Anchor sentences for ratings 1 to 4.
    pub rubric: Vec<String>,
    /// Lower-case tags.
    pub tags: Vec<String>,
    /// Estimated minutes.
    pub minutes: i64,
    /// Topics of the source document this question covers (`Q1`…`Q50`).
    #[serde(default)]
    pub source_topics: Vec<String>,
}

/// The whole data file.
#[derive(Clone, Debug, Deserialize)]
pub struct Bank {
    /// Sections of the bank, in display order.
    pub categories: Vec<NamedEntry>,
    /// Competencies interviewers rate, in display order.
    pub competencies: Vec<NamedEntry>,
    /// The questions.
    pub questions: Vec<BankQuestion>,
}

impl Bank {
    /// Parses the embedded default bank.
    pub fn default_bank() -> Result<Bank> {
        serde_json::from_str(DEFAULT_BANK_JSON)
            .map_err(|err| Error::Internal(format!("data/question_bank.json is invalid: {err}")))
    }

    /// The questions as validated inputs, with `category_ids` giving the id
    /// of each category name; every problem is listed with the question's
    /// index, checked with the same rules as questions entered through the API.
    pub fn validated_questions(
        &self,
        category_ids: &HashMap<String, Uuid>,
    ) -> std::result::Result<Vec<ValidQuestion>, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut valid = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            let prefix =
                |p: Problem| Problem::new(format!("questions[{i}].{}", p.field), p.message);
            let Some(&category_id) = category_ids.get(&q.category) else {
                problems.push(Problem::new(
                    format!("questions[{i}].category"),
                    format!("unknown category `{}`", q.category),
                ));
                continue;
            };
            let input = QuestionInput {
                category_id,
                level: q.level,
                prompt: q.prompt.clone(),
                guidance: q.guidance.clone(),
                rubric: q.rubric.clone(),
                tags: q.tags.clone(),
                minutes: q.minutes,
            };
            match input.validate() {
                Ok(question) => valid.push(question),
                Err(found) => problems.extend(found.into_iter().map(prefix)),
            }
        }
        if problems.is_empty() {
            Ok(valid)
        } else {
            Err(problems)
        }
    }
}

/// Copies the default bank into `organization_id`: categories, competencies
/// and every question as version 1. Run inside the caller's transaction.
pub async fn seed<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    created_by: Option<Uuid>,
) -> Result<()> {
    let bank = Bank::default_bank()?;
    let now = Utc::now();
    let category_rows: Vec<_> = named_rows(&bank.categories).collect();
    let category_ids: HashMap<String, Uuid> = category_rows
        .iter()
        .map(|(id, entry, _)| (entry.name.clone(), *id))
        .collect();
    let questions = bank
        .validated_questions(&category_ids)
        .map_err(Error::Invalid)?;
    let categories = category_rows
        .into_iter()
        .map(|(id, entry, position)| category::ActiveModel {
            id: Set(id),
            organization_id: Set(organization_id),
            name: Set(entry.name.clone()),
            description: Set(entry.description.clone()),
            position: Set(position),
            created_at: Set(now),
        });
    category::Entity::insert_many(categories).exec(db).await?;

    let competencies =
        named_rows(&bank.competencies).map(|(id, entry, position)| competency::ActiveModel {
            id: Set(id),
            organization_id: Set(organization_id),
            name: Set(entry.name.clone()),
            description: Set(entry.description.clone()),
            position: Set(position),
            created_at: Set(now),
        });
    competency::Entity::insert_many(competencies)
        .exec(db)
        .await?;

    let mut question_rows = Vec::new();
    let mut version_rows = Vec::new();
    let mut tag_rows = Vec::new();
    for question in &questions {
        let rows = question.rows(organization_id, Uuid::now_v7(), 1, created_by, now);
        question_rows.push(rows.question);
        version_rows.push(rows.version);
        tag_rows.extend(rows.tags);
    }
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for chunk in question_rows.chunks(50) {
        question::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for chunk in version_rows.chunks(50) {
        question_version::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    for chunk in tag_rows.chunks(200) {
        question_tag::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

fn named_rows(entries: &[NamedEntry]) -> impl Iterator<Item = (Uuid, &NamedEntry, i32)> {
    entries
        .iter()
        .zip(0..)
        .map(|(entry, position)| (Uuid::now_v7(), entry, position))
}
