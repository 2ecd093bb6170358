//! Every object of a response lists its fields in the order the query asked
//! for them (GraphQL spec, "Serialized Map Ordering"), whatever order they
//! finish resolving in.
//!
//! The test reads `schema.graphql`, selects every field of every object
//! type reachable from the queries (and the mutations whose types nothing
//! else returns) in the reverse of the schema's order, runs it on the demo
//! organization, and checks each object's keys against its selection. It
//! fails if any object type of the schema was not seen.

use std::collections::{BTreeSet, HashMap};

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use serde_json::json;

use crate::both_databases;
use crate::client::{Gql, text};
use crate::helpers::spawn_app_with;
use crate::support::TestDb;

/// Object nesting the generated selection goes down to.
const MAX_NESTING: usize = 6;

/// The object types of the schema: each field with its named type and
/// whether it has a required argument.
struct Schema {
    objects: HashMap<String, Vec<(String, String, bool)>>,
}

fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

impl Schema {
    fn load() -> Schema {
        let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .expect("schema.graphql");
        let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
        let mut objects = HashMap::new();
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(definition) = definition
                && let TypeKind::Object(object) = definition.node.kind
            {
                let fields = object
                    .fields
                    .into_iter()
                    .map(|f| {
                        let required =
                            f.node.arguments.iter().any(|a| {
                                !a.node.ty.node.nullable && a.node.default_value.is_none()
                            });
                        (
                            f.node.name.node.to_string(),
                            named(&f.node.ty.node),
                            required,
                        )
                    })
                    .collect();
                objects.insert(definition.node.name.node.to_string(), fields);
            }
        }
        Schema { objects }
    }
}

/// What one object of the response must look like: its type and its keys
/// in order, with what each object-typed field must look like.
#[derive(Debug)]
struct Expect {
    type_name: String,
    fields: Vec<(String, Option<Expect>)>,
}

/// Every field of `type_name` without required arguments, in reverse
/// schema order, nesting objects until `MAX_NESTING` or a type already on
/// the path.
fn select(schema: &Schema, type_name: &str, path: &mut Vec<String>) -> (String, Expect) {
    let mut text = String::new();
    let mut fields = Vec::new();
    path.push(type_name.to_owned());
    for (name, ty, required) in schema.objects[type_name].iter().rev() {
        if *required {
            continue;
        }
        if schema.objects.contains_key(ty) {
            if path.contains(ty) || path.len() >= MAX_NESTING {
                continue;
            }
            let (inner, expect) = select(schema, ty, path);
            text.push_str(&format!("{name} {{ {inner} }} "));
            fields.push((name.clone(), Some(expect)));
        } else {
            text.push_str(&format!("{name} "));
            fields.push((name.clone(), None));
        }
    }
    path.pop();
    (
        text,
        Expect {
            type_name: type_name.to_owned(),
            fields,
        },
    )
}

/// A root field with arguments, selected like any other object field.
fn root(schema: &Schema, call: &str, ty: &str) -> (String, Expect) {
    let (inner, expect) = select(schema, ty, &mut vec![]);
    (format!("{call} {{ {inner} }}"), expect)
}

/// Checks `value` (an object, a list of them, or null) against `expect`,
/// noting each type seen.
fn check(value: &async_graphql::Value, expect: &Expect, at: &str, seen: &mut BTreeSet<String>) {
    match value {
        async_graphql::Value::List(items) => {
            for (index, item) in items.iter().enumerate() {
                check(item, expect, &format!("{at}[{index}]"), seen);
            }
        }
        async_graphql::Value::Object(map) => {
            seen.insert(expect.type_name.clone());
            let keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
            let wanted: Vec<&str> = expect.fields.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(
                keys, wanted,
                "{at} ({}): keys out of query order",
                expect.type_name
            );
            for (name, inner) in &expect.fields {
                if let (Some(inner), Some(field)) = (inner, map.get(name.as_str())) {
                    check(field, inner, &format!("{at}.{name}"), seen);
                }
            }
        }
        _ => {}
    }
}

