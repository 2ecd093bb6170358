//! Assembling a panel through `POST /graphql` (docs/domain.md §2b): pools
//! and members, `suggestPanel`, trainee seats, the `override` of a limit,
//! `overdueScorecards` pages and `interviewerLoad`, each as the roles see
//! them.

use chrono::{Duration, Utc};
use domain::panel::Window;
use serde_json::{Value, json};

use crate::both_databases;
use crate::client::{Gql, Signed, text};
use crate::helpers::spawn_app;
use crate::support::TestDb;
use crate::support::world::World;

const CREATE_POOL: &str = "mutation($input: InterviewerPoolInput!) { createInterviewerPool(input: $input) { id name roundKinds members { level } } }";
const ADD_MEMBER: &str = "mutation($pool: ID!, $user: ID!, $level: PoolLevel!) { addPoolMember(poolId: $pool, userId: $user, level: $level) { level poolName user { displayName } } }";
const ADD_ROUND: &str =
    "mutation($plan: ID!, $input: RoundInput!) { addRound(planId: $plan, input: $input) {
    id interviewers { displayName } trainees { role user { displayName } }
    limitOverrides { user { displayName } overriddenBy { displayName } reason } } }";
const SUGGEST: &str =
    "query($round: ID!) { suggestPanel(roundId: $round, size: 2, withTrainee: true) {
    suggestions { user { displayName } role pools interviewsThisWeek reasons }
    excluded { user { displayName } reason } } }";
const OVERDUE: &str = "query($after: String) { overdueScorecards(first: 1, after: $after) {
    totalCount edges { cursor node { interviewer { displayName } round { title } candidate { name } hasDraft } }
    pageInfo { hasNextPage endCursor } } }";

async fn sign_in(app: &Gql, db: &TestDb, w: &World, who: &domain::Actor) -> Signed {
    let email = domain::user::get(&db.db, &w.admin, who.user_id)
        .await
        .expect("the user")
        .email;
    app.login(&email).await
}

fn round(title: &str, at: chrono::DateTime<Utc>, interviewers: &[&str], trainees: Value) -> Value {
    json!({
        "kind": "TECHNICAL_SCREEN",
        "title": title,
        "durationMinutes": 60,
        "scheduledAt": at.to_rfc3339(),
        "interviewerIds": interviewers,
        "trainees": trainees,
    })
}

