//! Scorecards: one per round and interviewer, saved as a draft and then
//! submitted. Reading them follows the blind-feedback rule.

mod read;
mod write;

pub use read::{
    competency_ratings_of, get, may_see, question_ratings_of, visible_for_candidates,
    visible_for_rounds,
};
pub use write::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput, save_draft, submit};
