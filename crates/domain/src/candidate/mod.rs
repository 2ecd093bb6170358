//! Candidates and the stages they move through.
//!
//! A candidate starts at `APPLIED` and moves one step forward at a time
//! (`APPLIED → SCREENING → INTERVIEWING → OFFER → HIRED`) or out to
//! `REJECTED`/`WITHDRAWN` from any open stage. Every stage a candidate enters
//! is recorded, with who moved them and when, for time-in-stage reports.

mod erase;
mod list;
mod service;
mod stage;

pub use erase::{Due, ERASED_NAME, ERASED_TEXT, apply_retention, due_for_retention, erase, export};
pub use list::{CandidateFilter, CandidateWithPlans, list, list_with_plans};
pub use service::{by_ids, create, get, stage_history, stage_history_of, update};
pub use stage::move_stage;

use crate::error::{Problem, collect_problems};
use crate::types::{Email, Level, Text};

/// Longest name accepted.
pub const NAME_MAX: usize = 200;
/// Longest position title accepted.
pub const POSITION_MAX: usize = 200;

/// A candidate as a client submits it, before validation.
#[derive(Clone, Debug)]
pub struct CandidateInput {
    /// Full name.
    pub name: String,
    /// Contact email, unique within the organization.
    pub email: String,
    /// The position applied for, e.g. `Backend Engineer`.
    pub position_title: String,
    /// The experience band the candidate is assessed against.
    pub target_level: Level,
}

/// A candidate input whose every field has been checked.
#[derive(Clone, Debug)]
pub(crate) struct ValidCandidate {
    pub name: Text,
    pub email: Email,
    pub position_title: Text,
    pub target_level: Level,
}

impl CandidateInput {
    /// Checks every field, listing all problems found.
    pub(crate) fn validate(&self) -> Result<ValidCandidate, Vec<Problem>> {
        match (
            Text::parse("name", &self.name, NAME_MAX),
            Email::parse("email", &self.email),
            Text::parse("positionTitle", &self.position_title, POSITION_MAX),
        ) {
            (Ok(name), Ok(email), Ok(position_title)) => Ok(ValidCandidate {
                name,
                email,
                position_title,
                target_level: self.target_level,
            }),
            results => Err(collect_problems(results)),
        }
    }
}

impl ValidCandidate {
    /// The conflict message when another candidate of the organization
    /// already has this email.
    pub(crate) fn duplicate_message(&self) -> String {
        format!(
            "a candidate with email {} already exists in your organization",
            self.email.as_str()
        )
    }
}
