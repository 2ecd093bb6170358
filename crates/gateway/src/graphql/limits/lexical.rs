//! A single pass over the document's text, before it is parsed: how many
//! tokens it has and how deeply its brackets nest. Parsing a document costs
//! time in proportion to its tokens and stack in proportion to its nesting,
//! so both are bounded before the parser sees it.

/// What the scan found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Lexical tokens (names, numbers, strings, punctuators); commas,
    /// whitespace and comments are not tokens.
    pub tokens: usize,
    /// Deepest nesting of `{`, `(` and `[`.
    pub nesting: usize,
}

/// Scans `text`, stopping early once `max_tokens` is passed (the answer is
/// then just "more than the limit").
pub fn scan(text: &str, max_tokens: usize) -> Shape {
    let bytes = text.as_bytes();
    let mut shape = Shape::default();
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() && shape.tokens <= max_tokens {
        match bytes[at] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => at += 1,
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
                    at += 1;
                }
            }
            b'"' => {
                shape.tokens += 1;
                at = skip_string(bytes, at);
            }
            b'{' | b'(' | b'[' => {
                shape.tokens += 1;
                depth += 1;
                shape.nesting = shape.nesting.max(depth);
                at += 1;
            }
            b'}' | b')' | b']' => {
                shape.tokens += 1;
                depth = depth.saturating_sub(1);
                at += 1;
            }
            b'.' if bytes[at..].starts_with(b"...") => {
                shape.tokens += 1;
                at += 3;
            }
            byte if byte == b'_' || byte == b'-' || byte.is_ascii_alphanumeric() => {
                shape.tokens += 1;
                at += 1;
                // A name or a number: one token up to the next separator.
                while at < bytes.len()
                    && (bytes[at] == b'_'
                        || bytes[at] == b'.'
                        || bytes[at] == b'+'
                        || bytes[at] == b'-'
                        || bytes[at].is_ascii_alphanumeric())
                {
                    at += 1;
                }
            }
            byte if byte < 0x80 => {
                shape.tokens += 1;
                at += 1;
            }
            _ => {
                // Outside strings and comments only a byte-order mark is
                // allowed; the parser rejects anything else.
                shape.tokens += 1;
                at += text[at..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    shape
}

/// The index after the string starting at `start` (a `"`), block strings
/// included; an unterminated string runs to the end.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut at = start + 3;
        while at < bytes.len() {
            if bytes[at..].starts_with(b"\\\"\"\"") {
                at += 4;
            } else if bytes[at..].starts_with(b"\"\"\"") {
                return at + 3;
            } else {
                at += 1;
            }
        }
        return bytes.len();
    }
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_names_numbers_strings_and_punctuators_not_commas_or_comments() {
        let shape = scan(
            "query Q($n: Int = -1.5e3) { # a comment, not tokens\n  a: b(x: \"s, t\", y: [1, 2]) { ...F } }",
            1000,
        );
        // query Q ( $ n : Int = -1.5e3 ) { a : b ( x : "s, t" y : [ 1 2 ] ) { ... F } }
        assert_eq!(shape.tokens, 30);
        assert_eq!(shape.nesting, 3);
    }

    #[test]
    fn a_block_string_is_one_token_whatever_it_holds() {
        let shape = scan(r#"{ f(s: """ { [ ( \""" still inside """) }"#, 1000);
        assert_eq!(shape.tokens, 8);
        assert_eq!(shape.nesting, 2);
    }

    #[test]
    fn the_scan_stops_soon_after_the_token_limit() {
        let text = "a ".repeat(1_000_000);
        let shape = scan(&text, 100);
        assert_eq!(shape.tokens, 101);
    }

    #[test]
    fn deep_nesting_is_measured_without_recursion() {
        let text = format!("{}{}", "{a".repeat(100_000), "}".repeat(100_000));
        assert_eq!(scan(&text, usize::MAX).nesting, 100_000);
    }
}