async fn a_manager_builds_pools_and_gets_an_explained_panel(db: &TestDb) {
    let w = World::new(db, "Panel Corp").await;
    let app = Gql::new(spawn_app(&db.url).await);
    let manager = sign_in(&app, db, &w, &w.manager).await.gql;
    let alice = sign_in(&app, db, &w, &w.alice).await.gql;
    let (alice_id, bob_id, admin_id) = (
        w.alice.user_id.to_string(),
        w.bob.user_id.to_string(),
        w.admin.user_id.to_string(),
    );

    let input = json!({"input": {"name": "Screens", "roundKinds": ["TECHNICAL_SCREEN"],
        "requiredShadows": 1, "requiredReverseShadows": 1}});
    let refused = alice.refusal(CREATE_POOL, input.clone()).await;
    assert_eq!(refused.code, "FORBIDDEN", "{refused:?}");
    let pool = manager.data(CREATE_POOL, input.clone()).await["createInterviewerPool"].clone();
    assert_eq!(pool["roundKinds"], json!(["TECHNICAL_SCREEN"]));
    let again = manager.refusal(CREATE_POOL, input).await;
    assert_eq!(again.fields(), ["name"], "{again:?}");
    let pool_id = text(&pool["id"]);
    for (user, level) in [
        (&alice_id, "QUALIFIED"),
        (&bob_id, "QUALIFIED"),
        (&admin_id, "TRAINEE_SHADOW"),
    ] {
        let added = manager
            .data(
                ADD_MEMBER,
                json!({"pool": pool_id, "user": user, "level": level}),
            )
            .await;
        assert_eq!(added["addPoolMember"]["level"], level);
    }

    let candidate = w.candidate(db, "Barbara Liskov").await;
    let plan = manager
        .data(
            "mutation($c: ID!) { createInterviewPlan(input: {candidateId: $c, title: \"Loop\"}) { id } }",
            json!({"c": candidate.id.to_string()}),
        )
        .await["createInterviewPlan"]["id"]
        .clone();
    let next_week = Window::week(Utc::now()).end + Duration::days(1) + Duration::hours(10);
    let open = manager
        .data(
            ADD_ROUND,
            json!({"plan": plan, "input": round("Screen", next_week, &[], json!([]))}),
        )
        .await["addRound"]["id"]
        .clone();
    let suggested = manager.data(SUGGEST, json!({"round": open})).await["suggestPanel"].clone();
    let names: Vec<(&str, &str)> = suggested["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .map(|s| {
            (
                s["user"]["displayName"].as_str().unwrap_or_default(),
                s["role"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    // Equal load: by name; then the one trainee, as a shadow.
    assert_eq!(
        names,
        [
            ("alice", "INTERVIEWER"),
            ("bob", "INTERVIEWER"),
            ("admin", "SHADOW")
        ]
    );
    assert_eq!(
        suggested["suggestions"][0]["reasons"],
        json!([
            "qualified: Screens",
            "load: 0 this week / no limit",
            "0 interviews in the last 4 weeks"
        ])
    );
    let refused = alice.refusal(SUGGEST, json!({"round": open})).await;
    assert_eq!(refused.code, "FORBIDDEN");

    // A trainee seat, and a limit set aside with `override`.
    manager
        .data(
            "mutation($u: ID!) { setInterviewLimits(userId: $u, daily: 1) { dailyInterviewLimit } }",
            json!({"u": alice_id}),
        )
        .await;
    let seated = manager
        .data(
            ADD_ROUND,
            json!({"plan": plan, "input": round("Pairing", next_week + Duration::hours(3), &[&alice_id],
                json!([{"userId": admin_id, "role": "SHADOW"}]))}),
        )
        .await["addRound"]
        .clone();
    assert_eq!(seated["interviewers"], json!([{"displayName": "alice"}]));
    assert_eq!(
        seated["trainees"],
        json!([{"role": "SHADOW", "user": {"displayName": "admin"}}])
    );
    let over = round(
        "Deep dive",
        next_week + Duration::hours(6),
        &[&alice_id],
        json!([]),
    );
    let refused = manager
        .refusal(ADD_ROUND, json!({"plan": plan, "input": over.clone()}))
        .await;
    assert_eq!(refused.code, "BAD_USER_INPUT");
    assert_eq!(refused.fields(), ["interviewerIds[0]"]);
    let day = next_week.format("%Y-%m-%d").to_string();
    assert!(
        refused.problems[0].1.contains(&format!(
            "alice would have 2 interviews on {day} (daily limit 1)"
        )),
        "{refused:?}"
    );
    let mut forced = over;
    forced["override"] = json!(true);
    let overridden = manager
        .data(ADD_ROUND, json!({"plan": plan, "input": forced}))
        .await["addRound"]["limitOverrides"]
        .clone();
    assert_eq!(
        overridden,
        json!([{"user": {"displayName": "alice"}, "overriddenBy": {"displayName": "manager"},
            "reason": format!("alice would have 2 interviews on {day} (daily limit 1)")}])
    );
}

async fn overdue_scorecards_page_by_cursor_and_interviewers_see_their_own(db: &TestDb) {
    let w = World::new(db, "Late Corp").await;
    // Two published plans whose first round (alice) ended days ago.
    for (days, name) in [(4, "Edsger Dijkstra"), (3, "Frances Allen")] {
        let candidate = w.candidate(db, name).await;
        let draft = w.draft_plan_for(db, candidate, 0).await;
        let mut input = w.round_input(
            "Technical screen",
            60,
            vec![w.alice.user_id],
            vec![draft.competency.id],
        );
        input.scheduled_at = Some(Utc::now() - Duration::days(days));
        domain::plan::update_round(&db.db, &w.manager, draft.rounds[0].id, input)
            .await
            .expect("schedule round one");
        domain::plan::publish(&db.db, &w.manager, draft.plan.id)
            .await
            .expect("publish");
    }
    let app = Gql::new(spawn_app(&db.url).await);
    let manager = sign_in(&app, db, &w, &w.manager).await.gql;
    let first = manager.data(OVERDUE, json!({})).await["overdueScorecards"].clone();
    assert_eq!(first["totalCount"], 2);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = manager
        .data(OVERDUE, json!({"after": first["pageInfo"]["endCursor"]}))
        .await["overdueScorecards"]
        .clone();
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    let names: Vec<Value> = [&first, &second]
        .iter()
        .map(|page| page["edges"][0]["node"]["candidate"]["name"].clone())
        .collect();
    assert_eq!(names, [json!("Edsger Dijkstra"), json!("Frances Allen")]);
    assert_eq!(
        first["edges"][0]["node"]["interviewer"]["displayName"],
        "alice"
    );
    let bad = manager.refusal(OVERDUE, json!({"after": "nope"})).await;
    assert_eq!(bad.fields(), ["after"]);

    let bob = sign_in(&app, db, &w, &w.bob).await.gql;
    let mine = bob.data(OVERDUE, json!({})).await["overdueScorecards"].clone();
    assert_eq!(
        mine["totalCount"], 0,
        "bob owes nothing and sees nobody else's"
    );
    let load = bob
        .data(
            "{ interviewerLoad { interviewer { displayName } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        load["interviewerLoad"],
        json!([{"interviewer": {"displayName": "bob"}}])
    );
    let everyone = manager
        .data(
            "{ interviewerLoad { interviewer { displayName } dueScorecards onTime notSubmitted } }",
            json!({}),
        )
        .await;
    let alice = everyone["interviewerLoad"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["interviewer"]["displayName"] == "alice")
        .cloned()
        .expect("alice's row");
    assert_eq!(
        alice,
        json!({"interviewer": {"displayName": "alice"}, "dueScorecards": 2, "onTime": 0, "notSubmitted": 2})
    );
}

both_databases!(
    a_manager_builds_pools_and_gets_an_explained_panel,
    overdue_scorecards_page_by_cursor_and_interviewers_see_their_own,
);
