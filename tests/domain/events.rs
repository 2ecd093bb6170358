//! The outbox (issue 10): every change writes its event in its own
//! transaction, numbered per organization in commit order; the dispatcher
//! turns events into webhook deliveries once; the retry schedule and the
//! three-day disabling run on a clock the test controls.

use chrono::{Duration, TimeZone, Utc};
use domain::entity::{event, webhook_delivery, webhook_endpoint};
use domain::event::{EventQuery, EventType};
use domain::scorecard::{QuestionRatingInput, ScorecardInput};
use domain::types::{Recommendation, Stage};
use domain::webhook::delivery::{self, Attempt, MAX_ATTEMPTS, RETRY_AFTER};
use domain::webhook::{self, EndpointInput};
use domain::{candidate, plan, question, scorecard, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::World;

async fn events_of(db: &TestDb, organization: Uuid) -> Vec<event::Model> {
    event::Entity::find()
        .filter(event::Column::OrganizationId.eq(organization))
        .order_by_asc(event::Column::Seq)
        .all(&db.db)
        .await
        .expect("read events")
}

fn types(events: &[event::Model]) -> Vec<&str> {
    events.iter().map(|e| e.event_type.as_str()).collect()
}

fn round_two(draft: &crate::support::world::DraftPlan) -> ScorecardInput {
    ScorecardInput {
        question_ratings: vec![QuestionRatingInput {
            question_id: draft.questions[2].id,
            rating: 3,
            notes: "secret notes".into(),
        }],
        competency_ratings: vec![],
        recommendation: Some(Recommendation::Yes),
        summary: "Designs carefully.".into(),
    }
}

/// Every state change names its event, in commit order, numbered 1, 2, 3…
/// per organization, with the actor and subject, and no free text.
async fn every_change_records_its_event_in_order(db: &TestDb) {
    let w = World::new(db, "Outbox").await;
    let before = events_of(db, w.organization_id).await;
    assert_eq!(
        types(&before),
        vec!["user.created"; 5],
        "sign-up and four users: {before:?}"
    );
    let draft = w.draft_plan(db).await;
    candidate::move_stage(&db.db, &w.manager, draft.candidate.id, Stage::Screening)
        .await
        .expect("move");
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let card = scorecard::submit(&db.db, &w.bob, draft.rounds[1].id, round_two(&draft))
        .await
        .expect("submit");
    scorecard::amend(
        &db.db,
        &w.bob,
        draft.rounds[1].id,
        round_two(&draft),
        "typo".into(),
    )
    .await
    .expect("amend");
    plan::complete(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("complete");
    let q = question::create(
        &db.db,
        &w.admin,
        w.question_input(db, "Outbox prompt?").await,
    )
    .await
    .expect("create question");
    question::update(
        &db.db,
        &w.admin,
        q.id,
        1,
        w.question_input(db, "Outbox prompt 2?").await,
    )
    .await
    .expect("update");
    question::retire(&db.db, &w.admin, q.id)
        .await
        .expect("retire");
    question::retire(&db.db, &w.admin, q.id)
        .await
        .expect("retire again is a no-op");
    user::deactivate(&db.db, &w.admin, w.viewer.user_id)
        .await
        .expect("deactivate");
    user::reactivate(&db.db, &w.admin, w.viewer.user_id)
        .await
        .expect("reactivate");
    candidate::erase(&db.db, &w.manager, draft.candidate.id, "asked to")
        .await
        .expect("erase");

    let all = events_of(db, w.organization_id).await;
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>(), "no gaps");
    assert_eq!(
        types(&all[5..]),
        vec![
            "candidate.created",
            "candidate.stage_changed",
            "plan.published",
            "scorecard.submitted",
            "scorecard.amended",
            "plan.completed",
            "question.created",
            "question.updated",
            "question.retired",
            "user.deactivated",
            "user.reactivated",
            "candidate.erased",
        ]
    );
    let submitted = &all[8];
    assert_eq!(submitted.subject_id, card.id);
    assert_eq!(submitted.candidate_id, Some(draft.candidate.id));
    assert_eq!(submitted.actor_id, Some(w.bob.user_id));
    for e in &all {
        assert!(
            !e.data.contains("secret notes")
                && !e.data.contains("Designs carefully")
                && !e.data.contains("Grace Hopper"),
            "no notes, summaries or names in {}",
            e.data
        );
        assert!(!e.data.contains("YES"), "no recommendation: {}", e.data);
    }
    let moved: serde_json::Value = serde_json::from_str(&all[6].data).expect("json");
    assert_eq!(moved["from"], "APPLIED");
    assert_eq!(moved["to"], "SCREENING");
}

/// A refused change records nothing: the event is part of the change.
async fn a_refused_change_records_no_event(db: &TestDb) {
    let w = World::new(db, "Refused").await;
    let candidate = w.candidate(db, "Ada").await;
    let before = events_of(db, w.organization_id).await.len();
    let refused = candidate::move_stage(&db.db, &w.manager, candidate.id, Stage::Hired).await;
    assert!(refused.is_err(), "APPLIED → HIRED is not allowed");
    let draft = w.draft_plan(db).await;
    let unpublished =
        scorecard::submit(&db.db, &w.bob, draft.rounds[1].id, round_two(&draft)).await;
    assert!(unpublished.is_err(), "the plan is a draft");
    let after = events_of(db, w.organization_id).await;
    assert_eq!(
        types(&after[before..]),
        vec!["candidate.created"],
        "only the draft plan's candidate was created"
    );
}

/// Cancelling a plan records plan.cancelled, with the status it left.
async fn cancelling_a_plan_records_its_event(db: &TestDb) {
    let w = World::new(db, "Cancelled").await;
    let draft = w.draft_plan(db).await;
    plan::cancel(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("cancel");
    let last = events_of(db, w.organization_id).await.pop().expect("event");
    assert_eq!(last.event_type, "plan.cancelled");
    assert_eq!(last.subject_id, draft.plan.id);
    assert_eq!(last.candidate_id, Some(draft.candidate.id));
    let data: serde_json::Value = serde_json::from_str(&last.data).expect("json");
    assert_eq!(data["from"], "DRAFT");
    assert_eq!(data["status"], "CANCELLED");
}

/// Concurrent writers of one organization get consecutive numbers: no gap,
/// no duplicate; another organization counts from 1.
async fn concurrent_changes_are_numbered_without_gaps(db: &TestDb) {
    let w = World::new(db, "Numbered").await;
    let other = World::new(db, "Elsewhere").await;
    let mut handles = Vec::new();
    for i in 0..20 {
        let conn = db.db.clone();
        let manager = w.manager;
        handles.push(tokio::spawn(async move {
            candidate::create(
                &conn,
                &manager,
                candidate::CandidateInput {
                    name: format!("Candidate {i}"),
                    email: format!("c{i}.{}@example.com", Uuid::now_v7().simple()),
                    position_title: "Engineer".into(),
                    target_level: domain::types::Level::Mid,
                },
            )
            .await
        }));
    }
    for handle in handles {
        handle.await.expect("join").expect("create");
    }
    let seqs: Vec<i64> = events_of(db, w.organization_id)
        .await
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, (1..=25).collect::<Vec<_>>());
    let theirs = events_of(db, other.organization_id).await;
    assert_eq!(theirs.first().map(|e| e.seq), Some(1));
}

/// Reading after a cursor replays exactly what came after it, filtered by
/// type and candidate; interviewers may not read the whole history.
async fn the_history_replays_after_a_cursor(db: &TestDb) {
    let w = World::new(db, "History").await;
    let one = w.candidate(db, "One").await;
    let two = w.candidate(db, "Two").await;
    let all = domain::event::history(
        &db.db,
        &w.viewer,
        &EventQuery {
            after: 0,
            types: vec![EventType::CandidateCreated],
            candidate_id: None,
            limit: 100,
        },
    )
    .await
    .expect("history");
    assert_eq!(all.len(), 2);
    let after_first = domain::event::history(
        &db.db,
        &w.admin,
        &EventQuery {
            after: all[0].seq,
            limit: 100,
            ..EventQuery::default()
        },
    )
    .await
    .expect("history");
    assert_eq!(after_first.len(), 1);
    assert_eq!(after_first[0].candidate_id, Some(two.id));
    let refused = domain::event::history(&db.db, &w.alice, &EventQuery::default()).await;
    assert!(matches!(refused, Err(domain::Error::Forbidden { .. })));
    let only_one = domain::event::submissions(
        &db.db,
        &w.alice,
        &EventQuery {
            candidate_id: Some(one.id),
            limit: 10,
            ..EventQuery::default()
        },
    )
    .await
    .expect("submissions");
    assert!(only_one.is_empty(), "no submissions yet");
}

fn endpoint_input(types: &[&str]) -> EndpointInput {
    EndpointInput {
        url: "https://hooks.example.com/in".into(),
        description: "test".into(),
        event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        enabled: true,
    }
}

async fn deliveries_of(db: &TestDb, endpoint: Uuid) -> Vec<webhook_delivery::Model> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint))
        .all(&db.db)
        .await
        .expect("deliveries")
}

