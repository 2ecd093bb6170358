//! GraphQL enums, mirroring the domain's (`remote` derives the conversions).

use async_graphql::Enum;

/// What a user may do.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::Role")]
pub enum Role {
    /// Everything a hiring manager does, plus managing users.
    Admin,
    /// Curates the bank, manages candidates and plans, reads scorecards.
    HiringManager,
    /// Sees assigned rounds and submits scorecards.
    Interviewer,
    /// Read-only dashboard client.
    Viewer,
}

/// Experience band.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::Level")]
pub enum Level {
    /// Early career.
    Junior,
    /// Independent contributor.
    Mid,
    /// Leads designs and mentors.
    Senior,
    /// Sets technical direction across teams.
    Lead,
}

/// Whether a question may be added to plans.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::QuestionStatus")]
pub enum QuestionStatus {
    /// Usable in new plans.
    Active,
    /// Readable, never added to a plan again.
    Retired,
}

/// Where a candidate stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::Stage")]
pub enum CandidateStage {
    /// Applied, not yet screened.
    Applied,
    /// In a screen.
    Screening,
    /// In interview rounds.
    Interviewing,
    /// An offer is out.
    Offer,
    /// Accepted the offer.
    Hired,
    /// Turned down.
    Rejected,
    /// Left the process.
    Withdrawn,
}

/// Lifecycle of an interview plan.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::PlanStatus")]
pub enum PlanStatus {
    /// Being assembled; editable.
    Draft,
    /// Live: interviewers submit scorecards.
    Published,
    /// Every round is done.
    Completed,
    /// Abandoned.
    Cancelled,
}

/// Kind of interview round.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::RoundKind")]
pub enum RoundKind {
    /// First call with a recruiter.
    RecruiterScreen,
    /// Short technical conversation.
    TechnicalScreen,
    /// Writing code together.
    LiveCoding,
    /// Work done at home, discussed after.
    TakeHome,
    /// Designing a system.
    SystemDesign,
    /// Past behaviour and ways of working.
    Behavioral,
    /// Conversation with the hiring manager.
    HiringManager,
}

/// Lifecycle of a scorecard.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::ScorecardStatus")]
pub enum ScorecardStatus {
    /// Visible only to its author.
    Draft,
    /// Final; visible under the blind-feedback rule.
    Submitted,
}

/// An interviewer's overall call.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::Recommendation")]
pub enum Recommendation {
    /// Definitely do not hire.
    StrongNo,
    /// Do not hire.
    No,
    /// Hire.
    Yes,
    /// Definitely hire.
    StrongYes,
}

/// Document formats of question import and export.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionFormat {
    /// `{"questions": [...]}`.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// Markdown, one `##` heading per question.
    Markdown,
}

/// How far a member of an interviewer pool has come.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::PoolLevel")]
pub enum PoolLevel {
    /// Watches qualified interviewers (shadow interviews).
    TraineeShadow,
    /// Leads while a qualified interviewer watches (reverse shadow).
    TraineeReverseShadow,
    /// Interviews on their own.
    Qualified,
}

/// The part someone plays on a round's panel.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::types::PanelRole")]
pub enum PanelRole {
    /// A full interviewer, whose scorecard counts.
    Interviewer,
    /// A trainee watching; their scorecard never counts in decisions or statistics.
    Shadow,
    /// A trainee leading while a qualified interviewer watches; their
    /// scorecard never counts either.
    ReverseShadow,
}
