//! The maintained report rollups (crates/domain/src/rollup): after every write
//! of a random sequence, each report computed from them equals the
//! from-scratch definition (`report::reference`), and `rollups rebuild`
//! leaves them exactly as maintained; each report runs a fixed number of
//! statements whatever the organization's size. Both databases.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use domain::entity::{candidate_stage_change as change, round, scorecard as card};
use domain::page::PageRequest;
use domain::question::QuestionFilter;
use domain::report::{self, reference};
use domain::rollup::{Scope, Snapshot};
use domain::scorecard::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use domain::types::{Level, Recommendation, RoundKind, Stage};
use domain::{Actor, Error, candidate, plan};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::both_databases;
use crate::support::world::World;
use crate::support::{Backend, TestDb};

const EPS: f64 = 1e-9;
const TITLES: [&str; 3] = ["Backend Engineer", "Data Engineer", "SRE"];
/// Bank questions the plans draw from: few, so questions share ratings.
const POOL: usize = 8;

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => assert!((a - b).abs() < EPS, "{what}: rollups {a}, scan {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

/// A round of a published plan, as the simulation knows it.
struct RoundInfo {
    id: Uuid,
    interviewers: Vec<usize>,
    questions: Vec<Uuid>,
    /// Its focus competencies (rated by every scorecard).
    competencies: Vec<Uuid>,
}

/// An organization being written to at random, and what it holds.
struct Sim<'a> {
    db: &'a TestDb,
    w: World,
    /// alice, bob.
    interviewers: Vec<Actor>,
    bank: Vec<Uuid>,
    /// Competencies rounds may focus on.
    focus: Vec<Uuid>,
    candidates: Vec<Uuid>,
    /// Published plans, which may be cancelled.
    plans: Vec<Uuid>,
    /// Questions already asked per candidate (a plan may not repeat them).
    asked: HashMap<Uuid, HashSet<Uuid>>,
    rounds: Vec<RoundInfo>,
    /// (round index, interviewer index) of submitted scorecards.
    submitted: Vec<(usize, usize)>,
    made: usize,
}

/// A domain refusal is part of a random sequence; anything else is a bug.
fn allowed<T>(result: domain::Result<T>, op: &str) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(err @ (Error::Database(_) | Error::Internal(_))) => panic!("{op}: {err:?}"),
        Err(_) => None,
    }
}

impl<'a> Sim<'a> {
    async fn new(db: &'a TestDb, name: &str) -> Sim<'a> {
        let w = World::new(db, name).await;
        let bank = w
            .questions(db, 100)
            .await
            .into_iter()
            .take(POOL)
            .map(|q| q.id)
            .collect();
        let interviewers = vec![w.alice, w.bob];
        let focus = w
            .competencies(db)
            .await
            .into_iter()
            .take(3)
            .map(|c| c.id)
            .collect();
        Sim {
            db,
            w,
            interviewers,
            bank,
            focus,
            candidates: Vec::new(),
            plans: Vec::new(),
            asked: HashMap::new(),
            rounds: Vec::new(),
            submitted: Vec::new(),
            made: 0,
        }
    }

    fn conn(&self) -> &DatabaseConnection {
        &self.db.db
    }

    /// One random write; returns its name.
    async fn step(&mut self, rng: &mut fastrand::Rng) -> &'static str {
        if self.candidates.is_empty() {
            self.create(rng).await;
            return "candidate create";
        }
        match rng.u32(0..100) {
            0..10 => {
                self.create(rng).await;
                "candidate create"
            }
            10..16 => {
                self.retitle(rng).await;
                "position title change"
            }
            16..38 => {
                self.move_stage(rng).await;
                "stage move"
            }
            38..47 => {
                self.plan(rng).await;
                "plan published"
            }
            47..50 => {
                self.cancel(rng).await;
                "plan cancelled"
            }
            50..56 => {
                self.card(rng, false).await;
                "scorecard draft"
            }
            56..76 => {
                self.card(rng, true).await;
                "scorecard submit"
            }
            76..85 => {
                self.amend(rng).await;
                "scorecard amendment"
            }
            85..90 => {
                self.erase(rng).await;
                "erasure"
            }
            90..95 => {
                self.rewrite_history(rng).await;
                "stage history rewritten through a snapshot"
            }
            _ => {
                self.rewrite_card_times(rng).await;
                "round and submission times rewritten through a snapshot"
            }
        }
    }

