//! Importing and exporting the question bank as JSON, CSV and Markdown:
//! round trips between organizations, all-or-nothing imports whose problems
//! name each row, duplicate prompts, unreadable documents, roles and tenancy.

use std::collections::HashMap;

use domain::entity::question::Model as Question;
use domain::page::PageRequest;
use domain::question::transfer::{self, ImportReport, QuestionFormat};
use domain::question::{self, QuestionFilter, QuestionInput};
use domain::types::{Level, QuestionStatus};
use domain::{Actor, Error, Problem};

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{World, problems};

const FORMATS: [QuestionFormat; 3] = [
    QuestionFormat::Json,
    QuestionFormat::Csv,
    QuestionFormat::Markdown,
];

/// How many questions the actor's bank holds, retired ones included.
async fn bank_size(db: &TestDb, actor: &Actor) -> u64 {
    question::list(
        &db.db,
        actor,
        &QuestionFilter::default(),
        PageRequest {
            first: 1,
            after: None,
            count: true,
        },
    )
    .await
    .expect("list questions")
    .total_count
}

async fn export(
    db: &TestDb,
    actor: &Actor,
    format: QuestionFormat,
    filter: &QuestionFilter,
) -> String {
    transfer::export(&db.db, actor, format, filter)
        .await
        .unwrap_or_else(|err| panic!("{format:?} export failed: {err}"))
}

async fn import(
    db: &TestDb,
    actor: &Actor,
    format: QuestionFormat,
    document: &str,
) -> ImportReport {
    transfer::import(&db.db, actor, format, document, transfer::OnDuplicate::Fail)
        .await
        .unwrap_or_else(|err| panic!("{format:?} import failed: {err}\n{document}"))
}

/// A question as a person reads it: category by name, tags, no ids.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Readable {
    prompt: String,
    category: String,
    level: Level,
    guidance: String,
    rubric: [String; 4],
    tags: Vec<String>,
    minutes: i32,
}

async fn readable(db: &TestDb, world: &World, questions: Vec<Question>) -> Vec<Readable> {
    let names: HashMap<_, _> = world
        .categories(db)
        .await
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let ids: Vec<_> = questions.iter().map(|q| q.id).collect();
    let mut tags = question::tags_of(&db.db, &world.admin, &ids)
        .await
        .expect("tags");
    let mut out: Vec<Readable> = questions
        .into_iter()
        .map(|q| Readable {
            category: names[&q.category_id].clone(),
            level: q.level,
            guidance: q.guidance,
            rubric: [q.rubric1, q.rubric2, q.rubric3, q.rubric4],
            tags: tags.remove(&q.id).unwrap_or_default(),
            minutes: q.minutes,
            prompt: q.prompt,
        })
        .collect();
    out.sort();
    out
}

/// Questions whose text needs quoting in CSV and escaping in Markdown.
async fn tricky_questions(db: &TestDb, world: &World) -> Vec<QuestionInput> {
    let categories = world.categories(db).await;
    vec![
        QuestionInput {
            category_id: categories[2].id,
            level: Level::Senior,
            prompt: r#"Why can "SELECT *" hurt, and when is it fine?"#.to_owned(),
            guidance: "Covers wasted I/O, brittle column order; and covering indexes.\n\n\
                       # not a heading, a hash line\n  ## indented, still text\n\\# a backslash\n\
                       Ends with \"quotes\", commas; semicolons."
                .to_owned(),
            rubric: vec![
                "Sees no problem with it.".to_owned(),
                r#"Knows it "fetches more", nothing else."#.to_owned(),
                "Explains I/O, network and coupling, with an example.".to_owned(),
                "Also names covering indexes, views, and when * is fine.".to_owned(),
            ],
            tags: vec!["roundtrip".into(), "sql".into(), "postgresql".into()],
            minutes: 15,
        },
        QuestionInput {
            category_id: categories[7].id,
            level: Level::Junior,
            prompt: "Qu'est-ce qu'un JWT — and how is one verified?".to_owned(),
            guidance:
                "Header, payload, signature.\n  - checks the signature first\n  - then exp and aud"
                    .to_owned(),
            rubric: vec![
                "Thinks a JWT is encrypted.".to_owned(),
                "Knows the three parts.".to_owned(),
                "Verifies signature, expiry and audience.".to_owned(),
                "Also covers key rotation and the `none` algorithm.".to_owned(),
            ],
            tags: vec!["roundtrip".into(), "jwt".into(), "c#".into()],
            minutes: 5,
        },
        QuestionInput {
            category_id: categories[6].id,
            level: Level::Lead,
            prompt: "Design a rate limiter for a public API; which algorithm, where?".to_owned(),
            guidance: "Token bucket or sliding window, state in Redis, headers for clients."
                .to_owned(),
            rubric: vec![
                "No design.".to_owned(),
                "One node only.".to_owned(),
                "Distributed, with a clear algorithm.".to_owned(),
                "Also fairness, bursts, failure modes, 429 semantics.".to_owned(),
            ],
            tags: vec!["roundtrip".into()],
            minutes: 45,
        },
    ]
}

