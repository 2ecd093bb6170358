//! No N+1 queries: a nested GraphQL query runs the same number of SQL
//! statements however many records it returns, because nested fields are
//! batch-loaded one statement per kind of record and level.
//!
//! The service runs on a database connection that counts the statements it
//! executes; each measured request starts the count from zero.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use domain::entity::question;
use domain::scorecard::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use domain::types::Recommendation;
use domain::{Actor, plan};
use gateway::{Application, Settings};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_databases;
use crate::client::Gql;
use crate::helpers::TestApp;
use crate::support::TestDb;
use crate::support::world::World;

/// Most statements a nested read may run, whatever its size: one per kind
/// of record and nesting level, plus the page and its count.
const MAX_STATEMENTS: usize = 20;

/// Most times a read of many items is measured (see [`CountingApp::least`]).
const RUNS: usize = 20;
/// Times a read of a few items is measured.
const FEW_RUNS: usize = 3;

/// The service on a connection that counts (and keeps) its statements.
pub(crate) struct CountingApp {
    pub(crate) gql: Gql,
    count: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<String>>>,
}

impl CountingApp {
    /// `gql` calls the same counted service as someone else.
    pub(crate) fn as_caller(&self, gql: Gql) -> CountingApp {
        CountingApp {
            gql,
            count: self.count.clone(),
            log: self.log.clone(),
        }
    }

    /// Runs `query` and returns the whole response with the statements it
    /// ran.
    pub(crate) async fn raw(
        &self,
        query: &str,
        variables: Value,
    ) -> (crate::helpers::Response, Vec<String>) {
        self.count.store(0, Ordering::SeqCst);
        self.log.lock().expect("statement log").clear();
        let response = self.gql.send_raw(query, variables).await;
        let log = self.log.lock().expect("statement log").clone();
        (response, log)
    }

    /// Runs `query`, which must be refused, and returns the refusal with
    /// the statements it ran.
    pub(crate) async fn refused(
        &self,
        query: &str,
        variables: Value,
    ) -> (crate::client::Refusal, Vec<String>) {
        self.count.store(0, Ordering::SeqCst);
        self.log.lock().expect("statement log").clear();
        let refusal = self.gql.refusal(query, variables).await;
        let log = self.log.lock().expect("statement log").clone();
        (refusal, log)
    }

    pub(crate) async fn spawn(db: &TestDb) -> CountingApp {
        let count = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut connection = domain::db::connect(&db.url, 4)
            .await
            .expect("open the counted connection");
        let (seen, logged) = (count.clone(), log.clone());
        connection.set_metric_callback(move |info| {
            seen.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut log) = logged.lock() {
                log.push(info.statement.sql.chars().take(160).collect());
            }
        });
        let url = db.url.clone();
        let settings = Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some(url.clone()),
            "BIND" => Some("127.0.0.1:0".to_owned()),
            "PASSWORD_HASH_SHARE" => Some("100".to_owned()),
            _ => None,
        })
        .expect("test settings are valid");
        let app = Application::build_with_database(settings, connection)
            .await
            .expect("the application builds");
        let gql = Gql::new(TestApp {
            address: app.address(),
            db: app.database().clone(),
        });
        tokio::spawn(app.run_until_stopped());
        CountingApp { gql, count, log }
    }

    /// Runs `query` until it runs at most `enough` statements, at most
    /// `runs` times, and returns the answer with the fewest statements and
    /// every run's count.
    ///
    /// The loader batches the keys asked for within 1 ms. async-graphql
    /// resolves a list of more than 30 items over several polls, and a debug
    /// build under load can take longer than that, so a level's batch is
    /// sometimes split in two: a few extra statements, whatever the size.
    /// An N+1 costs a statement per item in every run, so the fewest over
    /// several runs still shows it while the timing noise is left out.
    async fn least(
        &self,
        query: &str,
        variables: Value,
        runs: usize,
        enough: usize,
    ) -> (Value, Vec<String>, Vec<usize>) {
        let mut best: Option<(Value, Vec<String>)> = None;
        let mut counts = Vec::new();
        while counts.len() < runs && counts.last().is_none_or(|&n| n > enough) {
            let (data, log) = self.measure(query, variables.clone()).await;
            counts.push(log.len());
            if best
                .as_ref()
                .is_none_or(|(_, fewest)| log.len() < fewest.len())
            {
                best = Some((data, log));
            }
        }
        let (data, log) = best.expect("at least one run");
        (data, log, counts)
    }

    /// Runs `query` (which must succeed) and returns its data with the
    /// statements it ran.
    async fn measure(&self, query: &str, variables: Value) -> (Value, Vec<String>) {
        self.count.store(0, Ordering::SeqCst);
        self.log.lock().expect("statement log").clear();
        let data = self.gql.data(query, variables).await;
        let log = self.log.lock().expect("statement log").clone();
        assert_eq!(
            log.len(),
            self.count.load(Ordering::SeqCst),
            "every statement is logged"
        );
        (data, log)
    }
}