/// The dispatcher makes one delivery per event and matching endpoint, once:
/// a second run finds nothing; endpoints of other organizations, disabled
/// ones and those not asking for the type get nothing.
async fn events_are_dispatched_once_to_matching_endpoints(db: &TestDb) {
    let w = World::new(db, "Dispatch").await;
    let other = World::new(db, "Other org").await;
    let (all, _) = webhook::create(&db.db, &w.admin, endpoint_input(&[]))
        .await
        .expect("endpoint");
    let (stages, _) = webhook::create(
        &db.db,
        &w.admin,
        endpoint_input(&["candidate.stage_changed"]),
    )
    .await
    .expect("endpoint");
    let mut off_input = endpoint_input(&[]);
    off_input.enabled = false;
    let (off, _) = webhook::create(&db.db, &w.admin, off_input)
        .await
        .expect("endpoint");
    let (theirs, _) = webhook::create(&db.db, &other.admin, endpoint_input(&[]))
        .await
        .expect("endpoint");
    // Everything so far (users) goes to nobody yet: dispatch it first.
    delivery::dispatch(&db.db, Utc::now(), 1000)
        .await
        .expect("dispatch");
    let baseline = deliveries_of(db, all.id).await.len();

    let c = w.candidate(db, "Dispatched").await;
    candidate::move_stage(&db.db, &w.manager, c.id, Stage::Screening)
        .await
        .expect("move");
    let now = Utc::now();
    let dispatched = delivery::dispatch(&db.db, now, 1000)
        .await
        .expect("dispatch");
    assert_eq!(dispatched.len(), 2);
    assert!(
        delivery::dispatch(&db.db, now, 1000)
            .await
            .expect("again")
            .is_empty()
    );
    assert_eq!(deliveries_of(db, all.id).await.len(), baseline + 2);
    assert_eq!(deliveries_of(db, stages.id).await.len(), 1);
    assert!(deliveries_of(db, off.id).await.is_empty());
    assert_eq!(
        deliveries_of(db, theirs.id).await.len(),
        5,
        "only their own organization's five user.created events"
    );
}

