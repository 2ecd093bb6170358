//! Feedback on time: due times, `overdueScorecards` and `interviewerLoad`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Value};
use uuid::Uuid;

use super::is_paused;
use super::load::{Limits, Window, bookings, count_in};
use super::pools::Qualifications;
use crate::actor::{Actor, Permission};
use crate::entity::{round, user};
use crate::error::{Error, Result};
use crate::page::Page;
use crate::query::{columns, prefixed_required};
use crate::report::{count, fetch, get, parse_stored};
use crate::types::{PanelRole, PlanStatus, PoolLevel, Role, ScorecardStatus};

/// How far back `interviewerLoad` looks for submissions that were due.
pub const PUNCTUALITY_DAYS: i64 = 90;

/// When a round's feedback is due: the time set on the round, else
/// `hours` (the organization's `feedbackDueHours`) after its end; `None`
/// for an unscheduled round without one.
pub fn due_at(round: &round::Model, hours: i32) -> Option<DateTime<Utc>> {
    round.feedback_due_at.or(round
        .ends_at
        .map(|end| end + Duration::hours(i64::from(hours))))
}

/// Which overdue scorecards to list.
#[derive(Clone, Copy, Debug, Default)]
pub struct OverdueFilter {
    /// Only this interviewer's.
    pub interviewer_id: Option<Uuid>,
    /// Only this candidate's.
    pub candidate_id: Option<Uuid>,
}

/// Where a page of overdue scorecards starts: after this assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverdueCursor {
    /// The round of the last item of the previous page.
    pub round_id: Uuid,
    /// Its interviewer.
    pub user_id: Uuid,
}

/// A scorecard that an assigned interviewer owes past its due time.
#[derive(Clone, Debug)]
pub struct Overdue {
    /// The round.
    pub round: round::Model,
    /// Who owes it.
    pub interviewer: user::Model,
    /// Their part on the panel.
    pub role: PanelRole,
    /// The plan's candidate.
    pub candidate_id: Uuid,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// Whether a draft is saved.
    pub has_draft: bool,
}

impl Overdue {
    /// Its place in the list.
    pub fn cursor(&self) -> OverdueCursor {
        OverdueCursor {
            round_id: self.round.id,
            user_id: self.interviewer.id,
        }
    }
}

