//! Filling a round from the bank in one step (the plan composer).
//!
//! Which questions qualify:
//! - in the categories that suit the round's kind ([`default_categories`],
//!   matched by name in the organization, so a renamed or deleted category is
//!   simply skipped), or in `options.category_ids`;
//! - at `options.level`, or else at the candidate's target level and, to
//!   fill what is left, one level below (a senior candidate may get a
//!   mid-level question, never a junior one);
//! - carrying one of `options.tags`, when given;
//! - `ACTIVE`, not already in the plan, and not asked of the candidate in
//!   another published or completed plan.
//!
//! Which come first: the target level before the level below; then questions
//! asked less often in the organization's published and completed plans;
//! then higher discrimination (mean rating of candidates now `HIRED` minus
//! that of candidates now `REJECTED`; a question without both groups counts
//! as 0, between questions that separate well and those that mislead); then
//! a tie-break hashed from `options.seed` and the question id, so the same
//! data and seed always give the same round.
//!
//! In that order each question is taken when its estimated minutes still fit
//! the round's remaining time box (time box minus minutes already allotted).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::{require_draft, round_and_plan};
use crate::actor::{Actor, Permission};
use crate::entity::{candidate, category, interview_plan, question, round, round_question};
use crate::error::{Error, Problem, Result, conflict_on_unique};
use crate::question::QuestionFilter;
use crate::types::{Level, PlanStatus, QuestionStatus, RoundKind, Tag};
use crate::validate;

/// How to fill a round; every field is optional.
#[derive(Clone, Debug, Default)]
pub struct AutofillOptions {
    /// Categories to draw from; empty means the round kind's defaults.
    pub category_ids: Vec<Uuid>,
    /// The only level to draw from; absent means the candidate's target
    /// level, then one below.
    pub level: Option<Level>,
    /// Only questions carrying at least one of these tags; empty means any.
    pub tags: Vec<String>,
    /// Seed of the tie-break between otherwise equal questions.
    pub seed: i64,
}

/// Names of the bank categories a round of `kind` draws from by default
/// (sections of the default bank, docs/domain.md §2). Security and DevOps Basics are
/// in no default: they are asked on purpose, through `category_ids`.
pub fn default_categories(kind: RoundKind) -> &'static [&'static str] {
    match kind {
        RoundKind::RecruiterScreen => &["Behavioral and Hiring"],
        RoundKind::TechnicalScreen => &["Core Fundamentals", "APIs and REST", "Databases"],
        RoundKind::LiveCoding => &["Node.js", "Python", "Java", "Core Fundamentals"],
        RoundKind::TakeHome => &["Core Fundamentals", "APIs and REST"],
        RoundKind::SystemDesign => &["System Design", "Databases"],
        RoundKind::Behavioral => &["Behavioral and Hiring"],
        RoundKind::HiringManager => &["Behavioral and Hiring", "System Design"],
    }
}

/// The levels autofill draws from for a candidate targeting `target`, in
/// order of preference: the target, then the level just below it.
pub fn default_levels(target: Level) -> Vec<Level> {
    match target {
        Level::Junior => vec![Level::Junior],
        Level::Mid => vec![Level::Mid, Level::Junior],
        Level::Senior => vec![Level::Senior, Level::Mid],
        Level::Lead => vec![Level::Lead, Level::Senior],
    }
}

/// A question autofill may take, with what the ranking looks at.
#[derive(Clone, Debug, PartialEq)]
pub struct Eligible {
    /// The bank question.
    pub question_id: Uuid,
    /// Its current version, which the plan pins.
    pub version_id: Uuid,
    /// Its estimated minutes, allotted in the round.
    pub minutes: i32,
    /// 0 at the preferred level, 1 one level below.
    pub level_rank: usize,
    /// How often the organization's published and completed plans asked it.
    pub times_asked: i64,
    /// Mean rating of hired minus rejected candidates, when both exist.
    pub discrimination: Option<f64>,
}

/// The questions to add, in order: `eligible` ranked by preference (see the
/// module documentation), each taken while it fits `remaining_minutes`.
pub fn pick(mut eligible: Vec<Eligible>, seed: i64, remaining_minutes: i32) -> Vec<Eligible> {
    eligible.sort_by(|a, b| preference(a, b, seed));
    let mut left = remaining_minutes;
    let mut picked = Vec::new();
    for question in eligible {
        if question.minutes <= left {
            left -= question.minutes;
            picked.push(question);
        }
    }
    picked
}

fn preference(a: &Eligible, b: &Eligible, seed: i64) -> Ordering {
    let separation = |q: &Eligible| q.discrimination.unwrap_or(0.0);
    a.level_rank
        .cmp(&b.level_rank)
        .then(a.times_asked.cmp(&b.times_asked))
        .then(separation(b).total_cmp(&separation(a)))
        .then(tie_break(seed, a.question_id).cmp(&tie_break(seed, b.question_id)))
        .then(a.question_id.cmp(&b.question_id))
}

