//! Interview limits, the booked interviews they count, and overrides.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, Value,
};
use uuid::Uuid;

use super::pools::{Qualifications, level_of};
use crate::actor::{Actor, Permission};
use crate::entity::{limit_override, organization, user};
use crate::error::{Error, Problem, Result};
use crate::report::{fetch, get, parse_stored, placeholders};
use crate::types::{PanelRole, PlanStatus, RoundKind};

/// Highest daily interview limit accepted.
pub const DAILY_LIMIT_MAX: i32 = 20;
/// Highest weekly interview limit accepted.
pub const WEEKLY_LIMIT_MAX: i32 = 100;
/// Longest feedback due time after a round's end, in hours (30 days).
pub const FEEDBACK_HOURS_MAX: i32 = 720;
/// Longest round (the time box's maximum), which bounds how far back a
/// booking overlapping a window can start.
const LONGEST_ROUND: Duration = Duration::minutes(480);

/// A half-open span of time, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First instant in it.
    pub start: DateTime<Utc>,
    /// First instant after it.
    pub end: DateTime<Utc>,
}

impl Window {
    /// The UTC day holding `at`.
    pub fn day(at: DateTime<Utc>) -> Window {
        let start = at.date_naive().and_time(NaiveTime::MIN).and_utc();
        Window {
            start,
            end: start + Duration::days(1),
        }
    }

    /// The week (Monday 00:00 UTC to the next) holding `at`.
    pub fn week(at: DateTime<Utc>) -> Window {
        let day = Window::day(at).start;
        let start = day - Duration::days(i64::from(at.weekday().num_days_from_monday()));
        Window {
            start,
            end: start + Duration::days(7),
        }
    }

    /// The 28 days before `now`.
    pub fn trailing_four_weeks(now: DateTime<Utc>) -> Window {
        Window {
            start: now - Duration::days(28),
            end: now,
        }
    }

    /// Whether `at` falls in the window.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    /// The smallest window holding both.
    pub fn union(self, other: Window) -> Window {
        Window {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One interview of a user: their assignment to a round.
#[derive(Clone, Debug)]
pub struct Booking {
    /// The user.
    pub user_id: Uuid,
    /// Their part on the panel.
    pub role: PanelRole,
    /// The round.
    pub round_id: Uuid,
    /// Its title, to name it in messages.
    pub title: String,
    /// The plan's candidate.
    pub candidate_id: Uuid,
    /// When it starts and ends, if scheduled.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Start plus time box.
    pub ends_at: Option<DateTime<Utc>>,
}

impl Booking {
    /// Whether this booking's time overlaps `[start, end)`.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        match (self.scheduled_at, self.ends_at) {
            (Some(s), Some(e)) => s < end && start < e,
            _ => false,
        }
    }
}

/// The interviews of `users` that start in `span` (widened by the longest
/// round, so that overlaps at its edges are seen) or are with `candidate`:
/// assignments to rounds of published or completed plans, or of
/// `own_plan`. One statement.
pub(crate) async fn bookings<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    users: &[Uuid],
    own_plan: Option<Uuid>,
    span: Window,
    candidate: Option<Uuid>,
) -> Result<Vec<Booking>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT ri.user_id, ri.role, r.id AS round_id, r.title, r.scheduled_at, r.ends_at, \
           p.candidate_id \
         FROM round_interviewers ri \
         JOIN rounds r ON r.id = ri.round_id \
         JOIN interview_plans p ON p.id = r.plan_id \
         WHERE p.organization_id = $1 \
           AND (p.status IN ('{published}', '{completed}') OR p.id = $2) \
           AND ((r.scheduled_at >= $3 AND r.scheduled_at < $4) OR p.candidate_id = $5) \
           AND ri.user_id IN ({users}) \
         ORDER BY r.scheduled_at, r.id, ri.user_id",
        published = PlanStatus::Published.as_str(),
        completed = PlanStatus::Completed.as_str(),
        users = placeholders(6, users.len()),
    );
    let mut values = vec![
        Value::from(organization_id),
        Value::from(own_plan.unwrap_or_default()),
        Value::from(span.start - LONGEST_ROUND),
        Value::from(span.end),
        Value::from(candidate.unwrap_or_default()),
    ];
    values.extend(users.iter().map(|&u| Value::from(u)));
    fetch(db, &sql, values)
        .await?
        .iter()
        .map(|row| {
            Ok(Booking {
                user_id: get(row, "user_id")?,
                role: parse_stored(row, "role", PanelRole::parse)?,
                round_id: get(row, "round_id")?,
                title: get(row, "title")?,
                candidate_id: get(row, "candidate_id")?,
                scheduled_at: get(row, "scheduled_at")?,
                ends_at: get(row, "ends_at")?,
            })
        })
        .collect()
}