/// Assignments of published plans whose feedback is past due and not
/// submitted, by round then interviewer. Interviewers see only their own;
/// other roles see everyone's. One statement (two with `count`).
pub async fn overdue<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: OverdueFilter,
    first: u64,
    after: Option<OverdueCursor>,
    with_count: bool,
) -> Result<Page<Overdue>> {
    let mut filter = filter;
    if !actor.role.allows(Permission::ReadAllScorecards) {
        match filter.interviewer_id {
            Some(id) if id != actor.user_id => {
                return Err(Error::Forbidden {
                    action: "list another interviewer's overdue scorecards",
                    role: actor.role,
                });
            }
            _ => filter.interviewer_id = Some(actor.user_id),
        }
    }
    let organization = crate::organization::get(db, actor).await?;
    let now = Utc::now();
    let mut values = vec![
        Value::from(actor.organization_id),
        Value::from(now),
        Value::from(now - Duration::hours(i64::from(organization.feedback_due_hours))),
    ];
    let mut conditions = String::new();
    if let Some(id) = filter.interviewer_id {
        values.push(Value::from(id));
        conditions.push_str(&format!(" AND ri.user_id = ${}", values.len()));
    }
    if let Some(id) = filter.candidate_id {
        values.push(Value::from(id));
        conditions.push_str(&format!(" AND p.candidate_id = ${}", values.len()));
    }
    let scope = format!(
        "FROM round_interviewers ri \
         JOIN rounds r ON r.id = ri.round_id \
         JOIN interview_plans p ON p.id = r.plan_id \
         JOIN users u ON u.id = ri.user_id \
         WHERE p.organization_id = $1 AND p.status = '{published}' \
           AND ((r.feedback_due_at IS NOT NULL AND r.feedback_due_at < $2) \
             OR (r.feedback_due_at IS NULL AND r.ends_at < $3)) \
           AND NOT EXISTS (SELECT 1 FROM scorecards s WHERE s.round_id = ri.round_id \
             AND s.interviewer_id = ri.user_id AND s.status = '{submitted}'){conditions}",
        published = PlanStatus::Published.as_str(),
        submitted = ScorecardStatus::Submitted.as_str(),
    );
    let total = if with_count {
        let rows = fetch(db, &format!("SELECT COUNT(*) AS n {scope}"), values.clone()).await?;
        rows.first()
            .map(|row| count(row, "n"))
            .transpose()?
            .unwrap_or(0)
    } else {
        0
    };
    let mut window = String::new();
    if let Some(cursor) = after {
        values.push(Value::from(cursor.round_id));
        let round_at = values.len();
        values.push(Value::from(cursor.user_id));
        window = format!(
            " AND (ri.round_id > ${round_at} OR (ri.round_id = ${round_at} AND ri.user_id > ${}))",
            values.len()
        );
    }
    let sql = format!(
        "SELECT {rounds}, {users}, ri.role AS ri_role, p.candidate_id AS p_candidate_id, \
           EXISTS (SELECT 1 FROM scorecards d WHERE d.round_id = ri.round_id \
             AND d.interviewer_id = ri.user_id) AS has_draft \
         {scope}{window} ORDER BY ri.round_id, ri.user_id LIMIT {limit}",
        rounds = columns::<round::Entity>("r", "r_"),
        users = columns::<user::Entity>("u", "u_"),
        limit = first + 1,
    );
    let hours = organization.feedback_due_hours;
    let rows = fetch(db, &sql, values)
        .await?
        .iter()
        .map(|row| {
            let round = prefixed_required::<round::Entity>(row, "r_")?;
            let due_at = due_at(&round, hours)
                .ok_or_else(|| Error::Internal("an overdue round without a due time".into()))?;
            Ok(Overdue {
                interviewer: prefixed_required::<user::Entity>(row, "u_")?,
                role: parse_stored(row, "ri_role", PanelRole::parse)?,
                candidate_id: get(row, "p_candidate_id")?,
                has_draft: get(row, "has_draft")?,
                due_at,
                round,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, first, total))
}

/// One interviewer's load and punctuality.
#[derive(Clone, Debug)]
pub struct InterviewerLoad {
    /// Who.
    pub user: user::Model,
    /// Interviews in the current week (Monday 00:00 UTC onwards).
    pub interviews_this_week: u32,
    /// Interviews in the 28 days before now.
    pub interviews_last_four_weeks: u32,
    /// Their limits (own, else the organization's).
    pub limits: Limits,
    /// Pool memberships: pool name, level, whether paused now.
    pub pools: Vec<(String, PoolLevel, bool)>,
    /// Scorecards that fell due in the last 90 days.
    pub due_scorecards: u32,
    /// Of those, how many were submitted by their due time.
    pub on_time: u32,
    /// `on_time / due_scorecards`; `None` when nothing fell due.
    pub on_time_rate: Option<f64>,
    /// Median of (submitted − due) in hours over the submitted ones;
    /// negative when early.
    pub median_hours_late: Option<f64>,
    /// Of those, how many are still not submitted.
    pub not_submitted: u32,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// Per interviewer (every active user but viewers, by name): interviews
/// this week and in the trailing four weeks, limits, pools and levels,
/// and how punctual their feedback was over the last 90 days. Interviewers
/// see only their own row. A fixed number of statements; the rows read are
/// the last weeks' assignments, not the organization's history.
pub async fn interviewer_load<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<Vec<InterviewerLoad>> {
    let organization = crate::organization::get(db, actor).await?;
    let mut people = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.ne(Role::Viewer));
    if !actor.role.allows(Permission::ReadAllScorecards) {
        people = people.filter(user::Column::Id.eq(actor.user_id));
    }
    let people = people
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = people.iter().map(|u| u.id).collect();
    let now = Utc::now();
    let week = Window::week(now);
    let trailing = Window::trailing_four_weeks(now);
    let booked = bookings(
        db,
        actor.organization_id,
        &ids,
        None,
        week.union(trailing),
        None,
    )
    .await?;
    let known = Qualifications::load(db, actor.organization_id, Some(&ids)).await?;
    let hours = organization.feedback_due_hours;
    let lag = Duration::hours(i64::from(hours));
    let since = now - Duration::days(PUNCTUALITY_DAYS);
    let sql = format!(
        "SELECT ri.user_id, r.feedback_due_at, r.ends_at, s.submitted_at \
         FROM round_interviewers ri \
         JOIN rounds r ON r.id = ri.round_id \
         JOIN interview_plans p ON p.id = r.plan_id \
         LEFT JOIN scorecards s ON s.round_id = ri.round_id AND s.interviewer_id = ri.user_id \
           AND s.status = '{submitted}' \
         WHERE p.organization_id = $1 AND p.status IN ('{published}', '{completed}') \
           AND ((r.feedback_due_at >= $2 AND r.feedback_due_at < $3) \
             OR (r.feedback_due_at IS NULL AND r.ends_at >= $4 AND r.ends_at < $5))",
        submitted = ScorecardStatus::Submitted.as_str(),
        published = PlanStatus::Published.as_str(),
        completed = PlanStatus::Completed.as_str(),
    );
    let rows = fetch(
        db,
        &sql,
        vec![
            Value::from(actor.organization_id),
            Value::from(since),
            Value::from(now),
            Value::from(since - lag),
            Value::from(now - lag),
        ],
    )
    .await?;
    #[derive(Default)]
    struct Punctuality {
        due: u32,
        on_time: u32,
        late_hours: Vec<f64>,
        overdue: u32,
    }
    let mut punctuality: HashMap<Uuid, Punctuality> = HashMap::new();
    for row in &rows {
        let user_id: Uuid = get(row, "user_id")?;
        let explicit: Option<DateTime<Utc>> = get(row, "feedback_due_at")?;
        let ends: Option<DateTime<Utc>> = get(row, "ends_at")?;
        let Some(due) = explicit.or(ends.map(|e| e + lag)) else {
            continue;
        };
        let submitted: Option<DateTime<Utc>> = get(row, "submitted_at")?;
        let entry = punctuality.entry(user_id).or_default();
        entry.due += 1;
        match submitted {
            Some(at) => {
                if at <= due {
                    entry.on_time += 1;
                }
                entry
                    .late_hours
                    .push((at - due).num_seconds() as f64 / 3600.0);
            }
            None => entry.overdue += 1,
        }
    }
    Ok(people
        .into_iter()
        .map(|person| {
            let mine = punctuality.remove(&person.id).unwrap_or_default();
            let pools = known
                .members
                .iter()
                .filter(|m| m.user_id == person.id)
                .filter_map(|m| {
                    known
                        .pools
                        .iter()
                        .find(|p| p.pool.id == m.pool_id)
                        .map(|p| (p.pool.name.clone(), m.level, is_paused(m, now)))
                })
                .collect();
            InterviewerLoad {
                interviews_this_week: count_in(&booked, person.id, week, Uuid::nil()) as u32,
                interviews_last_four_weeks: count_in(&booked, person.id, trailing, Uuid::nil())
                    as u32,
                limits: Limits::of(&person, &organization),
                pools,
                due_scorecards: mine.due,
                on_time: mine.on_time,
                on_time_rate: (mine.due > 0).then(|| f64::from(mine.on_time) / f64::from(mine.due)),
                median_hours_late: median(mine.late_hours),
                not_submitted: mine.overdue,
                user: person,
            }
        })
        .collect())
}