/// A failing delivery is retried on the schedule (each wait lengthened by
/// at most a tenth), for more than 24 hours, then fails; an endpoint that
/// has failed for 3 days is disabled and an event says so. The clock is the
/// test's.
async fn a_failing_delivery_follows_the_retry_schedule(db: &TestDb) {
    let w = World::new(db, "Retries").await;
    let (endpoint, _) = webhook::create(&db.db, &w.admin, endpoint_input(&["candidate.created"]))
        .await
        .expect("endpoint");
    w.candidate(db, "Retried").await;
    let start = Utc
        .with_ymd_and_hms(2030, 1, 1, 9, 0, 0)
        .single()
        .expect("time");
    delivery::dispatch(&db.db, start, 100)
        .await
        .expect("dispatch");
    let mut now = start;
    let lease = Duration::seconds(20);
    let failure = |at| Attempt {
        started_at: at,
        duration_ms: 12,
        status_code: Some(503),
        error: Some("answered 503".into()),
        excerpt: "busy".into(),
    };
    for attempt in 1..=MAX_ATTEMPTS {
        let due = delivery::claim_due(&db.db, now, lease, 10)
            .await
            .expect("claim");
        assert_eq!(due.len(), 1, "attempt {attempt} is due at {now}");
        assert!(
            delivery::claim_due(&db.db, now, lease, 10)
                .await
                .expect("claim")
                .is_empty(),
            "a claimed delivery is leased"
        );
        let logged = delivery::finish(&db.db, &due[0], &failure(now), now, true)
            .await
            .expect("finish");
        assert_eq!(logged.attempt, attempt);
        let row = webhook_delivery::Entity::find_by_id(due[0].delivery.id)
            .one(&db.db)
            .await
            .expect("read")
            .expect("delivery");
        if attempt == MAX_ATTEMPTS {
            assert_eq!(row.status, delivery::FAILED);
            break;
        }
        let wait = RETRY_AFTER[(attempt - 1) as usize];
        assert_eq!(row.status, delivery::PENDING);
        let gap = row.next_attempt_at - now;
        assert!(
            gap >= wait && gap <= wait + wait / 10 + Duration::milliseconds(1),
            "attempt {attempt}: waited {gap} for {wait}"
        );
        assert!(
            delivery::claim_due(
                &db.db,
                row.next_attempt_at - Duration::seconds(1),
                lease,
                10
            )
            .await
            .expect("claim")
            .is_empty(),
            "not due before its time"
        );
        now = row.next_attempt_at;
    }
    assert!(
        now - start >= Duration::hours(24),
        "retried for {}",
        now - start
    );
    let log = webhook::attempts(&db.db, &w.admin, endpoint.id, 100)
        .await
        .expect("log");
    assert_eq!(log.len(), MAX_ATTEMPTS as usize);
    assert_eq!(log[0].response_excerpt, "busy");

    // Still failing 3 days after the streak began: disabled, with an event.
    let row = webhook_endpoint::Entity::find_by_id(endpoint.id)
        .one(&db.db)
        .await
        .expect("read")
        .expect("endpoint");
    assert_eq!(row.failing_since, Some(start));
    assert!(row.enabled, "27.6 hours of failures is not yet 3 days");
    w.candidate(db, "Later").await;
    let later = start + Duration::days(3);
    delivery::dispatch(&db.db, later, 100)
        .await
        .expect("dispatch");
    let due = delivery::claim_due(&db.db, later, lease, 10)
        .await
        .expect("claim");
    assert_eq!(due.len(), 1);
    delivery::finish(&db.db, &due[0], &failure(later), later, true)
        .await
        .expect("finish");
    let row = webhook_endpoint::Entity::find_by_id(endpoint.id)
        .one(&db.db)
        .await
        .expect("read")
        .expect("endpoint");
    assert!(!row.enabled, "disabled after 3 days");
    assert!(row.disabled_reason.is_some());
    let last = events_of(db, w.organization_id).await.pop().expect("event");
    assert_eq!(last.event_type, "webhook.endpoint_disabled");
    assert_eq!(last.subject_id, endpoint.id);
    assert!(
        delivery::claim_due(&db.db, later + Duration::days(1), lease, 10)
            .await
            .expect("claim")
            .is_empty(),
        "a disabled endpoint gets no attempts"
    );
    // Enabling it again clears the streak.
    let enabled = webhook::update(&db.db, &w.admin, endpoint.id, endpoint_input(&[]))
        .await
        .expect("enable");
    assert!(
        enabled.enabled && enabled.failing_since.is_none() && enabled.disabled_reason.is_none()
    );
}

