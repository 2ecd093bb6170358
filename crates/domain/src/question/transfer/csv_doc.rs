//! The CSV format (RFC 4180): a header row, then one record per question.

use super::{Exported, RawMinutes, Record, document_problem, split_tags};
use crate::error::{Error, Problem, Result};

/// The columns every CSV document starts with, in this order.
pub(super) const HEADER: [&str; 10] = [
    "category", "level", "prompt", "guidance", "rubric_1", "rubric_2", "rubric_3", "rubric_4",
    "tags", "minutes",
];

/// The optional last column, written by exports.
const STATUS: &str = "status";

fn internal(err: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing the CSV export failed: {err}"))
}

/// The questions as CSV with CRLF line endings, quoting fields as needed.
pub(super) fn write(questions: &[Exported]) -> Result<String> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(HEADER.iter().chain([&STATUS]))
        .map_err(internal)?;
    for q in questions {
        let tags = q.tags.join(";");
        let minutes = q.minutes.to_string();
        let [r1, r2, r3, r4] = &q.rubric;
        writer
            .write_record([
                q.category.as_str(),
                q.level.as_str(),
                &q.prompt,
                &q.guidance,
                r1,
                r2,
                r3,
                r4,
                &tags,
                &minutes,
                q.status.as_str(),
            ])
            .map_err(internal)?;
    }
    let bytes = writer.into_inner().map_err(internal)?;
    String::from_utf8(bytes).map_err(internal)
}

/// The line (from 1) on which the record at `position` starts. Counted
/// from the byte offset, as the reader's own line count lags by one after a
/// CRLF terminator.
fn line_of(document: &str, position: Option<&csv::Position>) -> usize {
    let bytes = document.as_bytes();
    let mut start = position
        .and_then(|p| usize::try_from(p.byte()).ok())
        .unwrap_or(0)
        .min(bytes.len());
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|b| **b == b'\n').count()
}

fn unreadable(document: &str, err: &csv::Error) -> Problem {
    document_problem(format!(
        "line {}: the CSV cannot be read: {err}",
        line_of(document, err.position())
    ))
}

/// The records of a CSV document, or where and why it cannot be read.
/// Row 1 is the first record after the header; blank lines do not count.
pub(super) fn read(document: &str) -> Result<Vec<Record>, Problem> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(document.as_bytes());
    let mut rows = reader.records();
    let header = match rows.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => return Err(unreadable(document, &err)),
        None => {
            return Err(document_problem(format!(
                "line 1: expected the header row `{}`",
                HEADER.join(",")
            )));
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let starts_right = names.len() >= HEADER.len() && names.iter().zip(HEADER).all(|(n, h)| n == h);
    let with_status = names.len() == HEADER.len() + 1 && names[HEADER.len()] == STATUS;
    if !starts_right || !(names.len() == HEADER.len() || with_status) {
        return Err(document_problem(format!(
            "line {}: the header row must be `{}` (optionally followed by `,{STATUS}`), found `{}`",
            line_of(document, header.position()),
            HEADER.join(","),
            header.iter().collect::<Vec<_>>().join(",")
        )));
    }
    let mut records = Vec::new();
    for row in rows {
        let row = row.map_err(|err| unreadable(document, &err))?;
        let line = line_of(document, row.position());
        if row.len() != names.len() {
            return Err(document_problem(format!(
                "line {line}: expected {} fields, one per header column, found {}; \
                 quote a field that contains a comma, a quote or a line break",
                names.len(),
                row.len()
            )));
        }
        let field = |i: usize| row.get(i).unwrap_or_default().to_owned();
        records.push(Record {
            line: Some(line),
            category: field(0),
            level: field(1),
            prompt: field(2),
            guidance: field(3),
            rubric: (4..8).map(field).collect(),
            tags: split_tags(&field(8)),
            minutes: RawMinutes::from_text(&field(9)),
            status: with_status.then(|| field(10)),
        });
    }
    Ok(records)
}