/// A user's limits: their own, else the organization's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Interviews per UTC day.
    pub daily: Option<i32>,
    /// Interviews per week.
    pub weekly: Option<i32>,
}

impl Limits {
    /// The limits that apply to `user` in `organization`.
    pub fn of(user: &user::Model, organization: &organization::Model) -> Limits {
        Limits {
            daily: user
                .daily_interview_limit
                .or(organization.daily_interview_limit),
            weekly: user
                .weekly_interview_limit
                .or(organization.weekly_interview_limit),
        }
    }
}

/// Interviews of `user` in `window` among `bookings`, leaving out `round`.
pub(crate) fn count_in(bookings: &[Booking], user: Uuid, window: Window, round: Uuid) -> usize {
    bookings
        .iter()
        .filter(|b| b.user_id == user && b.round_id != round)
        .filter(|b| b.scheduled_at.is_some_and(|at| window.contains(at)))
        .count()
}

/// Why assigning `user` (named `name`) to a round at `at` goes beyond their
/// limits, counting the round itself: one message per window exceeded.
pub(crate) fn over_limits(
    bookings: &[Booking],
    user: Uuid,
    name: &str,
    limits: Limits,
    at: DateTime<Utc>,
    round: Uuid,
) -> Vec<String> {
    [
        (limits.daily, Window::day(at), "on", "daily"),
        (limits.weekly, Window::week(at), "in the week of", "weekly"),
    ]
    .into_iter()
    .filter_map(|(limit, window, when, kind)| {
        let limit = limit?;
        let count = count_in(bookings, user, window, round) + 1;
        (count > limit as usize).then(|| {
            format!(
                "{name} would have {count} interviews {when} {} ({kind} limit {limit})",
                window.start.format("%Y-%m-%d")
            )
        })
    })
    .collect()
}

/// Someone placed on a round's panel, as an assignment checks them.
#[derive(Clone, Debug)]
pub(crate) struct Seat {
    /// The user.
    pub user_id: Uuid,
    /// Their part.
    pub role: PanelRole,
    /// Where the request names them (`interviewerIds[0]`, `trainees[1].userId`).
    pub field: String,
}

/// The round being assigned, as the checks see it.
pub(crate) struct Assignment<'a> {
    /// Its id (a fresh one for a round being added).
    pub round_id: Uuid,
    /// Its plan.
    pub plan_id: Uuid,
    /// Kind and focus competencies, to match pools.
    pub kind: RoundKind,
    pub focus: &'a [Uuid],
    /// When it starts.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Who sits on it.
    pub seats: &'a [Seat],
    /// Whether the request sets limits aside (`override: true`).
    pub override_limits: bool,
}