/// A success ends the failure streak; a rotated secret keeps signing for a
/// day beside the new one; only administrators manage endpoints.
async fn endpoints_are_managed_by_administrators(db: &TestDb) {
    let w = World::new(db, "Endpoints").await;
    for who in [w.manager, w.alice, w.viewer] {
        assert!(matches!(
            webhook::create(&db.db, &who, endpoint_input(&[])).await,
            Err(domain::Error::Forbidden { .. })
        ));
    }
    let refused = webhook::create(
        &db.db,
        &w.admin,
        EndpointInput {
            url: "not a url".into(),
            event_types: vec!["scorecard.deleted".into()],
            ..endpoint_input(&[])
        },
    )
    .await;
    let fields = crate::support::world::problem_fields(refused);
    assert_eq!(fields, vec!["url", "eventTypes"]);
    let (endpoint, first) = webhook::create(&db.db, &w.admin, endpoint_input(&[]))
        .await
        .expect("endpoint");
    assert!(first.starts_with("whsec_"));
    let (rotated, second) = webhook::rotate_secret(&db.db, &w.admin, endpoint.id)
        .await
        .expect("rotate");
    assert_ne!(first, second);
    let now = Utc::now();
    assert_eq!(
        webhook::signing_secrets(&rotated, now),
        vec![second.as_str(), first.as_str()]
    );
    assert_eq!(
        webhook::signing_secrets(&rotated, now + Duration::hours(25)),
        vec![second.as_str()]
    );
    let stranger = World::new(db, "Stranger").await;
    assert!(matches!(
        webhook::get(&db.db, &stranger.admin, endpoint.id).await,
        Err(domain::Error::NotFound { .. })
    ));
}

