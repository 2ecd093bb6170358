//! The Markdown format, for people to read and edit: one `## <prompt>`
//! heading per question, a `- field: value` list, a `### Guidance` section
//! and a `### Rubric` list numbered 1 to 4.
//!
//! The reader is strict about structure, so a mistake is reported with its
//! line instead of being read as something else, and loose about blank
//! lines, indentation and the case of field and section names.

use std::collections::HashMap;

use super::{Exported, RawMinutes, Record, document_problem, split_tags};
use crate::error::Problem;

/// Field names of the list under a question's heading.
const FIELDS: [&str; 5] = ["category", "level", "tags", "minutes", "status"];

/// Title line of an export; any `# ` title is accepted before the first
/// question.
const TITLE: &str = "# Question bank";

/// The questions as a Markdown document.
pub(super) fn write(questions: &[Exported]) -> String {
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(TITLE);
    for q in questions {
        line("");
        line(&format!("## {}", one_line(&q.prompt)));
        line("");
        line(&format!("- category: {}", one_line(&q.category)));
        line(&format!("- level: {}", q.level));
        line(&format!("- status: {}", q.status));
        line(format!("- tags: {}", q.tags.join(", ")).trim_end());
        line(&format!("- minutes: {}", q.minutes));
        line("");
        line("### Guidance");
        line("");
        for text in q.guidance.lines() {
            line(&escape(text));
        }
        line("");
        line("### Rubric");
        line("");
        for (rating, anchor) in (1..).zip(&q.rubric) {
            line(&format!("{rating}. {}", one_line(anchor)));
        }
    }
    out
}

/// Text on one line: a heading or list item cannot hold a line break, so
/// breaks become spaces.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits a line into its indentation and the rest.
fn indented(line: &str) -> (&str, &str) {
    let rest = line.trim_start();
    (&line[..line.len() - rest.len()], rest)
}

/// Escapes a guidance line that would otherwise read as a heading (`#…`),
/// or that starts with an escape itself (`\#`, `\\`), with one backslash.
fn escape(line: &str) -> String {
    let (indent, rest) = indented(line);
    if rest.starts_with('#') || rest.starts_with("\\#") || rest.starts_with("\\\\") {
        format!("{indent}\\{rest}")
    } else {
        line.to_owned()
    }
}

/// Undoes [`escape`].
fn unescape(line: &str) -> String {
    let (indent, rest) = indented(line);
    match rest.strip_prefix('\\') {
        Some(unescaped) if unescaped.starts_with(['#', '\\']) => format!("{indent}{unescaped}"),
        _ => line.to_owned(),
    }
}

/// What a line of the document is, structurally.
enum Line<'a> {
    Blank,
    /// `#`s (how many) followed by a space, and the heading's text.
    Heading(usize, &'a str),
    Text,
}

fn classify(raw: &str) -> Line<'_> {
    let text = raw.trim();
    if text.is_empty() {
        return Line::Blank;
    }
    let hashes = text.bytes().take_while(|b| *b == b'#').count();
    let rest = &text[hashes..];
    if hashes > 0 && (rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        Line::Heading(hashes, rest.trim())
    } else {
        Line::Text
    }
}

fn at(line: usize, message: impl std::fmt::Display) -> Problem {
    document_problem(format!("line {line}: {message}"))
}

