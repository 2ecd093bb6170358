//! The demo organization of `serve --demo`: users of every role, about forty
//! candidates across all stages, plans with published rounds and submitted
//! scorecards spread over the last eight weeks, so every report shows
//! something.
//!
//! Everything goes through the domain services, so the demo obeys the same
//! rules as real use; only timestamps are moved into the past afterwards.

mod backdate;
mod people;

use chrono::{Duration, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{organization, question};
use crate::error::{Error, Result};
use crate::question::QuestionFilter;
use crate::scorecard::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use crate::types::{Recommendation, RoundKind, Stage};
use crate::{candidate, page::PageRequest, plan, scorecard};

pub use people::DemoUser;

/// What the demo created, for the operator.
#[derive(Debug)]
pub struct DemoSummary {
    /// Name of the organization.
    pub organization: String,
    /// Every user with the password generated for it (shown once).
    pub users: Vec<DemoUser>,
    /// How many candidates were added.
    pub candidates: usize,
    /// How many scorecards were submitted.
    pub scorecards: usize,
}

/// Stages the demo's candidates end in, with how many end in each.
const FINAL_STAGES: [(Stage, usize); 7] = [
    (Stage::Applied, 6),
    (Stage::Screening, 5),
    (Stage::Interviewing, 8),
    (Stage::Offer, 4),
    (Stage::Hired, 7),
    (Stage::Rejected, 7),
    (Stage::Withdrawn, 3),
];

/// The rounds of every demo plan: kind, title, time box and bank categories.
const ROUNDS: [(RoundKind, &str, i64, &[&str]); 3] = [
    (
        RoundKind::TechnicalScreen,
        "Technical screen",
        45,
        &["Core Fundamentals", "APIs and REST", "Databases"],
    ),
    (
        RoundKind::SystemDesign,
        "System design",
        60,
        &["System Design", "Databases"],
    ),
    (
        RoundKind::Behavioral,
        "Behavioral",
        45,
        &["Behavioral and Hiring"],
    ),
];

/// Fills an EMPTY database with the demo organization. Refuses when any
/// organization exists, so it never mixes with real data.
pub async fn populate(db: &DatabaseConnection, seed: u64) -> Result<DemoSummary> {
    if organization::Entity::find().count(db).await? > 0 {
        return Err(Error::Conflict(
            "the database already has data; --demo only fills an empty database (point DATABASE_URL at a new one)".into(),
        ));
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let (organization, users) = people::create_users(db, &mut rng).await?;
    let admin = users.admin;
    let categories = crate::question::categories(db, &admin).await?;
    let competencies = crate::question::competencies(db, &admin).await?;
    let bank = crate::question::list(
        db,
        &admin,
        &QuestionFilter::default(),
        PageRequest {
            first: 100,
            after: None,
        },
    )
    .await?
    .items;

    let mut stages: Vec<Stage> = FINAL_STAGES
        .iter()
        .flat_map(|(stage, n)| std::iter::repeat_n(*stage, *n))
        .collect();
    rng.shuffle(&mut stages);
    let mut scorecards = 0;
    let mut timeline = backdate::Timeline::default();
    let weeks_ago = Utc::now() - Duration::weeks(8);
    for (i, final_stage) in stages.iter().enumerate() {
        let manager = users.managers[i % users.managers.len()];
        let (name, position, level) = people::candidate(&mut rng, i);
        let created = candidate::create(
            db,
            &manager,
            candidate::CandidateInput {
                name: name.clone(),
                email: format!(
                    "{}.{}@candidates.example.com",
                    name.to_lowercase().replace(' ', "."),
                    i
                ),
                position_title: position.to_owned(),
                target_level: level,
            },
        )
        .await?;
        let start = weeks_ago + Duration::hours(rng.i64(0..24 * 21));
        let path = path_to(*final_stage, &mut rng);
        let interviews = path.contains(&Stage::Interviewing);
        // A skill between 1.4 and 3.9 drives ratings; hired candidates are strong.
        let skill = match final_stage {
            Stage::Hired | Stage::Offer => 3.0 + rng.f64() * 0.9,
            Stage::Rejected => 1.4 + rng.f64() * 1.2,
            _ => 1.8 + rng.f64() * 1.8,
        };
        let mut at = start;
        timeline.stage(created.id, at);
        for stage in &path {
            candidate::move_stage(db, &manager, created.id, *stage).await?;
            at += Duration::hours(rng.i64(24..24 * 6));
            timeline.stage(created.id, at);
        }
        if interviews {
            scorecards += interview(
                db,
                &mut rng,
                &users,
                manager,
                &created,
                &bank,
                &categories,
                &competencies,
                skill,
                start,
                &mut timeline,
                *final_stage,
            )
            .await?;
        }
    }
    timeline.apply(db).await?;
    Ok(DemoSummary {
        organization: organization.name,
        users: users.listed,
        candidates: stages.len(),
        scorecards,
    })
}

/// The stage moves from APPLIED to `last`, passing through the open stages
/// in order; rejected and withdrawn candidates leave at a random point.
fn path_to(last: Stage, rng: &mut fastrand::Rng) -> Vec<Stage> {
    match last {
        Stage::Rejected | Stage::Withdrawn => {
            // Most rejections happen after interviews, which the reports need.
            let reached = if last == Stage::Rejected {
                rng.usize(1..3)
            } else {
                rng.usize(0..3)
            };
            let mut path = Stage::Offer.forward_path();
            path.truncate(reached);
            path.push(last);
            path
        }
        other => other.forward_path(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn interview(
    db: &DatabaseConnection,
    rng: &mut fastrand::Rng,
    users: &people::DemoUsers,
    manager: Actor,
    created: &crate::entity::candidate::Model,
    bank: &[question::Model],
    categories: &[crate::entity::category::Model],
    competencies: &[crate::entity::competency::Model],
    skill: f64,
    start: chrono::DateTime<Utc>,
    timeline: &mut backdate::Timeline,
    final_stage: Stage,
) -> Result<usize> {
    let focus = competencies
        .iter()
        .take(3)
        .map(|c| c.id)
        .collect::<Vec<_>>();
    let new_plan = plan::create(
        db,
        &manager,
        plan::PlanInput {
            candidate_id: created.id,
            title: format!("{} loop", created.position_title),
            focus_competency_ids: vec![focus[0]],
        },
    )
    .await?;
    let mut rounds = Vec::new();
    let mut in_plan: Vec<Uuid> = Vec::new();
    for (r, (kind, title, minutes, wanted)) in ROUNDS.iter().enumerate() {
        let mut panel = users.interviewers.clone();
        rng.shuffle(&mut panel);
        let panel: Vec<Actor> = panel.into_iter().take(2).collect();
        let round = plan::add_round(
            db,
            &manager,
            new_plan.id,
            plan::RoundInput {
                kind: *kind,
                title: (*title).to_owned(),
                duration_minutes: *minutes,
                scheduled_at: Some(
                    start + Duration::days(5 + 3 * r as i64) + Duration::hours(rng.i64(9..17)),
                ),
                interviewer_ids: panel.iter().map(|a| a.user_id).collect(),
                focus_competency_ids: vec![focus[r % focus.len()]],
            },
        )
        .await?;
        let category_ids: Vec<Uuid> = categories
            .iter()
            .filter(|c| wanted.contains(&c.name.as_str()))
            .map(|c| c.id)
            .collect();
        let mut pool: Vec<&question::Model> = bank
            .iter()
            .filter(|q| category_ids.contains(&q.category_id))
            .collect();
        rng.shuffle(&mut pool);
        let mut used = 0;
        let mut chosen = Vec::new();
        for q in pool {
            if chosen.len() == 3 || used + q.minutes > *minutes as i32 || in_plan.contains(&q.id) {
                continue;
            }
            in_plan.push(q.id);
            plan::add_question(db, &manager, round.id, q.id, None).await?;
            used += q.minutes;
            chosen.push(q.id);
        }
        rounds.push((round, panel, chosen));
    }
    plan::publish(db, &manager, new_plan.id).await?;
    // Candidates still interviewing have only their first rounds done.
    let done = if final_stage == Stage::Interviewing {
        rng.usize(1..3)
    } else {
        rounds.len()
    };
    let mut submitted = 0;
    for (round, panel, chosen) in rounds.iter().take(done) {
        for interviewer in panel {
            let bias = users.bias(interviewer.user_id);
            let mut rate =
                || ((skill + bias + (rng.f64() - 0.5) * 1.2).round()).clamp(1.0, 4.0) as i64;
            let question_ratings = chosen
                .iter()
                .map(|id| QuestionRatingInput {
                    question_id: *id,
                    rating: rate(),
                    notes: "Covered the main points.".into(),
                })
                .collect();
            let competency_ratings = plan::competencies_of(db, &manager, &[round.id])
                .await?
                .into_iter()
                .map(|c| CompetencyRatingInput {
                    competency_id: c.competency_id,
                    rating: rate(),
                })
                .collect();
            let overall = rate();
            let recommendation = match overall {
                1 => Recommendation::StrongNo,
                2 => Recommendation::No,
                3 => Recommendation::Yes,
                _ => Recommendation::StrongYes,
            };
            let card = scorecard::submit(
                db,
                interviewer,
                round.id,
                ScorecardInput {
                    question_ratings,
                    competency_ratings,
                    recommendation: Some(recommendation),
                    summary: "Demo scorecard.".into(),
                },
            )
            .await?;
            let scheduled = round.scheduled_at.unwrap_or(start);
            timeline.submitted(card.id, scheduled + Duration::minutes(rng.i64(60..72 * 60)));
            submitted += 1;
        }
    }
    Ok(submitted)
}
