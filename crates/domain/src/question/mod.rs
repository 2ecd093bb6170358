//! The question bank: questions with versions, categories and competencies.
//!
//! Editing a question writes a new version; plans keep pointing at the
//! version they pinned, so an edit never changes a plan already built.

mod list;
mod sections;
mod service;
pub mod transfer;

pub use list::{
    QuestionFilter, by_ids, categories_by_ids, competencies_by_ids, list, tags_of, versions_by_ids,
    versions_of,
};
pub use sections::{categories, competencies, create_category, create_competency};
pub use service::{create, get, retire, update, version};

use chrono::{DateTime, Utc};
use sea_orm::Set;
use uuid::Uuid;

use crate::entity::{question, question_tag, question_version};
use crate::error::{Problem, collect_problems};
use crate::types::{Level, Minutes, QuestionStatus, Tag, Text};

/// Longest prompt accepted.
pub const PROMPT_MAX: usize = 2_000;
/// Longest guidance accepted.
pub const GUIDANCE_MAX: usize = 4_000;
/// Longest rubric anchor accepted.
pub const ANCHOR_MAX: usize = 500;
/// Most tags on one question.
pub const TAGS_MAX: usize = 10;

/// A question as a client submits it, before validation.
#[derive(Clone, Debug)]
pub struct QuestionInput {
    /// The category it belongs to.
    pub category_id: Uuid,
    /// Experience band.
    pub level: Level,
    /// The question as asked.
    pub prompt: String,
    /// What a strong answer covers.
    pub guidance: String,
    /// Exactly four anchors, for ratings 1 to 4.
    pub rubric: Vec<String>,
    /// Tags such as `postgresql`.
    pub tags: Vec<String>,
    /// Estimated minutes.
    pub minutes: i64,
}

/// A question whose every field has been checked.
#[derive(Clone, Debug)]
pub struct ValidQuestion {
    category_id: Uuid,
    level: Level,
    prompt: Text,
    guidance: Text,
    rubric: [Text; 4],
    tags: Vec<Tag>,
    minutes: Minutes,
}

impl QuestionInput {
    /// Checks every field, listing all problems found.
    pub fn validate(&self) -> Result<ValidQuestion, Vec<Problem>> {
        let rubric = parse_rubric(&self.rubric);
        let tags = parse_tags(&self.tags);
        match (
            Text::parse("prompt", &self.prompt, PROMPT_MAX),
            Text::parse("guidance", &self.guidance, GUIDANCE_MAX),
            rubric,
            tags,
            Minutes::parse("minutes", self.minutes),
        ) {
            (Ok(prompt), Ok(guidance), Ok(rubric), Ok(tags), Ok(minutes)) => Ok(ValidQuestion {
                category_id: self.category_id,
                level: self.level,
                prompt,
                guidance,
                rubric,
                tags,
                minutes,
            }),
            results => Err(collect_problems(results)),
        }
    }
}

fn parse_rubric(anchors: &[String]) -> Result<[Text; 4], Vec<Problem>> {
    if anchors.len() != 4 {
        return Err(vec![Problem::new(
            "rubric",
            format!(
                "needs exactly four anchors (for ratings 1 to 4), got {}",
                anchors.len()
            ),
        )]);
    }
    let mut problems = Vec::new();
    let mut parsed = Vec::with_capacity(4);
    for (i, anchor) in anchors.iter().enumerate() {
        match Text::parse(&format!("rubric[{i}]"), anchor, ANCHOR_MAX) {
            Ok(text) => {
                if parsed
                    .iter()
                    .any(|earlier: &Text| earlier.as_str().eq_ignore_ascii_case(text.as_str()))
                {
                    problems.push(Problem::new(
                        format!("rubric[{i}]"),
                        "repeats an earlier anchor; each rating needs its own description",
                    ));
                }
                parsed.push(text);
            }
            Err(problem) => problems.push(problem),
        }
    }
    match <[Text; 4]>::try_from(parsed) {
        Ok(rubric) if problems.is_empty() => Ok(rubric),
        _ => Err(problems),
    }
}

fn parse_tags(tags: &[String]) -> Result<Vec<Tag>, Vec<Problem>> {
    if tags.len() > TAGS_MAX {
        return Err(vec![Problem::new(
            "tags",
            format!("at most {TAGS_MAX} tags, got {}", tags.len()),
        )]);
    }
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        match Tag::parse(&format!("tags[{i}]"), tag) {
            Ok(tag) => parsed.push(tag),
            Err(problem) => problems.push(problem),
        }
    }
    parsed.sort();
    parsed.dedup();
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(problems)
    }
}

/// The rows that store `valid` as version `version` of question `id`.
pub(crate) struct QuestionRows {
    pub question: question::ActiveModel,
    pub version: question_version::ActiveModel,
    pub tags: Vec<question_tag::ActiveModel>,
}

impl ValidQuestion {
    /// The category the question belongs to.
    pub fn category_id(&self) -> Uuid {
        self.category_id
    }

    /// Whether `current` (with its `tags`) already says exactly this.
    pub(crate) fn same_as(&self, current: &question::Model, tags: &[String]) -> bool {
        let mut ours: Vec<&str> = self.tags.iter().map(|t| t.as_str()).collect();
        let mut theirs: Vec<&str> = tags.iter().map(String::as_str).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        self.category_id == current.category_id
            && self.level == current.level
            && self.prompt.as_str() == current.prompt
            && self.guidance.as_str() == current.guidance
            && [
                &current.rubric1,
                &current.rubric2,
                &current.rubric3,
                &current.rubric4,
            ]
            .iter()
            .zip(&self.rubric)
            .all(|(stored, anchor)| stored.as_str() == anchor.as_str())
            && self.minutes.get() == current.minutes
            && ours == theirs
    }

    pub(crate) fn rows(
        &self,
        organization_id: Uuid,
        id: Uuid,
        version: i32,
        created_by: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> QuestionRows {
        let version_id = Uuid::now_v7();
        let [r1, r2, r3, r4] = self.rubric.clone().map(Text::into_inner);
        let tags: Vec<String> = self.tags.iter().map(|t| t.as_str().to_owned()).collect();
        QuestionRows {
            question: question::ActiveModel {
                id: Set(id),
                organization_id: Set(organization_id),
                category_id: Set(self.category_id),
                current_version_id: Set(version_id),
                version: Set(version),
                status: Set(QuestionStatus::Active),
                level: Set(self.level),
                prompt: Set(self.prompt.as_str().to_owned()),
                guidance: Set(self.guidance.as_str().to_owned()),
                rubric1: Set(r1.clone()),
                rubric2: Set(r2.clone()),
                rubric3: Set(r3.clone()),
                rubric4: Set(r4.clone()),
                minutes: Set(self.minutes.get()),
                created_at: Set(now),
                updated_at: Set(now),
            },
            version: question_version::ActiveModel {
                id: Set(version_id),
                question_id: Set(id),
                version: Set(version),
                category_id: Set(self.category_id),
                level: Set(self.level),
                prompt: Set(self.prompt.as_str().to_owned()),
                guidance: Set(self.guidance.as_str().to_owned()),
                rubric1: Set(r1),
                rubric2: Set(r2),
                rubric3: Set(r3),
                rubric4: Set(r4),
                tags: Set(serde_json::json!(tags)),
                minutes: Set(self.minutes.get()),
                created_by: Set(created_by),
                created_at: Set(now),
            },
            tags: tags
                .into_iter()
                .map(|tag| question_tag::ActiveModel {
                    question_id: Set(id),
                    organization_id: Set(organization_id),
                    tag: Set(tag),
                })
                .collect(),
        }
    }
}