    async fn create(&mut self, rng: &mut fastrand::Rng) {
        self.made += 1;
        let created = candidate::create(
            self.conn(),
            &self.w.manager,
            candidate::CandidateInput {
                name: format!("Candidate {}", self.made),
                email: format!("c{}.{}@candidates.example.com", self.made, Uuid::now_v7()),
                position_title: TITLES[rng.usize(..TITLES.len())].into(),
                target_level: Level::Mid,
            },
        )
        .await
        .expect("create candidate");
        self.candidates.push(created.id);
    }

    fn some_candidate(&self, rng: &mut fastrand::Rng) -> Uuid {
        self.candidates[rng.usize(..self.candidates.len())]
    }

    async fn retitle(&mut self, rng: &mut fastrand::Rng) {
        let id = self.some_candidate(rng);
        let current = candidate::get(self.conn(), &self.w.manager, id)
            .await
            .expect("get");
        let input = candidate::CandidateInput {
            name: current.name,
            email: current.email,
            position_title: TITLES[rng.usize(..TITLES.len())].into(),
            target_level: current.target_level,
        };
        allowed(
            candidate::update(self.conn(), &self.w.manager, id, input).await,
            "update",
        );
    }

    async fn move_stage(&mut self, rng: &mut fastrand::Rng) {
        let id = self.some_candidate(rng);
        let current = candidate::get(self.conn(), &self.w.manager, id)
            .await
            .expect("get");
        let moves = current.stage.moves();
        if moves.is_empty() {
            return;
        }
        // Forward more often than out, so candidates reach HIRED with ratings.
        let to = if rng.u32(0..8) > 0 {
            moves[0]
        } else {
            moves[rng.usize(..moves.len())]
        };
        allowed(
            candidate::move_stage(self.conn(), &self.w.manager, id, to).await,
            "move",
        );
    }

    async fn plan(&mut self, rng: &mut fastrand::Rng) {
        let id = self.some_candidate(rng);
        let asked = self.asked.entry(id).or_default().clone();
        let mut fresh: Vec<Uuid> = self
            .bank
            .iter()
            .copied()
            .filter(|q| !asked.contains(q))
            .collect();
        rng.shuffle(&mut fresh);
        if fresh.is_empty() {
            return;
        }
        self.plan_for(rng, id, fresh).await;
    }

    /// Publishes a plan for candidate `id` asking questions from `fresh`.
    async fn plan_for(&mut self, rng: &mut fastrand::Rng, id: Uuid, mut fresh: Vec<Uuid>) {
        let Some(created) = allowed(
            plan::create(
                self.conn(),
                &self.w.manager,
                plan::PlanInput {
                    candidate_id: id,
                    title: "Loop".into(),
                    focus_competency_ids: vec![],
                },
            )
            .await,
            "plan",
        ) else {
            return;
        };
        let mut rounds = Vec::new();
        for _ in 0..rng.usize(1..=2) {
            let interviewers: Vec<usize> = match rng.u32(0..3) {
                0 => vec![0],
                1 => vec![1],
                _ => vec![0, 1],
            };
            let scheduled_at =
                (rng.u32(0..4) > 0).then(|| Utc::now() - Duration::minutes(rng.i64(-600..6000)));
            let competencies: Vec<Uuid> = match rng.usize(0..=self.focus.len()) {
                0 => vec![],
                i => vec![self.focus[i - 1]],
            };
            let made = plan::add_round(
                self.conn(),
                &self.w.manager,
                created.id,
                plan::RoundInput {
                    kind: RoundKind::LiveCoding,
                    title: "Round".into(),
                    duration_minutes: 60,
                    scheduled_at,
                    interviewer_ids: interviewers
                        .iter()
                        .map(|&i| self.interviewers[i].user_id)
                        .collect(),
                    focus_competency_ids: competencies.clone(),
                    trainees: vec![],
                    feedback_due_at: None,
                    override_limits: false,
                },
            )
            .await
            .expect("add round");
            // Later rounds may have no questions: their scorecards rate
            // nothing but still count.
            let least = usize::from(rounds.is_empty());
            let take = rng.usize(least..=2).min(fresh.len());
            let questions: Vec<Uuid> = fresh.drain(..take).collect();
            for &q in &questions {
                plan::add_question(self.conn(), &self.w.manager, made.id, q, Some(10))
                    .await
                    .expect("add question");
            }
            rounds.push(RoundInfo {
                id: made.id,
                interviewers,
                questions,
                competencies,
            });
        }
        if allowed(
            plan::publish(self.conn(), &self.w.manager, created.id).await,
            "publish",
        )
        .is_some()
        {
            for r in &rounds {
                self.asked
                    .entry(id)
                    .or_default()
                    .extend(r.questions.iter().copied());
            }
            self.rounds.extend(rounds);
            self.plans.push(created.id);
        }
    }