pub(crate) async fn email_of(db: &TestDb, world: &World, who: &Actor) -> String {
    domain::user::get(&db.db, &world.admin, who.user_id)
        .await
        .expect("a user of the world")
        .email
}

pub(crate) fn complete_card(
    questions: &[Uuid],
    competencies: &[Uuid],
    rating: i64,
) -> ScorecardInput {
    ScorecardInput {
        question_ratings: questions
            .iter()
            .map(|&question_id| QuestionRatingInput {
                question_id,
                rating,
                notes: "Noted.".into(),
            })
            .collect(),
        competency_ratings: competencies
            .iter()
            .map(|&competency_id| CompetencyRatingInput {
                competency_id,
                rating,
            })
            .collect(),
        recommendation: Some(Recommendation::Yes),
        summary: "Clear thinking.".into(),
    }
}

/// How big a plan is: every round has the same interviewers and focus.
struct Shape<'a> {
    rounds: usize,
    per_round: usize,
    interviewers: &'a [&'a Actor],
    focus: &'a [Uuid],
}

/// A plan of `shape` for a new candidate named `name`, using `per_round`
/// questions of `bank` per round, none twice; returns the plan's id and
/// each round's id with its questions.
async fn plan_with(
    db: &TestDb,
    world: &World,
    name: &str,
    shape: Shape<'_>,
    bank: &[question::Model],
) -> (Uuid, Vec<(Uuid, Vec<Uuid>)>) {
    let Shape {
        rounds,
        per_round,
        interviewers,
        focus,
    } = shape;
    let candidate = world.candidate(db, name).await;
    let created = plan::create(
        &db.db,
        &world.manager,
        plan::PlanInput {
            candidate_id: candidate.id,
            title: format!("{name} loop"),
            focus_competency_ids: focus.to_vec(),
        },
    )
    .await
    .expect("create plan");
    let mut made = Vec::new();
    for r in 0..rounds {
        let input = world.round_input(
            &format!("Round {r}"),
            60,
            interviewers.iter().map(|a| a.user_id).collect(),
            focus.to_vec(),
        );
        let round = plan::add_round(&db.db, &world.manager, created.id, input)
            .await
            .expect("add round");
        let mut questions = Vec::new();
        for q in &bank[r * per_round..(r + 1) * per_round] {
            plan::add_question(&db.db, &world.manager, round.id, q.id, Some(10))
                .await
                .expect("add question");
            questions.push(q.id);
        }
        made.push((round.id, questions));
    }
    (created.id, made)
}

const CANDIDATES: &str = "query($first: Int!) { candidates(first: $first) { totalCount edges { node { id name plans { id title rounds { id title interviewers { id displayName } focusCompetencies { name } questions { prompt minutes rubric question { id tags category { name } } } scorecards { id } } } scorecards { id } } } } }";

const HISTORY: &str = "query($first: Int!) { candidates(first: $first) { edges { node { id stageHistory { to } } } } }";