/// A stable pseudo-random number for (`seed`, `id`): SplitMix64 steps, fixed
/// here so the order never changes with the Rust or library version.
fn tie_break(seed: i64, id: Uuid) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let (high, low) = id.as_u64_pair();
    mix(mix(mix(seed as u64) ^ high) ^ low)
}

/// Fills a round of a draft plan with bank questions (see the module
/// documentation for which and in what order), pinned to their current
/// versions with their estimated minutes allotted. When nothing fits, the
/// refusal says why.
pub async fn autofill(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    options: AutofillOptions,
) -> Result<round::Model> {
    actor.require(Permission::ManagePlans)?;
    let (round, plan) = round_and_plan(db, actor, round_id).await?;
    require_draft(&plan)?;
    let categories = crate::question::categories(db, actor).await?;
    validate! {
        let tags = parse_tags(&options.tags);
        let chosen = choose_categories(round.kind, &options.category_ids, &categories);
    }
    let in_plan = round_question::Entity::find()
        .filter(round_question::Column::PlanId.eq(plan.id))
        .all(db)
        .await?;
    let in_round = || in_plan.iter().filter(|q| q.round_id == round.id);
    let allotted: i32 = in_round().map(|q| q.minutes).sum();
    let remaining = round.duration_minutes - allotted;
    if remaining <= 0 {
        return Err(Error::invalid(
            "roundId",
            format!(
                "round \"{}\" already allots {allotted} of its {} minutes; lengthen the round or remove questions before autofilling",
                round.title, round.duration_minutes
            ),
        ));
    }
    let levels = match options.level {
        Some(level) => vec![level],
        None => default_levels(target_level(db, plan.candidate_id).await?),
    };
    let criteria = describe(&levels, &chosen, &tags);
    let pool = QuestionFilter {
        category_ids: chosen.iter().map(|c| c.id).collect(),
        tags: tags.iter().map(|t| t.as_str().to_owned()).collect(),
        status: Some(QuestionStatus::Active),
        ..QuestionFilter::default()
    }
    .query(actor)?
    .filter(question::Column::Level.is_in(levels.clone()))
    .all(db)
    .await?;
    if pool.is_empty() {
        return Err(Error::invalid(
            "options",
            format!(
                "no ACTIVE question {criteria}; choose other options.categoryIds, options.level or options.tags"
            ),
        ));
    }
    let pool_ids: Vec<Uuid> = pool.iter().map(|q| q.id).collect();
    let history = asked(db, actor, plan.candidate_id, &pool_ids).await?;
    let used: HashSet<Uuid> = in_plan.iter().map(|q| q.question_id).collect();
    let fresh: Vec<question::Model> = pool
        .into_iter()
        .filter(|q| !used.contains(&q.id))
        .filter(|q| !history.get(&q.id).is_some_and(|h| h.of_candidate))
        .collect();
    if fresh.is_empty() {
        return Err(Error::invalid(
            "options",
            format!(
                "every ACTIVE question {criteria} ({} in all) is already in the plan or was asked of the candidate in an earlier plan; choose other options.categoryIds, options.level or options.tags",
                pool_ids.len()
            ),
        ));
    }
    let fresh_ids: Vec<Uuid> = fresh.iter().map(|q| q.id).collect();
    let separation = crate::report::discrimination(db, actor, &fresh_ids).await?;
    let shortest = fresh.iter().map(|q| q.minutes).min().unwrap_or_default();
    let matching = fresh.len();
    let eligible = fresh
        .into_iter()
        .map(|q| Eligible {
            question_id: q.id,
            version_id: q.current_version_id,
            minutes: q.minutes,
            level_rank: levels.iter().position(|l| *l == q.level).unwrap_or(0),
            times_asked: history.get(&q.id).map_or(0, |h| h.times),
            discrimination: separation.get(&q.id).copied(),
        })
        .collect();
    let picked = pick(eligible, options.seed, remaining);
    if picked.is_empty() {
        let matches = if matching == 1 {
            format!("1 matches but it needs {shortest}")
        } else {
            format!("{matching} match but the shortest needs {shortest}")
        };
        return Err(Error::invalid(
            "options",
            format!(
                "no ACTIVE question {criteria} fits the {remaining} remaining minutes of round \"{}\"; {matches}",
                round.title
            ),
        ));
    }
    let start = in_round().map(|q| q.position + 1).max().unwrap_or(0);
    let rows = picked
        .iter()
        .zip(start..)
        .map(|(q, position)| round_question::ActiveModel {
            id: Set(Uuid::now_v7()),
            round_id: Set(round.id),
            plan_id: Set(plan.id),
            question_id: Set(q.question_id),
            question_version_id: Set(q.version_id),
            position: Set(position),
            minutes: Set(q.minutes),
        });
    let txn = crate::db::begin_write(db).await?;
    round_question::Entity::insert_many(rows)
        .exec(&txn)
        .await
        .map_err(conflict_on_unique(
            "a chosen question was added to the plan meanwhile; run autofill again",
        ))?;
    txn.commit().await?;
    Ok(round)
}

