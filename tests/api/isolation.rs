//! docs/domain.md §1: nothing crosses organizations. Over HTTP, another
//! organization's id behaves exactly like an id that does not exist.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_databases;
use crate::client::{Gql, Refusal, ids, text, unique_email};
use crate::helpers::spawn_app;
use crate::support::TestDb;
use crate::support::world::World;

/// Runs `document` with `$id` set to `foreign`, then to a random UUID, and
/// asserts both answers are the same `NOT_FOUND`.
async fn like_a_random_id(gql: &Gql, what: &str, document: &str, variables: Value, foreign: &str) {
    let with = |id: String| {
        let mut variables = variables.clone();
        variables["id"] = json!(id);
        variables
    };
    let refused: Refusal = gql.refusal(document, with(foreign.to_owned())).await;
    let unknown = gql
        .refusal(document, with(Uuid::now_v7().to_string()))
        .await;
    assert_eq!(
        refused.code, "NOT_FOUND",
        "{what} with another organization's id: {refused:?}"
    );
    assert_eq!(
        (
            &refused.code,
            &refused.message,
            &refused.problems,
            &refused.data
        ),
        (
            &unknown.code,
            &unknown.message,
            &unknown.problems,
            &unknown.data
        ),
        "{what}: another organization's id must answer exactly like an unknown one"
    );
}

/// Like [`like_a_random_id`] for an id inside an input, whatever the code.
async fn input_like_a_random_id(
    gql: &Gql,
    what: &str,
    document: &str,
    variables: Value,
    foreign: &str,
) {
    let with = |id: String| {
        let mut variables = variables.clone();
        variables["id"] = json!(id);
        variables
    };
    let refused = gql.refusal(document, with(foreign.to_owned())).await;
    let unknown = gql
        .refusal(document, with(Uuid::now_v7().to_string()))
        .await;
    assert_eq!(
        (&refused.code, &refused.message, &refused.problems),
        (&unknown.code, &unknown.message, &unknown.problems),
        "{what}: another organization's id must answer exactly like an unknown one"
    );
}

