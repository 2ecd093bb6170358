//! docs/domain.md §3 `Subscription`, §5 scaling out: `scorecardSubmitted` over
//! WebSocket (`graphql-transport-ws`) delivers each submitted scorecard to
//! the subscribers of its organization who may see it (blind rule), on the
//! gateway where it was submitted and, on PostgreSQL, on every other gateway
//! of the database.
//!
//! Negative cases are made deterministic with a later event the subscriber
//! must receive: events reach a subscriber in order, so receiving the later
//! one first proves the earlier one was withheld, not merely late.

use domain::Actor;
use domain::entity::user;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use serde_json::{Value, json};

use crate::both_databases;
use crate::client::text;
use crate::helpers::{TestApp, spawn_app};
use crate::support::TestDb;
use crate::support::world::{DraftPlan, PASSWORD, World};
use crate::ws::{Subscriber, get, graphql};

const SCORECARD_SUBMITTED: &str = "subscription($candidateId: ID) {
    scorecardSubmitted(candidateId: $candidateId) {
        id status recommendation summary
        candidate { id name }
        interviewer { id }
        round { id title }
        questionRatings { questionId rating }
        competencyRatings { rating }
    }
}";

const SUBMIT: &str = "mutation($roundId: ID!, $input: ScorecardInput!) {
    submitScorecard(roundId: $roundId, input: $input) { id }
}";

/// An access token for `who`, from `login` on `app`.
async fn sign_in(app: &TestApp, db: &TestDb, who: &Actor) -> String {
    let email = user::Entity::find_by_id(who.user_id)
        .one(&db.db)
        .await
        .expect("read the user")
        .expect("the user exists")
        .email;
    let response = graphql(
        app.address,
        None,
        "mutation($email: String!, $password: String!) {
            login(email: $email, password: $password) { accessToken }
        }",
        json!({"email": email, "password": PASSWORD}),
    )
    .await;
    response["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {response}"))
        .to_owned()
}

/// A published plan: round one (alice), round two (bob), and a round three
/// without questions (alice again), so a colleague can submit after bob.
async fn published_plan(db: &TestDb, w: &World) -> DraftPlan {
    let candidate = w.candidate(db, "Grace Hopper").await;
    published_plan_for(db, w, candidate, 0).await
}

async fn published_plan_for(
    db: &TestDb,
    w: &World,
    candidate: domain::entity::candidate::Model,
    skip: usize,
) -> DraftPlan {
    let mut draft = w.draft_plan_for(db, candidate, skip).await;
    let three = domain::plan::add_round(
        &db.db,
        &w.manager,
        draft.plan.id,
        w.round_input("Behavioral", 30, vec![w.alice.user_id], vec![]),
    )
    .await
    .expect("add round three");
    draft.rounds.push(three);
    domain::plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish the plan");
    draft
}

/// Submits round `index` of `draft` over HTTP as the holder of `token`;
/// the new scorecard's id.
async fn submit(app: &TestApp, token: &str, draft: &DraftPlan, index: usize) -> String {
    let questions = match index {
        0 => &draft.questions[0..2],
        1 => &draft.questions[2..3],
        _ => &[],
    };
    let competencies = if index == 0 {
        vec![json!({"competencyId": draft.competency.id.to_string(), "rating": 4})]
    } else {
        vec![]
    };
    let input = json!({
        "questionRatings": questions.iter().map(|q| json!({
            "questionId": q.id.to_string(), "rating": 3, "notes": "Solid answer.",
        })).collect::<Vec<_>>(),
        "competencyRatings": competencies,
        "recommendation": "YES",
        "summary": format!("Round {} went well.", index + 1),
    });
    let response = graphql(
        app.address,
        Some(token),
        SUBMIT,
        json!({"roundId": draft.rounds[index].id.to_string(), "input": input}),
    )
    .await;
    response["data"]["submitScorecard"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("submitScorecard failed: {response}"))
        .to_owned()
}

/// A signed-in subscriber to `scorecardSubmitted` (for `candidate` when
/// given) on `app`; returns it with the operation id.
async fn subscribe(
    app: &TestApp,
    token: &str,
    candidate: Option<uuid::Uuid>,
) -> (Subscriber, String) {
    let mut subscriber = Subscriber::connect(app.address, json!({"accessToken": token}))
        .await
        .expect("the server accepts a valid token");
    let id = subscriber
        .subscribe(
            SCORECARD_SUBMITTED,
            json!({"candidateId": candidate.map(|c| c.to_string())}),
        )
        .await;
    (subscriber, id)
}

/// The scorecard of a `next` payload, failing on GraphQL errors.
fn scorecard(payload: &Value) -> &Value {
    assert!(payload.get("errors").is_none(), "errors: {payload}");
    &payload["data"]["scorecardSubmitted"]
}

