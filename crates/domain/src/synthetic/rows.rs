//! Building the synthetic rows in memory, then inserting them in bulk.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Size, insert_chunks};
use crate::entity::{
    candidate, candidate_stage_change, interview_plan, question, round, round_interviewer,
    round_question, scorecard, scorecard_question_rating, user,
};
use crate::error::Result;
use crate::types::{Level, PlanStatus, Recommendation, Role, RoundKind, ScorecardStatus, Stage};

/// What was generated.
#[derive(Clone, Copy, Debug, Default)]
pub struct Generated {
    /// Candidates created.
    pub candidates: usize,
    /// Scorecards submitted.
    pub scorecards: usize,
    /// Question ratings written.
    pub ratings: usize,
}

/// Rows of every table, built before anything is written.
pub(super) struct Planner {
    organization_id: Uuid,
    admin_id: Uuid,
    size: Size,
    since: DateTime<Utc>,
    bank: Vec<(Uuid, Uuid)>,
    rng: fastrand::Rng,
    users: Vec<user::ActiveModel>,
    candidates: Vec<candidate::ActiveModel>,
    changes: Vec<candidate_stage_change::ActiveModel>,
    plans: Vec<interview_plan::ActiveModel>,
    rounds: Vec<round::ActiveModel>,
    assignments: Vec<round_interviewer::ActiveModel>,
    round_questions: Vec<round_question::ActiveModel>,
    scorecards: Vec<scorecard::ActiveModel>,
    ratings: Vec<scorecard_question_rating::ActiveModel>,
}

const STAGES: [Stage; 7] = [
    Stage::Applied,
    Stage::Screening,
    Stage::Interviewing,
    Stage::Offer,
    Stage::Hired,
    Stage::Rejected,
    Stage::Withdrawn,
];
const ROUND_KINDS: [RoundKind; 3] = [
    RoundKind::TechnicalScreen,
    RoundKind::SystemDesign,
    RoundKind::Behavioral,
];
const PANEL: usize = 2;

impl Planner {
    pub fn new(organization_id: Uuid, admin_id: Uuid, size: Size, since: DateTime<Utc>) -> Self {
        Planner {
            organization_id,
            admin_id,
            size,
            since,
            bank: Vec::new(),
            rng: fastrand::Rng::with_seed(size.seed),
            users: Vec::new(),
            candidates: Vec::new(),
            changes: Vec::new(),
            plans: Vec::new(),
            rounds: Vec::new(),
            assignments: Vec::new(),
            round_questions: Vec::new(),
            scorecards: Vec::new(),
            ratings: Vec::new(),
        }
    }

    /// Reads the organization's bank: (question id, current version id).
    pub async fn load_bank<C: ConnectionTrait>(&mut self, db: &C) -> Result<()> {
        self.bank = question::Entity::find()
            .filter(question::Column::OrganizationId.eq(self.organization_id))
            .all(db)
            .await?
            .into_iter()
            .map(|q| (q.id, q.current_version_id))
            .collect();
        Ok(())
    }

