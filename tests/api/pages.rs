//! The dashboard page written whole (`graphql::tree`): for every field it
//! writes, every role (the blind rule decides which scorecards each sees)
//! and every page of the list, its answer is byte for byte the answer of
//! field-by-field resolution, it runs a fixed handful of statements, and
//! it audits the same reads.
//!
//! Field-by-field resolution is reached by adding one field the renderer
//! does not write (`stageHistory`) as the last field of each candidate;
//! the comparison drops that field from the text of the answer.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use domain::entity::{audit_entry, audit_subject, question};
use domain::types::Recommendation;
use domain::{Actor, plan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_databases;
use crate::statements::{CountingApp, complete_card, email_of};
use crate::support::TestDb;
use crate::support::world::World;

/// Every field the renderer writes, with aliases, fragments, a key
/// selected twice and `__typename` on every type.
const EVERYTHING: &str = r#"query Page($first: Int!, $after: String) {
  candidates(first: $first, after: $after) {
    __typename totalCount
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { ...Person } }
    nodes { id stage }
  }
}
fragment Person on Candidate {
  __typename id name email positionTitle targetLevel stage nextStages createdAt erasedAt updatedAt
  who: name
  plans { __typename id title status createdAt publishedAt
    rounds { __typename id position kind title durationMinutes scheduledAt endsAt feedbackDueAt allottedMinutes
      questions { __typename questionId position minutes prompt guidance rubric }
      ... on Round { questions { prompt } }
      scorecards { ...Card }
    }
  }
  scorecards { ...Card }
}
fragment Card on Scorecard {
  __typename id eventCursor status recommendation summary updatedAt submittedAt revision
  interviewer { __typename id email displayName role createdAt active deactivatedAt dailyInterviewLimit weeklyInterviewLimit }
  questionRatings { __typename questionId rating notes }
  byWhom: interviewer { displayName interviewerId: id }
}"#;

/// The page of the benchmark (`shared/perf`), as dashboards ask it.
const DASHBOARD: &str = "query($first: Int!, $after: String) { candidates(first: $first, after: $after) { edges { node { id name email positionTitle targetLevel stage plans { id title status rounds { id kind title durationMinutes position questions { questionId minutes position prompt } scorecards { id recommendation submittedAt interviewer { displayName } questionRatings { questionId rating } } } } } } } }";

/// Statements of [`EVERYTHING`]: the session; candidates with plans and
/// rounds; the count; questions; the rounds' scorecards; the candidates'.
const EVERYTHING_STATEMENTS: usize = 6;
/// Statements of [`DASHBOARD`]: the session; candidates with plans and
/// rounds; questions; scorecards with interviewers and ratings.
const DASHBOARD_STATEMENTS: usize = 4;

/// `query` with a field the renderer does not write added after each
/// candidate's `name`.
fn resolved(query: &str) -> String {
    let marked = query.replacen(
        " name email",
        " name zzResolved: stageHistory { to } email",
        1,
    );
    assert_ne!(marked, query, "the marker field was added");
    marked
}

