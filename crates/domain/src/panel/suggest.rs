//! `suggestPanel`: who should interview in a round, ranked and explained.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::is_paused;
use super::load::{Booking, Limits, Window, bookings, count_in};
use super::pools::{Pool, Qualifications};
use crate::actor::{Actor, Permission};
use crate::entity::{pool_member, round_competency, user};
use crate::error::{Error, Result};
use crate::types::{PanelRole, PoolLevel, Role};

/// Largest panel a suggestion fills.
pub const PANEL_MAX: i64 = 10;

/// One suggested person.
#[derive(Clone, Debug)]
pub struct Suggestion {
    /// Who.
    pub user: user::Model,
    /// The part they would play: `INTERVIEWER`, or a trainee's role.
    pub role: PanelRole,
    /// Names of the matching pools they are in at that level.
    pub pools: Vec<String>,
    /// Interviews in the round's week (now's, when unscheduled).
    pub interviews_this_week: u32,
    /// Interviews in the 28 days before now.
    pub interviews_last_four_weeks: u32,
    /// Their limits.
    pub limits: Limits,
    /// Why they are suggested, for people: `qualified: …`, `load: …`.
    pub reasons: Vec<String>,
}

/// A pool member who would match but is left out, and why.
#[derive(Clone, Debug)]
pub struct Exclusion {
    /// Who.
    pub user: user::Model,
    /// Why, for people.
    pub reason: String,
}

/// The answer of [`suggest_panel`].
#[derive(Clone, Debug, Default)]
pub struct PanelSuggestion {
    /// Up to `size` qualified interviewers, best first, then at most one
    /// trainee when asked for.
    pub suggestions: Vec<Suggestion>,
    /// Matching members left out, by name.
    pub excluded: Vec<Exclusion>,
}

/// A member considered: their user, level and matching pools.
struct Considered<'a> {
    user: &'a user::Model,
    level: PoolLevel,
    pools: Vec<(&'a Pool, &'a pool_member::Model)>,
}