/// The records of a Markdown document, or the first line that cannot be
/// read and what was expected there.
pub(super) fn read(document: &str) -> Result<Vec<Record>, Problem> {
    let mut records = Vec::new();
    let mut current: Option<Block> = None;
    for (index, raw) in document.lines().enumerate() {
        let number = index + 1;
        match (classify(raw), current.as_mut()) {
            (Line::Blank, Some(block)) => block.blank(raw),
            (Line::Blank, None) | (Line::Heading(1, _), None) => {}
            (Line::Heading(2, prompt), _) => {
                records.extend(current.take().map(Block::finish));
                current = Some(Block::new(number, prompt));
            }
            (Line::Heading(1, title), Some(_)) => {
                return Err(at(
                    number,
                    format!(
                        "`# {title}` is a title, allowed only before the first question; \
                         start a question with `## <prompt>`, a section with `### Guidance` \
                         or `### Rubric`, or write `\\#` for a literal `#`"
                    ),
                ));
            }
            (Line::Heading(3, name), Some(block)) => block.section(number, name)?,
            (Line::Heading(3, name), None) => {
                return Err(at(
                    number,
                    format!(
                        "`### {name}` comes before the first question; start each question \
                         with a `## <prompt>` heading"
                    ),
                ));
            }
            (_, Some(block)) => block.text(number, raw)?,
            (_, None) => {
                return Err(at(
                    number,
                    format!(
                        "expected a `## <prompt>` heading to start the first question, found `{}`",
                        raw.trim()
                    ),
                ));
            }
        }
    }
    records.extend(current.map(Block::finish));
    Ok(records)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Section {
    Fields,
    Guidance,
    Rubric,
}

/// A question being read, from its `##` heading to the next one.
struct Block {
    record: Record,
    section: Section,
    /// Line of each field and section seen, to name the first of a repeat.
    seen: HashMap<String, usize>,
    guidance: Vec<String>,
}

impl Block {
    fn new(line: usize, prompt: &str) -> Block {
        Block {
            record: Record {
                line: Some(line),
                prompt: prompt.to_owned(),
                ..Record::default()
            },
            section: Section::Fields,
            seen: HashMap::new(),
            guidance: Vec::new(),
        }
    }

    fn first_time(&mut self, line: usize, name: &str, what: &str) -> Result<(), Problem> {
        match self.seen.insert(name.to_owned(), line) {
            Some(first) => Err(at(
                line,
                format!("{what} appears twice in this question (first on line {first})"),
            )),
            None => Ok(()),
        }
    }

    fn section(&mut self, line: usize, name: &str) -> Result<(), Problem> {
        self.section = match name.to_lowercase().as_str() {
            "guidance" => Section::Guidance,
            "rubric" => Section::Rubric,
            _ => {
                return Err(at(
                    line,
                    format!(
                        "unknown section `### {name}`; a question has a `### Guidance` and a \
                         `### Rubric` section"
                    ),
                ));
            }
        };
        self.first_time(
            line,
            &format!("### {}", name.to_lowercase()),
            &format!("`### {name}`"),
        )
    }

    fn blank(&mut self, raw: &str) {
        if self.section == Section::Guidance {
            self.guidance.push(raw.to_owned());
        }
    }

    fn text(&mut self, line: usize, raw: &str) -> Result<(), Problem> {
        match self.section {
            Section::Fields => self.field(line, raw.trim()),
            Section::Guidance => {
                self.guidance.push(unescape(raw));
                Ok(())
            }
            Section::Rubric => self.anchor(line, raw),
        }
    }

    fn field(&mut self, line: usize, text: &str) -> Result<(), Problem> {
        let expected = || {
            at(
                line,
                format!(
                    "expected a field line such as `- category: Databases` (fields: {}) \
                     or a `### Guidance` / `### Rubric` heading, found `{text}`",
                    FIELDS.join(", ")
                ),
            )
        };
        let item = text
            .strip_prefix(['-', '*', '+'])
            .filter(|rest| rest.starts_with(char::is_whitespace))
            .ok_or_else(expected)?;
        let (key, value) = item.split_once(':').ok_or_else(expected)?;
        let key = key.trim().to_lowercase();
        let value = value.trim();
        if !FIELDS.contains(&key.as_str()) {
            return Err(at(
                line,
                format!(
                    "unknown field `{key}`; the fields are {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        self.first_time(line, &key, &format!("field `{key}`"))?;
        match key.as_str() {
            "category" => self.record.category = value.to_owned(),
            "level" => self.record.level = value.to_owned(),
            "tags" => self.record.tags = split_tags(value),
            "minutes" => self.record.minutes = RawMinutes::from_text(value),
            _ => self.record.status = Some(value.to_owned()),
        }
        Ok(())
    }

    fn anchor(&mut self, line: usize, raw: &str) -> Result<(), Problem> {
        let text = raw.trim();
        if let Some((number, anchor)) = numbered_item(text) {
            let expected = self.record.rubric.len() + 1;
            if number != expected {
                return Err(at(
                    line,
                    format!(
                        "rubric anchor numbered {number}, expected {expected}: list one anchor \
                         per rating, 1 to 4, in order"
                    ),
                ));
            }
            self.record.rubric.push(anchor.to_owned());
            return Ok(());
        }
        // An indented line continues the anchor above it.
        match self.record.rubric.last_mut() {
            Some(last) if raw.starts_with(char::is_whitespace) => {
                last.push(' ');
                last.push_str(text);
                Ok(())
            }
            _ => Err(at(
                line,
                format!(
                    "expected a numbered rubric anchor such as `1. Cannot explain the idea.` \
                     (ratings 1 to 4, in order; indent a line to continue the anchor above), \
                     found `{text}`"
                ),
            )),
        }
    }

    fn finish(mut self) -> Record {
        let is_blank = |line: &String| line.trim().is_empty();
        let start = self
            .guidance
            .iter()
            .position(|l| !is_blank(l))
            .unwrap_or(self.guidance.len());
        let end = self
            .guidance
            .iter()
            .rposition(|l| !is_blank(l))
            .map_or(start, |last| last + 1);
        self.record.guidance = self.guidance[start..end].join("\n");
        self.record
    }
}

/// `3. text` or `3) text` as (3, "text").
fn numbered_item(text: &str) -> Option<(usize, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number = text[..digits].parse().ok()?;
    let rest = text[digits..].strip_prefix(['.', ')'])?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| (number, rest.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guidance_lines_that_look_like_headings_survive_escaping() {
        for line in [
            "# not a title",
            "  ## indented",
            "\\# literal",
            "\\\\x",
            "\\x",
            "plain",
        ] {
            assert_eq!(unescape(&escape(line)), line, "{line}");
        }
        assert!(matches!(classify(&escape("## x")), Line::Text));
    }

    #[test]
    fn rubric_items_are_numbered_with_a_dot_or_a_parenthesis() {
        assert_eq!(numbered_item("1. Cannot"), Some((1, "Cannot")));
        assert_eq!(numbered_item("4) Leads"), Some((4, "Leads")));
        assert_eq!(numbered_item("2."), Some((2, "")));
        assert_eq!(numbered_item("10.5 minutes"), None);
        assert_eq!(numbered_item("- one"), None);
    }
}