async fn a_hiring_manager_receives_a_scorecard_as_soon_as_an_interviewer_submits_it(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let draft = published_plan(db, &w).await;
    let manager = sign_in(&app, db, &w.manager).await;
    let alice = sign_in(&app, db, &w.alice).await;
    // The `authorization` form of the payload, as a header would carry it.
    let mut subscriber = Subscriber::connect(
        app.address,
        json!({"authorization": format!("Bearer {manager}")}),
    )
    .await
    .expect("the server accepts a bearer authorization");
    let id = subscriber.subscribe(SCORECARD_SUBMITTED, json!({})).await;

    let submitted = submit(&app, &alice, &draft, 0).await;

    let payload = subscriber.next(&id).await;
    let card = scorecard(&payload);
    assert_eq!(card["id"], submitted.as_str());
    assert_eq!(card["status"], "SUBMITTED");
    assert_eq!(card["recommendation"], "YES");
    assert_eq!(card["summary"], "Round 1 went well.");
    assert_eq!(card["candidate"]["id"], draft.candidate.id.to_string());
    assert_eq!(card["candidate"]["name"], "Grace Hopper");
    assert_eq!(card["interviewer"]["id"], w.alice.user_id.to_string());
    assert_eq!(card["round"]["title"], "Technical screen");
    assert_eq!(card["questionRatings"].as_array().map(Vec::len), Some(2));
    assert_eq!(card["competencyRatings"][0]["rating"], 4);
}

async fn an_interviewer_receives_colleagues_scorecards_only_after_submitting_their_own(
    db: &TestDb,
) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let draft = published_plan(db, &w).await;
    let alice = sign_in(&app, db, &w.alice).await;
    let bob = sign_in(&app, db, &w.bob).await;
    let (mut subscriber, id) = subscribe(&app, &bob, None).await;

    let alices_first = submit(&app, &alice, &draft, 0).await;
    let bobs = submit(&app, &bob, &draft, 1).await;
    let alices_second = submit(&app, &alice, &draft, 2).await;

    let first = subscriber.next(&id).await;
    assert_eq!(
        scorecard(&first)["id"],
        bobs.as_str(),
        "bob must not receive alice's scorecard {alices_first} submitted before his own"
    );
    let second = subscriber.next(&id).await;
    assert_eq!(
        scorecard(&second)["id"],
        alices_second.as_str(),
        "once bob submitted, he receives alice's next scorecard for the candidate"
    );
    subscriber.assert_quiet().await;
}

async fn a_subscriber_never_receives_another_organizations_scorecards(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let acme_plan = published_plan(db, &acme).await;
    let globex_plan = published_plan(db, &globex).await;
    let (mut globex_manager, globex_id) =
        subscribe(&app, &sign_in(&app, db, &globex.manager).await, None).await;
    let (mut acme_manager, acme_id) =
        subscribe(&app, &sign_in(&app, db, &acme.manager).await, None).await;

    let acmes = submit(&app, &sign_in(&app, db, &acme.alice).await, &acme_plan, 0).await;
    let globexs = submit(
        &app,
        &sign_in(&app, db, &globex.alice).await,
        &globex_plan,
        0,
    )
    .await;

    let delivered = acme_manager.next(&acme_id).await;
    assert_eq!(scorecard(&delivered)["id"], acmes.as_str());
    let delivered = globex_manager.next(&globex_id).await;
    assert_eq!(
        scorecard(&delivered)["id"],
        globexs.as_str(),
        "globex's manager must not receive acme's scorecard {acmes}"
    );
    acme_manager.assert_quiet().await;
    globex_manager.assert_quiet().await;
}

async fn a_subscription_for_one_candidate_skips_other_candidates(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let first = published_plan(db, &w).await;
    let other = w.candidate(db, "Ada Lovelace").await;
    let second = published_plan_for(db, &w, other, 3).await;
    let manager = sign_in(&app, db, &w.manager).await;
    let alice = sign_in(&app, db, &w.alice).await;
    let (mut subscriber, id) = subscribe(&app, &manager, Some(second.candidate.id)).await;

    let skipped = submit(&app, &alice, &first, 0).await;
    let wanted = submit(&app, &alice, &second, 0).await;

    let delivered = subscriber.next(&id).await;
    assert_eq!(
        scorecard(&delivered)["id"],
        wanted.as_str(),
        "the scorecard {skipped} is for another candidate"
    );
    assert_eq!(scorecard(&delivered)["candidate"]["name"], "Ada Lovelace");
}