/// Exports acme's `roundtrip` questions in `format`, imports the document
/// into globex, and compares what a person would read in each bank.
async fn round_trip(db: &TestDb, format: QuestionFormat) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let mut created = Vec::new();
    for input in tricky_questions(db, &acme).await {
        created.push(
            question::create(&db.db, &acme.manager, input)
                .await
                .expect("create question"),
        );
    }
    let retired = question::retire(&db.db, &acme.manager, created[2].id)
        .await
        .expect("retire");
    let filter = QuestionFilter {
        tags: vec!["roundtrip".into()],
        status: Some(QuestionStatus::Active),
        ..QuestionFilter::default()
    };
    let document = export(db, &acme.viewer, format, &filter).await;
    assert!(
        !document.contains(&retired.prompt),
        "the filter's status was ignored:\n{document}"
    );

    let before = bank_size(db, &globex.admin).await;
    let report = import(db, &globex.manager, format, &document).await;
    assert_eq!(report.imported, 2, "{document}");
    assert_eq!(report.question_ids.len(), 2);
    assert_eq!(bank_size(db, &globex.admin).await, before + 2);

    let mut imported = Vec::new();
    for id in &report.question_ids {
        let q = question::get(&db.db, &globex.viewer, *id)
            .await
            .expect("imported question is in globex");
        assert_eq!(q.status, QuestionStatus::Active);
        assert_eq!(q.version, 1);
        let version = question::version(&db.db, &globex.viewer, q.current_version_id)
            .await
            .expect("version 1");
        assert_eq!(version.created_by, Some(globex.manager.user_id));
        imported.push(q);
    }
    let original = readable(db, &acme, created[..2].to_vec()).await;
    assert_eq!(
        readable(db, &globex, imported).await,
        original,
        "{document}"
    );
}

async fn a_json_export_imports_into_another_organization_unchanged(db: &TestDb) {
    round_trip(db, QuestionFormat::Json).await;
}

async fn a_csv_export_imports_into_another_organization_unchanged(db: &TestDb) {
    round_trip(db, QuestionFormat::Csv).await;
}

async fn a_markdown_export_imports_into_another_organization_unchanged(db: &TestDb) {
    round_trip(db, QuestionFormat::Markdown).await;
}

/// A row of a hand-written document; every value exactly as typed.
#[derive(Clone)]
struct Row {
    category: &'static str,
    level: &'static str,
    prompt: String,
    guidance: &'static str,
    rubric: [&'static str; 4],
    tags: &'static [&'static str],
    minutes: i64,
}

fn row(prompt: &str) -> Row {
    Row {
        category: "Databases",
        level: "MID",
        prompt: prompt.to_owned(),
        guidance: "Names the trade-offs, with an example.",
        rubric: [
            "Cannot explain it.",
            "Explains it with gaps.",
            "Explains it with an example.",
            "Explains it, its limits and alternatives.",
        ],
        tags: &["postgresql"],
        minutes: 10,
    }
}

fn csv_field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `rows` written in `format` by hand, as the format documentation says.
fn document(format: QuestionFormat, rows: &[Row]) -> String {
    match format {
        QuestionFormat::Json => {
            let questions: Vec<_> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "category": r.category,
                        "level": r.level,
                        "prompt": r.prompt,
                        "guidance": r.guidance,
                        "rubric": r.rubric,
                        "tags": r.tags,
                        "minutes": r.minutes,
                    })
                })
                .collect();
            serde_json::json!({ "questions": questions }).to_string()
        }
        QuestionFormat::Csv => {
            let mut out = String::from(
                "category,level,prompt,guidance,rubric_1,rubric_2,rubric_3,rubric_4,tags,minutes\n",
            );
            for r in rows {
                let mut fields = vec![r.category.to_owned(), r.level.to_owned(), r.prompt.clone()];
                fields.push(r.guidance.to_owned());
                fields.extend(r.rubric.iter().map(|a| (*a).to_owned()));
                fields.push(r.tags.join(";"));
                let fields: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&format!("{},{}\n", fields.join(","), r.minutes));
            }
            out
        }
        QuestionFormat::Markdown => {
            let mut out = String::from("# Interview questions\n");
            for r in rows {
                out.push_str(&format!(
                    "\n## {}\n- category: {}\n- level: {}\n- tags: {}\n- minutes: {}\n\n\
                     ### Guidance\n{}\n\n### Rubric\n1. {}\n2. {}\n3. {}\n4. {}\n",
                    r.prompt,
                    r.category,
                    r.level,
                    r.tags.join(", "),
                    r.minutes,
                    r.guidance,
                    r.rubric[0],
                    r.rubric[1],
                    r.rubric[2],
                    r.rubric[3],
                ));
            }
            out
        }
    }
}

