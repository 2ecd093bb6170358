//! Validated values: each refuses bad input naming the field it was given and
//! saying what is allowed.

use domain::Problem;
use domain::types::{
    Email, Level, Minutes, Password, PlanStatus, QuestionStatus, Rating, Recommendation, Role,
    RoundKind, ScorecardStatus, Stage, Tag, Text,
};

/// The problem of a refused value, after checking it names `field`.
fn refused<T: std::fmt::Debug>(result: Result<T, Problem>, field: &str) -> String {
    match result {
        Ok(value) => panic!("expected {field} to be refused, got {value:?}"),
        Err(problem) => {
            assert_eq!(problem.field, field, "problem names the wrong field");
            problem.message
        }
    }
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "`{message}` does not mention `{part}`"
        );
    }
}

#[test]
fn a_rating_is_one_to_four() {
    assert_eq!(Rating::parse("rating", 1).map(Rating::get), Ok(1));
    assert_eq!(Rating::parse("rating", 4).map(Rating::get), Ok(4));
    for bad in [0, 5, -1] {
        let message = refused(
            Rating::parse("questionRatings[2].rating", bad),
            "questionRatings[2].rating",
        );
        assert_mentions(&message, &["1, 2, 3 or 4", &format!("got {bad}")]);
    }
}

#[test]
fn minutes_are_one_to_a_working_day() {
    assert_eq!(Minutes::parse("minutes", 1).map(Minutes::get), Ok(1));
    assert_eq!(Minutes::parse("minutes", 480).map(Minutes::get), Ok(480));
    for bad in [0, 481, -5] {
        let message = refused(Minutes::parse("durationMinutes", bad), "durationMinutes");
        assert_mentions(&message, &["between 1 and 480", &format!("got {bad}")]);
    }
}

#[test]
fn text_must_not_be_empty_or_only_whitespace() {
    for blank in ["", "   ", "\t\n "] {
        let message = refused(Text::parse("name", blank, 10), "name");
        assert_mentions(&message, &["must not be empty"]);
    }
}

#[test]
fn text_is_trimmed() {
    let text = Text::parse("name", "  Ada Lovelace \n", 200).expect("valid text");
    assert_eq!(text.as_str(), "Ada Lovelace");
}

#[test]
fn text_length_counts_characters_not_bytes() {
    // Five two-byte characters: ten bytes but five characters.
    let five = "ééééé";
    assert_eq!(five.len(), 10);
    assert_eq!(
        Text::parse("title", five, 5).map(Text::into_inner),
        Ok(five.to_owned())
    );
    let message = refused(Text::parse("title", "éééééé", 5), "title");
    assert_mentions(&message, &["at most 5 characters", "got 6"]);
}

#[test]
fn optional_text_accepts_blank_but_still_checks_length() {
    assert_eq!(
        Text::parse_optional("summary", "  ", 5).map(Text::into_inner),
        Ok(String::new())
    );
    let message = refused(Text::parse_optional("summary", "abcdef", 5), "summary");
    assert_mentions(&message, &["at most 5 characters"]);
}

#[test]
fn an_email_needs_an_at_sign() {
    let message = refused(Email::parse("email", "ada.example.com"), "email");
    assert_mentions(&message, &["ada.example.com", "no `@`"]);
}

#[test]
fn an_email_needs_exactly_one_at_sign() {
    let message = refused(Email::parse("email", "ada@lovelace@example.com"), "email");
    assert_mentions(&message, &["exactly one `@`"]);
    let message = refused(Email::parse("email", "@example.com"), "email");
    assert_mentions(&message, &["name before it"]);
}

#[test]
fn an_email_needs_a_dotted_domain() {
    for bad in ["ada@localhost", "ada@example.", "ada@.com"] {
        let message = refused(Email::parse("email", bad), "email");
        assert_mentions(&message, &["domain such as example.com"]);
    }
}

#[test]
fn an_email_must_not_contain_spaces() {
    let message = refused(
        Email::parse("contact", "ada lovelace@example.com"),
        "contact",
    );
    assert_mentions(&message, &["contains spaces"]);
}

#[test]
fn an_email_must_not_be_empty() {
    let message = refused(Email::parse("email", "  "), "email");
    assert_mentions(&message, &["must not be empty"]);
}

#[test]
fn an_email_is_trimmed_and_lower_cased() {
    let email = Email::parse("email", "  Ada.Lovelace@Example.COM ").expect("valid email");
    assert_eq!(email.as_str(), "ada.lovelace@example.com");
}

#[test]
fn a_tag_is_lower_cased() {
    let tag = Tag::parse("tags[0]", " PostgreSQL ").expect("valid tag");
    assert_eq!(tag.as_str(), "postgresql");
    for good in ["node.js", "c++", "c#", "ci-cd", "http2"] {
        assert_eq!(
            Tag::parse("tags[0]", good).map(|t| t.as_str().to_owned()),
            Ok(good.to_owned())
        );
    }
}

#[test]
fn a_tag_refuses_characters_outside_its_alphabet() {
    let message = refused(Tag::parse("tags[3]", "ci/cd"), "tags[3]");
    assert_mentions(&message, &["`/`", "letters, digits, `.`, `+`, `#` or `-`"]);
    let message = refused(Tag::parse("tags[1]", "two words"), "tags[1]");
    assert_mentions(&message, &["` `"]);
}

#[test]
fn a_tag_is_one_to_forty_characters() {
    let message = refused(Tag::parse("tags[0]", ""), "tags[0]");
    assert_mentions(&message, &["1 to 40 characters"]);
    assert!(Tag::parse("tags[0]", &"a".repeat(40)).is_ok());
    let message = refused(Tag::parse("tags[0]", &"a".repeat(41)), "tags[0]");
    assert_mentions(&message, &["1 to 40 characters"]);
}

