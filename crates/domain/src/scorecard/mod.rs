//! Scorecards: one per round and interviewer, saved as a draft and then
//! submitted, then amended as audited revisions. Reading them follows the
//! blind-feedback rule.

mod amend;
mod read;
mod write;

pub use amend::{
    REASON_MAX, RevisedCompetencyRating, RevisedQuestionRating, amend, revised_competency_ratings,
    revised_question_ratings, revisions, revisions_of,
};
pub use read::{
    DetailedScorecard, ListedRating, ListedScorecard, ListingParts, RatedQuestion, ScorecardsOf,
    competency_ratings_of, get, get_as_event, may_see, question_ratings_of, visible_for_candidates,
    visible_for_rounds, visible_listing, visible_with_details,
};
pub use write::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput, save_draft, submit};
