//! The JSON format: `{"questions": [{"category": …, "level": …, …}]}`.

use serde::{Deserialize, Serialize};

use super::{Exported, RawMinutes, Record, document_problem};
use crate::error::{Error, Problem, Result};
use crate::types::{Level, QuestionStatus};

#[derive(Serialize)]
struct OutDocument<'a> {
    questions: Vec<OutQuestion<'a>>,
}

#[derive(Serialize)]
struct OutQuestion<'a> {
    category: &'a str,
    level: Level,
    status: QuestionStatus,
    prompt: &'a str,
    guidance: &'a str,
    rubric: &'a [String; 4],
    tags: &'a [String],
    minutes: i32,
}

/// The document as read. Unknown fields are refused so a misspelt one
/// (`rubrics`) is named rather than silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = r#"an object {"questions": [...]}"#)]
struct InDocument {
    questions: Vec<InQuestion>,
}

/// A question as read; missing fields are left empty so that the row
/// checks name them.
#[derive(Default, Deserialize)]
#[serde(
    default,
    deny_unknown_fields,
    expecting = "a question object with category, level, prompt, guidance, rubric, tags, minutes"
)]
struct InQuestion {
    category: String,
    level: String,
    prompt: String,
    guidance: String,
    rubric: Vec<String>,
    tags: Vec<String>,
    /// Any JSON value, so a non-number is a problem of its row.
    minutes: Option<serde_json::Value>,
    status: Option<String>,
}

/// The questions as a pretty-printed JSON document.
pub(super) fn write(questions: &[Exported]) -> Result<String> {
    let document = OutDocument {
        questions: questions
            .iter()
            .map(|q| OutQuestion {
                category: &q.category,
                level: q.level,
                status: q.status,
                prompt: &q.prompt,
                guidance: &q.guidance,
                rubric: &q.rubric,
                tags: &q.tags,
                minutes: q.minutes,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|err| Error::Internal(format!("writing the JSON export failed: {err}")))?;
    text.push('\n');
    Ok(text)
}

/// The records of a JSON document, or where and why it cannot be read.
pub(super) fn read(document: &str) -> Result<Vec<Record>, Problem> {
    let parsed: InDocument = serde_json::from_str(document).map_err(|err| {
        let position = format!(" at line {} column {}", err.line(), err.column());
        let text = err.to_string();
        let what = text.strip_suffix(&position).unwrap_or(&text);
        document_problem(format!(
            "line {}, column {}: {what}",
            err.line(),
            err.column()
        ))
    })?;
    Ok(parsed
        .questions
        .into_iter()
        .map(|q| Record {
            line: None,
            category: q.category,
            level: q.level,
            prompt: q.prompt,
            guidance: q.guidance,
            rubric: q.rubric,
            tags: q.tags,
            minutes: match q.minutes {
                None | Some(serde_json::Value::Null) => RawMinutes::Missing,
                Some(serde_json::Value::Number(n)) => n
                    .as_i64()
                    .map_or_else(|| RawMinutes::NotANumber(n.to_string()), RawMinutes::Number),
                Some(serde_json::Value::String(text)) => RawMinutes::from_text(&text),
                Some(other) => RawMinutes::NotANumber(other.to_string()),
            },
            status: q.status,
        })
        .collect())
}