    /// Builds every row; returns the counts.
    pub fn build(&mut self) -> Generated {
        let now = Utc::now();
        // Interviewers share one password hash: the data set is for reports, not sign-in.
        let interviewer_ids: Vec<Uuid> = (0..self.size.interviewers)
            .map(|_| Uuid::now_v7())
            .collect();
        let leniency: Vec<f64> = interviewer_ids
            .iter()
            .map(|_| (self.rng.f64() - 0.5) * 0.8)
            .collect();
        for (i, id) in interviewer_ids.iter().enumerate() {
            self.users.push(user::ActiveModel {
                id: Set(*id),
                organization_id: Set(self.organization_id),
                email: Set(format!(
                    "interviewer{i}.{}@bench.example.com",
                    self.organization_id.simple()
                )),
                display_name: Set(format!("Interviewer {i}")),
                role: Set(Role::Interviewer),
                password_hash: Set("!disabled".into()),
                created_at: Set(now),
            });
        }
        let mut generated = Generated {
            candidates: self.size.candidates,
            ..Generated::default()
        };
        let stages: Vec<Stage> = (0..self.size.candidates)
            .map(|_| STAGES[self.rng.usize(0..STAGES.len())])
            .collect();
        // Only candidates who reached the interviews have scorecards.
        let interviewed = stages
            .iter()
            .filter(|s| !matches!(s, Stage::Applied | Stage::Screening))
            .count()
            .max(1);
        // Ratings come in units of one question rated by the whole panel.
        let units = self.size.ratings / PANEL;
        let per_candidate = units / interviewed;
        let mut extra = units % interviewed;
        for (i, stage) in stages.into_iter().enumerate() {
            let skill = match stage {
                Stage::Hired | Stage::Offer => 2.8 + self.rng.f64(),
                Stage::Rejected => 1.3 + self.rng.f64() * 1.2,
                _ => 1.6 + self.rng.f64() * 2.0,
            };
            let start = self.since + Duration::minutes(self.rng.i64(0..60 * 24 * 150));
            let candidate_id = Uuid::now_v7();
            let path = path_to(stage);
            let mut at = start;
            let mut from = None;
            for to in std::iter::once(Stage::Applied).chain(path.iter().copied()) {
                self.changes.push(candidate_stage_change::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    candidate_id: Set(candidate_id),
                    organization_id: Set(self.organization_id),
                    from_stage: Set(from),
                    to_stage: Set(to),
                    changed_by: Set(Some(self.admin_id)),
                    changed_at: Set(at),
                });
                from = Some(to);
                at += Duration::hours(self.rng.i64(6..24 * 12));
            }
            self.candidates.push(candidate::ActiveModel {
                id: Set(candidate_id),
                organization_id: Set(self.organization_id),
                name: Set(format!("Candidate {i}")),
                email: Set(format!("candidate{i}@bench.example.com")),
                position_title: Set([
                    "Backend Engineer",
                    "Platform Engineer",
                    "Data Engineer",
                    "Staff Engineer",
                ][i % 4]
                    .into()),
                target_level: Set(
                    [Level::Junior, Level::Mid, Level::Senior, Level::Lead][self.rng.usize(0..4)]
                ),
                stage: Set(stage),
                created_at: Set(start),
                updated_at: Set(at),
            });
            if matches!(stage, Stage::Applied | Stage::Screening) {
                continue;
            }
            let mut budget = per_candidate + usize::from(extra > 0);
            extra = extra.saturating_sub(1);
            if budget == 0 {
                continue;
            }
            budget = budget.min(self.bank.len());
            let plan_id = Uuid::now_v7();
            self.plans.push(interview_plan::ActiveModel {
                id: Set(plan_id),
                organization_id: Set(self.organization_id),
                candidate_id: Set(candidate_id),
                title: Set("Interview loop".into()),
                status: Set(PlanStatus::Published),
                created_at: Set(start),
                updated_at: Set(start),
                published_at: Set(Some(start)),
            });
            let mut questions = self.bank.clone();
            self.rng.shuffle(&mut questions);
            let mut next_question = questions.into_iter();
            for (r, kind) in ROUND_KINDS.iter().enumerate() {
                let rounds_left = ROUND_KINDS.len() - r;
                // Spread the candidate's questions evenly over the rounds left.
                let count = budget.div_ceil(rounds_left);
                if count == 0 {
                    continue;
                }
                let round_id = Uuid::now_v7();
                let scheduled =
                    start + Duration::days(2 + 3 * r as i64) + Duration::hours(self.rng.i64(8..18));
                self.rounds.push(round::ActiveModel {
                    id: Set(round_id),
                    plan_id: Set(plan_id),
                    position: Set(r as i32),
                    kind: Set(*kind),
                    title: Set(format!("Round {}", r + 1)),
                    duration_minutes: Set(480),
                    scheduled_at: Set(Some(scheduled)),
                    created_at: Set(start),
                });
                let mut rq_ids = Vec::new();
                for position in 0..count {
                    let Some((question_id, version_id)) = next_question.next() else {
                        break;
                    };
                    let id = Uuid::now_v7();
                    rq_ids.push(id);
                    self.round_questions.push(round_question::ActiveModel {
                        id: Set(id),
                        round_id: Set(round_id),
                        plan_id: Set(plan_id),
                        question_id: Set(question_id),
                        question_version_id: Set(version_id),
                        position: Set(position as i32),
                        minutes: Set(10),
                    });
                }
                let first = self.rng.usize(0..interviewer_ids.len());
                for p in 0..PANEL {
                    let who = (first + p) % interviewer_ids.len();
                    let interviewer = interviewer_ids[who];
                    self.assignments.push(round_interviewer::ActiveModel {
                        round_id: Set(round_id),
                        user_id: Set(interviewer),
                    });
                    let card_id = Uuid::now_v7();
                    let submitted = scheduled + Duration::minutes(self.rng.i64(30..60 * 96));
                    let mut total = 0;
                    for rq in &rq_ids {
                        let rating = (skill + leniency[who] + (self.rng.f64() - 0.5) * 1.5)
                            .round()
                            .clamp(1.0, 4.0) as i16;
                        total += i32::from(rating);
                        self.ratings.push(scorecard_question_rating::ActiveModel {
                            scorecard_id: Set(card_id),
                            round_question_id: Set(*rq),
                            rating: Set(rating),
                            notes: Set(String::new()),
                        });
                    }
                    let mean = f64::from(total) / rq_ids.len().max(1) as f64;
                    let recommendation = match mean {
                        m if m < 1.75 => Recommendation::StrongNo,
                        m if m < 2.5 => Recommendation::No,
                        m if m < 3.25 => Recommendation::Yes,
                        _ => Recommendation::StrongYes,
                    };
                    self.scorecards.push(scorecard::ActiveModel {
                        id: Set(card_id),
                        organization_id: Set(self.organization_id),
                        round_id: Set(round_id),
                        interviewer_id: Set(interviewer),
                        candidate_id: Set(candidate_id),
                        status: Set(ScorecardStatus::Submitted),
                        recommendation: Set(Some(recommendation)),
                        summary: Set(String::new()),
                        revision: Set(1),
                        created_at: Set(submitted),
                        updated_at: Set(submitted),
                        submitted_at: Set(Some(submitted)),
                    });
                    generated.scorecards += 1;
                    generated.ratings += rq_ids.len();
                }
                budget = budget.saturating_sub(rq_ids.len());
            }
        }
        generated
    }

    /// Writes every row, parents first, reporting each table.
    pub async fn insert<C: ConnectionTrait>(
        &mut self,
        db: &C,
        progress: &impl Fn(&str),
    ) -> Result<()> {
        macro_rules! write {
            ($field:ident, $per:expr) => {{
                let rows = std::mem::take(&mut self.$field);
                let count = rows.len();
                insert_chunks(db, rows, $per).await?;
                progress(&format!("  {} {} rows", count, stringify!($field)));
            }};
        }
        // Statement sizes keep bound parameters under SQLite's limit (32766).
        write!(users, 2000);
        write!(candidates, 2000);
        write!(changes, 2000);
        write!(plans, 2000);
        write!(rounds, 2000);
        write!(assignments, 5000);
        write!(round_questions, 2000);
        write!(scorecards, 1500);
        write!(ratings, 5000);
        Ok(())
    }
}

/// The moves from APPLIED to `last` along the allowed path; candidates who
/// left did so after the interviews.
fn path_to(last: Stage) -> Vec<Stage> {
    match last {
        Stage::Rejected | Stage::Withdrawn => {
            let mut path = Stage::Interviewing.forward_path();
            path.push(last);
            path
        }
        other => other.forward_path(),
    }
}
