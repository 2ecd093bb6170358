//! Each user's job, walked through `POST /graphql` (docs/domain.md §1–§3): the hiring
//! team from sign-up to offer, the read-only dashboard, and how invalid
//! input is reported.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::both_databases;
use crate::client::{Gql, Signed, ids, text, unique_email};
use crate::helpers::spawn_app;
use crate::support::TestDb;
use crate::support::world::{PASSWORD, World};

const CREATE_USER: &str =
    "mutation($input: CreateUserInput!) { createUser(input: $input) { id role } }";
const ME: &str = "{ me { id role } }";
const QUESTION_FIELDS: &str = "id version status prompt";
const ROUND_INPUT: &str = "mutation($plan: ID!, $input: RoundInput!) { addRound(planId: $plan, input: $input) { id position kind } }";
const ADD_QUESTION: &str = "mutation($round: ID!, $question: ID!, $minutes: Int) { addQuestionToRound(roundId: $round, questionId: $question, minutes: $minutes) { id allottedMinutes } }";
const PUBLISH: &str =
    "mutation($id: ID!) { publishInterviewPlan(id: $id) { id status publishedAt } }";
const CANDIDATE_CARDS: &str = "query($id: ID!) { candidate(id: $id) { scorecards { id status interviewer { id } round { id } } } }";
const MOVE: &str = "mutation($id: ID!, $stage: CandidateStage!) { moveCandidate(id: $id, stage: $stage) { stage } }";

/// A question input of category `category` with `prompt`.
fn question_input(category: &str, prompt: &str, guidance: &str) -> Value {
    json!({
        "categoryId": category,
        "level": "SENIOR",
        "prompt": prompt,
        "guidance": guidance,
        "rubric": [
            format!("{prompt}: cannot answer."),
            format!("{prompt}: answers with gaps."),
            format!("{prompt}: answers correctly with an example."),
            format!("{prompt}: answers, with limits and alternatives."),
        ],
        "tags": ["postgresql"],
        "estimatedMinutes": 15,
    })
}

fn round_input(
    kind: &str,
    title: &str,
    minutes: i32,
    interviewers: &[&str],
    focus: &[&str],
) -> Value {
    json!({
        "kind": kind,
        "title": title,
        "durationMinutes": minutes,
        "interviewerIds": interviewers,
        "focusCompetencyIds": focus,
    })
}

/// The administrator creates a user of `role`, who then signs in.
async fn hire(admin: &Signed, anonymous: &Gql, name: &str, role: &str) -> Signed {
    let email = unique_email(name, "journey");
    let created = admin
        .gql
        .data(
            CREATE_USER,
            json!({"input": {"email": email, "displayName": name, "role": role, "password": PASSWORD}}),
        )
        .await;
    assert_eq!(created["createUser"]["role"], role);
    let signed = anonymous.login(&email).await;
    assert_eq!(signed.id, text(&created["createUser"]["id"]));
    let me = signed.gql.data(ME, json!({})).await;
    assert_eq!(
        me["me"]["role"], role,
        "{name} signs in with the role given"
    );
    signed
}