fn fields(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

async fn refused(
    db: &TestDb,
    actor: &Actor,
    format: QuestionFormat,
    document: &str,
) -> Vec<Problem> {
    problems(transfer::import(&db.db, actor, format, document, transfer::OnDuplicate::Fail).await)
}

async fn one_bad_row_imports_nothing_and_every_bad_row_is_named_with_its_number(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    for format in FORMATS {
        let before = bank_size(db, &acme.admin).await;
        let mut rows: Vec<Row> = (1..=5)
            .map(|n| row(&format!("{format:?} question number {n}?")))
            .collect();
        rows[1].minutes = 0;
        rows[2].rubric[3] = " ";
        rows[3].category = "Quantum Basket Weaving";
        let problems = refused(db, &acme.manager, format, &document(format, &rows)).await;
        assert_eq!(
            fields(&problems),
            ["rows[1].minutes", "rows[2].rubric[3]", "rows[3].category"],
            "{format:?}: {problems:?}"
        );
        let category = &problems[2].message;
        assert!(
            category.contains("Quantum Basket Weaving")
                && category.contains("Databases")
                && category.contains("Behavioral and Hiring"),
            "{format:?}: the message names the category and lists the organization's: {category}"
        );
        assert_eq!(
            bank_size(db, &acme.admin).await,
            before,
            "{format:?}: valid rows were imported although others were not"
        );
        // The same document without its bad rows imports whole.
        let good: Vec<Row> = [0, 4].iter().map(|&i| rows[i].clone()).collect();
        let report = import(db, &acme.manager, format, &document(format, &good)).await;
        assert_eq!(report.imported, 2);
        assert_eq!(bank_size(db, &acme.admin).await, before + 2);
    }
}

async fn a_prompt_repeated_inside_the_document_is_refused(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let before = bank_size(db, &acme.admin).await;
    for format in FORMATS {
        let rows = [
            row("What does VACUUM do?"),
            row("What is a covering index?"),
            row("  what does vacuum DO?  "),
        ];
        let problems = refused(db, &acme.manager, format, &document(format, &rows)).await;
        assert_eq!(
            fields(&problems),
            ["rows[2].prompt"],
            "{format:?}: {problems:?}"
        );
        assert!(problems[0].message.contains("rows[0]"), "{problems:?}");
    }
    assert_eq!(bank_size(db, &acme.admin).await, before);
}

async fn a_prompt_already_in_the_bank_is_refused_whatever_its_case(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let existing = acme.questions(db, 1).await.remove(0);
    let retired = question::create(
        &db.db,
        &acme.manager,
        acme.question_input(db, "What is a retired question?").await,
    )
    .await
    .expect("create");
    question::retire(&db.db, &acme.manager, retired.id)
        .await
        .expect("retire");
    let before = bank_size(db, &acme.admin).await;
    for format in FORMATS {
        let rows = [
            row("What is a brand new question?"),
            row(&existing.prompt.to_uppercase()),
            row("what is a RETIRED question?"),
        ];
        let problems = refused(db, &acme.manager, format, &document(format, &rows)).await;
        assert_eq!(
            fields(&problems),
            ["rows[1].prompt", "rows[2].prompt"],
            "{format:?}: {problems:?}"
        );
        assert!(problems[0].message.contains("already in"), "{problems:?}");
    }
    assert_eq!(bank_size(db, &acme.admin).await, before);
}

async fn a_retired_status_is_refused_and_active_is_accepted(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let json = |status: &str| {
        let mut text: serde_json::Value =
            serde_json::from_str(&document(QuestionFormat::Json, &[row("What is MVCC?")]))
                .expect("a JSON document");
        text["questions"][0]["status"] = status.into();
        text.to_string()
    };
    let problems = refused(db, &acme.manager, QuestionFormat::Json, &json("RETIRED")).await;
    assert_eq!(fields(&problems), ["rows[0].status"]);
    assert!(problems[0].message.contains("ACTIVE"), "{problems:?}");
    let report = import(db, &acme.manager, QuestionFormat::Json, &json("active")).await;
    let imported = question::get(&db.db, &acme.admin, report.question_ids[0])
        .await
        .expect("imported");
    assert_eq!(imported.status, QuestionStatus::Active);
}

/// The single `document` problem of a refused import.
async fn document_problem(
    db: &TestDb,
    actor: &Actor,
    format: QuestionFormat,
    text: &str,
) -> String {
    let problems = refused(db, actor, format, text).await;
    assert_eq!(fields(&problems), ["document"], "{problems:?}");
    problems[0].message.clone()
}

async fn malformed_json_is_a_document_problem_naming_the_line_and_column(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let missing_comma =
        "{\n  \"questions\": [\n    {\"category\": \"Databases\"\n     \"level\": \"MID\"}\n  ]\n}";
    let message = document_problem(db, &acme.manager, QuestionFormat::Json, missing_comma).await;
    assert!(message.starts_with("line 4, column 6"), "{message}");

    let misspelt = "{\"questions\": [\n{\"category\": \"Databases\", \"rubrics\": []}\n]}";
    let message = document_problem(db, &acme.manager, QuestionFormat::Json, misspelt).await;
    assert!(message.starts_with("line 2"), "{message}");
    assert!(message.contains("`rubrics`"), "{message}");

    let bare_array = "[]";
    let message = document_problem(db, &acme.manager, QuestionFormat::Json, bare_array).await;
    assert!(message.contains(r#"{"questions": [...]}"#), "{message}");
}

async fn a_csv_with_a_wrong_header_or_record_is_a_document_problem_naming_the_line(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let good = document(
        QuestionFormat::Csv,
        &[row("What is WAL?"), row("What is 2PC?")],
    );
    let expected =
        "category,level,prompt,guidance,rubric_1,rubric_2,rubric_3,rubric_4,tags,minutes";

    let renamed = good.replacen("rubric_1", "rubric1", 1);
    let message = document_problem(db, &acme.manager, QuestionFormat::Csv, &renamed).await;
    assert!(message.starts_with("line 1"), "{message}");
    assert!(message.contains(expected), "{message}");

    let headless: String = good.lines().skip(1).collect::<Vec<_>>().join("\n");
    let message = document_problem(db, &acme.manager, QuestionFormat::Csv, &headless).await;
    assert!(message.contains(expected), "{message}");

    let short_record = format!("{good}Databases,MID,What is a short record?,10\n");
    let message = document_problem(db, &acme.manager, QuestionFormat::Csv, &short_record).await;
    assert!(message.starts_with("line 4"), "{message}");
}

async fn csv_rows_count_records_after_the_header_and_messages_give_their_line(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let header = "category,level,prompt,guidance,rubric_1,rubric_2,rubric_3,rubric_4,tags,minutes";
    let anchors = "Cannot.,With gaps.,With an example.,With limits.";
    let text = [
        header.to_owned(),
        format!("Databases,MID,What is WAL?,Durability.,{anchors},postgresql,10"),
        String::new(),
        format!("Databases,MID,What is 2PC?,\"Two phases:\r\nprepare, commit.\",{anchors},,10"),
        format!("Databases,MID,What is MVCC?,Snapshots.,{anchors},postgresql,0"),
    ]
    .join("\r\n");
    let problems = refused(db, &acme.manager, QuestionFormat::Csv, &text).await;
    assert_eq!(fields(&problems), ["rows[2].minutes"], "{problems:?}");
    assert!(
        problems[0]
            .message
            .ends_with("(question starting on line 6)"),
        "{problems:?}"
    );
}

async fn a_malformed_markdown_block_is_a_document_problem_naming_the_line(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let good = document(QuestionFormat::Markdown, &[row("What is WAL?")]);
    let line_of = |needle: &str| {
        1 + good
            .lines()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("{needle} in {good}"))
    };
    let cases = [
        // A rubric anchor skipped.
        (
            good.replacen("\n3. ", "\n4. ", 1),
            line_of("3. "),
            "expected 3",
        ),
        // A field line without its bullet.
        (
            good.replacen("- level:", "level:", 1),
            line_of("- level:"),
            "field",
        ),
        // A field that does not exist.
        (
            good.replacen("- tags:", "- labels:", 1),
            line_of("- tags:"),
            "`labels`",
        ),
        // An unknown section.
        (
            good.replacen("### Guidance", "### Notes", 1),
            line_of("### Guidance"),
            "### Notes",
        ),
        // A question written with a single `#`: its fields come before any `##`.
        (
            good.replacen("## What is WAL?", "# What is WAL?", 1),
            line_of("- category:"),
            "## <prompt>",
        ),
    ];
    for (text, line, says) in cases {
        let message = document_problem(db, &acme.manager, QuestionFormat::Markdown, &text).await;
        assert!(
            message.starts_with(&format!("line {line}:")) && message.contains(says),
            "expected line {line} and `{says}`, got: {message}\n{text}"
        );
    }
}

async fn an_empty_document_is_a_document_problem_in_every_format(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    for format in FORMATS {
        for text in ["", "  \n", &document(format, &[])] {
            let message = document_problem(db, &acme.manager, format, text).await;
            assert!(
                message.contains("empty") || message.contains("no questions"),
                "{format:?}: {message}"
            );
        }
    }
}

async fn interviewers_and_viewers_may_not_import(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let before = bank_size(db, &acme.admin).await;
    let text = document(QuestionFormat::Json, &[row("What is a deadlock?")]);
    for actor in [&acme.alice, &acme.viewer] {
        let result = transfer::import(
            &db.db,
            actor,
            QuestionFormat::Json,
            &text,
            transfer::OnDuplicate::Fail,
        )
        .await;
        assert!(
            matches!(result, Err(Error::Forbidden { role, .. }) if role == actor.role),
            "{result:?}"
        );
    }
    assert_eq!(bank_size(db, &acme.admin).await, before);
    let report = import(db, &acme.admin, QuestionFormat::Json, &text).await;
    assert_eq!(report.imported, 1);
}

async fn a_viewer_can_export_the_whole_bank(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let text = export(
        db,
        &acme.viewer,
        QuestionFormat::Json,
        &QuestionFilter::default(),
    )
    .await;
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("export is JSON");
    let questions = parsed["questions"].as_array().expect("questions");
    assert_eq!(questions.len() as u64, bank_size(db, &acme.admin).await);
    let categories: Vec<String> = acme
        .categories(db)
        .await
        .into_iter()
        .map(|c| c.name)
        .collect();
    for q in questions {
        assert!(
            categories.contains(&q["category"].as_str().unwrap_or_default().to_owned()),
            "{q}"
        );
        assert_eq!(q["rubric"].as_array().map(Vec::len), Some(4), "{q}");
        assert_eq!(q["status"], "ACTIVE");
    }
    for format in [QuestionFormat::Csv, QuestionFormat::Markdown] {
        let text = export(db, &acme.viewer, format, &QuestionFilter::default()).await;
        assert!(text.contains(questions[0]["prompt"].as_str().unwrap_or("?")));
    }
}

async fn an_export_never_includes_another_organizations_questions(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let secret = "What is acme's secret interview question?";
    question::create(&db.db, &acme.manager, acme.question_input(db, secret).await)
        .await
        .expect("create");
    for format in FORMATS {
        let all = QuestionFilter::default();
        let by_search = QuestionFilter {
            search: Some("secret interview".into()),
            ..QuestionFilter::default()
        };
        assert!(
            export(db, &acme.viewer, format, &by_search)
                .await
                .contains(secret)
        );
        for filter in [&all, &by_search] {
            let text = export(db, &globex.admin, format, filter).await;
            assert!(!text.contains(secret), "{format:?} leaks acme's question");
        }
    }
    let text = export(
        db,
        &globex.admin,
        QuestionFormat::Json,
        &QuestionFilter::default(),
    )
    .await;
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("export is JSON");
    assert_eq!(
        parsed["questions"]
            .as_array()
            .map(Vec::len)
            .unwrap_or_default() as u64,
        bank_size(db, &globex.admin).await
    );
}

/// Every ```` ```<lang> import-example ```` block of the format guide.
fn documented_examples() -> Vec<(QuestionFormat, String)> {
    let guide = include_str!("../../docs/question-formats.md");
    let mut examples = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let format = match line.trim() {
            "```json import-example" => QuestionFormat::Json,
            "```csv import-example" => QuestionFormat::Csv,
            "```markdown import-example" => QuestionFormat::Markdown,
            _ => continue,
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        examples.push((format, body.join("\n")));
    }
    examples
}

async fn the_documented_examples_import_as_written(db: &TestDb) {
    let examples = documented_examples();
    assert_eq!(examples.len(), 3, "one example per format");
    let mut imported = Vec::new();
    for (format, text) in examples {
        let world = World::new(db, &format!("{format:?} example")).await;
        let report = import(db, &world.manager, format, &text).await;
        let mut questions = Vec::new();
        for id in report.question_ids {
            questions.push(question::get(&db.db, &world.admin, id).await.expect("get"));
        }
        imported.push(readable(db, &world, questions).await);
    }
    assert_eq!(imported[0].len(), 2);
    assert_eq!(imported[0], imported[1], "JSON and CSV examples differ");
    assert_eq!(
        imported[0], imported[2],
        "JSON and Markdown examples differ"
    );
}

/// Moving a whole bank into a new organization, which starts with the
/// default bank: FAIL refuses the shared prompts, SKIP leaves them, UPDATE
/// writes a version of each that differs.
async fn a_whole_bank_moves_into_a_new_organization_skipping_or_updating_duplicates(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let created = domain::question::create(
        &db.db,
        &acme.manager,
        acme.question_input(db, "How do you plan a zero-downtime schema change?")
            .await,
    )
    .await
    .expect("own question");
    let edited = acme.questions(db, 1).await.remove(0);
    let mut input = acme.question_input(db, &edited.prompt).await;
    input.guidance = "Acme's own guidance for this question.".into();
    input.category_id = edited.category_id;
    domain::question::update(&db.db, &acme.manager, edited.id, edited.version, input)
        .await
        .expect("edit");
    let document = export(
        db,
        &acme.admin,
        QuestionFormat::Json,
        &QuestionFilter::default(),
    )
    .await;
    let bank = bank_size(db, &acme.admin).await as usize;

    let globex = World::new(db, "globex").await;
    let refused = problems(
        transfer::import(
            &db.db,
            &globex.manager,
            QuestionFormat::Json,
            &document,
            transfer::OnDuplicate::Fail,
        )
        .await,
    );
    assert_eq!(refused.len(), bank - 1, "every shared prompt is a problem");
    assert!(
        refused[0].message.contains("onDuplicate"),
        "{}",
        refused[0].message
    );

    let skipped = transfer::import(
        &db.db,
        &globex.manager,
        QuestionFormat::Json,
        &document,
        transfer::OnDuplicate::Skip,
    )
    .await
    .expect("skip");
    assert_eq!(
        (skipped.imported, skipped.skipped, skipped.updated),
        (1, bank - 1, 0)
    );

    let third = World::new(db, "initech").await;
    let updated = transfer::import(
        &db.db,
        &third.manager,
        QuestionFormat::Json,
        &document,
        transfer::OnDuplicate::Update,
    )
    .await
    .expect("update");
    assert_eq!(
        (updated.imported, updated.skipped, updated.updated),
        (1, bank - 2, 1)
    );
    let theirs = domain::question::list(
        &db.db,
        &third.admin,
        &QuestionFilter {
            search: Some("Acme's own guidance".into()),
            ..QuestionFilter::default()
        },
        PageRequest {
            first: 5,
            after: None,
            count: true,
        },
    )
    .await
    .expect("list");
    assert_eq!(theirs.items.len(), 1);
    assert_eq!(theirs.items[0].version, 2, "a new version of their copy");
    let _ = created;
}

both_databases!(
    a_whole_bank_moves_into_a_new_organization_skipping_or_updating_duplicates,
    a_json_export_imports_into_another_organization_unchanged,
    a_csv_export_imports_into_another_organization_unchanged,
    a_markdown_export_imports_into_another_organization_unchanged,
    one_bad_row_imports_nothing_and_every_bad_row_is_named_with_its_number,
    a_prompt_repeated_inside_the_document_is_refused,
    a_prompt_already_in_the_bank_is_refused_whatever_its_case,
    a_retired_status_is_refused_and_active_is_accepted,
    malformed_json_is_a_document_problem_naming_the_line_and_column,
    a_csv_with_a_wrong_header_or_record_is_a_document_problem_naming_the_line,
    csv_rows_count_records_after_the_header_and_messages_give_their_line,
    a_malformed_markdown_block_is_a_document_problem_naming_the_line,
    an_empty_document_is_a_document_problem_in_every_format,
    interviewers_and_viewers_may_not_import,
    a_viewer_can_export_the_whole_bank,
    an_export_never_includes_another_organizations_questions,
    the_documented_examples_import_as_written,
);