/// Deleting an endpoint deletes its deliveries and their log with it.
async fn deleting_an_endpoint_deletes_its_log(db: &TestDb) {
    use domain::entity::webhook_attempt;
    let w = World::new(db, "Deleted").await;
    let (endpoint, _) = webhook::create(&db.db, &w.admin, endpoint_input(&["candidate.created"]))
        .await
        .expect("endpoint");
    w.candidate(db, "Logged").await;
    let now = Utc::now();
    delivery::dispatch(&db.db, now, 100)
        .await
        .expect("dispatch");
    let due = delivery::claim_due(&db.db, now, Duration::seconds(20), 10)
        .await
        .expect("claim");
    let failed = Attempt {
        started_at: now,
        status_code: Some(500),
        error: Some("answered 500".into()),
        ..Attempt::default()
    };
    delivery::finish(&db.db, &due[0], &failed, now, true)
        .await
        .expect("finish");
    assert_eq!(
        webhook_attempt::Entity::find()
            .all(&db.db)
            .await
            .expect("log")
            .len(),
        1
    );
    webhook::delete(&db.db, &w.admin, endpoint.id)
        .await
        .expect("delete");
    assert!(
        webhook_attempt::Entity::find()
            .all(&db.db)
            .await
            .expect("log")
            .is_empty()
    );
    assert!(deliveries_of(db, endpoint.id).await.is_empty());
}

/// Audit entries are found by actor, subject and operation, newest first,
/// and pruned after the retention period.
async fn audit_entries_are_filtered_and_pruned(db: &TestDb) {
    use domain::audit::{self, AuditFilter, Kind, NewEntry};
    let w = World::new(db, "Audit").await;
    let subject = Uuid::now_v7();
    let entry = |operation: &str, actor: Uuid, at, subjects: Vec<Uuid>| NewEntry {
        organization_id: Some(w.organization_id),
        actor_id: Some(actor),
        operation: operation.into(),
        kind: Kind::Mutation,
        outcome: "OK".into(),
        client_ip: "203.0.113.9".into(),
        request_id: "req-1".into(),
        at,
        subjects,
    };
    let now = Utc::now();
    audit::write(
        &db.db,
        vec![
            entry(
                "createCandidate",
                w.manager.user_id,
                now - Duration::days(400),
                vec![subject],
            ),
            entry(
                "submitScorecard",
                w.alice.user_id,
                now,
                vec![subject, subject],
            ),
            entry("submitScorecard", w.bob.user_id, now, vec![]),
        ],
    )
    .await
    .expect("write");
    let page = |filter| {
        let db = db.db.clone();
        let admin = w.admin;
        async move {
            audit::page(
                &db,
                &admin,
                &filter,
                domain::page::PageRequest::new(None, None).unwrap(),
            )
            .await
            .expect("page")
        }
    };
    let by_subject = page(AuditFilter {
        subject_id: Some(subject),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_subject.total_count, 2);
    assert_eq!(
        by_subject.items[0].entry.operation, "submitScorecard",
        "newest first"
    );
    assert_eq!(by_subject.items[0].subjects, vec![subject], "deduplicated");
    let by_actor = page(AuditFilter {
        actor_id: Some(w.bob.user_id),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_actor.total_count, 1);
    let by_operation = page(AuditFilter {
        operation: Some("submitScorecard".into()),
        from: Some(now - Duration::minutes(1)),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_operation.total_count, 2);
    assert!(matches!(
        audit::page(
            &db.db,
            &w.manager,
            &AuditFilter::default(),
            domain::page::PageRequest::new(None, None).unwrap()
        )
        .await,
        Err(domain::Error::Forbidden { .. })
    ));
    let pruned = audit::prune(&db.db, now, Duration::days(365))
        .await
        .expect("prune");
    assert_eq!(pruned, 1);
    assert_eq!(audit::count(&db.db, &w.admin).await.expect("count"), 2);
}

both_databases!(
    every_change_records_its_event_in_order,
    a_refused_change_records_no_event,
    cancelling_a_plan_records_its_event,
    concurrent_changes_are_numbered_without_gaps,
    the_history_replays_after_a_cursor,
    events_are_dispatched_once_to_matching_endpoints,
    a_failing_delivery_follows_the_retry_schedule,
    endpoints_are_managed_by_administrators,
    deleting_an_endpoint_deletes_its_log,
    audit_entries_are_filtered_and_pruned,
);