async fn listing_5_or_50_candidates_with_their_plans_runs_the_same_statements(db: &TestDb) {
    let world = World::new(db, "Batching").await;
    let bank = world.questions(db, 4).await;
    let focus = [world.competencies(db).await[0].id];
    for i in 0..50 {
        let shape = Shape {
            rounds: 2,
            per_round: 2,
            interviewers: &[&world.alice],
            focus: &focus,
        };
        plan_with(db, &world, &format!("Candidate {i:02}"), shape, &bank).await;
    }
    let app = CountingApp::spawn(db).await;
    let admin = app
        .gql
        .login(&email_of(db, &world, &world.admin).await)
        .await;
    let app = CountingApp {
        gql: admin.gql,
        ..app
    };

    for (what, query) in [("nested plans", CANDIDATES), ("stage history", HISTORY)] {
        let mut counts = Vec::new();
        for first in [5_usize, 50] {
            // Five items resolve in one poll: their count is exact, and
            // fifty must reach it.
            let (runs, enough) = match counts.first() {
                None => (FEW_RUNS, 0),
                Some(few) => (RUNS, Vec::len(few)),
            };
            let (data, statements, runs) = app
                .least(query, json!({"first": first}), runs, enough)
                .await;
            let edges = data["candidates"]["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), first, "{what}");
            for edge in edges {
                check_candidate(&edge["node"]);
            }
            eprintln!(
                "statements [{:?}] candidates(first: {first}) with {what}: {} (runs: {runs:?})",
                db.backend,
                statements.len()
            );
            counts.push(statements);
        }
        assert_eq!(
            counts[0].len(),
            counts[1].len(),
            "{what}: 50 candidates ran more statements than 5 (N+1):\n5: {:#?}\n50: {:#?}",
            counts[0],
            counts[1]
        );
        assert!(
            counts[1].len() <= MAX_STATEMENTS,
            "{what}: {} statements: {:#?}",
            counts[1].len(),
            counts[1]
        );
    }
}

/// Every candidate was seeded alike: one plan of two rounds, each with
/// alice, one focus competency and two questions; entered at APPLIED.
fn check_candidate(node: &Value) {
    if let Some(history) = node.get("stageHistory") {
        assert_eq!(history, &json!([{"to": "APPLIED"}]), "{node:#}");
        return;
    }
    let rounds = node["plans"][0]["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 2, "{node:#}");
    for round in rounds {
        assert_eq!(round["interviewers"][0]["displayName"], "alice");
        assert_eq!(round["focusCompetencies"].as_array().map(Vec::len), Some(1));
        assert_eq!(round["questions"].as_array().map(Vec::len), Some(2));
        assert!(round["questions"][1]["question"]["category"]["name"].is_string());
        assert!(round["questions"][1]["question"]["tags"].is_array());
    }
}

/// Reads of one plan that together select every field of its rounds and
/// scorecards. Each query reaches every kind of record from one place only:
/// when two places load the same kind, whether the loader merges them into
/// one statement depends on timing, and the count would not be repeatable.
const PLAN_READS: [(&str, &str); 3] = [
    (
        "rounds and questions",
        "query($id: ID!) { interviewPlan(id: $id) { id title status candidate { name } focusCompetencies { name }
           rounds { id title kind interviewers { displayName }
             questions { prompt guidance rubric minutes version { version } question { id tags category { name } } } } } }",
    ),
    (
        "focus and scorecards",
        "query($id: ID!) { interviewPlan(id: $id) { rounds { plan { id } focusCompetencies { name }
           scorecards { id recommendation interviewer { displayName } round { id } questionRatings { questionId rating } } } } }",
    ),
    (
        "competency ratings",
        "query($id: ID!) { interviewPlan(id: $id) { rounds { scorecards { competencyRatings { rating competency { name } } } } } }",
    ),
];

async fn a_plan_of_6_rounds_reads_in_as_many_statements_as_a_plan_of_1(db: &TestDb) {
    let world = World::new(db, "Plan Batching").await;
    let bank = world.questions(db, 12).await;
    let competencies = world.competencies(db).await;
    let one_focus = [competencies[0].id];
    let two_focus = [competencies[0].id, competencies[1].id];

    // One round, one question, one interviewer, one competency, one
    // scorecard; against six rounds with two of everything.
    let shape = Shape {
        rounds: 1,
        per_round: 1,
        interviewers: &[&world.alice],
        focus: &one_focus,
    };
    let (small, small_rounds) = plan_with(db, &world, "Small", shape, &bank).await;
    let shape = Shape {
        rounds: 6,
        per_round: 2,
        interviewers: &[&world.alice, &world.bob],
        focus: &two_focus,
    };
    let (large, large_rounds) = plan_with(db, &world, "Large", shape, &bank).await;
    for id in [small, large] {
        plan::publish(&db.db, &world.manager, id)
            .await
            .expect("publish");
    }
    for (round, questions) in &small_rounds {
        domain::scorecard::submit(
            &db.db,
            &world.alice,
            *round,
            complete_card(questions, &one_focus, 3),
        )
        .await
        .expect("submit");
    }
    for (round, questions) in &large_rounds {
        for who in [&world.alice, &world.bob] {
            domain::scorecard::submit(&db.db, who, *round, complete_card(questions, &two_focus, 2))
                .await
                .expect("submit");
        }
    }
    let app = CountingApp::spawn(db).await;
    let manager = app
        .gql
        .login(&email_of(db, &world, &world.manager).await)
        .await;
    let app = CountingApp {
        gql: manager.gql,
        ..app
    };

    for (what, query) in PLAN_READS {
        let (data, few) = app.measure(query, json!({"id": small.to_string()})).await;
        let rounds = |data: &Value| data["interviewPlan"]["rounds"].as_array().map(Vec::len);
        assert_eq!(rounds(&data), Some(1), "{what}: {data:#}");
        assert!(!has_empty_list(&data), "{what}: {data:#}");
        let (data, many) = app.measure(query, json!({"id": large.to_string()})).await;
        assert_eq!(rounds(&data), Some(6), "{what}: {data:#}");
        assert!(!has_empty_list(&data), "{what}: {data:#}");
        eprintln!(
            "statements [{:?}] interviewPlan(id) {what}: 1 round {}, 6 rounds {}",
            db.backend,
            few.len(),
            many.len()
        );
        assert_eq!(
            few.len(),
            many.len(),
            "{what}: 6 rounds ran more statements than 1 (N+1):\n1: {few:#?}\n6: {many:#?}"
        );
        assert!(
            many.len() <= MAX_STATEMENTS,
            "{what}: {} statements: {many:#?}",
            many.len()
        );
    }
}