    /// A new candidate with a published plan whose rounds `wanted`
    /// accepts, trying new candidates until one has such a plan:
    /// (candidate, plan, index of the plan's first round).
    async fn planned(
        &mut self,
        rng: &mut fastrand::Rng,
        wanted: impl Fn(&[RoundInfo]) -> bool,
    ) -> (Uuid, Uuid, usize) {
        loop {
            self.create(rng).await;
            let id = self.candidates[self.candidates.len() - 1];
            let first = self.rounds.len();
            self.plan_for(rng, id, self.bank.clone()).await;
            // Published: its rounds and the plan were recorded.
            if self.rounds.len() > first && wanted(&self.rounds[first..]) {
                return (id, self.plans[self.plans.len() - 1], first);
            }
        }
    }

    /// Cancels a published plan: its scorecards leave the candidate's
    /// means (and nothing else).
    async fn cancel(&mut self, rng: &mut fastrand::Rng) {
        if self.plans.is_empty() {
            return;
        }
        let id = self.plans.swap_remove(rng.usize(..self.plans.len()));
        allowed(
            plan::cancel(self.conn(), &self.w.manager, id).await,
            "cancel",
        );
    }

    fn input(&self, rng: &mut fastrand::Rng, round: usize) -> ScorecardInput {
        ScorecardInput {
            question_ratings: self.rounds[round]
                .questions
                .iter()
                .map(|&question_id| QuestionRatingInput {
                    question_id,
                    rating: rng.i64(1..=4),
                    notes: "Notes.".into(),
                })
                .collect(),
            competency_ratings: self.rounds[round]
                .competencies
                .iter()
                .map(|&competency_id| CompetencyRatingInput {
                    competency_id,
                    rating: rng.i64(1..=4),
                })
                .collect(),
            recommendation: Some(Recommendation::ALL[rng.usize(..4)]),
            summary: "Summary.".into(),
        }
    }

    async fn card(&mut self, rng: &mut fastrand::Rng, submit: bool) {
        if self.rounds.is_empty() {
            return;
        }
        let r = rng.usize(..self.rounds.len());
        let round = &self.rounds[r];
        let who = round.interviewers[rng.usize(..round.interviewers.len())];
        self.card_at(rng, r, who, submit).await;
    }

    /// Saves or submits interviewer `who`'s scorecard of round `r`.
    async fn card_at(&mut self, rng: &mut fastrand::Rng, r: usize, who: usize, submit: bool) {
        if self.submitted.contains(&(r, who)) {
            return;
        }
        let mut input = self.input(rng, r);
        let actor = self.interviewers[who];
        let result = if submit {
            domain::scorecard::submit(self.conn(), &actor, self.rounds[r].id, input).await
        } else {
            // A partial draft.
            input.question_ratings.truncate(rng.usize(0..=1));
            domain::scorecard::save_draft(self.conn(), &actor, self.rounds[r].id, input).await
        };
        if allowed(result, "scorecard").is_some() && submit {
            self.submitted.push((r, who));
        }
    }

