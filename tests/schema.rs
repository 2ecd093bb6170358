//! `schema.graphql` at the repository root is the exported SDL; this test
//! fails when the API changed and the file was not re-exported with
//! `cargo run -- print-schema > schema.graphql`, and shows what changed.

#![allow(clippy::expect_used)]

/// The command that refreshes the checked-in schema.
const REFRESH: &str = "cargo run -- print-schema > schema.graphql";

/// What differs between `old` and `new`, line by line: the lines each has
/// that the other lacks, in order (`-` only in the file, `+` only in the
/// schema now), at most `max` of them.
fn differences(old: &str, new: &str, max: usize) -> Vec<String> {
    let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // Longest common subsequence over the lines, then a walk that emits
    // what is not in it: a plain diff without context.
    let mut common = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while (i < old.len() || j < new.len()) && out.len() < max {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            i += 1;
            j += 1;
        } else if j < new.len() && (i == old.len() || common[i][j + 1] >= common[i + 1][j]) {
            out.push(format!("+ {} (line {})", new[j], j + 1));
            j += 1;
        } else {
            out.push(format!("- {} (line {})", old[i], i + 1));
            i += 1;
        }
    }
    out
}

#[test]
fn schema_graphql_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = gateway::graphql::sdl();
    assert!(
        checked_in == current,
        "schema.graphql is out of date; refresh it with `{REFRESH}`.\n\
         `-` is only in schema.graphql, `+` only in the schema now:\n{}",
        differences(&checked_in, &current, 40).join("\n")
    );
}

#[test]
fn a_stale_schema_is_shown_as_the_lines_that_changed() {
    let old = "type Query {\n  a: Int\n  b: Int\n}\n";
    let new = "type Query {\n  a: Int\n  c: String\n}\n";
    assert_eq!(
        differences(old, new, 10),
        ["+   c: String (line 3)", "-   b: Int (line 3)"]
    );
    assert!(differences(new, new, 10).is_empty());
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
        "users(after: String, filter: UserFilter, first: Int): UserConnection!",
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
        "importQuestions(document: String!, format: QuestionFormat!, onDuplicate: OnDuplicate! = FAIL): ImportResult!",
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