/// Problems with a round's panel that the assignment itself refuses (each
/// trainee training at their role's level in a matching pool; nobody beyond
/// an interview limit unless overridden or already overridden), and the
/// limit messages an override sets aside, to record. A fixed number of
/// statements.
pub(crate) async fn assignment_problems<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    assignment: &Assignment<'_>,
) -> Result<(Vec<Problem>, Vec<(Uuid, String)>)> {
    let mut problems = Vec::new();
    let mut overrides = Vec::new();
    if assignment.seats.is_empty() {
        return Ok((problems, overrides));
    }
    let ids: Vec<Uuid> = assignment.seats.iter().map(|s| s.user_id).collect();
    let now = Utc::now();
    let trainees: Vec<&Seat> = assignment
        .seats
        .iter()
        .filter(|s| s.role != PanelRole::Interviewer)
        .collect();
    if !trainees.is_empty() {
        let trainee_ids: Vec<Uuid> = trainees.iter().map(|s| s.user_id).collect();
        let known = Qualifications::load(db, actor.organization_id, Some(&trainee_ids)).await?;
        for seat in trainees {
            let Some(level) = level_of(seat.role) else {
                continue;
            };
            if known
                .matching(seat.user_id, level, assignment.kind, assignment.focus, now)
                .is_empty()
            {
                problems.push(Problem::new(
                    seat.field.clone(),
                    format!(
                        "is not an unpaused {level} member of a pool for {} rounds with these focus competencies",
                        assignment.kind
                    ),
                ));
            }
        }
    }
    let Some(at) = assignment.scheduled_at else {
        return Ok((problems, overrides));
    };
    let organization = crate::organization::get(db, actor).await?;
    let users = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .filter(user::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    if organization.daily_interview_limit.is_none()
        && organization.weekly_interview_limit.is_none()
        && users
            .iter()
            .all(|u| u.daily_interview_limit.is_none() && u.weekly_interview_limit.is_none())
    {
        return Ok((problems, overrides));
    }
    let span = Window::week(at).union(Window::day(at));
    let booked = bookings(
        db,
        actor.organization_id,
        &ids,
        Some(assignment.plan_id),
        span,
        None,
    )
    .await?;
    let standing: Vec<Uuid> = limit_override::Entity::find()
        .filter(limit_override::Column::RoundId.eq(assignment.round_id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.user_id)
        .collect();
    for seat in assignment.seats {
        let Some(person) = users.iter().find(|u| u.id == seat.user_id) else {
            continue;
        };
        let over = over_limits(
            &booked,
            person.id,
            &person.display_name,
            Limits::of(person, &organization),
            at,
            assignment.round_id,
        );
        if over.is_empty() || standing.contains(&person.id) {
            continue;
        }
        if assignment.override_limits {
            overrides.push((person.id, over.join("; ")));
        } else {
            for message in over {
                problems.push(Problem::new(
                    seat.field.clone(),
                    format!("{message}; pass override: true to assign anyway"),
                ));
            }
        }
    }
    Ok((problems, overrides))
}

/// Records, in the assignment's transaction, that `actor` set the given
/// limits aside for these users on `round_id`.
pub(crate) async fn record_overrides<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    round_id: Uuid,
    overrides: &[(Uuid, String)],
) -> Result<()> {
    if overrides.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    limit_override::Entity::insert_many(overrides.iter().map(|(user_id, reason)| {
        limit_override::ActiveModel {
            round_id: Set(round_id),
            user_id: Set(*user_id),
            overridden_by: Set(actor.user_id),
            reason: Set(reason.chars().take(400).collect()),
            overridden_at: Set(now),
        }
    }))
    .exec(txn)
    .await?;
    Ok(())
}

fn check_limit(field: &str, value: Option<i32>, max: i32) -> Result<Option<i32>, Problem> {
    match value {
        Some(n) if !(1..=max).contains(&n) => Err(Problem::new(
            field,
            format!("must be from 1 to {max} interviews, or null for no limit"),
        )),
        other => Ok(other),
    }
}

/// The organization's panel settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PanelSettings {
    /// Interviews a user may have per UTC day (`None`: no limit).
    pub daily_interview_limit: Option<i32>,
    /// Interviews a user may have per week.
    pub weekly_interview_limit: Option<i32>,
    /// Hours after a round's end its feedback is due (1–720).
    pub feedback_due_hours: i32,
    /// Whether publishing requires every interviewer to be qualified.
    pub require_qualification: bool,
}

/// Sets the organization's panel settings; administrators only.
pub async fn set_panel_settings(
    db: &DatabaseConnection,
    actor: &Actor,
    settings: PanelSettings,
) -> Result<organization::Model> {
    actor.require(Permission::ManageUsers)?;
    let hours = if (1..=FEEDBACK_HOURS_MAX).contains(&settings.feedback_due_hours) {
        Ok(settings.feedback_due_hours)
    } else {
        Err(Problem::new(
            "feedbackDueHours",
            format!("must be from 1 to {FEEDBACK_HOURS_MAX} hours"),
        ))
    };
    crate::validate! {
        let daily = check_limit("dailyInterviewLimit", settings.daily_interview_limit, DAILY_LIMIT_MAX);
        let weekly = check_limit("weeklyInterviewLimit", settings.weekly_interview_limit, WEEKLY_LIMIT_MAX);
        let hours = hours;
    }
    let mut active: organization::ActiveModel = crate::organization::get(db, actor).await?.into();
    active.daily_interview_limit = Set(daily);
    active.weekly_interview_limit = Set(weekly);
    active.feedback_due_hours = Set(hours);
    active.require_qualification = Set(settings.require_qualification);
    Ok(active.update(db).await?)
}

/// Sets a user's own interview limits (`None`: the organization's apply);
/// admins and hiring managers.
pub async fn set_interview_limits(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: Uuid,
    daily: Option<i32>,
    weekly: Option<i32>,
) -> Result<user::Model> {
    actor.require(Permission::ManagePlans)?;
    crate::validate! {
        let daily = check_limit("dailyInterviewLimit", daily, DAILY_LIMIT_MAX);
        let weekly = check_limit("weeklyInterviewLimit", weekly, WEEKLY_LIMIT_MAX);
    }
    let found = user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    let mut active: user::ActiveModel = found.into();
    active.daily_interview_limit = Set(daily);
    active.weekly_interview_limit = Set(weekly);
    Ok(active.update(db).await?)
}
