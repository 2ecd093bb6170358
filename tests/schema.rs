//! `schema.graphql` at the repository root is the exported SDL; this test
//! fails when the API changed and the file was not re-exported with
//! `interview-planner print-schema > schema.graphql`.

#![allow(clippy::expect_used)]

#[test]
fn schema_graphql_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = gateway::graphql::sdl();
    assert!(
        checked_in == current,
        "schema.graphql is out of date: run `cargo run -- print-schema > schema.graphql`"
    );
}

#[test]
fn print_schema_prints_the_sdl() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_interview-planner"))
        .arg("print-schema")
        .output()
        .expect("run the binary");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        gateway::graphql::sdl()
    );
}

#[test]
fn the_schema_keeps_the_contract_of_the_spec() {
    let sdl = gateway::graphql::sdl();
    for field in [
        "me: User!",
        "users(role: Role): [User!]!",
        "categories: [Category!]!",
        "competencies: [Competency!]!",
        "questions(after: String, filter: QuestionFilter, first: Int): QuestionConnection!",
        "question(id: ID!): Question",
        "candidates(after: String, filter: CandidateFilter, first: Int): CandidateConnection!",
        "candidate(id: ID!): Candidate",
        "interviewPlan(id: ID!): InterviewPlan",
        "myRounds: [Round!]!",
        "signUp(input: SignUpInput!): AuthPayload!",
        "login(email: String!, password: String!): AuthPayload!",
        "refreshSession(refreshToken: String!): AuthPayload!",
        "logout(refreshToken: String!): Boolean!",
        "createUser(input: CreateUserInput!): User!",
        "createQuestion(input: QuestionInput!): Question!",
        "updateQuestion(expectedVersion: Int!, id: ID!, input: QuestionInput!): Question!",
        "retireQuestion(id: ID!): Question!",
        "importQuestions(document: String!, format: QuestionFormat!): ImportResult!",
        "exportQuestions(filter: QuestionFilter, format: QuestionFormat!): String!",
        "createCandidate(input: CandidateInput!): Candidate!",
        "updateCandidate(id: ID!, input: CandidateInput!): Candidate!",
        "moveCandidate(id: ID!, stage: CandidateStage!): Candidate!",
        "createInterviewPlan(input: CreatePlanInput!): InterviewPlan!",
        "addRound(input: RoundInput!, planId: ID!): Round!",
        "updateRound(id: ID!, input: RoundInput!): Round!",
        "removeRound(id: ID!): Boolean!",
        "addQuestionToRound(minutes: Int, questionId: ID!, roundId: ID!): Round!",
        "removeQuestionFromRound(questionId: ID!, roundId: ID!): Round!",
        "publishInterviewPlan(id: ID!): InterviewPlan!",
        "saveScorecard(input: ScorecardInput!, roundId: ID!): Scorecard!",
        "submitScorecard(input: ScorecardInput!, roundId: ID!): Scorecard!",
        "totalCount: Int!",
    ] {
        assert!(sdl.contains(field), "the schema lost `{field}`");
    }
}