/// `body` without the marker field's key and value.
fn unmarked(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(",\"zzResolved\":[") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find(']').expect("the marker's list ends") + 1;
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A round of `plan` with `questions` of the bank, for alice and bob.
async fn round(
    db: &TestDb,
    world: &World,
    plan_id: Uuid,
    title: &str,
    day: Option<u32>,
    questions: &[question::Model],
) -> (Uuid, Vec<Uuid>) {
    let mut input = world.round_input(
        title,
        45,
        vec![world.alice.user_id, world.bob.user_id],
        vec![],
    );
    if let Some(day) = day {
        input.scheduled_at = Some(Utc.with_ymd_and_hms(2026, 11, day, 9, 30, 0).unwrap());
    }
    let round = plan::add_round(&db.db, &world.manager, plan_id, input)
        .await
        .expect("add round");
    for (minutes, question) in [7, 12, 5].into_iter().zip(questions) {
        plan::add_question(&db.db, &world.manager, round.id, question.id, Some(minutes))
            .await
            .expect("add question");
    }
    (round.id, questions.iter().map(|q| q.id).collect())
}

async fn plan_for(db: &TestDb, world: &World, candidate: Uuid, title: &str) -> Uuid {
    plan::create(
        &db.db,
        &world.manager,
        plan::PlanInput {
            candidate_id: candidate,
            title: title.to_owned(),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create plan")
    .id
}

async fn submit(db: &TestDb, who: &Actor, round: Uuid, questions: &[Uuid], rating: i64) {
    let mut card = complete_card(questions, &[], rating);
    card.recommendation = Some(if rating > 2 {
        Recommendation::StrongYes
    } else {
        Recommendation::No
    });
    card.summary = format!("Rated {rating}: \"sharp\" \\ precise\tand ✓ kind");
    domain::scorecard::submit(&db.db, who, round, card)
        .await
        .expect("submit");
}

/// Candidates in every state a page shows: scored by both interviewers, by
/// one (the other blind), with a draft scorecard, with a draft plan, with
/// none, erased, and a name that needs escaping.
async fn organization(db: &TestDb) -> World {
    let world = World::new(db, "Pages").await;
    let bank = world.questions(db, 12).await;
    let ada = domain::candidate::create(
        &db.db,
        &world.manager,
        domain::candidate::CandidateInput {
            name: "Ada \"Countess\" Lovelace ✓".to_owned(),
            email: format!("ada.{}@candidates.example.com", Uuid::now_v7().simple()),
            position_title: "Staff \\ Principal Engineer".to_owned(),
            target_level: domain::types::Level::Lead,
        },
    )
    .await
    .expect("create Ada");
    let plan = plan_for(db, &world, ada.id, "Ada's loop").await;
    let first = round(db, &world, plan, "Design", Some(3), &bank[0..3]).await;
    let second = round(db, &world, plan, "Coding", None, &bank[3..5]).await;
    plan::publish(&db.db, &world.manager, plan)
        .await
        .expect("publish");
    submit(db, &world.alice, first.0, &first.1, 4).await;
    submit(db, &world.alice, second.0, &second.1, 3).await;
    submit(db, &world.bob, first.0, &first.1, 2).await;
    domain::scorecard::save_draft(
        &db.db,
        &world.bob,
        second.0,
        complete_card(&second.1, &[], 1),
    )
    .await
    .expect("save a draft");
    let draft = plan_for(db, &world, ada.id, "Ada's second look").await;
    round(db, &world, draft, "Follow-up", None, &bank[5..6]).await;

    let brian = world.candidate(db, "Brian").await;
    let plan = plan_for(db, &world, brian.id, "Brian's loop").await;
    let only = round(db, &world, plan, "Screen", Some(4), &bank[6..8]).await;
    plan::publish(&db.db, &world.manager, plan)
        .await
        .expect("publish");
    submit(db, &world.bob, only.0, &only.1, 3).await;

    let cleo = world.candidate(db, "Cleo").await;
    let plan = plan_for(db, &world, cleo.id, "Cleo's draft").await;
    round(db, &world, plan, "Later", None, &bank[8..9]).await;

    world.candidate(db, "Dan").await;

    let eve = world.candidate(db, "Eve").await;
    let plan = plan_for(db, &world, eve.id, "Eve's loop").await;
    let both = round(db, &world, plan, "Pairing", None, &bank[9..11]).await;
    plan::publish(&db.db, &world.manager, plan)
        .await
        .expect("publish");
    submit(db, &world.alice, both.0, &both.1, 1).await;
    submit(db, &world.bob, both.0, &both.1, 4).await;
    domain::candidate::erase(&db.db, &world.manager, eve.id, "asked to be forgotten")
        .await
        .expect("erase");
    world
}

/// The audit entries of the request `request_id`, as (operation, kind,
/// outcome, sorted subjects), once the queued reads are written.
async fn audited(db: &TestDb, request_id: &str) -> Vec<(String, String, String, Vec<Uuid>)> {
    let mut entries = Vec::new();
    for _ in 0..100 {
        entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::RequestId.eq(request_id))
            .all(&db.db)
            .await
            .expect("read the audit log");
        if !entries.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut out = Vec::new();
    for entry in entries {
        let mut subjects: Vec<Uuid> = audit_subject::Entity::find()
            .filter(audit_subject::Column::EntryId.eq(entry.id))
            .all(&db.db)
            .await
            .expect("read subjects")
            .into_iter()
            .map(|s| s.subject_id)
            .collect();
        subjects.sort();
        out.push((entry.operation, entry.kind, entry.outcome, subjects));
    }
    out.sort();
    out
}

/// One request's answer, statements and audit entries.
struct Answer {
    body: String,
    statements: Vec<String>,
    audit: Vec<(String, String, String, Vec<Uuid>)>,
}

async fn ask(app: &CountingApp, db: &TestDb, query: &str, variables: Value) -> Answer {
    let (response, statements) = app.raw(query, variables).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.json.get("errors").is_none(), "{}", response.body);
    let request_id = response
        .header("x-request-id")
        .expect("a request id")
        .to_owned();
    Answer {
        body: response.body,
        statements,
        audit: audited(db, &request_id).await,
    }
}

async fn a_page_written_whole_answers_and_audits_as_field_by_field_resolution(db: &TestDb) {
    let world = organization(db).await;
    let app = CountingApp::spawn(db).await;
    let roles = [&world.viewer, &world.alice, &world.bob, &world.manager];
    let mut checked = 0;
    for who in roles {
        let caller = app.gql.login(&email_of(db, &world, who).await).await;
        let app = app.as_caller(caller.gql);
        for (query, statements) in [
            (EVERYTHING, EVERYTHING_STATEMENTS),
            (DASHBOARD, DASHBOARD_STATEMENTS),
        ] {
            let mut after = Value::Null;
            loop {
                let variables = json!({"first": 2, "after": after});
                let whole = ask(&app, db, query, variables.clone()).await;
                let fields = ask(&app, db, &resolved(query), variables).await;
                assert_eq!(
                    whole.body,
                    unmarked(&fields.body),
                    "{:?}: the page written whole differs from field-by-field resolution",
                    who.role
                );
                assert_eq!(
                    whole.statements.len(),
                    statements,
                    "{:?}: {:#?}",
                    who.role,
                    whole.statements
                );
                assert_eq!(whole.audit, fields.audit, "{:?}: audit entries", who.role);
                assert!(
                    whole
                        .audit
                        .iter()
                        .any(|(operation, kind, _, _)| operation == "scorecards" && kind == "READ"),
                    "{:?}: the scorecards read is audited: {:?}",
                    who.role,
                    whole.audit
                );
                checked += 1;
                let data: Value = serde_json::from_str(&whole.body).expect("JSON");
                let edges = data["data"]["candidates"]["edges"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if query == EVERYTHING {
                    let info = &data["data"]["candidates"]["pageInfo"];
                    assert_eq!(info["hasPreviousPage"], !after.is_null());
                    if info["hasNextPage"] != true {
                        break;
                    }
                    after = info["endCursor"].clone();
                } else {
                    let Some(last) = edges.last() else { break };
                    if edges.len() < 2 {
                        break;
                    }
                    after = last["node"]["id"].clone();
                }
            }
        }
    }
    // Five candidates in pages of two, twice, for four roles.
    assert!(checked >= 4 * 2 * 3, "{checked} pages compared");
    // After its first run each document ran from its compiled plan: every
    // page but the first of each document (the marked documents never
    // compile).
    assert!(
        app.gql.compiled_operations().await >= checked as u64 - 2,
        "the compiled plans ran"
    );
}

/// Every field of `candidateReport`, with aliases, a fragment and
/// `__typename` everywhere.
const REPORT: &str = r#"query Report($id: ID!) {
  candidateReport(candidateId: $id) {
    __typename decisionReady agreement submittedScorecards
    candidate { __typename id name email positionTitle targetLevel stage nextStages createdAt erasedAt updatedAt }
    rounds { __typename roundId planId planStatus title kind scheduledAt spread
      interviewers { __typename recommendation submitted
        interviewer { __typename id email displayName role createdAt active deactivatedAt dailyInterviewLimit weeklyInterviewLimit }
        who: interviewer { displayName } } }
    categoryMeans { __typename meanRating ratings category { ...Section } }
    competencyMeans { __typename meanRating ratings competency { id name description } }
    again: decisionReady
  }
  __typename
}
fragment Section on Category { __typename id name description }"#;

/// A candidate report answered from its compiled plan is byte for byte
/// the one async-graphql resolves (the first run of a document, which
/// teaches the plan), with the same audit entries; refusals (the blind
/// rule, an unknown candidate) and bad variables still get async-graphql's
/// exact errors.
async fn a_compiled_candidate_report_answers_and_audits_as_resolution(db: &TestDb) {
    let world = organization(db).await;
    let app = CountingApp::spawn(db).await;
    let candidates = domain::candidate::list(
        &db.db,
        &world.manager,
        &domain::candidate::CandidateFilter::default(),
        domain::page::PageRequest::new(Some(10), None).expect("a page"),
    )
    .await
    .expect("candidates")
    .items;
    let mut compared = 0;
    for who in [&world.viewer, &world.manager, &world.alice] {
        let caller = app.gql.login(&email_of(db, &world, who).await).await;
        let app = app.as_caller(caller.gql);
        for candidate in &candidates {
            let variables = json!({"id": candidate.id.to_string()});
            // The same report through a document that never compiles
            // (`plans` of the candidate is not written whole).
            let resolved = REPORT.replacen(" updatedAt }", " updatedAt zz: plans { id } }", 1);
            let fields = app.raw(&resolved, variables.clone()).await.0;
            let before = app.gql.compiled_operations().await;
            let whole = app.raw(REPORT, variables.clone()).await.0;
            let again = app.raw(REPORT, variables.clone()).await.0;
            let after = app.gql.compiled_operations().await;
            let refused = fields.json.get("errors").is_some();
            let expected = if refused {
                fields.body.clone()
            } else {
                strip_plans(&fields.body)
            };
            assert_eq!(
                whole.body, expected,
                "{:?} {}: first run",
                who.role, candidate.name
            );
            assert_eq!(
                again.body, expected,
                "{:?} {}: compiled",
                who.role, candidate.name
            );
            if refused {
                // Alice has not scored Brian, Cleo or Dan: async-graphql
                // answers the refusal each time.
                assert_eq!(who.role, domain::types::Role::Interviewer);
                assert_eq!(after, before, "a refusal is not counted as compiled");
            } else {
                assert!(
                    after > before,
                    "{:?} {}: the plan ran",
                    who.role,
                    candidate.name
                );
                let first = audited(db, whole.header("x-request-id").expect("id")).await;
                let second = audited(db, again.header("x-request-id").expect("id")).await;
                assert_eq!(first, second, "the same audit entries");
                assert!(
                    second
                        .iter()
                        .any(|(operation, _, _, subjects)| operation == "candidateReport"
                            && subjects.contains(&candidate.id)),
                    "{second:?}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 10, "{compared} reports compared");
    // A variable of the wrong type, after the plan exists: async-graphql's
    // error, not a guess.
    let caller = app
        .gql
        .login(&email_of(db, &world, &world.viewer).await)
        .await;
    let viewer = app.as_caller(caller.gql);
    let wrong = viewer
        .raw(REPORT, json!({"id": ["not", "an", "id"]}))
        .await
        .0;
    assert!(
        wrong.json["errors"][0]["message"].is_string(),
        "{}",
        wrong.body
    );
    let unknown = viewer
        .raw(REPORT, json!({"id": Uuid::now_v7().to_string()}))
        .await
        .0;
    assert_eq!(
        unknown.json["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{}",
        unknown.body
    );
}

/// `body` without the `zz` key (the candidate's plans) and its value.
fn strip_plans(body: &str) -> String {
    let Some(at) = body.find(",\"zz\":[") else {
        return body.to_owned();
    };
    let rest = &body[at..];
    let end = rest.find(']').expect("the list ends") + 1;
    format!("{}{}", &body[..at], &rest[end..])
}

/// The blind rule holds in a page written whole: an interviewer sees a
/// colleague's submitted scorecard only for candidates they submitted for
/// themselves, and nobody sees another's draft.
async fn a_page_written_whole_keeps_the_blind_rule(db: &TestDb) {
    let world = organization(db).await;
    let app = CountingApp::spawn(db).await;
    let cards = |body: &str| -> Vec<(String, String, String)> {
        let data: Value = serde_json::from_str(body).expect("JSON");
        let mut out = Vec::new();
        for edge in data["data"]["candidates"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let node = &edge["node"];
            for plan in node["plans"].as_array().into_iter().flatten() {
                for round in plan["rounds"].as_array().into_iter().flatten() {
                    for card in round["scorecards"].as_array().into_iter().flatten() {
                        out.push((
                            node["name"].as_str().unwrap_or_default().to_owned(),
                            card["interviewer"]["displayName"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned(),
                            card["status"].as_str().unwrap_or_default().to_owned(),
                        ));
                    }
                }
            }
        }
        out.sort();
        out
    };
    let query = "{ candidates(first: 10) { edges { node { name plans { rounds { scorecards { status interviewer { displayName } } } } } } } }";
    let caller = app
        .gql
        .login(&email_of(db, &world, &world.alice).await)
        .await;
    let alice = app.as_caller(caller.gql);
    let (response, statements) = alice.raw(query, json!({})).await;
    // The session, the candidates with plans and rounds, the scorecards.
    assert_eq!(statements.len(), 3, "{statements:#?}");
    let seen = cards(&response.body);
    let name = |n: &str| n.to_owned();
    // Ada: alice submitted, so she sees bob's submitted card, not his draft;
    // Brian: she did not, so bob's card stays hidden; Eve: erased, but
    // both submitted.
    assert_eq!(
        seen,
        vec![
            (
                name("Ada \"Countess\" Lovelace ✓"),
                name("alice"),
                name("SUBMITTED")
            ),
            (
                name("Ada \"Countess\" Lovelace ✓"),
                name("alice"),
                name("SUBMITTED")
            ),
            (
                name("Ada \"Countess\" Lovelace ✓"),
                name("bob"),
                name("SUBMITTED")
            ),
            (
                name(domain::candidate::ERASED_NAME),
                name("alice"),
                name("SUBMITTED")
            ),
            (
                name(domain::candidate::ERASED_NAME),
                name("bob"),
                name("SUBMITTED")
            ),
        ]
    );
    let caller = app.gql.login(&email_of(db, &world, &world.bob).await).await;
    let bob = app.as_caller(caller.gql);
    let (response, _) = bob.raw(query, json!({})).await;
    let seen = cards(&response.body);
    // Bob sees his own draft, and alice's cards where he submitted.
    assert!(
        seen.contains(&(
            name("Ada \"Countess\" Lovelace ✓"),
            name("bob"),
            name("DRAFT")
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(name("Brian"), name("bob"), name("SUBMITTED"))),
        "{seen:?}"
    );
    assert_eq!(seen.len(), 7, "{seen:?}");
}

both_databases!(
    a_compiled_candidate_report_answers_and_audits_as_resolution,
    a_page_written_whole_answers_and_audits_as_field_by_field_resolution,
    a_page_written_whole_keeps_the_blind_rule,
);