/// Runs `document` and checks every root field's answer.
async fn run_and_check(
    gql: &Gql,
    document: &str,
    roots: &[(String, Expect)],
    seen: &mut BTreeSet<String>,
) {
    // Read keeping the key order (serde_json's own map sorts keys).
    let body = gql.raw(document, json!({})).await;
    let raw: async_graphql::Value = serde_json::from_str(&body).expect("the answer is JSON");
    let async_graphql::Value::Object(top) = raw else {
        panic!("not an object")
    };
    assert!(top.get("errors").is_none(), "{body}");
    let data = &top["data"];
    let async_graphql::Value::Object(fields) = data else {
        panic!("no data")
    };
    let keys: Vec<&str> = fields.keys().map(|k| k.as_str()).collect();
    let wanted: Vec<&str> = roots.iter().map(|(alias, _)| alias.as_str()).collect();
    assert_eq!(keys, wanted, "root fields out of query order");
    for (alias, expect) in roots {
        check(&fields[alias.as_str()], expect, alias, seen);
    }
}

async fn every_object_type_answers_its_fields_in_query_order(db: &TestDb) {
    let schema = Schema::load();
    let demo = fixtures::demo::populate(&db.db, 7)
        .await
        .expect("demo data");
    let app = spawn_app_with(
        &db.url,
        &[
            ("GRAPHQL_MAX_COST", "100000000"),
            ("GRAPHQL_MAX_FIELDS", "1000000"),
            ("GRAPHQL_MAX_DEPTH", "30"),
            ("GRAPHQL_MAX_TOKENS", "1000000"),
            ("WEBHOOK_ALLOW_PRIVATE", "true"),
        ],
    )
    .await;
    let gql = Gql::new(app);
    let password = |role: domain::types::Role| {
        let user = demo
            .users
            .iter()
            .find(|u| u.role == role)
            .expect("a demo user of the role");
        (user.email.clone(), user.password.clone())
    };
    let sign_in = async |(email, password): (String, String)| {
        let data = gql
            .data(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({"e": email, "p": password}),
            )
            .await;
        gql.signed_in(&text(&data["login"]["accessToken"]))
    };
    let admin = sign_in(password(domain::types::Role::Admin)).await;
    let mut seen = BTreeSet::new();

    // Types only mutations return.
    let (credentials, _) = password(domain::types::Role::Admin);
    let (auth, auth_expect) = root(
        &schema,
        &format!(
            "login(email: \"{credentials}\", password: \"{}\")",
            password(domain::types::Role::Admin).1
        ),
        "AuthPayload",
    );
    let found = admin
        .data(
            "{ candidates(first: 40, filter: {stages: [HIRED]}) { edges { node { plans { id } } } } questions(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let plan = text(&found["candidates"]["edges"][0]["node"]["plans"][0]["id"]);
    let question = text(&found["questions"]["edges"][0]["node"]["id"]);
    let (template, template_expect) = root(
        &schema,
        &format!("saveAsTemplate(planId: \"{plan}\", name: \"Order check\")"),
        "PlanTemplate",
    );
    let import = "importQuestions(format: JSON, document: \"{\\\"questions\\\": [{\\\"category\\\": \\\"Databases\\\", \\\"level\\\": \\\"MID\\\", \\\"prompt\\\": \\\"How would you check the order of keys?\\\", \\\"guidance\\\": \\\"Names the rule.\\\", \\\"rubric\\\": [\\\"a\\\", \\\"b\\\", \\\"c\\\", \\\"d\\\"], \\\"tags\\\": [], \\\"minutes\\\": 5}]}\")";
    let (imported, import_expect) = root(&schema, import, "ImportResult");
    let (key, key_expect) = root(
        &schema,
        "createApiKey(input: {name: \"Order check\"})",
        "CreatedApiKey",
    );
    let viewers = admin
        .data(
            "{ users(filter: {role: VIEWER}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let viewer_id = text(&viewers["users"]["edges"][0]["node"]["id"]);
    let (reset, reset_expect) = root(
        &schema,
        &format!("resetPassword(id: \"{viewer_id}\")"),
        "PasswordReset",
    );
    let mutation_roots = vec![
        ("login".to_owned(), auth_expect),
        ("saveAsTemplate".to_owned(), template_expect),
        ("importQuestions".to_owned(), import_expect),
        ("createApiKey".to_owned(), key_expect),
        ("resetPassword".to_owned(), reset_expect),
    ];
    run_and_check(
        &admin,
        &format!("mutation {{ {auth} {template} {imported} {key} {reset} }}"),
        &mutation_roots,
        &mut seen,
    )
    .await;

    // Webhook types: an endpoint (nothing listens on port 9, so the ping's
    // attempt fails fast), its ping, and a redelivery.
    let hook = "http://127.0.0.1:9/hook";
    let created = admin
        .data(
            &format!("mutation {{ createWebhookEndpoint(input: {{url: \"{hook}\"}}) {{ endpoint {{ id }} }} }}"),
            json!({}),
        )
        .await;
    let endpoint = text(&created["createWebhookEndpoint"]["endpoint"]["id"]);
    let events = admin.data("{ events(first: 1) { id } }", json!({})).await;
    let event = text(&events["events"][0]["id"]);
    let (second, second_expect) = root(
        &schema,
        &format!("createWebhookEndpoint(input: {{url: \"{hook}\", description: \"order\"}})"),
        "WebhookSecret",
    );
    let (ping, ping_expect) = root(
        &schema,
        &format!("pingWebhook(id: \"{endpoint}\")"),
        "WebhookAttempt",
    );
    let (again, again_expect) = root(
        &schema,
        &format!("redeliverEvent(endpointId: \"{endpoint}\", eventId: \"{event}\")"),
        "WebhookDelivery",
    );
    run_and_check(
        &admin,
        &format!("mutation {{ {second} {ping} {again} }}"),
        &[
            ("createWebhookEndpoint".to_owned(), second_expect),
            ("pingWebhook".to_owned(), ping_expect),
            ("redeliverEvent".to_owned(), again_expect),
        ],
        &mut seen,
    )
    .await;

    // A panel with a trainee seat and a limit override (the demo's daily
    // limit is 2): two rounds for Indira, then a third with `override`.
    let people = admin
        .data(
            "{ users(filter: {role: INTERVIEWER}) { edges { node { id displayName } } } candidates(first: 1, filter: {stages: [APPLIED]}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let named = |who: &str| {
        people["users"]["edges"]
            .as_array()
            .expect("users")
            .iter()
            .find(|e| e["node"]["displayName"] == who)
            .map(|e| text(&e["node"]["id"]))
            .expect("a demo interviewer")
    };
    let (indira, sofia) = (named("Indira Kapoor"), named("Sofia Rossi"));
    let applied = text(&people["candidates"]["edges"][0]["node"]["id"]);
    let draft = admin
        .data(
            &format!("mutation {{ createInterviewPlan(input: {{candidateId: \"{applied}\", title: \"Order loop\"}}) {{ id }} }}"),
            json!({}),
        )
        .await;
    let draft = text(&draft["createInterviewPlan"]["id"]);
    let thursday = domain::panel::Window::week(chrono::Utc::now()).end + chrono::Duration::days(3);
    let at = |hour: i64| (thursday + chrono::Duration::hours(hour)).to_rfc3339();
    for hour in [9, 11] {
        admin
            .data(
                "mutation($p: ID!, $i: RoundInput!) { addRound(planId: $p, input: $i) { id } }",
                json!({"p": draft, "i": {"kind": "SYSTEM_DESIGN", "title": format!("At {hour}"),
                    "durationMinutes": 60, "scheduledAt": at(hour), "interviewerIds": [indira]}}),
            )
            .await;
    }
    let (seated, seated_expect) = root(
        &schema,
        &format!(
            "addRound(planId: \"{draft}\", input: {{kind: SYSTEM_DESIGN, title: \"At 13\", durationMinutes: 60, scheduledAt: \"{}\", interviewerIds: [\"{indira}\"], trainees: [{{userId: \"{sofia}\", role: SHADOW}}], override: true}})",
            at(13)
        ),
        "Round",
    );
    run_and_check(
        &admin,
        &format!("mutation {{ {seated} }}"),
        &[("addRound".to_owned(), seated_expect)],
        &mut seen,
    )
    .await;

    // An amendment, so scorecards have revisions.
    let interviewer = sign_in(password(domain::types::Role::Interviewer)).await;
    let rounds = interviewer
        .data(
            "{ me { id } myRounds { id plan { id candidate { id } } questions { questionId } focusCompetencies { id } scorecards { status interviewer { id } } } }",
            json!({}),
        )
        .await;
    let me = text(&rounds["me"]["id"]);
    let round = rounds["myRounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .find(|r| {
            r["focusCompetencies"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
                && r["scorecards"].as_array().is_some_and(|cards| {
                    cards.iter().any(|c| {
                        c["status"] == "SUBMITTED" && c["interviewer"]["id"] == me.as_str()
                    })
                })
        })
        .expect("a submitted round with focus competencies");
    let input = json!({
        "questionRatings": round["questions"].as_array().expect("questions").iter()
            .map(|q| json!({"questionId": q["questionId"], "rating": 2, "notes": "Amended."}))
            .collect::<Vec<_>>(),
        "competencyRatings": round["focusCompetencies"].as_array().expect("competencies").iter()
            .map(|c| json!({"competencyId": c["id"], "rating": 2}))
            .collect::<Vec<_>>(),
        "recommendation": "NO",
        "summary": "Amended after review.",
    });
    interviewer
        .data(
            "mutation($r: ID!, $i: ScorecardInput!) { amendScorecard(roundId: $r, input: $i, reason: \"typo\") { id } }",
            json!({"r": round["id"], "i": input}),
        )
        .await;

    // The amended card's candidate and plan, so their revisions show.
    let candidate = text(&round["plan"]["candidate"]["id"]);
    let plan = text(&round["plan"]["id"]);
    let mut roots = Vec::new();
    let mut document = String::from("{ ");
    for (name, ty, required) in schema.objects["Query"].iter().rev() {
        let call = match (name.as_str(), required) {
            (_, false) => name.clone(),
            ("candidate", true) => format!("candidate(id: \"{candidate}\")"),
            ("candidateReport", true) => format!("candidateReport(candidateId: \"{candidate}\")"),
            ("interviewPlan", true) => format!("interviewPlan(id: \"{plan}\")"),
            ("question", true) => format!("question(id: \"{question}\")"),
            ("suggestPanel", true) => format!(
                "suggestPanel(roundId: \"{}\", withTrainee: true)",
                demo.open_round
            ),
            _ => continue,
        };
        if !schema.objects.contains_key(ty) {
            document.push_str(&format!("{call} "));
            continue;
        }
        let (selection, expect) = root(&schema, &call, ty);
        document.push_str(&selection);
        document.push(' ');
        roots.push((name.clone(), expect));
    }
    document.push('}');
    // Scalar roots are in the answer too: put them in the expectation.
    let scalar_roots: Vec<String> = schema.objects["Query"]
        .iter()
        .rev()
        .filter(|(_, ty, required)| !required && !schema.objects.contains_key(ty))
        .map(|(name, _, _)| name.clone())
        .collect();
    assert!(
        scalar_roots.is_empty(),
        "add scalar roots to the check: {scalar_roots:?}"
    );
    run_and_check(&admin, &document, &roots, &mut seen).await;

    let every: BTreeSet<String> = schema
        .objects
        .keys()
        .filter(|t| !matches!(t.as_str(), "Query" | "Mutation" | "Subscription"))
        .cloned()
        .collect();
    let missing: Vec<&String> = every.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "object types never checked: {missing:?}"
    );
}

both_databases!(every_object_type_answers_its_fields_in_query_order);