fn parse_tags(tags: &[String]) -> Result<Vec<Tag>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        match Tag::parse(&format!("options.tags[{i}]"), tag) {
            Ok(tag) => parsed.push(tag),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        parsed.sort();
        parsed.dedup();
        Ok(parsed)
    } else {
        Err(problems)
    }
}

/// The categories to draw from: those given (each must be the
/// organization's), or the kind's defaults found by name.
fn choose_categories(
    kind: RoundKind,
    ids: &[Uuid],
    categories: &[category::Model],
) -> Result<Vec<category::Model>, Vec<Problem>> {
    if !ids.is_empty() {
        let mut problems = Vec::new();
        let mut chosen: Vec<category::Model> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match categories.iter().find(|c| c.id == *id) {
                Some(c) if !chosen.contains(c) => chosen.push(c.clone()),
                Some(_) => {}
                None => problems.push(Problem::new(
                    format!("options.categoryIds[{i}]"),
                    "no such category in your organization",
                )),
            }
        }
        return if problems.is_empty() {
            Ok(chosen)
        } else {
            Err(problems)
        };
    }
    let names = default_categories(kind);
    let chosen: Vec<category::Model> = names
        .iter()
        .filter_map(|name| {
            categories
                .iter()
                .find(|c| c.name.trim().eq_ignore_ascii_case(name))
        })
        .cloned()
        .collect();
    if chosen.is_empty() {
        Err(vec![Problem::new(
            "options.categoryIds",
            format!(
                "{kind} rounds draw from the categories {} by default, and your organization has none of them; pass options.categoryIds",
                names.join(", ")
            ),
        )])
    } else {
        Ok(chosen)
    }
}

/// "at level SENIOR or MID in categories A, B tagged x or y", for messages.
fn describe(levels: &[Level], categories: &[category::Model], tags: &[Tag]) -> String {
    let levels: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
    let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
    let noun = if names.len() == 1 {
        "category"
    } else {
        "categories"
    };
    let mut text = format!(
        "at level {} in {noun} {}",
        levels.join(" or "),
        names.join(", ")
    );
    if !tags.is_empty() {
        let tags: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        text.push_str(&format!(" tagged {}", tags.join(" or ")));
    }
    text
}

async fn target_level<C: ConnectionTrait>(db: &C, candidate_id: Uuid) -> Result<Level> {
    candidate::Entity::find_by_id(candidate_id)
        .one(db)
        .await?
        .map(|c| c.target_level)
        .ok_or_else(|| Error::Internal(format!("plan's candidate {candidate_id} is missing")))
}

/// How often a question was asked, and whether of this candidate.
struct Asked {
    times: i64,
    of_candidate: bool,
}

/// For each of `question_ids` asked in a published or completed plan of the
/// organization: how often, and whether of `candidate_id`. One query.
async fn asked<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
    question_ids: &[Uuid],
) -> Result<HashMap<Uuid, Asked>> {
    let of_candidate = Expr::case(
        Expr::col((interview_plan::Entity, interview_plan::Column::CandidateId)).eq(candidate_id),
        1,
    )
    .finally(0);
    let rows: Vec<(Uuid, i64, i64)> = round_question::Entity::find()
        .select_only()
        .column(round_question::Column::QuestionId)
        .column_as(
            Expr::col((round_question::Entity, round_question::Column::Id)).count(),
            "times",
        )
        .column_as(of_candidate.sum(), "of_candidate")
        .join(
            JoinType::InnerJoin,
            round_question::Entity::belongs_to(interview_plan::Entity)
                .from(round_question::Column::PlanId)
                .to(interview_plan::Column::Id)
                .into(),
        )
        .filter(interview_plan::Column::OrganizationId.eq(actor.organization_id))
        .filter(
            interview_plan::Column::Status.is_in([PlanStatus::Published, PlanStatus::Completed]),
        )
        .filter(round_question::Column::QuestionId.is_in(question_ids.to_vec()))
        .group_by(round_question::Column::QuestionId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, times, of_candidate)| {
            (
                id,
                Asked {
                    times,
                    of_candidate: of_candidate > 0,
                },
            )
        })
        .collect())
}