async fn subscribing_to_an_unknown_candidate_is_not_found(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let manager = sign_in(&app, db, &w.manager).await;
    let (mut subscriber, id) = subscribe(&app, &manager, Some(uuid::Uuid::now_v7())).await;
    let payload = subscriber.next(&id).await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{payload}"
    );
}

async fn a_connection_without_a_valid_token_is_refused(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let token = sign_in(&app, db, &w.manager).await;
    for (payload, says) in [
        (json!({}), "sign in first"),
        (
            json!({"accessToken": "not-a-token"}),
            "access token invalid",
        ),
        (
            json!({"accessToken": format!("{token}x")}),
            "access token invalid",
        ),
        (
            json!({"authorization": token}),
            "authorization must be `Bearer <accessToken>`",
        ),
    ] {
        let refusal = match Subscriber::connect(app.address, payload.clone()).await {
            Ok(_) => panic!("the server acknowledged {payload}"),
            Err(refusal) => refusal,
        };
        // graphql-transport-ws: a refused `connection_init` closes with
        // 4403 Forbidden and the reason; clients treat it as fatal.
        assert_eq!(refusal.code, 4403, "{payload}: {refusal:?}");
        assert!(
            refusal.reason.contains(says),
            "{payload}: the reason {:?} should say {says:?}",
            refusal.reason
        );
    }
}

async fn get_graphql_without_upgrade_still_answers_queries(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let (status, body) = get(app.address, "/graphql?query=%7B__typename%7D").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON"),
        json!({"data": {"__typename": "Query"}})
    );
}

/// A subscriber that was away comes back with the last `eventCursor` it
/// received and gets, in order, what was submitted meanwhile, then live
/// ones; the blind rule holds in the replay too.
async fn a_subscriber_resumes_after_its_last_cursor(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let draft = published_plan(db, &w).await;
    let manager = sign_in(&app, db, &w.manager).await;
    let alice = sign_in(&app, db, &w.alice).await;
    let bob = sign_in(&app, db, &w.bob).await;
    const RESUMABLE: &str = "subscription($after: EventCursor) {
        scorecardSubmitted(after: $after) { id eventCursor }
    }";

    let mut first = Subscriber::connect(app.address, json!({"accessToken": manager}))
        .await
        .expect("connect");
    let id = first.subscribe(RESUMABLE, json!({})).await;
    let one = submit(&app, &alice, &draft, 0).await;
    let seen = first.next(&id).await;
    assert_eq!(seen["data"]["scorecardSubmitted"]["id"], one.as_str());
    let cursor = seen["data"]["scorecardSubmitted"]["eventCursor"].clone();
    assert!(cursor.is_string(), "{seen}");
    drop(first);

    // Away: two submissions happen.
    let two = submit(&app, &bob, &draft, 1).await;
    let three = submit(&app, &alice, &draft, 2).await;

    let mut back = Subscriber::connect(app.address, json!({"accessToken": manager}))
        .await
        .expect("connect");
    let id = back.subscribe(RESUMABLE, json!({"after": cursor})).await;
    let replayed: Vec<String> = [back.next(&id).await, back.next(&id).await]
        .iter()
        .map(|p| text(&p["data"]["scorecardSubmitted"]["id"]))
        .collect();
    assert_eq!(
        replayed,
        vec![two.clone(), three.clone()],
        "missed ones, in order"
    );
    back.assert_quiet().await;

    // From the start, bob sees his own and alice's second (after his own),
    // never alice's first: the replay applies the blind rule.
    let mut bobs = Subscriber::connect(app.address, json!({"accessToken": bob}))
        .await
        .expect("connect");
    let id = bobs.subscribe(RESUMABLE, json!({"after": "0"})).await;
    let replayed: Vec<String> = [bobs.next(&id).await, bobs.next(&id).await]
        .iter()
        .map(|p| text(&p["data"]["scorecardSubmitted"]["id"]))
        .collect();
    assert_eq!(replayed, vec![two, three]);
    assert!(!replayed.contains(&one));
    bobs.assert_quiet().await;
}

