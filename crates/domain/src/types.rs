//! Validated values of the domain.
//!
//! Each type can only be built through `parse`, which names the field and says
//! what is allowed when it refuses, so an invalid value never reaches the
//! database. Enumerations are stored as their `SCREAMING_CASE` names.

use std::fmt;

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// Declares a string-backed enumeration stored as text, with its list of
/// values for error messages and a `parse` that names the field on failure.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $text)] #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and displayed name of the value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a value from its name, refusing anything else with a
            /// message that lists what is allowed.
            pub fn parse(field: &str, value: &str) -> Result<Self, Problem> {
                match value.trim().to_ascii_uppercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(Problem::new(
                        field,
                        format!(
                            "`{}` is not one of {}",
                            value,
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What a user may do in their organization.
    Role {
        /// Everything a hiring manager does, plus managing users.
        Admin = "ADMIN",
        /// Curates the bank, manages candidates and plans, reads scorecards.
        HiringManager = "HIRING_MANAGER",
        /// Sees assigned rounds and submits scorecards.
        Interviewer = "INTERVIEWER",
        /// Read-only dashboard client.
        Viewer = "VIEWER",
    }
);

text_enum!(
    /// Experience band of a question or a candidate's target.
    Level {
        /// Early career.
        Junior = "JUNIOR",
        /// Independent contributor.
        Mid = "MID",
        /// Leads designs and mentors.
        Senior = "SENIOR",
        /// Sets technical direction across teams.
        Lead = "LEAD",
    }
);

text_enum!(
    /// Whether a question may still be added to plans.
    QuestionStatus {
        /// Usable in new plans.
        Active = "ACTIVE",
        /// Readable, but never added to a plan again.
        Retired = "RETIRED",
    }
);

text_enum!(
    /// Where a candidate stands in the hiring process.
    Stage {
        /// Applied, not yet screened.
        Applied = "APPLIED",
        /// In the recruiter or technical screen.
        Screening = "SCREENING",
        /// In interview rounds.
        Interviewing = "INTERVIEWING",
        /// An offer is out.
        Offer = "OFFER",
        /// Accepted the offer.
        Hired = "HIRED",
        /// Turned down by the organization.
        Rejected = "REJECTED",
        /// Left the process of their own accord.
        Withdrawn = "WITHDRAWN",
    }
);

impl Stage {
    /// True for stages a candidate never leaves.
    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Hired | Stage::Rejected | Stage::Withdrawn)
    }

    /// The one forward step from an open stage (`None` for closed stages).
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Applied => Some(Stage::Screening),
            Stage::Screening => Some(Stage::Interviewing),
            Stage::Interviewing => Some(Stage::Offer),
            Stage::Offer => Some(Stage::Hired),
            Stage::Hired | Stage::Rejected | Stage::Withdrawn => None,
        }
    }

    /// The forward moves from APPLIED that end in `self`, in order: empty
    /// for APPLIED and for the exits REJECTED and WITHDRAWN, which are not
    /// on the forward path.
    pub fn forward_path(self) -> Vec<Stage> {
        let mut path = Vec::new();
        let mut at = Stage::Applied;
        while at != self {
            match at.next() {
                Some(next) => {
                    path.push(next);
                    at = next;
                }
                None => return Vec::new(),
            }
        }
        path
    }

    /// Whether a candidate in `self` may move to `to`: one step forward, or
    /// out to `Rejected`/`Withdrawn` from any open stage.
    pub fn can_move_to(self, to: Stage) -> bool {
        if self.is_closed() {
            return false;
        }
        self.next() == Some(to) || matches!(to, Stage::Rejected | Stage::Withdrawn)
    }

    /// Every stage a candidate in `self` may move to, in stage order.
    pub fn moves(self) -> Vec<Stage> {
        Stage::ALL
            .iter()
            .copied()
            .filter(|to| self.can_move_to(*to))
            .collect()
    }
}

text_enum!(
    /// Lifecycle of an interview plan.
    PlanStatus {
        /// Being assembled; freely editable.
        Draft = "DRAFT",
        /// Checked and live: interviewers submit scorecards.
        Published = "PUBLISHED",
        /// Every round is done.
        Completed = "COMPLETED",
        /// Abandoned.
        Cancelled = "CANCELLED",
    }
);

text_enum!(
    /// The kind of an interview round.
    RoundKind {
        /// First call with a recruiter.
        RecruiterScreen = "RECRUITER_SCREEN",
        /// Short technical conversation.
        TechnicalScreen = "TECHNICAL_SCREEN",
        /// Writing code together.
        LiveCoding = "LIVE_CODING",
        /// Work done at home and discussed after.
        TakeHome = "TAKE_HOME",
        /// Designing a system on a whiteboard.
        SystemDesign = "SYSTEM_DESIGN",
        /// Past behaviour and ways of working.
        Behavioral = "BEHAVIORAL",
        /// Conversation with the hiring manager.
        HiringManager = "HIRING_MANAGER",
    }
);

text_enum!(
    /// How far a member of an interviewer pool has come.
    PoolLevel {
        /// Watches qualified interviewers (shadow interviews).
        TraineeShadow = "TRAINEE_SHADOW",
        /// Leads while a qualified interviewer watches (reverse shadow).
        TraineeReverseShadow = "TRAINEE_REVERSE_SHADOW",
        /// Interviews on their own.
        Qualified = "QUALIFIED",
    }
);