async fn a_second_organization_sees_none_of_the_first_by_any_id(db: &TestDb) {
    use domain::scorecard::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput};

    // Organization A: a published plan with a submitted scorecard, and a draft.
    let a = World::new(db, "Alpha").await;
    let live = a.draft_plan(db).await;
    domain::plan::publish(&db.db, &a.manager, live.plan.id)
        .await
        .expect("publish");
    let card = domain::scorecard::submit(
        &db.db,
        &a.alice,
        live.rounds[0].id,
        ScorecardInput {
            question_ratings: live.questions[0..2]
                .iter()
                .map(|q| QuestionRatingInput {
                    question_id: q.id,
                    rating: 3,
                    notes: String::new(),
                })
                .collect(),
            competency_ratings: vec![CompetencyRatingInput {
                competency_id: live.competency.id,
                rating: 4,
            }],
            recommendation: Some(domain::types::Recommendation::Yes),
            summary: "Would hire.".into(),
        },
    )
    .await
    .expect("alice submits");
    let other = a.candidate(db, "Alan Turing").await;
    let draft = a.draft_plan_for(db, other, 3).await;
    let a_bank: BTreeSet<String> = a
        .questions(db, 100)
        .await
        .iter()
        .map(|q| q.id.to_string())
        .collect();
    let a_question = live.questions[0].id.to_string();
    let a_candidate = live.candidate.id.to_string();
    let (a_plan, a_round) = (draft.plan.id.to_string(), draft.rounds[0].id.to_string());
    let (a_live_plan, a_live_round) = (live.plan.id.to_string(), live.rounds[0].id.to_string());

    // Organization B signs up over HTTP and adds a little of its own.
    let app = spawn_app(&db.url).await;
    let b = Gql::new(app).sign_up("Beta").await;
    let own = b
        .gql
        .data("{ categories { id } competencies { id } questions(first: 2) { edges { node { id } } } }", json!({}))
        .await;
    let b_category = text(&own["categories"][0]["id"]);
    let b_question = text(&own["questions"]["edges"][0]["node"]["id"]);
    let b_candidate = b
        .gql
        .data(
            "mutation($i: CandidateInput!) { createCandidate(input: $i) { id } }",
            json!({"i": {"name": "Barbara Liskov", "email": unique_email("barbara", "beta"), "positionTitle": "Engineer", "targetLevel": "LEAD"}}),
        )
        .await;
    let b_candidate = text(&b_candidate["createCandidate"]["id"]);
    let b_plan = b
        .gql
        .data(
            "mutation($c: ID!) { createInterviewPlan(input: {candidateId: $c, title: \"Beta loop\"}) { id } }",
            json!({"c": b_candidate}),
        )
        .await;
    let b_plan = text(&b_plan["createInterviewPlan"]["id"]);
    let round_input = |interviewer: &str| json!({"kind": "TECHNICAL_SCREEN", "title": "Screen", "durationMinutes": 60, "interviewerIds": [interviewer]});
    let b_round = b
        .gql
        .data(
            "mutation($p: ID!, $i: RoundInput!) { addRound(planId: $p, input: $i) { id } }",
            json!({"p": b_plan, "i": round_input(&b.id)}),
        )
        .await;
    let b_round = text(&b_round["addRound"]["id"]);

    // Reading A's records by id: null and NOT_FOUND, as for an unknown id.
    for (what, document, foreign) in [
        (
            "question(id)",
            "query($id: ID!) { question(id: $id) { id prompt } }",
            &a_question,
        ),
        (
            "candidate(id)",
            "query($id: ID!) { candidate(id: $id) { id name scorecards { id } } }",
            &a_candidate,
        ),
        (
            "interviewPlan(id)",
            "query($id: ID!) { interviewPlan(id: $id) { id rounds { id } } }",
            &a_live_plan,
        ),
    ] {
        let refused = b.gql.refusal(document, json!({"id": foreign})).await;
        let field = what.trim_end_matches("(id)");
        assert!(
            refused.data[field].is_null(),
            "{what} shows nothing of A: {refused:?}"
        );
        like_a_random_id(&b.gql, what, document, json!({}), foreign).await;
    }

    // Changing A's records by id: NOT_FOUND, as for an unknown id.
    let question_input = json!({"categoryId": b_category, "level": "MID", "prompt": "Taken over?", "guidance": "No.",
                                "rubric": ["1", "2", "3", "4"], "estimatedMinutes": 5});
    let candidate_input = json!({"name": "Renamed", "email": unique_email("renamed", "beta"), "positionTitle": "Engineer", "targetLevel": "MID"});
    let scorecard = json!({"questionRatings": [{"questionId": a_question, "rating": 1}], "summary": "Sabotage."});
    let mutations: Vec<(&str, &str, Value, &str)> = vec![
        (
            "updateQuestion",
            "mutation($id: ID!, $i: QuestionInput!) { updateQuestion(id: $id, expectedVersion: 1, input: $i) { id } }",
            json!({"i": question_input}),
            &a_question,
        ),
        (
            "retireQuestion",
            "mutation($id: ID!) { retireQuestion(id: $id) { id } }",
            json!({}),
            &a_question,
        ),
        (
            "updateCandidate",
            "mutation($id: ID!, $i: CandidateInput!) { updateCandidate(id: $id, input: $i) { id } }",
            json!({"i": candidate_input}),
            &a_candidate,
        ),
        (
            "moveCandidate",
            "mutation($id: ID!) { moveCandidate(id: $id, stage: REJECTED) { id } }",
            json!({}),
            &a_candidate,
        ),
        (
            "createInterviewPlan",
            "mutation($id: ID!) { createInterviewPlan(input: {candidateId: $id, title: \"Hijack\"}) { id } }",
            json!({}),
            &a_candidate,
        ),
        (
            "addRound",
            "mutation($id: ID!, $i: RoundInput!) { addRound(planId: $id, input: $i) { id } }",
            json!({"i": round_input(&b.id)}),
            &a_plan,
        ),
        (
            "updateRound",
            "mutation($id: ID!, $i: RoundInput!) { updateRound(id: $id, input: $i) { id } }",
            json!({"i": round_input(&b.id)}),
            &a_round,
        ),
        (
            "removeRound",
            "mutation($id: ID!) { removeRound(id: $id) }",
            json!({}),
            &a_round,
        ),
        (
            "addQuestionToRound",
            "mutation($id: ID!, $q: ID!) { addQuestionToRound(roundId: $id, questionId: $q) { id } }",
            json!({"q": b_question}),
            &a_round,
        ),
        (
            "removeQuestionFromRound",
            "mutation($id: ID!, $q: ID!) { removeQuestionFromRound(roundId: $id, questionId: $q) { id } }",
            json!({"q": draft.questions[0].id.to_string()}),
            &a_round,
        ),
        (
            "reorderRounds",
            "mutation($id: ID!, $r: [ID!]!) { reorderRounds(planId: $id, roundIds: $r) { id } }",
            json!({"r": [draft.rounds[1].id.to_string(), a_round]}),
            &a_plan,
        ),
        (
            "autofillRound",
            "mutation($id: ID!) { autofillRound(roundId: $id) { id } }",
            json!({}),
            &a_round,
        ),
        (
            "saveAsTemplate",
            "mutation($id: ID!) { saveAsTemplate(planId: $id, name: \"Stolen loop\") { id } }",
            json!({}),
            &a_plan,
        ),
        (
            "publishInterviewPlan",
            "mutation($id: ID!) { publishInterviewPlan(id: $id) { id } }",
            json!({}),
            &a_plan,
        ),
        (
            "completeInterviewPlan",
            "mutation($id: ID!) { completeInterviewPlan(id: $id) { id } }",
            json!({}),
            &a_plan,
        ),
        (
            "cancelInterviewPlan",
            "mutation($id: ID!) { cancelInterviewPlan(id: $id) { id } }",
            json!({}),
            &a_plan,
        ),
        (
            "saveScorecard",
            "mutation($id: ID!, $i: ScorecardInput!) { saveScorecard(roundId: $id, input: $i) { id } }",
            json!({"i": scorecard}),
            &a_live_round,
        ),
        (
            "submitScorecard",
            "mutation($id: ID!, $i: ScorecardInput!) { submitScorecard(roundId: $id, input: $i) { id } }",
            json!({"i": scorecard}),
            &a_live_round,
        ),
    ];
    for (what, document, variables, foreign) in &mutations {
        like_a_random_id(&b.gql, what, document, variables.clone(), foreign).await;
    }

    // A's ids inside B's own inputs are unknown ids too.
    let add =
        "mutation($r: ID!, $id: ID!) { addQuestionToRound(roundId: $r, questionId: $id) { id } }";
    input_like_a_random_id(
        &b.gql,
        "a question of A in B's round",
        add,
        json!({"r": b_round}),
        &a_question,
    )
    .await;
    let assign = "mutation($r: ID!, $id: ID!) { updateRound(id: $r, input: {kind: BEHAVIORAL, title: \"X\", durationMinutes: 30, interviewerIds: [$id]}) { id } }";
    input_like_a_random_id(
        &b.gql,
        "A's interviewer in B's round",
        assign,
        json!({"r": b_round}),
        &a.alice.user_id.to_string(),
    )
    .await;
    let focus = "mutation($c: ID!, $id: ID!) { createInterviewPlan(input: {candidateId: $c, title: \"X\", focusCompetencyIds: [$id]}) { id } }";
    input_like_a_random_id(
        &b.gql,
        "A's competency in B's plan",
        focus,
        json!({"c": b_candidate}),
        &live.competency.id.to_string(),
    )
    .await;

    // B publishes its own plan so that each list has something of B's.
    b.gql
        .data(
            "mutation($r: ID!, $q: ID!) { addQuestionToRound(roundId: $r, questionId: $q, minutes: 20) { id } }",
            json!({"r": b_round, "q": b_question}),
        )
        .await;
    b.gql
        .data(
            "mutation($p: ID!) { publishInterviewPlan(id: $p) { id } }",
            json!({"p": b_plan}),
        )
        .await;

    // B's lists contain B's records and none of A's.
    let lists = b
        .gql
        .data(
            "{ questions(first: 100) { totalCount edges { node { id } } }
               candidates(first: 100) { edges { node { id scorecards { id } plans { id } } } }
               users(first: 100) { edges { node { id } } }
               myRounds { id scorecards { id } } }",
            json!({}),
        )
        .await;
    let questions: Vec<Value> = lists["questions"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(
        Some(questions.len() as u64),
        lists["questions"]["totalCount"].as_u64(),
        "one page holds B's bank"
    );
    let b_bank: BTreeSet<String> = ids(&Value::Array(questions)).into_iter().collect();
    assert!(b_bank.contains(&b_question));
    assert!(
        b_bank.is_disjoint(&a_bank),
        "B's bank lists A's questions: {:?}",
        b_bank.intersection(&a_bank).collect::<Vec<_>>()
    );
    let candidates: Vec<Value> = lists["candidates"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(
        ids(&Value::Array(candidates.clone())),
        [b_candidate.as_str()],
        "B lists only its own candidate"
    );
    assert_eq!(ids(&candidates[0]["plans"]), [b_plan.as_str()]);
    assert_eq!(candidates[0]["scorecards"], json!([]));
    assert_eq!(
        lists["users"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["id"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        [b.id.as_str()],
        "B's users are B's admin alone"
    );
    assert_eq!(ids(&lists["myRounds"]), [b_round.as_str()]);
    assert_eq!(lists["myRounds"][0]["scorecards"], json!([]));
    let everything = lists.to_string();
    for (what, id) in [
        ("scorecard", card.id.to_string()),
        ("candidate", a_candidate.clone()),
        ("plan", a_live_plan.clone()),
    ] {
        assert!(
            !everything.contains(&id),
            "A's {what} {id} shows in B's lists"
        );
    }

    // And A's records are untouched.
    let question = domain::question::get(&db.db, &a.admin, live.questions[0].id)
        .await
        .expect("A's question");
    assert_eq!(
        (question.version, question.status),
        (1, domain::types::QuestionStatus::Active)
    );
    let candidate = domain::candidate::get(&db.db, &a.admin, live.candidate.id)
        .await
        .expect("A's candidate");
    assert_eq!(candidate.stage, domain::types::Stage::Applied);
    let rounds = domain::plan::rounds_of(&db.db, &a.admin, &[draft.plan.id])
        .await
        .expect("A's rounds");
    assert_eq!(
        rounds.iter().map(|r| r.id).collect::<Vec<_>>(),
        [draft.rounds[0].id, draft.rounds[1].id]
    );
}

both_databases!(a_second_organization_sees_none_of_the_first_by_any_id);