    async fn amend(&mut self, rng: &mut fastrand::Rng) {
        if self.submitted.is_empty() {
            return;
        }
        let (r, who) = self.submitted[rng.usize(..self.submitted.len())];
        let input = self.input(rng, r);
        let actor = self.interviewers[who];
        allowed(
            domain::scorecard::amend(
                self.conn(),
                &actor,
                self.rounds[r].id,
                input,
                "Second look.".into(),
            )
            .await,
            "amend",
        );
    }

    async fn erase(&mut self, rng: &mut fastrand::Rng) {
        let id = self.some_candidate(rng);
        allowed(
            candidate::erase(self.conn(), &self.w.manager, id, "Asked to be forgotten").await,
            "erase",
        );
    }

    /// A write a future path might make, done as every maintained write is
    /// (snapshot, write, settle): one stage change moved to another time,
    /// which reorders the history, so stays are removed and added.
    async fn rewrite_history(&mut self, rng: &mut fastrand::Rng) {
        let id = self.some_candidate(rng);
        let org = self.w.organization_id;
        let txn = domain::db::begin_write(self.conn()).await.expect("begin");
        let snapshot = Snapshot::take(&txn, org, Scope::Candidate(id))
            .await
            .expect("snapshot");
        let history = candidate::stage_history(&txn, &self.w.manager, id)
            .await
            .expect("history");
        let pick = &history[rng.usize(..history.len())];
        change::Entity::update_many()
            .col_expr(change::Column::ChangedAt, Expr::value(random_time(rng)))
            .filter(change::Column::Id.eq(pick.id))
            .exec(&txn)
            .await
            .expect("move a stage change");
        snapshot.settle(&txn).await.expect("settle");
        txn.commit().await.expect("commit");
    }

    /// As [`Self::rewrite_history`], for a round's start and one of its
    /// scorecards' submission time (which may lower a question's latest).
    async fn rewrite_card_times(&mut self, rng: &mut fastrand::Rng) {
        if self.submitted.is_empty() {
            return;
        }
        let (r, who) = self.submitted[rng.usize(..self.submitted.len())];
        let round_id = self.rounds[r].id;
        let org = self.w.organization_id;
        let txn = domain::db::begin_write(self.conn()).await.expect("begin");
        let mut snapshots = Vec::new();
        for &i in &self.rounds[r].interviewers {
            let scope = Scope::Scorecard {
                round_id,
                interviewer_id: self.interviewers[i].user_id,
            };
            snapshots.push(Snapshot::take(&txn, org, scope).await.expect("snapshot"));
        }
        let start = (rng.u32(0..5) > 0).then(|| random_time(rng));
        round::Entity::update_many()
            .col_expr(round::Column::ScheduledAt, Expr::value(start))
            .filter(round::Column::Id.eq(round_id))
            .exec(&txn)
            .await
            .expect("reschedule");
        card::Entity::update_many()
            .col_expr(card::Column::SubmittedAt, Expr::value(random_time(rng)))
            .filter(card::Column::RoundId.eq(round_id))
            .filter(card::Column::InterviewerId.eq(self.interviewers[who].user_id))
            .exec(&txn)
            .await
            .expect("resubmit");
        for snapshot in snapshots {
            snapshot.settle(&txn).await.expect("settle");
        }
        txn.commit().await.expect("commit");
    }

    /// Reports from the rollups against the definitions, then the
    /// maintained rollups against a rebuild.
    async fn check(&self, what: &str) {
        check_reports(self.conn(), &self.w.manager, &self.candidates, what).await;
        let org = self.w.organization_id;
        let maintained = domain::rollup::dump(self.conn(), org).await.expect("dump");
        domain::rollup::rebuild(self.conn(), org)
            .await
            .expect("rebuild");
        let rebuilt = domain::rollup::dump(self.conn(), org).await.expect("dump");
        if maintained != rebuilt {
            let only = |a: &[String], b: &[String]| -> Vec<String> {
                a.iter().filter(|l| !b.contains(l)).cloned().collect()
            };
            panic!(
                "{what}: maintained rollups differ from a rebuild\n maintained only: {:#?}\n rebuilt only: {:#?}",
                only(&maintained, &rebuilt),
                only(&rebuilt, &maintained)
            );
        }
    }
}

