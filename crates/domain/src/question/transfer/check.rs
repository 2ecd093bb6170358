//! The rules every imported row must pass: those of `createQuestion`, plus a
//! category of the organization and a prompt new to the bank and to the
//! document.

use std::collections::HashMap;

use uuid::Uuid;

use super::{RawMinutes, Record};
use crate::entity::category;
use crate::error::Problem;
use crate::question::{QuestionInput, ValidQuestion};
use crate::types::{Level, Minutes, QuestionStatus};

/// How prompts are compared for duplicates: trimmed, case-insensitive.
pub(super) fn prompt_key(prompt: &str) -> String {
    prompt.trim().to_lowercase()
}

/// What an imported row whose prompt is already in the bank does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnDuplicate {
    /// It is a problem of its row: nothing is imported (the default).
    #[default]
    Fail,
    /// It is left out; the bank's question stays as it is.
    Skip,
    /// The bank's question gets a new version with the row's content
    /// (unless the content is the same).
    Update,
}

/// The rows of a document, checked: new questions, and rows matching a
/// question of the bank by prompt (with its id), when duplicates are
/// skipped or updated.
pub(super) struct CheckedRows {
    pub(super) new: Vec<ValidQuestion>,
    pub(super) existing: Vec<(Uuid, ValidQuestion)>,
}

/// Every record as a valid question, or every problem of every row, each
/// named `rows[n].<field>` with `n` counted from 0, like every position in
/// a problem's field (the message also gives the line a person would count).
pub(super) fn rows(
    records: &[Record],
    categories: &[category::Model],
    existing_prompts: &HashMap<String, Uuid>,
    on_duplicate: OnDuplicate,
) -> Result<CheckedRows, Vec<Problem>> {
    let category_ids: HashMap<String, Uuid> = categories
        .iter()
        .map(|c| (c.name.trim().to_lowercase(), c.id))
        .collect();
    let category_names = categories
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut first_row_of_prompt: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(records.len());
    let mut existing = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let row = index;
        let mut found = Vec::new();
        let mut problem = |field: &str, message: String| {
            found.push((field.to_owned(), message));
        };

        let category = record.category.trim();
        let category_id = if category.is_empty() {
            problem(
                "category",
                format!("is missing; use one of your organization's categories: {category_names}"),
            );
            Uuid::nil()
        } else if let Some(&id) = category_ids.get(&category.to_lowercase()) {
            id
        } else {
            problem(
                "category",
                format!(
                    "unknown category `{category}`; your organization's categories are: {category_names}"
                ),
            );
            Uuid::nil()
        };

        let level = if record.level.trim().is_empty() {
            problem("level", format!("is missing; use one of {}", levels()));
            Level::Mid
        } else {
            Level::parse("level", &record.level).unwrap_or_else(|p| {
                problem("level", p.message);
                Level::Mid
            })
        };

        // Unreadable minutes are reported here; `validate` then sees a
        // stand-in that passes, so the row gets one problem, not two.
        let minutes = match &record.minutes {
            RawMinutes::Number(minutes) => *minutes,
            RawMinutes::Missing => {
                problem(
                    "minutes",
                    format!(
                        "is missing; give the estimated minutes, 1 to {}",
                        Minutes::MAX
                    ),
                );
                1
            }
            RawMinutes::NotANumber(text) => {
                problem(
                    "minutes",
                    format!(
                        "`{text}` is not a whole number; give the estimated minutes, 1 to {}",
                        Minutes::MAX
                    ),
                );
                1
            }
        };

        let input = QuestionInput {
            category_id,
            level,
            prompt: record.prompt.clone(),
            guidance: record.guidance.clone(),
            rubric: record.rubric.clone(),
            tags: record.tags.clone(),
            minutes,
        };
        let validated = match input.validate() {
            Ok(question) => Some(question),
            Err(invalid) => {
                for p in invalid {
                    problem(&p.field, p.message);
                }
                None
            }
        };

        let key = prompt_key(&record.prompt);
        if !key.is_empty() {
            if let Some(first) = first_row_of_prompt.get(&key) {
                problem(
                    "prompt",
                    format!(
                        "repeats the prompt of rows[{first}]; each question in the document needs its own prompt"
                    ),
                );
            } else {
                first_row_of_prompt.insert(key.clone(), row);
                if existing_prompts.contains_key(&key) && on_duplicate == OnDuplicate::Fail {
                    problem(
                        "prompt",
                        "a question with this prompt is already in your organization's bank; \
                         remove the row, reword the prompt, or import with onDuplicate: SKIP \
                         or UPDATE"
                            .to_owned(),
                    );
                }
            }
        }

        if let Some(status) = record.status.as_deref().map(str::trim)
            && !status.is_empty()
            && !status.eq_ignore_ascii_case(QuestionStatus::Active.as_str())
        {
            problem(
                "status",
                format!(
                    "`{status}` cannot be imported: imported questions are always ACTIVE; \
                     set status to ACTIVE or leave it out (export with status ACTIVE to \
                     leave retired questions out)"
                ),
            );
        }

        let at = record
            .line
            .map(|line| format!(" (question starting on line {line})"))
            .unwrap_or_default();
        if found.is_empty() {
            match (validated, existing_prompts.get(&key)) {
                (Some(question), Some(id)) => existing.push((*id, question)),
                (Some(question), None) => valid.push(question),
                (None, _) => {}
            }
        } else {
            problems.extend(found.into_iter().map(|(field, message)| {
                Problem::new(format!("rows[{row}].{field}"), format!("{message}{at}"))
            }));
        }
    }
    if problems.is_empty() {
        Ok(CheckedRows {
            new: valid,
            existing,
        })
    } else {
        Err(problems)
    }
}

fn levels() -> String {
    Level::ALL
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