text_enum!(
    /// The part a user plays on a round's panel.
    PanelRole {
        /// A full interviewer, whose scorecard counts.
        Interviewer = "INTERVIEWER",
        /// A trainee watching (a shadow interview).
        Shadow = "SHADOW",
        /// A trainee leading while a qualified interviewer watches.
        ReverseShadow = "REVERSE_SHADOW",
    }
);

text_enum!(
    /// Lifecycle of a scorecard.
    ScorecardStatus {
        /// Visible only to its author.
        Draft = "DRAFT",
        /// Final; visible under the blind-feedback rule.
        Submitted = "SUBMITTED",
    }
);

text_enum!(
    /// An interviewer's overall call.
    Recommendation {
        /// Definitely do not hire.
        StrongNo = "STRONG_NO",
        /// Do not hire.
        No = "NO",
        /// Hire.
        Yes = "YES",
        /// Definitely hire.
        StrongYes = "STRONG_YES",
    }
);

/// A rating on the 1–4 rubric scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1, 2, 3 or 4.
    pub fn parse(field: &str, value: i64) -> Result<Self, Problem> {
        match u8::try_from(value) {
            Ok(v @ 1..=4) => Ok(Rating(v)),
            _ => Err(Problem::new(
                field,
                format!("rating must be 1, 2, 3 or 4, got {value}"),
            )),
        }
    }

    /// The rating as a number.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A duration in whole minutes, 1 to 480 (a working day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minutes(u16);

impl Minutes {
    /// The longest duration accepted.
    pub const MAX: i64 = 480;

    /// Accepts 1 to 480.
    pub fn parse(field: &str, value: i64) -> Result<Self, Problem> {
        match u16::try_from(value) {
            Ok(v) if (1..=Self::MAX).contains(&i64::from(v)) => Ok(Minutes(v)),
            _ => Err(Problem::new(
                field,
                format!("minutes must be between 1 and {}, got {value}", Self::MAX),
            )),
        }
    }

    /// The number of minutes.
    pub fn get(self) -> i32 {
        i32::from(self.0)
    }
}

/// Text that is non-empty after trimming and at most `max` characters long.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    /// Trims `value` and accepts it when 1..=`max` characters remain.
    pub fn parse(field: &str, value: &str, max: usize) -> Result<Self, Problem> {
        let trimmed = value.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            Err(Problem::new(field, "must not be empty"))
        } else if length > max {
            Err(Problem::new(
                field,
                format!("must be at most {max} characters, got {length}"),
            ))
        } else {
            Ok(Text(trimmed.to_owned()))
        }
    }

    /// Like [`Text::parse`] but an empty value is allowed (becomes `""`).
    pub fn parse_optional(field: &str, value: &str, max: usize) -> Result<Self, Problem> {
        if value.trim().is_empty() {
            Ok(Text(String::new()))
        } else {
            Self::parse(field, value, max)
        }
    }

    /// The trimmed text.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// The trimmed text, borrowed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed and lower-cased, with one `@`, a non-empty local
/// part and a dotted domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts a plausible address of at most 254 characters.
    pub fn parse(field: &str, value: &str) -> Result<Self, Problem> {
        let email = value.trim().to_lowercase();
        let bad = |why: &str| {
            Err(Problem::new(
                field,
                format!("`{value}` is not an email address: {why}"),
            ))
        };
        if email.is_empty() {
            return Err(Problem::new(field, "must not be empty"));
        }
        if email.chars().count() > 254 {
            return bad("longer than 254 characters");
        }
        if email.chars().any(char::is_whitespace) {
            return bad("it contains spaces");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return bad("it has no `@`");
        };
        if local.is_empty() || domain.contains('@') {
            return bad("it needs exactly one `@` with a name before it");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
            return bad("the part after `@` must be a domain such as example.com");
        }
        Ok(Email(email))
    }

    /// The normalised address.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// The normalised address, borrowed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A question tag: lower case, 1–40 characters of `a-z 0-9 . + # -`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Longest tag accepted.
    pub const MAX: usize = 40;

    /// Trims and lower-cases `value`, then checks its characters.
    pub fn parse(field: &str, value: &str) -> Result<Self, Problem> {
        let tag = value.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > Self::MAX {
            return Err(Problem::new(
                field,
                format!("tag `{value}` must be 1 to {} characters", Self::MAX),
            ));
        }
        if let Some(bad) = tag
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '#' | '-')))
        {
            return Err(Problem::new(
                field,
                format!(
                    "tag `{value}` contains `{bad}`; use letters, digits, `.`, `+`, `#` or `-`"
                ),
            ));
        }
        Ok(Tag(tag))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed; only its length is checked (hashing happens in `auth`).
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Shortest password accepted (OWASP's minimum for single-factor sign-in).
    pub const MIN: usize = 12;
    /// Longest password accepted, to bound hashing work.
    pub const MAX: usize = 256;

    /// Accepts 12 to 256 characters.
    pub fn parse(field: &str, value: &str) -> Result<Self, Problem> {
        let length = value.chars().count();
        if length < Self::MIN {
            Err(Problem::new(
                field,
                format!(
                    "password must be at least {} characters, got {length}",
                    Self::MIN
                ),
            ))
        } else if length > Self::MAX {
            Err(Problem::new(
                field,
                format!("password must be at most {} characters", Self::MAX),
            ))
        } else {
            Ok(Password(value.to_owned()))
        }
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}