async fn a_hiring_team_runs_a_structured_interview_end_to_end(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let anonymous = Gql::new(app);

    // The administrator signs up and staffs the team; each member signs in.
    let admin = anonymous.sign_up("Journey Corp").await;
    let manager = hire(&admin, &anonymous, "Morgan Manager", "HIRING_MANAGER").await;
    let alice = hire(&admin, &anonymous, "Alice Interviewer", "INTERVIEWER").await;
    let bob = hire(&admin, &anonymous, "Bob Interviewer", "INTERVIEWER").await;
    let viewer = hire(&admin, &anonymous, "Vera Viewer", "VIEWER").await;

    // The manager curates the bank: a new question, edited twice under
    // optimistic locking, and one retired.
    let reference = manager
        .gql
        .data(
            "{ categories { id name } competencies { id name } \
               questions(filter: {status: ACTIVE}, first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let category = text(&reference["categories"][2]["id"]);
    let competency = text(&reference["competencies"][1]["id"]);
    let bank = ids(&reference["questions"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect::<Value>());
    let created = manager
        .gql
        .data(
            &format!("mutation($input: QuestionInput!) {{ createQuestion(input: $input) {{ {QUESTION_FIELDS} }} }}"),
            json!({"input": question_input(&category, "How does a B-tree index serve a range scan?", "Leaf links, ordering.")}),
        )
        .await;
    let question = text(&created["createQuestion"]["id"]);
    assert_eq!(created["createQuestion"]["version"], 1);
    let update = format!(
        "mutation($id: ID!, $v: Int!, $input: QuestionInput!) {{ updateQuestion(id: $id, expectedVersion: $v, input: $input) {{ {QUESTION_FIELDS} }} }}"
    );
    let pinned_prompt = "When does a B-tree index serve a range scan, and when not?";
    let pinned_guidance = "Leaf links, ordering, selectivity and the planner's choice.";
    let edited = manager
        .gql
        .data(
            &update,
            json!({"id": question, "v": 1, "input": question_input(&category, pinned_prompt, pinned_guidance)}),
        )
        .await;
    assert_eq!(edited["updateQuestion"]["version"], 2);
    let stale = manager
        .gql
        .refusal(
            &update,
            json!({"id": question, "v": 1, "input": question_input(&category, "A lost update", "None.")}),
        )
        .await;
    assert_eq!(stale.code, "CONFLICT", "a stale expectedVersion: {stale:?}");
    let doomed = manager
        .gql
        .data(
            &format!("mutation($input: QuestionInput!) {{ createQuestion(input: $input) {{ {QUESTION_FIELDS} }} }}"),
            json!({"input": question_input(&category, "What is a covering index?", "Index-only scans.")}),
        )
        .await;
    let retired = text(&doomed["createQuestion"]["id"]);
    let retiring = manager
        .gql
        .data(
            &format!("mutation($id: ID!) {{ retireQuestion(id: $id) {{ {QUESTION_FIELDS} }} }}"),
            json!({"id": retired}),
        )
        .await;
    assert_eq!(retiring["retireQuestion"]["status"], "RETIRED");

    // A candidate and a plan of three rounds, one of them not ready yet.
    let candidate = manager
        .gql
        .data(
            "mutation($input: CandidateInput!) { createCandidate(input: $input) { id stage } }",
            json!({"input": {"name": "Ada Lovelace", "email": unique_email("ada", "candidates"),
                              "positionTitle": "Backend Engineer", "targetLevel": "SENIOR"}}),
        )
        .await;
    assert_eq!(candidate["createCandidate"]["stage"], "APPLIED");
    let candidate = text(&candidate["createCandidate"]["id"]);
    let plan = manager
        .gql
        .data(
            "mutation($input: CreatePlanInput!) { createInterviewPlan(input: $input) { id status focusCompetencies { id } } }",
            json!({"input": {"candidateId": candidate, "title": "Senior backend loop", "focusCompetencyIds": [competency]}}),
        )
        .await;
    assert_eq!(plan["createInterviewPlan"]["status"], "DRAFT");
    assert_eq!(
        ids(&plan["createInterviewPlan"]["focusCompetencies"]),
        [competency.as_str()]
    );
    let plan = text(&plan["createInterviewPlan"]["id"]);
    let mut rounds = Vec::new();
    for input in [
        round_input(
            "TECHNICAL_SCREEN",
            "Technical screen",
            30,
            &[&alice.id],
            &[&competency],
        ),
        round_input("SYSTEM_DESIGN", "System design", 45, &[], &[]),
        round_input("BEHAVIORAL", "Behavioral", 30, &[&bob.id], &[]),
    ] {
        let added = manager
            .gql
            .data(ROUND_INPUT, json!({"plan": plan, "input": input}))
            .await;
        assert_eq!(added["addRound"]["position"], rounds.len());
        rounds.push(text(&added["addRound"]["id"]));
    }
    for (round, question, minutes) in [
        (&rounds[0], &question, 15),
        (&rounds[0], &bank[0], 10),
        (&rounds[1], &bank[1], 30),
        (&rounds[1], &bank[2], 30),
        (&rounds[2], &bank[3], 20),
    ] {
        manager
            .gql
            .data(
                ADD_QUESTION,
                json!({"round": round, "question": question, "minutes": minutes}),
            )
            .await;
    }
    let refused = manager
        .gql
        .refusal(
            ADD_QUESTION,
            json!({"round": rounds[2], "question": retired}),
        )
        .await;
    assert_eq!(
        (refused.code.as_str(), refused.fields()),
        ("BAD_USER_INPUT", vec!["questionId"]),
        "a retired question"
    );

    // The question changes after it was added: the round keeps version 2.
    let later = manager
        .gql
        .data(
            &update,
            json!({"id": question, "v": 2, "input": question_input(&category, "Explain B-tree range scans.", "Newer.")}),
        )
        .await;
    assert_eq!(later["updateQuestion"]["version"], 3);

    // Publishing refuses the plan and names both problems of round two.
    let refused = manager.gql.refusal(PUBLISH, json!({"id": plan})).await;
    assert_eq!(refused.code, "BAD_USER_INPUT", "{refused:?}");
    assert_eq!(
        refused.fields().into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from(["rounds[1].interviewerIds", "rounds[1].questions"]),
        "every problem is listed: {:?}",
        refused.problems
    );
    assert!(
        refused
            .problems
            .iter()
            .all(|(_, message)| !message.is_empty())
    );
    assert_eq!(refused.data["publishInterviewPlan"], Value::Null);
    assert_eq!(
        alice.gql.data("{ myRounds { id } }", json!({})).await["myRounds"],
        json!([]),
        "drafts are not assigned yet"
    );

    manager
        .gql
        .data(
            "mutation($id: ID!, $input: RoundInput!) { updateRound(id: $id, input: $input) { id } }",
            json!({"id": rounds[1], "input": round_input("SYSTEM_DESIGN", "System design", 60, &[&alice.id], &[])}),
        )
        .await;
    let published = manager.gql.data(PUBLISH, json!({"id": plan})).await;
    assert_eq!(published["publishInterviewPlan"]["status"], "PUBLISHED");
    assert!(published["publishInterviewPlan"]["publishedAt"].is_string());

    // Interviewer A prepares from myRounds: the pinned version 2, not version 3.
    let mine = alice
        .gql
        .data(
            "{ myRounds { id kind plan { candidate { name } } questions { questionId prompt guidance rubric version { version } question { version prompt } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ids(&mine["myRounds"]),
        [rounds[0].clone(), rounds[1].clone()]
    );
    let first = &mine["myRounds"][0];
    assert_eq!(first["kind"], "TECHNICAL_SCREEN");
    assert_eq!(first["plan"]["candidate"]["name"], "Ada Lovelace");
    let asked = &first["questions"][0];
    assert_eq!(text(&asked["questionId"]), question);
    assert_eq!(asked["prompt"], pinned_prompt);
    assert_eq!(asked["guidance"], pinned_guidance);
    assert_eq!(
        asked["rubric"],
        question_input(&category, pinned_prompt, pinned_guidance)["rubric"]
    );
    assert_eq!(asked["version"]["version"], 2);
    assert_eq!(asked["question"]["version"], 3, "the bank moved on");
    assert_eq!(
        ids(&bob.gql.data("{ myRounds { id } }", json!({})).await["myRounds"]),
        [rounds[2].clone()]
    );

    // A submits; B, with only a draft, sees nothing but his own draft.
    let submit = "mutation($round: ID!, $input: ScorecardInput!) { submitScorecard(roundId: $round, input: $input) { id status } }";
    let alices = alice
        .gql
        .data(
            submit,
            json!({"round": rounds[0], "input": {
                "questionRatings": [{"questionId": question, "rating": 3, "notes": "Knew leaf links."},
                                    {"questionId": bank[0], "rating": 4}],
                "competencyRatings": [{"competencyId": competency, "rating": 3}],
                "recommendation": "YES", "summary": "Strong fundamentals."}}),
        )
        .await;
    assert_eq!(alices["submitScorecard"]["status"], "SUBMITTED");
    let alices = text(&alices["submitScorecard"]["id"]);
    let bobs_draft = bob
        .gql
        .data(
            "mutation($round: ID!, $input: ScorecardInput!) { saveScorecard(roundId: $round, input: $input) { id status } }",
            json!({"round": rounds[2], "input": {"questionRatings": [{"questionId": bank[3], "rating": 2}]}}),
        )
        .await;
    assert_eq!(bobs_draft["saveScorecard"]["status"], "DRAFT");
    let bobs = text(&bobs_draft["saveScorecard"]["id"]);
    let seen = bob
        .gql
        .data(CANDIDATE_CARDS, json!({"id": candidate}))
        .await;
    assert_eq!(
        ids(&seen["candidate"]["scorecards"]),
        [bobs.as_str()],
        "blind until B submits"
    );
    let seen = manager
        .gql
        .data(CANDIDATE_CARDS, json!({"id": candidate}))
        .await;
    assert_eq!(
        ids(&seen["candidate"]["scorecards"]),
        [alices.as_str()],
        "nobody sees another's draft"
    );

    let submitted = bob
        .gql
        .data(
            submit,
            json!({"round": rounds[2], "input": {
                "questionRatings": [{"questionId": bank[3], "rating": 2}],
                "recommendation": "NO", "summary": "Vague about ownership."}}),
        )
        .await;
    assert_eq!(
        text(&submitted["submitScorecard"]["id"]),
        bobs,
        "the draft is what is submitted"
    );
    let seen = bob
        .gql
        .data(CANDIDATE_CARDS, json!({"id": candidate}))
        .await;
    assert_eq!(
        ids(&seen["candidate"]["scorecards"])
            .into_iter()
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([alices.clone(), bobs.clone()]),
        "after submitting, B sees the panel's scorecards"
    );

    // The manager reads the whole panel.
    let panel = manager
        .gql
        .data(
            "query($id: ID!) { interviewPlan(id: $id) { status rounds { id scorecards { id recommendation interviewer { id } questionRatings { questionId rating } competencyRatings { rating } } } } }",
            json!({"id": plan}),
        )
        .await;
    let by_round = &panel["interviewPlan"]["rounds"];
    assert_eq!(ids(by_round), rounds);
    assert_eq!(by_round[0]["scorecards"].as_array().map(Vec::len), Some(1));
    let card = &by_round[0]["scorecards"][0];
    assert_eq!(
        (text(&card["id"]), text(&card["interviewer"]["id"])),
        (alices.clone(), alice.id.clone())
    );
    assert_eq!(card["recommendation"], "YES");
    assert_eq!(
        card["questionRatings"],
        json!([{"questionId": question, "rating": 3}, {"questionId": bank[0], "rating": 4}])
    );
    assert_eq!(card["competencyRatings"], json!([{"rating": 3}]));
    assert_eq!(by_round[1]["scorecards"], json!([]));
    assert_eq!(by_round[2]["scorecards"][0]["recommendation"], "NO");
    assert_eq!(
        by_round[2]["scorecards"][0]["questionRatings"],
        json!([{"questionId": bank[3], "rating": 2}])
    );
    let all = manager
        .gql
        .data(CANDIDATE_CARDS, json!({"id": candidate}))
        .await;
    assert_eq!(ids(&all["candidate"]["scorecards"]).len(), 2);
    let dashboard = viewer
        .gql
        .data(CANDIDATE_CARDS, json!({"id": candidate}))
        .await;
    assert_eq!(
        ids(&dashboard["candidate"]["scorecards"]).len(),
        2,
        "the dashboard reads submitted scorecards"
    );

    // The candidate moves forward one stage at a time, never back.
    for stage in ["SCREENING", "INTERVIEWING", "OFFER"] {
        let moved = manager
            .gql
            .data(MOVE, json!({"id": candidate, "stage": stage}))
            .await;
        assert_eq!(moved["moveCandidate"]["stage"], stage);
    }
    let refused = manager
        .gql
        .refusal(MOVE, json!({"id": candidate, "stage": "APPLIED"}))
        .await;
    assert_eq!(
        (refused.code.as_str(), refused.fields()),
        ("BAD_USER_INPUT", vec!["stage"]),
        "{refused:?}"
    );
    assert!(refused.problems[0].1.contains("OFFER"), "{refused:?}");
    let history = manager
        .gql
        .data(
            "query($id: ID!) { candidate(id: $id) { stage stageHistory { to } } }",
            json!({"id": candidate}),
        )
        .await;
    assert_eq!(history["candidate"]["stage"], "OFFER");
    assert_eq!(
        history["candidate"]["stageHistory"],
        json!([{"to": "APPLIED"}, {"to": "SCREENING"}, {"to": "INTERVIEWING"}, {"to": "OFFER"}])
    );
}

/// Mutations anyone may call, signed in or not, or that only read.
const OPEN_MUTATIONS: [&str; 6] = [
    "signUp",
    "login",
    "refreshSession",
    "logout",
    "exportQuestions",
    "changePassword",
];

/// The fields of `type Mutation` in the exported SDL.
fn sdl_mutations() -> BTreeSet<String> {
    let sdl = gateway::graphql::sdl();
    let start = sdl
        .find("type Mutation {")
        .expect("the SDL has a Mutation type");
    let block = &sdl[start..];
    let block = &block[..block.find("\n}").expect("the Mutation type ends")];
    let mut in_description = false;
    let mut fields = BTreeSet::new();
    for line in block.lines().skip(1) {
        let line = line.trim();
        if line == "\"\"\"" {
            in_description = !in_description;
            continue;
        }
        if in_description || line.starts_with('"') {
            continue;
        }
        let name = line.split(['(', ':']).next().unwrap_or_default();
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            fields.insert(name.to_owned());
        }
    }
    fields
}

async fn a_viewer_reads_everything_but_every_mutation_is_forbidden(db: &TestDb) {
    use domain::scorecard::{CompetencyRatingInput, QuestionRatingInput, ScorecardInput};

    let world = World::new(db, "Viewer Corp").await;
    let published = world.draft_plan(db).await;
    domain::plan::publish(&db.db, &world.manager, published.plan.id)
        .await
        .expect("publish");
    let submitted = domain::scorecard::submit(
        &db.db,
        &world.alice,
        published.rounds[0].id,
        ScorecardInput {
            question_ratings: published.questions[0..2]
                .iter()
                .map(|q| QuestionRatingInput {
                    question_id: q.id,
                    rating: 3,
                    notes: String::new(),
                })
                .collect(),
            competency_ratings: vec![CompetencyRatingInput {
                competency_id: published.competency.id,
                rating: 4,
            }],
            recommendation: Some(domain::types::Recommendation::Yes),
            summary: "Would hire.".into(),
        },
    )
    .await
    .expect("alice submits");
    domain::scorecard::save_draft(
        &db.db,
        &world.bob,
        published.rounds[1].id,
        ScorecardInput::default(),
    )
    .await
    .expect("bob saves a draft");
    let other = world.candidate(db, "Linus Torvalds").await;
    let draft = world.draft_plan_for(db, other, 3).await;

    let app = spawn_app(&db.url).await;
    let viewer_email = domain::user::get(&db.db, &world.admin, world.viewer.user_id)
        .await
        .expect("the viewer")
        .email;
    let viewer = Gql::new(app).login(&viewer_email).await.gql;

    // Reading: the bank, candidates, plans and submitted scorecards only.
    let read = viewer
        .data(
            "query($question: ID!, $candidate: ID!, $plan: ID!) {
               questions(first: 5) { totalCount edges { node { id } } }
               question(id: $question) { id prompt }
               candidates { edges { node { id } } }
               candidate(id: $candidate) { scorecards { id status } }
               interviewPlan(id: $plan) { status rounds { scorecards { id } } }
               users { edges { node { id } } } categories { id } competencies { id }
             }",
            json!({"question": published.questions[0].id, "candidate": published.candidate.id, "plan": published.plan.id}),
        )
        .await;
    assert_eq!(read["questions"]["edges"].as_array().map(Vec::len), Some(5));
    assert!(
        read["questions"]["totalCount"].as_u64() >= Some(60),
        "the default bank"
    );
    assert_eq!(read["question"]["prompt"], published.questions[0].prompt);
    assert_eq!(
        read["candidates"]["edges"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        read["candidate"]["scorecards"],
        json!([{"id": submitted.id.to_string(), "status": "SUBMITTED"}]),
        "no drafts"
    );
    assert_eq!(read["interviewPlan"]["status"], "PUBLISHED");
    assert_eq!(
        read["interviewPlan"]["rounds"],
        json!([{"scorecards": [{"id": submitted.id.to_string()}]}, {"scorecards": []}])
    );
    assert_eq!(read["users"]["edges"].as_array().map(Vec::len), Some(5));

    // An importable document, read with the viewer's own export.
    let exported = viewer
        .data(
            "mutation { exportQuestions(format: JSON, filter: {status: ACTIVE}) }",
            json!({}),
        )
        .await;
    let mut document: Value =
        serde_json::from_str(&text(&exported["exportQuestions"])).expect("a JSON export");
    let mut one = document["questions"][0].take();
    one["prompt"] = json!("A question no bank has yet: what does VACUUM reclaim?");
    let document = json!({"questions": [one]}).to_string();

    // Every mutation that needs a role, on valid ids of the organization.
    let bank = world.questions(db, 20).await;
    let q = |i: usize| bank[i].id.to_string();
    let question_input = json!({
        "categoryId": published.questions[0].category_id.to_string(), "level": "MID",
        "prompt": "What does an index-only scan need?", "guidance": "The visibility map.",
        "rubric": ["None.", "Some.", "Most.", "All."], "estimatedMinutes": 10,
    });
    let candidate_input = json!({"name": "Someone New", "email": unique_email("new", "candidates"),
                                 "positionTitle": "Backend Engineer", "targetLevel": "MID"});
    let round_input = json!({"kind": "LIVE_CODING", "title": "Pairing", "durationMinutes": 60,
                             "interviewerIds": [world.alice.user_id.to_string()]});
    let card = json!({"questionRatings": [{"questionId": q(0), "rating": 3}, {"questionId": q(1), "rating": 3}],
                      "competencyRatings": [{"competencyId": published.competency.id.to_string(), "rating": 3}],
                      "recommendation": "YES", "summary": "Fine."});
    let (draft_one, draft_two) = (
        draft.rounds[0].id.to_string(),
        draft.rounds[1].id.to_string(),
    );
    let (fresh, in_draft) = (q(10), draft.questions[0].id.to_string());
    let calls: Vec<(&str, &str, Value)> = vec![
        (
            "createUser",
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({"i": {"email": unique_email("eve", "viewer"), "displayName": "Eve", "role": "ADMIN", "password": PASSWORD}}),
        ),
        (
            "createQuestion",
            "mutation($i: QuestionInput!) { createQuestion(input: $i) { id } }",
            json!({"i": question_input}),
        ),
        (
            "createCategory",
            "mutation { createCategory(input: {name: \"Viewer's section\"}) { id } }",
            json!({}),
        ),
        (
            "createCompetency",
            "mutation { createCompetency(input: {name: \"Viewer's skill\"}) { id } }",
            json!({}),
        ),
        (
            "updateQuestion",
            "mutation($id: ID!, $i: QuestionInput!) { updateQuestion(id: $id, expectedVersion: 1, input: $i) { id } }",
            json!({"id": q(0), "i": question_input}),
        ),
        (
            "retireQuestion",
            "mutation($id: ID!) { retireQuestion(id: $id) { id } }",
            json!({"id": q(0)}),
        ),
        (
            "importQuestions",
            "mutation($d: String!) { importQuestions(format: JSON, document: $d) { imported } }",
            json!({"d": document}),
        ),
        (
            "createCandidate",
            "mutation($i: CandidateInput!) { createCandidate(input: $i) { id } }",
            json!({"i": candidate_input}),
        ),
        (
            "updateCandidate",
            "mutation($id: ID!, $i: CandidateInput!) { updateCandidate(id: $id, input: $i) { id } }",
            json!({"id": draft.candidate.id.to_string(), "i": candidate_input}),
        ),
        (
            "moveCandidate",
            "mutation($id: ID!) { moveCandidate(id: $id, stage: SCREENING) { id } }",
            json!({"id": draft.candidate.id.to_string()}),
        ),
        (
            "createInterviewPlan",
            "mutation($c: ID!) { createInterviewPlan(input: {candidateId: $c, title: \"Second loop\"}) { id } }",
            json!({"c": draft.candidate.id.to_string()}),
        ),
        (
            "addRound",
            "mutation($p: ID!, $i: RoundInput!) { addRound(planId: $p, input: $i) { id } }",
            json!({"p": draft.plan.id.to_string(), "i": round_input}),
        ),
        (
            "updateRound",
            "mutation($id: ID!, $i: RoundInput!) { updateRound(id: $id, input: $i) { id } }",
            json!({"id": draft_two, "i": round_input}),
        ),
        (
            "removeRound",
            "mutation($id: ID!) { removeRound(id: $id) }",
            json!({"id": draft_two}),
        ),
        (
            "addQuestionToRound",
            "mutation($r: ID!, $q: ID!) { addQuestionToRound(roundId: $r, questionId: $q) { id } }",
            json!({"r": draft_two, "q": fresh}),
        ),
        (
            "removeQuestionFromRound",
            "mutation($r: ID!, $q: ID!) { removeQuestionFromRound(roundId: $r, questionId: $q) { id } }",
            json!({"r": draft_one, "q": in_draft}),
        ),
        (
            "reorderRounds",
            "mutation($p: ID!, $r: [ID!]!) { reorderRounds(planId: $p, roundIds: $r) { id } }",
            json!({"p": draft.plan.id.to_string(), "r": [draft_two, draft_one]}),
        ),
        (
            "reorderRoundQuestions",
            "mutation($r: ID!, $q: [ID!]!) { reorderRoundQuestions(roundId: $r, questionIds: $q) { id } }",
            json!({"r": draft_one, "q": [draft.questions[1].id.to_string(), in_draft]}),
        ),
        (
            "autofillRound",
            "mutation($r: ID!) { autofillRound(roundId: $r) { id } }",
            json!({"r": draft_two}),
        ),
        (
            "saveAsTemplate",
            "mutation($p: ID!) { saveAsTemplate(planId: $p, name: \"Viewer's loop\") { id } }",
            json!({"p": draft.plan.id.to_string()}),
        ),
        (
            "publishInterviewPlan",
            "mutation($id: ID!) { publishInterviewPlan(id: $id) { id } }",
            json!({"id": draft.plan.id.to_string()}),
        ),
        (
            "completeInterviewPlan",
            "mutation($id: ID!) { completeInterviewPlan(id: $id) { id } }",
            json!({"id": published.plan.id.to_string()}),
        ),
        (
            "cancelInterviewPlan",
            "mutation($id: ID!) { cancelInterviewPlan(id: $id) { id } }",
            json!({"id": draft.plan.id.to_string()}),
        ),
        (
            "saveScorecard",
            "mutation($r: ID!, $i: ScorecardInput!) { saveScorecard(roundId: $r, input: $i) { id } }",
            json!({"r": published.rounds[0].id.to_string(), "i": card}),
        ),
        (
            "submitScorecard",
            "mutation($r: ID!, $i: ScorecardInput!) { submitScorecard(roundId: $r, input: $i) { id } }",
            json!({"r": published.rounds[0].id.to_string(), "i": card}),
        ),
        (
            "amendScorecard",
            "mutation($r: ID!, $i: ScorecardInput!) { amendScorecard(roundId: $r, input: $i, reason: \"Mine now.\") { id } }",
            json!({"r": published.rounds[0].id.to_string(), "i": card}),
        ),
        (
            "updateUser",
            "mutation($id: ID!) { updateUser(id: $id, input: {role: ADMIN}) { id } }",
            json!({"id": world.alice.user_id.to_string()}),
        ),
        (
            "deactivateUser",
            "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
            json!({"id": world.alice.user_id.to_string()}),
        ),
        (
            "reactivateUser",
            "mutation($id: ID!) { reactivateUser(id: $id) { id } }",
            json!({"id": world.alice.user_id.to_string()}),
        ),
        (
            "resetPassword",
            "mutation($id: ID!) { resetPassword(id: $id) { temporaryPassword } }",
            json!({"id": world.alice.user_id.to_string()}),
        ),
        (
            "createApiKey",
            "mutation { createApiKey(input: {name: \"Mine\"}) { key } }",
            json!({}),
        ),
        (
            "revokeApiKey",
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "eraseCandidate",
            "mutation($id: ID!) { eraseCandidate(id: $id, reason: \"no\") { id } }",
            json!({"id": published.candidate.id.to_string()}),
        ),
        (
            "exportCandidateData",
            "mutation($id: ID!) { exportCandidateData(id: $id) }",
            json!({"id": published.candidate.id.to_string()}),
        ),
        (
            "setCandidateRetention",
            "mutation { setCandidateRetention(days: 30) { id } }",
            json!({}),
        ),
        (
            "createWebhookEndpoint",
            "mutation { createWebhookEndpoint(input: {url: \"https://hooks.example.com/in\"}) { secret } }",
            json!({}),
        ),
        (
            "updateWebhookEndpoint",
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {url: \"https://hooks.example.com/in\"}) { id } }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "deleteWebhookEndpoint",
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "rotateWebhookSecret",
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "pingWebhook",
            "mutation($id: ID!) { pingWebhook(id: $id) { attempt } }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "createInterviewerPool",
            "mutation { createInterviewerPool(input: {name: \"Mine\"}) { id } }",
            json!({}),
        ),
        (
            "updateInterviewerPool",
            "mutation($id: ID!) { updateInterviewerPool(id: $id, input: {name: \"Mine\"}) { id } }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "deleteInterviewerPool",
            "mutation($id: ID!) { deleteInterviewerPool(id: $id) }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        ),
        (
            "addPoolMember",
            "mutation($p: ID!, $u: ID!) { addPoolMember(poolId: $p, userId: $u, level: QUALIFIED) { level } }",
            json!({"p": uuid::Uuid::now_v7().to_string(), "u": world.alice.user_id.to_string()}),
        ),
        (
            "removePoolMember",
            "mutation($p: ID!, $u: ID!) { removePoolMember(poolId: $p, userId: $u) }",
            json!({"p": uuid::Uuid::now_v7().to_string(), "u": world.alice.user_id.to_string()}),
        ),
        (
            "pausePoolMember",
            "mutation($p: ID!, $u: ID!) { pausePoolMember(poolId: $p, userId: $u) { paused } }",
            json!({"p": uuid::Uuid::now_v7().to_string(), "u": world.alice.user_id.to_string()}),
        ),
        (
            "resumePoolMember",
            "mutation($p: ID!, $u: ID!) { resumePoolMember(poolId: $p, userId: $u) { paused } }",
            json!({"p": uuid::Uuid::now_v7().to_string(), "u": world.alice.user_id.to_string()}),
        ),
        (
            "graduatePoolMember",
            "mutation($p: ID!, $u: ID!) { graduatePoolMember(poolId: $p, userId: $u) { level } }",
            json!({"p": uuid::Uuid::now_v7().to_string(), "u": world.alice.user_id.to_string()}),
        ),
        (
            "setPanelSettings",
            "mutation { setPanelSettings(input: {weeklyInterviewLimit: 1}) { id } }",
            json!({}),
        ),
        (
            "setInterviewLimits",
            "mutation($u: ID!) { setInterviewLimits(userId: $u, daily: 1) { id } }",
            json!({"u": world.alice.user_id.to_string()}),
        ),
        (
            "redeliverEvent",
            "mutation($e: ID!) { redeliverEvent(endpointId: $e, eventId: $e) { id } }",
            json!({"e": uuid::Uuid::now_v7().to_string()}),
        ),
    ];
    for (name, document, variables) in &calls {
        assert!(
            document.contains(&format!("{{ {name}(")),
            "the {name} case calls {name}"
        );
        let refused = viewer.refusal(document, variables.clone()).await;
        assert_eq!(
            refused.code, "FORBIDDEN",
            "a viewer calling {name}: {refused:?}"
        );
        assert_eq!(
            refused.data,
            Value::Null,
            "{name} returned data to a viewer"
        );
    }

    let covered: BTreeSet<String> = calls
        .iter()
        .map(|(name, _, _)| (*name).to_owned())
        .collect();
    let mut expected = sdl_mutations();
    for open in OPEN_MUTATIONS {
        assert!(expected.remove(open), "the SDL no longer has {open}");
    }
    assert_eq!(
        covered, expected,
        "every mutation that needs a role is tried by the viewer"
    );

    // Nothing changed: the draft plan is as it was and the candidate did not move.
    let after = viewer
        .data(
            "query($p: ID!, $c: ID!) { interviewPlan(id: $p) { status rounds { id questions { questionId } } } candidate(id: $c) { stage name } }",
            json!({"p": draft.plan.id.to_string(), "c": draft.candidate.id.to_string()}),
        )
        .await;
    assert_eq!(after["interviewPlan"]["status"], "DRAFT");
    assert_eq!(
        ids(&after["interviewPlan"]["rounds"]),
        [
            draft.rounds[0].id.to_string(),
            draft.rounds[1].id.to_string()
        ]
    );
    assert_eq!(
        after["interviewPlan"]["rounds"][0]["questions"][0]["questionId"],
        json!(in_draft)
    );
    assert_eq!(
        after["candidate"],
        json!({"stage": "APPLIED", "name": "Linus Torvalds"})
    );
}

async fn invalid_input_is_bad_user_input_listing_every_problem_by_field(db: &TestDb) {
    let app = spawn_app(&db.url).await;
    let admin = Gql::new(app).sign_up("Validation Corp").await;

    let refused = admin
        .gql
        .refusal(
            "mutation($input: CandidateInput!) { createCandidate(input: $input) { id } }",
            json!({"input": {"name": "  ", "email": "not-an-email", "positionTitle": "Backend Engineer", "targetLevel": "MID"}}),
        )
        .await;
    assert_eq!(refused.code, "BAD_USER_INPUT");
    assert_eq!(
        refused.fields().into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from(["email", "name"]),
        "{refused:?}"
    );
    assert!(
        refused
            .problems
            .iter()
            .all(|(_, message)| !message.trim().is_empty()),
        "{refused:?}"
    );
    assert!(
        refused.message.contains("name") && refused.message.contains("email"),
        "{}",
        refused.message
    );
    assert_eq!(refused.data, Value::Null);
    let listed = admin
        .gql
        .data("{ candidates { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["candidates"]["totalCount"], 0, "nothing was created");

    // Problems name the API's own fields, and a malformed id names its field.
    let categories = admin.gql.data("{ categories { id } }", json!({})).await;
    let category = categories["categories"][0]["id"].clone();
    let refused = admin
        .gql
        .refusal(
            "mutation($input: QuestionInput!) { createQuestion(input: $input) { id } }",
            json!({"input": {"categoryId": category, "level": "MID", "prompt": "Explain idempotency keys.",
                "guidance": "Names retries and storage of keys.", "rubric": ["a", "b", "c", "d"],
                "tags": ["http"], "estimatedMinutes": 0}}),
        )
        .await;
    assert_eq!(refused.fields(), ["estimatedMinutes"], "{refused:?}");
    let refused = admin
        .gql
        .refusal(
            "mutation($input: CreatePlanInput!) { createInterviewPlan(input: $input) { id } }",
            json!({"input": {"candidateId": "not-an-id", "title": "Loop"}}),
        )
        .await;
    assert_eq!(refused.fields(), ["candidateId"], "{refused:?}");
}

both_databases!(
    a_hiring_team_runs_a_structured_interview_end_to_end,
    a_viewer_reads_everything_but_every_mutation_is_forbidden,
    invalid_input_is_bad_user_input_listing_every_problem_by_field,
);