/// Suggests up to `size` (1–10) interviewers for a round: unpaused
/// `QUALIFIED` members of pools matching the round's kind and focus
/// competencies, leaving out anyone already on the panel, anyone who
/// interviewed the candidate in another round, anyone booked into a round
/// overlapping this one, and anyone at a daily or weekly limit in the
/// round's day or week. Ranked by fewest interviews in the trailing four
/// weeks, then fewest in the round's week, then name and id, so the same
/// data always give the same answer. With `with_trainee`, one trainee
/// (shadow or reverse shadow, same exclusions and ranking) follows.
/// A fixed number of statements, whatever the organization's size.
pub async fn suggest_panel<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    round_id: Uuid,
    size: i64,
    with_trainee: bool,
) -> Result<PanelSuggestion> {
    actor.require(Permission::ManagePlans)?;
    if !(1..=PANEL_MAX).contains(&size) {
        return Err(Error::invalid(
            "size",
            format!("must be from 1 to {PANEL_MAX} interviewers, got {size}"),
        ));
    }
    let (round, plan) = crate::plan::round_and_plan(db, actor, round_id).await?;
    let focus: Vec<Uuid> = round_competency::Entity::find()
        .filter(round_competency::Column::RoundId.eq(round.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.competency_id)
        .collect();
    let known = Qualifications::load(db, actor.organization_id, None).await?;
    let now = Utc::now();
    // Every member of a matching pool, by user, at their best level.
    let mut by_user: BTreeMap<Uuid, Vec<(&Pool, &pool_member::Model)>> = BTreeMap::new();
    for member in &known.members {
        if let Some(pool) = known.pools.iter().find(|p| p.pool.id == member.pool_id)
            && pool.matches(round.kind, &focus)
            && (with_trainee || member.level == PoolLevel::Qualified)
        {
            by_user
                .entry(member.user_id)
                .or_default()
                .push((pool, member));
        }
    }
    if by_user.is_empty() {
        return Ok(PanelSuggestion::default());
    }
    let ids: Vec<Uuid> = by_user.keys().copied().collect();
    let organization = crate::organization::get(db, actor).await?;
    let users = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(actor.organization_id))
        .filter(user::Column::Id.is_in(ids.clone()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Role.ne(Role::Viewer))
        .all(db)
        .await?;
    let at = round.scheduled_at.unwrap_or(now);
    let week = Window::week(at);
    let day = Window::day(at);
    let trailing = Window::trailing_four_weeks(now);
    let booked = bookings(
        db,
        actor.organization_id,
        &ids,
        Some(plan.id),
        trailing.union(week).union(day),
        Some(plan.candidate_id),
    )
    .await?;
    let mut qualified = Vec::new();
    let mut trainees = Vec::new();
    let mut excluded = Vec::new();
    for person in &users {
        let memberships = &by_user[&person.id];
        let level = if memberships
            .iter()
            .any(|(_, m)| m.level == PoolLevel::Qualified)
        {
            PoolLevel::Qualified
        } else if memberships
            .iter()
            .any(|(_, m)| m.level == PoolLevel::TraineeReverseShadow)
        {
            PoolLevel::TraineeReverseShadow
        } else {
            PoolLevel::TraineeShadow
        };
        let at_level: Vec<(&Pool, &pool_member::Model)> = memberships
            .iter()
            .copied()
            .filter(|(_, m)| m.level == level)
            .collect();
        let considered = Considered {
            user: person,
            level,
            pools: at_level,
        };
        let limits = Limits::of(person, &organization);
        if let Some(reason) =
            exclusion(&considered, &round, plan.candidate_id, &booked, limits, now)
        {
            excluded.push(Exclusion {
                user: person.clone(),
                reason,
            });
            continue;
        }
        let suggestion = suggestion(&considered, &booked, limits, week, trailing, round.id);
        if level == PoolLevel::Qualified {
            qualified.push(suggestion);
        } else {
            trainees.push(suggestion);
        }
    }
    let rank = |s: &Suggestion| {
        (
            s.interviews_last_four_weeks,
            s.interviews_this_week,
            s.user.display_name.clone(),
            s.user.id,
        )
    };
    qualified.sort_by_key(rank);
    trainees.sort_by_key(rank);
    qualified.truncate(size as usize);
    if with_trainee {
        qualified.extend(trainees.into_iter().take(1));
    }
    excluded
        .sort_by(|a, b| (&a.user.display_name, a.user.id).cmp(&(&b.user.display_name, b.user.id)));
    Ok(PanelSuggestion {
        suggestions: qualified,
        excluded,
    })
}

/// Why `considered` may not sit on this round, if anything.
fn exclusion(
    considered: &Considered<'_>,
    round: &crate::entity::round::Model,
    candidate: Uuid,
    booked: &[Booking],
    limits: Limits,
    now: chrono::DateTime<Utc>,
) -> Option<String> {
    let user = considered.user.id;
    if considered.pools.iter().all(|(_, m)| is_paused(m, now)) {
        let until = considered
            .pools
            .iter()
            .filter_map(|(_, m)| m.paused_until)
            .max();
        return Some(match until {
            Some(until) => format!("paused until {}", until.format("%Y-%m-%d %H:%M UTC")),
            None => "paused".to_owned(),
        });
    }
    let mine = || booked.iter().filter(move |b| b.user_id == user);
    if mine().any(|b| b.round_id == round.id) {
        return Some("already on this round's panel".to_owned());
    }
    if let Some(met) = mine().find(|b| b.candidate_id == candidate) {
        return Some(format!(
            "already interviews this candidate in round \"{}\"",
            met.title
        ));
    }
    let (Some(start), Some(end)) = (round.scheduled_at, round.ends_at) else {
        return None;
    };
    if let Some(clash) = mine().find(|b| b.overlaps(start, end)) {
        return Some(format!(
            "booked in round \"{}\" at an overlapping time",
            clash.title
        ));
    }
    let day = Window::day(start);
    let week = Window::week(start);
    if let Some(limit) = limits.daily {
        let count = count_in(booked, user, day, round.id);
        if count >= limit as usize {
            return Some(format!(
                "at the daily limit: {count} interviews on {} / limit {limit}",
                day.start.format("%Y-%m-%d")
            ));
        }
    }
    if let Some(limit) = limits.weekly {
        let count = count_in(booked, user, week, round.id);
        if count >= limit as usize {
            return Some(format!(
                "at the weekly limit: {count} interviews in the week of {} / limit {limit}",
                week.start.format("%Y-%m-%d")
            ));
        }
    }
    None
}

fn suggestion(
    considered: &Considered<'_>,
    booked: &[Booking],
    limits: Limits,
    week: Window,
    trailing: Window,
    round: Uuid,
) -> Suggestion {
    let user = considered.user.id;
    let this_week = count_in(booked, user, week, round) as u32;
    let last_four = count_in(booked, user, trailing, round) as u32;
    let names: Vec<String> = considered
        .pools
        .iter()
        .map(|(p, _)| p.pool.name.clone())
        .collect();
    let role = match considered.level {
        PoolLevel::Qualified => PanelRole::Interviewer,
        PoolLevel::TraineeReverseShadow => PanelRole::ReverseShadow,
        PoolLevel::TraineeShadow => PanelRole::Shadow,
    };
    let mut reasons = Vec::new();
    match considered.level {
        PoolLevel::Qualified => reasons.push(format!("qualified: {}", names.join(", "))),
        level => {
            for (pool, member) in &considered.pools {
                let (done, needed) = if level == PoolLevel::TraineeShadow {
                    (member.shadows_done, pool.pool.required_shadows)
                } else {
                    (
                        member.reverse_shadows_done,
                        pool.pool.required_reverse_shadows,
                    )
                };
                reasons.push(format!(
                    "training: {level} in {}, {done} of {needed} done",
                    pool.pool.name
                ));
            }
        }
    }
    reasons.push(match limits.weekly {
        Some(limit) => format!("load: {this_week} this week / limit {limit}"),
        None => format!("load: {this_week} this week / no limit"),
    });
    reasons.push(format!("{last_four} interviews in the last 4 weeks"));
    Suggestion {
        user: considered.user.clone(),
        role,
        pools: names,
        interviews_this_week: this_week,
        interviews_last_four_weeks: last_four,
        limits,
        reasons,
    }
}