/// The dashboard page of the benchmark (`shared/perf`): candidates → plans
/// → rounds → questions with their pinned prompt → scorecards with the
/// interviewer's name → question ratings.
const PAGE: &str = "query($first: Int!) { candidates(first: $first) { edges { node { id name email positionTitle targetLevel stage plans { id title status rounds { id kind title durationMinutes position questions { questionId minutes position prompt } scorecards { id recommendation submittedAt interviewer { displayName } questionRatings { questionId rating } } } } } } } }";

/// The page reads in exactly this many statements, whatever its size: the
/// caller's session; the candidates with their plans and rounds; round
/// questions with their pinned prompts; scorecards with their
/// interviewers and ratings.
const PAGE_STATEMENTS: usize = 4;

/// Candidates with one published plan of two rounds of two questions,
/// each scored by alice and bob.
async fn scored_candidates(db: &TestDb, world: &World, count: usize) {
    let bank = world.questions(db, 4).await;
    let focus = [world.competencies(db).await[0].id];
    for i in 0..count {
        let shape = Shape {
            rounds: 2,
            per_round: 2,
            interviewers: &[&world.alice, &world.bob],
            focus: &focus,
        };
        let (plan_id, rounds) = plan_with(db, world, &format!("Scored {i:02}"), shape, &bank).await;
        plan::publish(&db.db, &world.manager, plan_id)
            .await
            .expect("publish");
        for (round, questions) in &rounds {
            for who in [&world.alice, &world.bob] {
                domain::scorecard::submit(&db.db, who, *round, complete_card(questions, &focus, 3))
                    .await
                    .expect("submit");
            }
        }
    }
}

