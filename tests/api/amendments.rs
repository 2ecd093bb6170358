//! Amending a submitted scorecard over HTTP: the new content shows, the
//! replaced one is listed in `revisions` with who amended it and why.

use serde_json::{Value, json};

use crate::both_databases;
use crate::client::{Gql, text};
use crate::helpers::spawn_app;
use crate::support::TestDb;
use crate::support::world::{DraftPlan, World};

/// A complete `ScorecardInput` for round one of the draft plan.
fn round_one(draft: &DraftPlan, rating: i32, recommendation: &str, summary: &str) -> Value {
    json!({
        "questionRatings": draft.questions[0..2]
            .iter()
            .map(|q| json!({"questionId": q.id.to_string(), "rating": rating, "notes": format!("Rated {rating}.")}))
            .collect::<Vec<_>>(),
        "competencyRatings": [{"competencyId": draft.competency.id.to_string(), "rating": rating}],
        "recommendation": recommendation,
        "summary": summary,
    })
}

const SUBMIT: &str = "mutation($r: ID!, $i: ScorecardInput!) { submitScorecard(roundId: $r, input: $i) { id revision } }";
const AMEND: &str = "mutation($r: ID!, $i: ScorecardInput!, $why: String!) {
    amendScorecard(roundId: $r, input: $i, reason: $why) {
      id revision recommendation summary questionRatings { rating } revisions { revision }
    }
  }";

async fn an_interviewer_amends_a_submitted_scorecard_and_the_manager_reads_its_revisions(
    db: &TestDb,
) {
    let world = World::new(db, "Amend Corp").await;
    let draft = world.draft_plan(db).await;
    domain::plan::publish(&db.db, &world.manager, draft.plan.id)
        .await
        .expect("publish");
    let app = Gql::new(spawn_app(&db.url).await);
    let email = async |who: &domain::Actor| {
        domain::user::get(&db.db, &world.admin, who.user_id)
            .await
            .expect("the user")
            .email
    };
    let alice = app.login(&email(&world.alice).await).await;
    let manager = app.login(&email(&world.manager).await).await.gql;
    let round = draft.rounds[0].id.to_string();

    let submitted = alice
        .gql
        .data(
            SUBMIT,
            json!({"r": round, "i": round_one(&draft, 3, "YES", "Would hire.")}),
        )
        .await;
    assert_eq!(submitted["submitScorecard"]["revision"], 1);
    let id = text(&submitted["submitScorecard"]["id"]);

    let refused = alice
        .gql
        .refusal(
            AMEND,
            json!({"r": round, "i": round_one(&draft, 2, "NO", "On reflection, no."), "why": " "}),
        )
        .await;
    assert_eq!(refused.code, "BAD_USER_INPUT");
    assert_eq!(refused.fields(), ["reason"], "{refused:?}");

    let amended = alice
        .gql
        .data(
            AMEND,
            json!({"r": round, "i": round_one(&draft, 2, "NO", "On reflection, no."), "why": "Misread the second answer."}),
        )
        .await;
    assert_eq!(
        amended["amendScorecard"],
        json!({
            "id": id, "revision": 2, "recommendation": "NO", "summary": "On reflection, no.",
            "questionRatings": [{"rating": 2}, {"rating": 2}],
            "revisions": [{"revision": 1}],
        })
    );

    let read = manager
        .data(
            "query($c: ID!) { candidate(id: $c) { scorecards { id revision summary revisions {
                 revision recommendation summary reason amendedBy { id } amendedAt
                 questionRatings { questionId rating notes } competencyRatings { competencyId rating }
             } } } }",
            json!({"c": draft.candidate.id.to_string()}),
        )
        .await;
    let card = &read["candidate"]["scorecards"][0];
    assert_eq!(card["id"], json!(id));
    assert_eq!(card["revision"], 2);
    assert_eq!(card["summary"], "On reflection, no.");
    let mut revision = card["revisions"][0].clone();
    assert!(revision["amendedAt"].as_str().is_some(), "{revision:#}");
    revision["amendedAt"] = Value::Null;
    assert_eq!(
        card["revisions"].as_array().map(Vec::len),
        Some(1),
        "{card:#}"
    );
    assert_eq!(
        revision,
        json!({
            "revision": 1, "recommendation": "YES", "summary": "Would hire.",
            "reason": "Misread the second answer.", "amendedBy": {"id": alice.id},
            "amendedAt": null,
            "questionRatings": draft.questions[0..2]
                .iter()
                .map(|q| json!({"questionId": q.id.to_string(), "rating": 3, "notes": "Rated 3."}))
                .collect::<Vec<_>>(),
            "competencyRatings": [{"competencyId": draft.competency.id.to_string(), "rating": 3}],
        })
    );
}

both_databases!(an_interviewer_amends_a_submitted_scorecard_and_the_manager_reads_its_revisions);