#[test]
fn a_password_has_at_least_twelve_characters() {
    let message = refused(Password::parse("password", "elevenchars"), "password");
    assert_mentions(&message, &["at least 12 characters", "got 11"]);
    let password = Password::parse("password", "twelve chars").expect("valid password");
    assert_eq!(password.expose(), "twelve chars");
}

#[test]
fn a_password_never_shows_in_debug_output() {
    let password = Password::parse("password", "correct horse battery").expect("valid password");
    assert!(!format!("{password:?}").contains("horse"));
}

/// Parses `bad` and checks the refusal names `field` and lists `allowed`.
fn assert_enum_refusal<T: std::fmt::Debug>(
    parse: fn(&str, &str) -> Result<T, Problem>,
    allowed: &[&str],
) {
    let message = refused(parse("someField", "NOPE"), "someField");
    assert_mentions(&message, &["`NOPE`", &allowed.join(", ")]);
}

#[test]
fn each_enumeration_refuses_unknown_values_listing_the_allowed_ones() {
    assert_enum_refusal(
        Role::parse,
        &["ADMIN", "HIRING_MANAGER", "INTERVIEWER", "VIEWER"],
    );
    assert_enum_refusal(Level::parse, &["JUNIOR", "MID", "SENIOR", "LEAD"]);
    assert_enum_refusal(QuestionStatus::parse, &["ACTIVE", "RETIRED"]);
    assert_enum_refusal(
        Stage::parse,
        &[
            "APPLIED",
            "SCREENING",
            "INTERVIEWING",
            "OFFER",
            "HIRED",
            "REJECTED",
            "WITHDRAWN",
        ],
    );
    assert_enum_refusal(
        PlanStatus::parse,
        &["DRAFT", "PUBLISHED", "COMPLETED", "CANCELLED"],
    );
    assert_enum_refusal(
        RoundKind::parse,
        &[
            "RECRUITER_SCREEN",
            "TECHNICAL_SCREEN",
            "LIVE_CODING",
            "TAKE_HOME",
            "SYSTEM_DESIGN",
            "BEHAVIORAL",
            "HIRING_MANAGER",
        ],
    );
    assert_enum_refusal(ScorecardStatus::parse, &["DRAFT", "SUBMITTED"]);
    assert_enum_refusal(
        Recommendation::parse,
        &["STRONG_NO", "NO", "YES", "STRONG_YES"],
    );
}

#[test]
fn enumerations_accept_their_names_in_any_case() {
    assert_eq!(Level::parse("level", " senior "), Ok(Level::Senior));
    assert_eq!(
        Stage::parse("stage", "Interviewing"),
        Ok(Stage::Interviewing)
    );
    assert_eq!(
        Recommendation::parse("recommendation", "strong_yes"),
        Ok(Recommendation::StrongYes)
    );
}

/// docs/domain.md §2, written out: one step forward, or out to REJECTED/WITHDRAWN from
/// any open stage.
const SPEC_MOVES: [(Stage, Stage); 12] = [
    (Stage::Applied, Stage::Screening),
    (Stage::Screening, Stage::Interviewing),
    (Stage::Interviewing, Stage::Offer),
    (Stage::Offer, Stage::Hired),
    (Stage::Applied, Stage::Rejected),
    (Stage::Applied, Stage::Withdrawn),
    (Stage::Screening, Stage::Rejected),
    (Stage::Screening, Stage::Withdrawn),
    (Stage::Interviewing, Stage::Rejected),
    (Stage::Interviewing, Stage::Withdrawn),
    (Stage::Offer, Stage::Rejected),
    (Stage::Offer, Stage::Withdrawn),
];

#[test]
fn stage_moves_are_exactly_those_of_the_spec() {
    assert_eq!(Stage::ALL.len(), 7);
    for &from in Stage::ALL {
        for &to in Stage::ALL {
            assert_eq!(
                from.can_move_to(to),
                SPEC_MOVES.contains(&(from, to)),
                "{from} -> {to}"
            );
        }
    }
}

#[test]
fn the_moves_offered_from_each_stage_are_the_allowed_ones_in_stage_order() {
    for &from in Stage::ALL {
        let expected: Vec<Stage> = Stage::ALL
            .iter()
            .copied()
            .filter(|to| SPEC_MOVES.contains(&(from, *to)))
            .collect();
        assert_eq!(from.moves(), expected, "{from}");
    }
}

#[test]
fn closed_stages_are_hired_rejected_and_withdrawn() {
    let closed: Vec<Stage> = Stage::ALL
        .iter()
        .copied()
        .filter(|s| s.is_closed())
        .collect();
    assert_eq!(closed, [Stage::Hired, Stage::Rejected, Stage::Withdrawn]);
}

#[test]
fn the_forward_path_of_each_stage_follows_the_allowed_moves() {
    use domain::types::Stage::*;
    assert_eq!(Applied.forward_path(), []);
    assert_eq!(Offer.forward_path(), [Screening, Interviewing, Offer]);
    assert_eq!(
        Hired.forward_path(),
        [Screening, Interviewing, Offer, Hired]
    );
    assert_eq!(Rejected.forward_path(), []);
    for stage in domain::types::Stage::ALL {
        let path = stage.forward_path();
        let mut at = Applied;
        for next in path {
            assert!(at.can_move_to(next), "{at} → {next}");
            at = next;
        }
    }
}