/// A time in the first quarter of 2026, to the microsecond.
fn random_time(rng: &mut fastrand::Rng) -> DateTime<Utc> {
    let base = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    base + Duration::microseconds(rng.i64(0..90 * 86_400_000_000))
}

/// Every report figure from the rollups equals the reference's, to 1e-9,
/// the candidate report's means of each of `candidates` included.
async fn check_reports(db: &DatabaseConnection, who: &Actor, candidates: &[Uuid], what: &str) {
    for &id in candidates {
        let got = report::candidate_report(db, who, id)
            .await
            .expect("candidate report");
        let want = reference::candidate_report(db, who, id)
            .await
            .expect("reference candidate report");
        for (got, want, means) in [
            (&got.categories, &want.categories, "category means"),
            (&got.competencies, &want.competencies, "competency means"),
        ] {
            let ids = |m: &[report::MeanRating]| -> Vec<(Uuid, u64)> {
                m.iter().map(|m| (m.id, m.ratings)).collect()
            };
            assert_eq!(ids(got), ids(want), "{what}: candidate {id} {means}");
            for (g, w) in got.iter().zip(want) {
                close(
                    Some(g.mean),
                    Some(w.mean),
                    &format!("{what}: {means} {}", g.id),
                );
            }
        }
    }
    let got = report::pipeline(db, who).await.expect("pipeline");
    let want = reference::pipeline(db, who)
        .await
        .expect("reference pipeline");
    assert_eq!(got.total_candidates, want.total_candidates, "{what}: total");
    assert_eq!(got.positions, want.positions, "{what}: positions");
    for (g, w) in got.stages.iter().zip(&want.stages) {
        let stage = format!("{what}: {}", g.stage);
        assert_eq!(
            (g.stage, g.candidates, g.completed_stays),
            (w.stage, w.candidates, w.completed_stays),
            "{stage}"
        );
        close(
            g.median_days,
            w.median_days,
            &format!("{stage} median days"),
        );
    }
    let page = PageRequest {
        first: 100,
        after: None,
        count: true,
    };
    let filter = QuestionFilter::default();
    let got = report::question_stats(db, who, &filter, page)
        .await
        .expect("stats");
    let want = reference::question_stats(db, who, &filter, page)
        .await
        .expect("reference stats");
    assert_eq!(got.items.len(), want.items.len(), "{what}: questions");
    for (g, w) in got.items.iter().zip(&want.items) {
        let q = format!("{what}: question {}", g.question.id);
        assert_eq!(
            (g.question.id, g.times_asked, g.last_asked_at),
            (w.question.id, w.times_asked, w.last_asked_at),
            "{q}"
        );
        close(g.mean_rating, w.mean_rating, &format!("{q} mean"));
        close(g.std_dev, w.std_dev, &format!("{q} std dev"));
        close(
            g.discrimination,
            w.discrimination,
            &format!("{q} discrimination"),
        );
    }
    let got = report::interviewer_calibration(db, who)
        .await
        .expect("calibration");
    let want = reference::interviewer_calibration(db, who)
        .await
        .expect("reference calibration");
    assert_eq!(got.len(), want.len(), "{what}: interviewers");
    for (g, w) in got.iter().zip(&want) {
        let i = format!("{what}: interviewer {}", g.user_id);
        assert_eq!(
            (g.user_id, g.scorecards_submitted),
            (w.user_id, w.scorecards_submitted),
            "{i}"
        );
        close(g.mean_rating, w.mean_rating, &format!("{i} mean"));
        close(g.leniency, w.leniency, &format!("{i} leniency"));
        close(
            g.median_hours_to_submit,
            w.median_hours_to_submit,
            &format!("{i} median hours"),
        );
    }
}

/// Seeds of the property test on each database.
fn seeds(db: &TestDb) -> u64 {
    match db.backend {
        Backend::Sqlite => 40,
        Backend::Postgres => 10,
    }
}