/// `events(types, after)` replays the organization's history, then goes
/// live; interviewers may not follow it.
async fn an_integration_follows_every_event_after_a_cursor(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let w = World::new(db, "acme").await;
    let draft = published_plan(db, &w).await;
    let viewer = sign_in(&app, db, &w.viewer).await;
    let alice = sign_in(&app, db, &w.alice).await;
    const EVENTS: &str = "subscription($types: [String!], $after: EventCursor) {
        events(types: $types, after: $after) { cursor type subjectId candidateId data }
    }";
    let mut integration = Subscriber::connect(app.address, json!({"accessToken": viewer}))
        .await
        .expect("connect");
    let id = integration
        .subscribe(
            EVENTS,
            json!({"types": ["plan.published", "scorecard.submitted"], "after": "0"}),
        )
        .await;
    let published = integration.next(&id).await;
    assert_eq!(
        published["data"]["events"]["type"], "plan.published",
        "{published}"
    );
    assert_eq!(
        published["data"]["events"]["subjectId"],
        draft.plan.id.to_string()
    );
    let card = submit(&app, &alice, &draft, 0).await;
    let live = integration.next(&id).await;
    assert_eq!(live["data"]["events"]["type"], "scorecard.submitted");
    assert_eq!(live["data"]["events"]["data"]["scorecardId"], card.as_str());
    assert!(
        live["data"]["events"]["data"].get("summary").is_none(),
        "no free text in events"
    );
    let cursor = |p: &Value| text(&p["data"]["events"]["cursor"]).parse::<i64>().unwrap();
    assert!(cursor(&live) > cursor(&published));

    // The history is for roles that read every scorecard.
    let refused = graphql(app.address, Some(&alice), "{ events { id } }", json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}

both_databases!(
    a_subscriber_resumes_after_its_last_cursor,
    an_integration_follows_every_event_after_a_cursor,
    a_hiring_manager_receives_a_scorecard_as_soon_as_an_interviewer_submits_it,
    an_interviewer_receives_colleagues_scorecards_only_after_submitting_their_own,
    a_subscriber_never_receives_another_organizations_scorecards,
    a_subscription_for_one_candidate_skips_other_candidates,
    subscribing_to_an_unknown_candidate_is_not_found,
    a_connection_without_a_valid_token_is_refused,
    get_graphql_without_upgrade_still_answers_queries,
);

/// docs/domain.md §5: gateways are stateless and run side by side on one PostgreSQL;
/// a submission on one reaches subscribers of every other, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_on_one_gateway_reaches_subscribers_on_another_gateway() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let one = spawn_app(&db.url).await;
    let two = spawn_app(&db.url).await;
    assert_ne!(one.address, two.address);
    let w = World::new(&db, "acme").await;
    let draft = published_plan(&db, &w).await;
    let (mut on_one, id_one) = subscribe(&one, &sign_in(&one, &db, &w.manager).await, None).await;
    let (mut on_two, id_two) = subscribe(&two, &sign_in(&two, &db, &w.manager).await, None).await;

    let alice = sign_in(&two, &db, &w.alice).await;
    let bob = sign_in(&two, &db, &w.bob).await;
    let alices = submit(&two, &alice, &draft, 0).await;
    let bobs = submit(&two, &bob, &draft, 1).await;

    for (subscriber, id, gateway) in [
        (&mut on_one, &id_one, "the other gateway"),
        (&mut on_two, &id_two, "the submitting gateway"),
    ] {
        let first = subscriber.next(id).await;
        assert_eq!(scorecard(&first)["id"], alices.as_str(), "on {gateway}");
        let second = subscriber.next(id).await;
        assert_eq!(
            scorecard(&second)["id"],
            bobs.as_str(),
            "on {gateway}: each submission arrives once"
        );
        subscriber.assert_quiet().await;
    }
    db.finish().await;
}

/// The LISTEN connections of the database (one per gateway).
async fn listening_backends(db: &TestDb) -> Vec<i32> {
    db.db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN %'",
        ))
        .await
        .expect("read pg_stat_activity")
        .into_iter()
        .map(|row| row.try_get::<i32>("", "pid").expect("a pid"))
        .collect()
}

/// A dropped LISTEN connection is re-established, and events flow again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_listens_again_after_its_listen_connection_drops() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let one = spawn_app(&db.url).await;
    let two = spawn_app(&db.url).await;
    let w = World::new(&db, "acme").await;
    let draft = published_plan(&db, &w).await;
    let before = listening_backends(&db).await;
    assert_eq!(before.len(), 2, "each gateway listens: {before:?}");
    for pid in &before {
        db.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_terminate_backend($1)",
                [(*pid).into()],
            ))
            .await
            .expect("terminate a LISTEN connection");
    }
    let deadline = tokio::time::Instant::now() + crate::ws::EVENT_TIMEOUT;
    loop {
        let now = listening_backends(&db).await;
        if now.len() == 2 && now.iter().all(|pid| !before.contains(pid)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gateways did not LISTEN again: {now:?} (before: {before:?})"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (mut on_one, id) = subscribe(&one, &sign_in(&one, &db, &w.manager).await, None).await;

    let alices = submit(&two, &sign_in(&two, &db, &w.alice).await, &draft, 0).await;

    let delivered = on_one.next(&id).await;
    assert_eq!(scorecard(&delivered)["id"], alices.as_str());
    db.finish().await;
}