async fn the_dashboard_page_reads_in_four_statements_for_5_or_40_candidates(db: &TestDb) {
    let world = World::new(db, "Dashboard").await;
    scored_candidates(db, &world, 40).await;
    let app = CountingApp::spawn(db).await;
    for who in [&world.viewer, &world.alice] {
        let caller = app.gql.login(&email_of(db, &world, who).await).await;
        let app = app.as_caller(caller.gql);
        let mut fewest = Vec::new();
        for first in [5_usize, 40] {
            let (runs, enough) = if first == 5 {
                (FEW_RUNS, 0)
            } else {
                (RUNS, PAGE_STATEMENTS)
            };
            let (data, statements, runs) =
                app.least(PAGE, json!({"first": first}), runs, enough).await;
            let edges = data["candidates"]["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), first);
            assert!(!has_empty_list(&data), "{data:#}");
            let ratings =
                &edges[0]["node"]["plans"][0]["rounds"][0]["scorecards"][0]["questionRatings"];
            assert_eq!(ratings.as_array().map(Vec::len), Some(2), "{data:#}");
            assert_eq!(ratings[0]["rating"], 3);
            eprintln!(
                "statements [{:?}] dashboard page of {first} as {:?}: {} (runs: {runs:?})",
                db.backend,
                who.role,
                statements.len()
            );
            assert_eq!(
                statements.len(),
                PAGE_STATEMENTS,
                "{first} candidates as {:?}: {statements:#?}",
                who.role
            );
            assert!(
                !statements.iter().any(|s| s.contains("COUNT(")),
                "nothing counts the whole list unless totalCount is asked for: {statements:#?}"
            );
            fewest.push(statements);
        }
    }
    // Asking for the total costs one statement more.
    let caller = app
        .gql
        .login(&email_of(db, &world, &world.viewer).await)
        .await;
    let app = app.as_caller(caller.gql);
    let counted = PAGE.replace("{ edges {", "{ totalCount edges {");
    let (data, statements, _) = app.least(&counted, json!({"first": 5}), FEW_RUNS, 0).await;
    assert_eq!(data["candidates"]["totalCount"], 40);
    assert_eq!(statements.len(), PAGE_STATEMENTS + 1, "{statements:#?}");
}

const REPORT: &str = "query($id: ID!) { candidateReport(candidateId: $id) { candidate { id name stage } decisionReady agreement submittedScorecards rounds { roundId planId planStatus title kind scheduledAt spread interviewers { interviewer { id displayName } recommendation submitted } } categoryMeans { category { id name } meanRating ratings } competencyMeans { competency { id name } meanRating ratings } } }";

/// The candidate report reads in exactly this many statements whatever
/// the candidate's size, the first time its document is seen: the session;
/// the candidate with every round and interviewer (and the caller's own
/// submissions, for the blind rule) and the category and competency
/// means, in one statement.
const REPORT_STATEMENTS: usize = 2;
/// Once the document's plan is compiled: that one statement checks the
/// session too.
const COMPILED_REPORT_STATEMENTS: usize = 1;

async fn a_candidate_report_reads_in_two_statements_then_one_for_1_or_6_rounds(db: &TestDb) {
    let world = World::new(db, "Report Statements").await;
    let bank = world.questions(db, 12).await;
    let competencies = world.competencies(db).await;
    let focus = [competencies[0].id, competencies[1].id];
    let mut candidates = Vec::new();
    for (name, rounds, interviewers) in [
        ("Small", 1, &[&world.alice][..]),
        ("Large", 6, &[&world.alice, &world.bob][..]),
    ] {
        let shape = Shape {
            rounds,
            per_round: 2,
            interviewers,
            focus: &focus,
        };
        let (plan_id, made) = plan_with(db, &world, name, shape, &bank).await;
        plan::publish(&db.db, &world.manager, plan_id)
            .await
            .expect("publish");
        for (round, questions) in &made {
            for who in interviewers {
                domain::scorecard::submit(&db.db, who, *round, complete_card(questions, &focus, 2))
                    .await
                    .expect("submit");
            }
        }
        let plan = plan::get(&db.db, &world.manager, plan_id)
            .await
            .expect("plan");
        candidates.push(plan.candidate_id);
    }
    let app = CountingApp::spawn(db).await;
    let mut first = true;
    for who in [&world.manager, &world.alice] {
        let caller = app.gql.login(&email_of(db, &world, who).await).await;
        let app = app.as_caller(caller.gql);
        for (candidate, rounds) in candidates.iter().zip([1_usize, 6]) {
            let (data, statements) = app
                .measure(REPORT, json!({"id": candidate.to_string()}))
                .await;
            let report = &data["candidateReport"];
            assert_eq!(report["rounds"].as_array().map(Vec::len), Some(rounds));
            assert!(!has_empty_list(&data), "{data:#}");
            assert_eq!(
                report["rounds"][0]["interviewers"][0]["interviewer"]["displayName"],
                "alice"
            );
            assert_eq!(report["categoryMeans"][0]["meanRating"], 2.0);
            assert_eq!(report["competencyMeans"].as_array().map(Vec::len), Some(2));
            eprintln!(
                "statements [{:?}] candidateReport of {rounds} rounds as {:?}: {}",
                db.backend,
                who.role,
                statements.len()
            );
            let expected = match std::mem::take(&mut first) {
                true => REPORT_STATEMENTS,
                false => COMPILED_REPORT_STATEMENTS,
            };
            assert_eq!(statements.len(), expected, "{statements:#?}");
        }
    }
}

/// Whether any list in `value` is empty: a measured answer must fill every
/// list it selects, or some loader would not have run.
fn has_empty_list(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.is_empty() || items.iter().any(has_empty_list),
        Value::Object(fields) => fields.values().any(has_empty_list),
        _ => false,
    }
}

both_databases!(
    listing_5_or_50_candidates_with_their_plans_runs_the_same_statements,
    a_plan_of_6_rounds_reads_in_as_many_statements_as_a_plan_of_1,
    the_dashboard_page_reads_in_four_statements_for_5_or_40_candidates,
    a_candidate_report_reads_in_two_statements_then_one_for_1_or_6_rounds,
);