/// Two rated candidates, one hired and one rejected, checked after every
/// move: their ratings join the groups discrimination compares.
async fn hire_one_reject_one(sim: &mut Sim<'_>) {
    use Stage::*;
    let mut rng = fastrand::Rng::with_seed(2026);
    let question = sim.bank[0];
    let mut ids = Vec::new();
    for path in [
        &[Screening, Interviewing, Offer, Hired][..],
        &[Screening, Rejected],
    ] {
        sim.create(&mut rng).await;
        let id = sim.candidates[sim.candidates.len() - 1];
        let first = sim.rounds.len();
        sim.plan_for(&mut rng, id, vec![question]).await;
        for r in first..sim.rounds.len() {
            for who in sim.rounds[r].interviewers.clone() {
                sim.card_at(&mut rng, r, who, true).await;
                sim.check("after scorecard submit (scripted)").await;
            }
        }
        ids.push((id, path));
    }
    for (id, path) in ids {
        for &to in path {
            candidate::move_stage(sim.conn(), &sim.w.manager, id, to)
                .await
                .expect("move");
            sim.check(&format!("after stage move to {to} (scripted)"))
                .await;
        }
    }
    let stats = reference::question_stats(
        sim.conn(),
        &sim.w.manager,
        &QuestionFilter::default(),
        PageRequest {
            first: 100,
            after: None,
            count: true,
        },
    )
    .await
    .expect("stats");
    assert!(
        stats.items.iter().any(|s| s.discrimination.is_some()),
        "a question was rated for a hired and for a rejected candidate"
    );
}

/// A rated candidate's plan cancelled: its category and competency means
/// go from the report (and from the maintained rollup, as from a rebuild).
async fn cancel_a_rated_plan(sim: &mut Sim<'_>) {
    let mut rng = fastrand::Rng::with_seed(2027);
    // A round that both asks a question and focuses on a competency.
    let (id, _, first) = sim
        .planned(&mut rng, |rounds| {
            rounds
                .iter()
                .any(|r| !r.questions.is_empty() && !r.competencies.is_empty())
        })
        .await;
    for r in first..sim.rounds.len() {
        for who in sim.rounds[r].interviewers.clone() {
            sim.card_at(&mut rng, r, who, true).await;
        }
    }
    sim.check("a rated plan (scripted)").await;
    let means =
        |report: &report::CandidateReport| (report.categories.len(), report.competencies.len());
    let rated = report::candidate_report(sim.conn(), &sim.w.manager, id)
        .await
        .expect("report");
    assert!(
        means(&rated).0 > 0 && means(&rated).1 > 0,
        "the candidate has category and competency means: {:?}",
        means(&rated)
    );
    for plan in sim.plans.clone() {
        let mine = domain::plan::get(sim.conn(), &sim.w.manager, plan)
            .await
            .expect("plan");
        if mine.candidate_id == id {
            plan::cancel(sim.conn(), &sim.w.manager, plan)
                .await
                .expect("cancel");
            sim.plans.retain(|p| *p != plan);
        }
    }
    sim.check("after the rated plans were cancelled (scripted)")
        .await;
    let cancelled = report::candidate_report(sim.conn(), &sim.w.manager, id)
        .await
        .expect("report");
    assert_eq!(
        means(&cancelled),
        (0, 0),
        "cancelled plans count for nothing"
    );
}

async fn after_every_write_the_rollups_equal_a_computation_from_scratch(db: &TestDb) {
    let mut sim = Sim::new(db, "acme").await;
    hire_one_reject_one(&mut sim).await;
    cancel_a_rated_plan(&mut sim).await;
    // Another organization's writes never reach this one's rollups.
    let mut other = Sim::new(db, "globex").await;
    let mut seen = HashSet::new();
    for seed in 0..seeds(db) {
        let mut rng = fastrand::Rng::with_seed(seed);
        for step in 0..20 {
            let op = sim.step(&mut rng).await;
            seen.insert(op);
            sim.check(&format!("after {op} (seed {seed}, step {step})"))
                .await;
        }
        let op = other.step(&mut rng).await;
        other
            .check(&format!("globex after {op} (seed {seed})"))
            .await;
        sim.check(&format!("acme after globex's {op} (seed {seed})"))
            .await;
    }
    assert_eq!(
        seen.len(),
        11,
        "every kind of write was exercised: {seen:?}"
    );
}

