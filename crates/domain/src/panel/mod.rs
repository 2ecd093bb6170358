//! Assembling a panel (docs/domain.md §2b): interviewer pools with
//! qualification levels and a training path, interview limits, the booked
//! interviews they are counted against, an explained panel suggestion,
//! feedback due times and the interviewers' load.
//!
//! Definitions shared by every part:
//! - A pool **matches** a round when its round kinds are empty or include
//!   the round's kind, and its competencies are empty or include one of the
//!   round's focus competencies.
//! - A member is **paused** while `paused` is set and `paused_until` is
//!   absent or still ahead.
//! - A user is **qualified** for a round when they are an unpaused
//!   `QUALIFIED` member of a matching pool.
//! - An **interview** of a user is an assignment, in any panel role, to a
//!   scheduled round of a published or completed plan, or of the plan being
//!   edited. Days and weeks are UTC; a week starts on Monday.
//! - The **trailing four weeks** are the 28 days before now.

mod feedback;
mod load;
mod pools;
mod suggest;

pub use feedback::{
    InterviewerLoad, Overdue, OverdueCursor, OverdueFilter, due_at, interviewer_load, overdue,
};
pub(crate) use load::{
    Assignment, Seat, assignment_problems, bookings, over_limits, record_overrides,
};
pub use load::{
    Booking, DAILY_LIMIT_MAX, FEEDBACK_HOURS_MAX, Limits, PanelSettings, WEEKLY_LIMIT_MAX, Window,
    set_interview_limits, set_panel_settings,
};
pub(crate) use pools::record_training;
pub use pools::{
    Pool, PoolInput, Qualifications, TRAINING_MAX, add_member, create_pool, delete_pool, graduate,
    members_of, pause_member, pool, pools, remove_member, resume_member, update_pool,
};
pub use suggest::{Exclusion, PanelSuggestion, Suggestion, suggest_panel};

use chrono::{DateTime, Utc};

use crate::entity::pool_member;

/// Whether `member` is paused at `now`.
pub fn is_paused(member: &pool_member::Model, now: DateTime<Utc>) -> bool {
    member.paused && member.paused_until.is_none_or(|until| until > now)
}