/// Statements each of the three rolled-up reports runs.
async fn statements(db: &TestDb, who: &Actor) -> [usize; 3] {
    let mut conn = domain::db::connect(&db.url, 2).await.expect("connect");
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    conn.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let page = PageRequest {
        first: 20,
        after: None,
        count: true,
    };
    counter.store(0, Ordering::SeqCst);
    report::pipeline(&conn, who).await.expect("pipeline");
    let pipeline = counter.swap(0, Ordering::SeqCst);
    report::question_stats(&conn, who, &QuestionFilter::default(), page)
        .await
        .expect("stats");
    let stats = counter.swap(0, Ordering::SeqCst);
    report::interviewer_calibration(&conn, who)
        .await
        .expect("calibration");
    let calibration = counter.swap(0, Ordering::SeqCst);
    conn.close().await.ok();
    [pipeline, stats, calibration]
}

async fn reports_run_the_same_statements_for_a_small_and_a_large_organization(db: &TestDb) {
    let mut small = Sim::new(db, "small").await;
    let mut large = Sim::new(db, "large").await;
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..5 {
        small.step(&mut rng).await;
    }
    for _ in 0..250 {
        large.step(&mut rng).await;
    }
    assert!(large.submitted.len() >= 10 * small.submitted.len().max(1));
    // pipeline: counts, medians; question stats: count, page, figures;
    // calibration: one row per interviewer.
    assert_eq!(statements(db, &small.w.manager).await, [2, 3, 1]);
    assert_eq!(statements(db, &large.w.manager).await, [2, 3, 1]);
}

async fn the_migration_fills_the_rollups_of_an_existing_database(db: &TestDb) {
    use migration::{Migrator, MigratorTrait};

    let mut sim = Sim::new(db, "acme").await;
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..60 {
        sim.step(&mut rng).await;
    }
    let org = sim.w.organization_id;
    let maintained = domain::rollup::dump(sim.conn(), org).await.expect("dump");
    assert!(maintained.len() > 10, "the data reach the rollups");
    // As a database from before the rollups: roll back to just before
    // their migration (and every later one), then upgrade.
    let since_rollups = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name().contains("rollups"))
        .expect("the rollups migration")
        + 1;
    Migrator::down(sim.conn(), Some(since_rollups as u32))
        .await
        .expect("down");
    Migrator::up(sim.conn(), None).await.expect("up");
    let filled = domain::rollup::dump(sim.conn(), org).await.expect("dump");
    assert_eq!(
        filled, maintained,
        "the migration fills what writes maintain"
    );
    check_reports(
        sim.conn(),
        &sim.w.manager,
        &sim.candidates,
        "after the upgrade",
    )
    .await;
}

both_databases!(
    after_every_write_the_rollups_equal_a_computation_from_scratch,
    reports_run_the_same_statements_for_a_small_and_a_large_organization,
    the_migration_fills_the_rollups_of_an_existing_database,
    concurrent_writes_of_one_candidate_keep_the_rollups_exact,
    scorecards_submitted_while_their_plan_is_cancelled_count_once,
    a_cancellation_waits_for_an_open_scorecard_write,
);

/// Writers of one candidate or scorecard at once take turns, so the
/// rollups count each change once (on PostgreSQL, through the scope's row
/// lock; on SQLite, through the write lock).
async fn concurrent_writes_of_one_candidate_keep_the_rollups_exact(db: &TestDb) {
    let mut sim = Sim::new(db, "acme").await;
    let mut rng = fastrand::Rng::with_seed(3);
    sim.create(&mut rng).await;
    let id = sim.candidates[0];
    let current = candidate::get(sim.conn(), &sim.w.manager, id)
        .await
        .expect("get");
    let input = |title: &str| candidate::CandidateInput {
        name: current.name.clone(),
        email: current.email.clone(),
        position_title: title.into(),
        target_level: current.target_level,
    };
    for round in 0..10 {
        let (a, b, c) = tokio::join!(
            candidate::update(sim.conn(), &sim.w.manager, id, input(TITLES[round % 3])),
            candidate::update(
                sim.conn(),
                &sim.w.manager,
                id,
                input(TITLES[(round + 1) % 3])
            ),
            candidate::move_stage(sim.conn(), &sim.w.manager, id, Stage::Screening),
        );
        allowed(a, "update");
        allowed(b, "update");
        allowed(c, "move");
        sim.check(&format!("after concurrent writes (round {round})"))
            .await;
    }
}

/// Both interviewers submit while the manager cancels the plan and moves
/// the candidate on, eight times: no writer deadlocks or fails with a
/// database error (the scorecard writers' share lock on the candidate's
/// row is taken before the scorecard's, as the candidate writers take
/// theirs first), and the rollups end as a rebuild computes them. The
/// interleaving that needs that lock is pinned by
/// [`a_cancellation_waits_for_an_open_scorecard_write`]; this race rarely
/// hits it.
async fn scorecards_submitted_while_their_plan_is_cancelled_count_once(db: &TestDb) {
    let mut sim = Sim::new(db, "acme").await;
    let mut rng = fastrand::Rng::with_seed(5);
    for attempt in 0..8 {
        let (id, plan, round) = sim.planned(&mut rng, |_| true).await;
        let cards: Vec<(Actor, ScorecardInput)> = sim.rounds[round]
            .interviewers
            .iter()
            .map(|&who| (sim.interviewers[who], sim.input(&mut rng, round)))
            .collect();
        let round_id = sim.rounds[round].id;
        let conn = sim.conn();
        let submits = cards.into_iter().map(|(actor, input)| async move {
            domain::scorecard::submit(conn, &actor, round_id, input).await
        });
        let (submitted, cancelled, moved) = tokio::join!(
            futures_util::future::join_all(submits),
            plan::cancel(conn, &sim.w.manager, plan),
            candidate::move_stage(conn, &sim.w.manager, id, Stage::Screening),
        );
        for result in submitted {
            allowed(result, "submit");
        }
        allowed(cancelled, "cancel");
        allowed(moved, "move");
        sim.check(&format!(
            "after a submit raced a cancellation (attempt {attempt})"
        ))
        .await;
    }
}

/// A cancellation started while a scorecard's write is open waits for it
/// (on PostgreSQL through the share lock the writer takes on the
/// candidate's row, on SQLite through the write lock), so it reads the
/// card as the write left it. Without that lock the cancellation, reading
/// the card as still submitted, took it out of the means a second time.
async fn a_cancellation_waits_for_an_open_scorecard_write(db: &TestDb) {
    let mut sim = Sim::new(db, "acme").await;
    let mut rng = fastrand::Rng::with_seed(9);
    let (_, plan, r) = sim
        .planned(&mut rng, |rounds| !rounds[0].questions.is_empty())
        .await;
    let who = sim.rounds[r].interviewers[0];
    sim.card_at(&mut rng, r, who, true).await;
    sim.check("a submitted scorecard").await;
    // A write of the scorecard (back to a draft), done as every
    // maintained write is, left open while the plan is cancelled.
    let scope = Scope::Scorecard {
        round_id: sim.rounds[r].id,
        interviewer_id: sim.interviewers[who].user_id,
    };
    let txn = domain::db::begin_write(sim.conn()).await.expect("begin");
    let snapshot = Snapshot::take(&txn, sim.w.organization_id, scope)
        .await
        .expect("snapshot");
    card::Entity::update_many()
        .col_expr(card::Column::Status, Expr::value("DRAFT"))
        .filter(card::Column::RoundId.eq(sim.rounds[r].id))
        .filter(card::Column::InterviewerId.eq(sim.interviewers[who].user_id))
        .exec(&txn)
        .await
        .expect("back to a draft");
    snapshot.settle(&txn).await.expect("settle");
    let (conn, manager) = (sim.conn().clone(), sim.w.manager);
    let cancel = tokio::spawn(async move { plan::cancel(&conn, &manager, plan).await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    txn.commit().await.expect("commit");
    cancel.await.expect("cancel task").expect("cancel");
    sim.check("after a cancellation that waited for a scorecard write")
        .await;
}
