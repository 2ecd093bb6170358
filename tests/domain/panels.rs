//! Assembling a panel (docs/domain.md §2b): pools and the training path,
//! trainee seats and their scorecards, interview limits and overrides, the
//! panel checks of publishing, panel suggestions, overdue feedback, the
//! interviewers' load, and the statements the readers run.
//!
//! Times are relative to now: "next week" starts at next Monday 00:00 UTC,
//! past rounds start on whole hours so that stored times compare exactly.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use domain::entity::scorecard as card;
use domain::entity::{interview_plan, limit_override, pool_member, round, round_interviewer};
use domain::page::PageRequest;
use domain::panel::{self, Limits, OverdueFilter, PanelSettings, PoolInput, Window};
use domain::plan::{self, RoundInput, TraineeSeat};
use domain::question::QuestionFilter;
use domain::report::{self, InterviewerCalibration, InterviewerCall, MeanRating, QuestionStats};
use domain::scorecard::{self, CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use domain::types::{PanelRole, PoolLevel, Recommendation, Role, RoundKind};
use domain::user::{self, NewUser};
use domain::{Actor, Error};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{PASSWORD, World, problem_fields, problems};

use PanelRole::{ReverseShadow, Shadow};
use PoolLevel::{Qualified, TraineeReverseShadow, TraineeShadow};
use RoundKind::{SystemDesign, TechnicalScreen};

/// The current hour, whole.
fn this_hour() -> DateTime<Utc> {
    let now = Utc::now().timestamp();
    DateTime::from_timestamp(now - now.rem_euclid(3600), 0).expect("timestamp")
}

/// `hours` whole hours before the current hour.
fn hours_ago(hours: i64) -> DateTime<Utc> {
    this_hour() - Duration::hours(hours)
}

/// `day` days after next week's Monday 00:00 UTC, plus `minutes`.
fn next_week(day: i64, minutes: i64) -> DateTime<Utc> {
    Window::week(Utc::now()).end + Duration::days(day) + Duration::minutes(minutes)
}

fn ymd(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

async fn person(db: &TestDb, w: &World, name: &str) -> Actor {
    let made = user::create_user(
        &db.db,
        &w.admin,
        NewUser {
            email: format!("{name}.{}@acme.example.com", Uuid::now_v7().simple()),
            display_name: name.into(),
            role: Role::Interviewer,
            password: PASSWORD.into(),
        },
    )
    .await
    .expect("create interviewer");
    Actor {
        user_id: made.id,
        organization_id: made.organization_id,
        role: made.role,
    }
}

fn seat(who: &Actor, role: PanelRole) -> TraineeSeat {
    TraineeSeat {
        user_id: who.user_id,
        role,
    }
}

/// A 60-minute round of `kind` without focus competencies.
fn round_at(
    title: &str,
    kind: RoundKind,
    at: Option<DateTime<Utc>>,
    interviewers: &[&Actor],
    trainees: Vec<TraineeSeat>,
) -> RoundInput {
    RoundInput {
        kind,
        title: title.into(),
        duration_minutes: 60,
        scheduled_at: at,
        interviewer_ids: interviewers.iter().map(|a| a.user_id).collect(),
        focus_competency_ids: vec![],
        trainees,
        feedback_due_at: None,
        override_limits: false,
    }
}

fn screen(title: &str, at: Option<DateTime<Utc>>, interviewers: &[&Actor]) -> RoundInput {
    round_at(title, TechnicalScreen, at, interviewers, vec![])
}

async fn draft_for(db: &TestDb, w: &World, candidate_id: Uuid) -> interview_plan::Model {
    plan::create(
        &db.db,
        &w.manager,
        plan::PlanInput {
            candidate_id,
            title: "Loop".into(),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create plan")
}

/// A plan for `candidate_id` with `rounds`, published when `publish` is set.
async fn plan_for(
    db: &TestDb,
    w: &World,
    candidate_id: Uuid,
    rounds: Vec<RoundInput>,
    publish: bool,
) -> (interview_plan::Model, Vec<round::Model>) {
    let created = draft_for(db, w, candidate_id).await;
    let mut made = Vec::new();
    for input in rounds {
        let title = input.title.clone();
        made.push(
            plan::add_round(&db.db, &w.manager, created.id, input)
                .await
                .unwrap_or_else(|err| panic!("add round {title}: {err:?}")),
        );
    }
    if publish {
        plan::publish(&db.db, &w.manager, created.id)
            .await
            .expect("publish");
    }
    (created, made)
}

/// A plan for a new candidate named `candidate`.
async fn plan_of(
    db: &TestDb,
    w: &World,
    candidate: &str,
    rounds: Vec<RoundInput>,
    publish: bool,
) -> (interview_plan::Model, Vec<round::Model>) {
    let candidate = w.candidate(db, candidate).await;
    plan_for(db, w, candidate.id, rounds, publish).await
}

fn pool_input(name: &str, kinds: &[RoundKind], shadows: i64, reverse: i64) -> PoolInput {
    PoolInput {
        name: name.into(),
        round_kinds: kinds.to_vec(),
        required_shadows: shadows,
        required_reverse_shadows: reverse,
        ..PoolInput::default()
    }
}

/// Creates a pool and adds `members` at their levels.
async fn pool_with(
    db: &TestDb,
    w: &World,
    input: PoolInput,
    members: &[(&Actor, PoolLevel)],
) -> Uuid {
    let pool = panel::create_pool(&db.db, &w.manager, input)
        .await
        .expect("create pool");
    for (who, level) in members {
        panel::add_member(&db.db, &w.manager, pool.pool.id, who.user_id, *level)
            .await
            .expect("add member");
    }
    pool.pool.id
}

async fn member(db: &TestDb, w: &World, pool_id: Uuid, who: &Actor) -> pool_member::Model {
    panel::members_of(&db.db, &w.manager, &[pool_id])
        .await
        .expect("members")
        .into_iter()
        .find(|m| m.user_id == who.user_id)
        .expect("a member")
}

/// Level, shadows done and reverse shadows done of `who` in a pool.
async fn progress(db: &TestDb, w: &World, pool_id: Uuid, who: &Actor) -> (PoolLevel, i32, i32) {
    let m = member(db, w, pool_id, who).await;
    (m.level, m.shadows_done, m.reverse_shadows_done)
}

/// Submits a scorecard for a round without questions or focus competencies.
async fn submit(db: &TestDb, who: &Actor, round_id: Uuid) -> card::Model {
    scorecard::submit(
        &db.db,
        who,
        round_id,
        ScorecardInput {
            recommendation: Some(Recommendation::Yes),
            summary: "Summary.".into(),
            ..ScorecardInput::default()
        },
    )
    .await
    .expect("submit")
}

async fn set_submitted_at(db: &TestDb, who: &Actor, round_id: Uuid, at: DateTime<Utc>) {
    card::Entity::update_many()
        .col_expr(card::Column::SubmittedAt, Expr::value(at))
        .filter(card::Column::RoundId.eq(round_id))
        .filter(card::Column::InterviewerId.eq(who.user_id))
        .exec(&db.db)
        .await
        .expect("set submitted_at");
}

fn settings(daily: Option<i32>, weekly: Option<i32>, require: bool) -> PanelSettings {
    PanelSettings {
        daily_interview_limit: daily,
        weekly_interview_limit: weekly,
        feedback_due_hours: 24,
        require_qualification: require,
    }
}

fn forbidden<T: std::fmt::Debug>(result: domain::Result<T>) {
    assert!(
        matches!(result, Err(Error::Forbidden { .. })),
        "expected Forbidden, got {result:?}"
    );
}

fn conflict<T: std::fmt::Debug>(result: domain::Result<T>) -> String {
    match result {
        Err(Error::Conflict(message)) => message,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

// 1. Pools and members ------------------------------------------------------

async fn pools_and_members_are_managed_by_admins_and_hiring_managers(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let comps = w.competencies(db).await;
    let (c0, c1) = (comps[0].id, comps[1].id);
    let input = PoolInput {
        name: "System design".into(),
        round_kinds: vec![SystemDesign],
        competency_ids: vec![c0],
        required_shadows: 2,
        required_reverse_shadows: 1,
        auto_graduate: false,
        approver_ids: vec![w.admin.user_id],
    };
    forbidden(panel::create_pool(&db.db, &w.alice, input.clone()).await);
    forbidden(panel::create_pool(&db.db, &w.viewer, input.clone()).await);
    let created = panel::create_pool(&db.db, &w.manager, input.clone())
        .await
        .expect("create pool");
    assert_eq!(created.pool.name, "System design");
    assert_eq!(created.round_kinds, [SystemDesign]);
    assert_eq!(created.competency_ids, [c0]);
    assert_eq!(created.approver_ids, [w.admin.user_id]);
    assert_eq!(
        (
            created.pool.required_shadows,
            created.pool.required_reverse_shadows,
            created.pool.auto_graduate
        ),
        (2, 1, false)
    );
    // Matching: the kind is listed and a focus competency is shared.
    assert!(created.matches(SystemDesign, &[c1, c0]));
    assert!(!created.matches(TechnicalScreen, &[c0]));
    assert!(!created.matches(SystemDesign, &[c1]));
    assert!(!created.matches(SystemDesign, &[]));

    assert_eq!(
        problem_fields(panel::create_pool(&db.db, &w.admin, input.clone()).await),
        ["name"]
    );
    let bad = PoolInput {
        name: "Bad".into(),
        required_shadows: 51,
        required_reverse_shadows: -1,
        approver_ids: vec![w.viewer.user_id],
        ..PoolInput::default()
    };
    assert_eq!(
        problem_fields(panel::create_pool(&db.db, &w.admin, bad).await),
        [
            "requiredShadows",
            "requiredReverseShadows",
            "approverIds[0]"
        ]
    );
    let other = panel::create_pool(&db.db, &w.admin, pool_input("Behavioral", &[], 0, 0))
        .await
        .expect("second pool");
    // Renaming onto another pool's name is refused the same way.
    assert_eq!(
        problem_fields(panel::update_pool(&db.db, &w.manager, other.pool.id, input.clone()).await),
        ["name"]
    );
    forbidden(panel::update_pool(&db.db, &w.alice, created.pool.id, input.clone()).await);
    let updated = panel::update_pool(
        &db.db,
        &w.manager,
        created.pool.id,
        PoolInput {
            name: "System design — senior".into(),
            round_kinds: vec![],
            competency_ids: vec![],
            approver_ids: vec![],
            ..input.clone()
        },
    )
    .await
    .expect("update pool");
    assert_eq!(updated.pool.id, created.pool.id);
    assert!(updated.round_kinds.is_empty());
    assert!(updated.competency_ids.is_empty());
    assert!(updated.approver_ids.is_empty());
    assert!(updated.matches(TechnicalScreen, &[]));
    // Any role reads the pools, by name.
    let names =
        |pools: Vec<panel::Pool>| pools.into_iter().map(|p| p.pool.name).collect::<Vec<_>>();
    assert_eq!(
        names(panel::pools(&db.db, &w.alice).await.expect("pools")),
        ["Behavioral", "System design — senior"]
    );

    let id = created.pool.id;
    forbidden(panel::add_member(&db.db, &w.alice, id, w.bob.user_id, Qualified).await);
    let added = panel::add_member(&db.db, &w.manager, id, w.alice.user_id, Qualified)
        .await
        .expect("add alice");
    assert_eq!(
        (
            added.level,
            added.paused,
            added.shadows_done,
            added.reverse_shadows_done
        ),
        (Qualified, false, 0, 0)
    );
    panel::add_member(&db.db, &w.admin, id, w.bob.user_id, TraineeShadow)
        .await
        .expect("add bob");
    conflict(panel::add_member(&db.db, &w.manager, id, w.alice.user_id, TraineeShadow).await);
    assert_eq!(
        problem_fields(
            panel::add_member(&db.db, &w.manager, id, w.viewer.user_id, Qualified).await
        ),
        ["userId"]
    );
    let listed = async || {
        panel::members_of(&db.db, &w.manager, &[id])
            .await
            .expect("members")
            .into_iter()
            .map(|m| (m.user_id, m.level, m.paused))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed().await,
        [
            (w.alice.user_id, Qualified, false),
            (w.bob.user_id, TraineeShadow, false)
        ]
    );

    forbidden(panel::pause_member(&db.db, &w.alice, id, w.alice.user_id, None).await);
    let paused = panel::pause_member(&db.db, &w.manager, id, w.alice.user_id, None)
        .await
        .expect("pause");
    assert!(paused.paused);
    assert_eq!(paused.paused_until, None);
    assert!(panel::is_paused(&paused, Utc::now()));
    assert_eq!(
        problem_fields(
            panel::pause_member(
                &db.db,
                &w.manager,
                id,
                w.alice.user_id,
                Some(Utc::now() - Duration::hours(1))
            )
            .await
        ),
        ["until"]
    );
    let until = this_hour() + Duration::days(3);
    let later = panel::pause_member(&db.db, &w.manager, id, w.alice.user_id, Some(until))
        .await
        .expect("pause until");
    assert_eq!(later.paused_until, Some(until));
    assert!(panel::is_paused(&later, Utc::now()));
    assert!(!panel::is_paused(&later, until + Duration::seconds(1)));
    assert_eq!(
        listed().await,
        [
            (w.alice.user_id, Qualified, true),
            (w.bob.user_id, TraineeShadow, false)
        ]
    );
    forbidden(panel::resume_member(&db.db, &w.alice, id, w.alice.user_id).await);
    let resumed = panel::resume_member(&db.db, &w.manager, id, w.alice.user_id)
        .await
        .expect("resume");
    assert!(!resumed.paused);
    assert_eq!(resumed.paused_until, None);

    forbidden(panel::remove_member(&db.db, &w.alice, id, w.bob.user_id).await);
    panel::remove_member(&db.db, &w.manager, id, w.bob.user_id)
        .await
        .expect("remove bob");
    assert!(matches!(
        panel::remove_member(&db.db, &w.manager, id, w.bob.user_id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(listed().await, [(w.alice.user_id, Qualified, false)]);

    // Another organization neither sees nor changes the pools.
    let globex = World::new(db, "globex").await;
    assert!(
        panel::pools(&db.db, &globex.admin)
            .await
            .expect("pools")
            .is_empty()
    );
    assert!(matches!(
        panel::add_member(&db.db, &globex.admin, id, globex.alice.user_id, Qualified).await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        panel::members_of(&db.db, &globex.admin, &[id])
            .await
            .expect("members")
            .is_empty()
    );

    forbidden(panel::delete_pool(&db.db, &w.alice, id).await);
    panel::delete_pool(&db.db, &w.manager, id)
        .await
        .expect("delete pool");
    assert!(listed().await.is_empty());
    assert_eq!(
        names(panel::pools(&db.db, &w.manager).await.expect("pools")),
        ["Behavioral"]
    );
}

// 2. The training path ------------------------------------------------------

async fn trainees_count_their_interviews_and_graduate(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let carol = person(db, &w, "carol").await;
    let dave = person(db, &w, "dave").await;
    let screening = pool_with(
        db,
        &w,
        PoolInput {
            approver_ids: vec![w.manager.user_id],
            ..pool_input("Screening", &[TechnicalScreen], 2, 1)
        },
        &[(&w.alice, Qualified), (&carol, TraineeShadow)],
    )
    .await;
    // A pool for other rounds: carol's screens do not count in it.
    let design = pool_with(
        db,
        &w,
        pool_input("Design", &[SystemDesign], 1, 1),
        &[(&carol, TraineeShadow)],
    )
    .await;
    let auto = pool_with(
        db,
        &w,
        PoolInput {
            auto_graduate: true,
            ..pool_input("Auto", &[TechnicalScreen], 1, 1)
        },
        &[(&dave, TraineeShadow), (&w.bob, TraineeShadow)],
    )
    .await;
    let shadowed = |title: &str| {
        round_at(
            title,
            TechnicalScreen,
            None,
            &[&w.alice],
            vec![seat(&carol, Shadow), seat(&dave, Shadow)],
        )
    };
    let (_, first) = plan_of(
        db,
        &w,
        "Ada",
        vec![shadowed("Screen one"), shadowed("Screen two")],
        true,
    )
    .await;

    // An interviewer's scorecard counts for nobody's training.
    let alices = submit(db, &w.alice, first[0].id).await;
    assert!(!alices.trainee);
    assert_eq!(
        progress(db, &w, screening, &carol).await,
        (TraineeShadow, 0, 0)
    );
    assert_eq!(
        progress(db, &w, screening, &w.alice).await,
        (Qualified, 0, 0)
    );

    let carols = submit(db, &carol, first[0].id).await;
    assert!(carols.trainee);
    assert_eq!(
        progress(db, &w, screening, &carol).await,
        (TraineeShadow, 1, 0)
    );
    assert_eq!(
        progress(db, &w, design, &carol).await,
        (TraineeShadow, 0, 0)
    );
    let message = conflict(panel::graduate(&db.db, &w.manager, screening, carol.user_id).await);
    assert!(
        message.contains("1 of 2 shadow and 0 of 1 reverse-shadow"),
        "{message}"
    );

    // Dave has done the one shadow interview of "Auto": on to reverse shadowing.
    submit(db, &dave, first[0].id).await;
    assert_eq!(
        progress(db, &w, auto, &dave).await,
        (TraineeReverseShadow, 1, 0)
    );
    // A further shadow interview no longer counts where he reverse shadows.
    submit(db, &dave, first[1].id).await;
    assert_eq!(
        progress(db, &w, auto, &dave).await,
        (TraineeReverseShadow, 1, 0)
    );

    submit(db, &carol, first[1].id).await;
    assert_eq!(
        progress(db, &w, screening, &carol).await,
        (TraineeReverseShadow, 2, 0)
    );
    let message = conflict(panel::graduate(&db.db, &w.manager, screening, carol.user_id).await);
    assert!(
        message.contains("2 of 2 shadow and 0 of 1 reverse-shadow"),
        "{message}"
    );

    let (_, second) = plan_of(
        db,
        &w,
        "Linus",
        vec![round_at(
            "Screen three",
            TechnicalScreen,
            None,
            &[&w.alice],
            vec![seat(&carol, ReverseShadow), seat(&dave, ReverseShadow)],
        )],
        true,
    )
    .await;
    submit(db, &carol, second[0].id).await;
    submit(db, &dave, second[0].id).await;
    // Without auto_graduate the trainee waits for an approver ...
    assert_eq!(
        progress(db, &w, screening, &carol).await,
        (TraineeReverseShadow, 2, 1)
    );
    // ... with it they are qualified by themselves.
    let graduated = member(db, &w, auto, &dave).await;
    assert_eq!(
        (
            graduated.level,
            graduated.shadows_done,
            graduated.reverse_shadows_done,
            graduated.graduated_by
        ),
        (Qualified, 1, 1, None)
    );
    assert!(graduated.graduated_at.is_some());
    assert_eq!(
        progress(db, &w, design, &carol).await,
        (TraineeShadow, 0, 0)
    );

    // Only the pool's approvers graduate its trainees.
    for who in [&w.admin, &w.alice, &carol] {
        forbidden(panel::graduate(&db.db, who, screening, carol.user_id).await);
    }
    let done = panel::graduate(&db.db, &w.manager, screening, carol.user_id)
        .await
        .expect("graduate");
    assert_eq!(
        (done.level, done.graduated_by),
        (Qualified, Some(w.manager.user_id))
    );
    assert!(done.graduated_at.is_some());
    assert_eq!(progress(db, &w, screening, &carol).await, (Qualified, 2, 1));
    conflict(panel::graduate(&db.db, &w.manager, screening, carol.user_id).await);
    // A pool without approvers: any admin or hiring manager, not an interviewer.
    forbidden(panel::graduate(&db.db, &w.alice, auto, w.bob.user_id).await);
    let message = conflict(panel::graduate(&db.db, &w.admin, auto, w.bob.user_id).await);
    assert!(
        message.contains("0 of 1 shadow and 0 of 1 reverse-shadow"),
        "{message}"
    );
}

// 3. Trainee seats ------------------------------------------------------------

async fn trainee_seats_need_the_matching_trainee_level(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let carol = person(db, &w, "carol").await;
    let dave = person(db, &w, "dave").await;
    let screening = pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 2, 1),
        &[
            (&w.alice, Qualified),
            (&w.bob, Qualified),
            (&carol, TraineeShadow),
            (&dave, TraineeReverseShadow),
        ],
    )
    .await;
    let candidate = w.candidate(db, "Ada").await;
    let draft = draft_for(db, &w, candidate.id).await;
    let with = |kind: RoundKind, trainees: Vec<TraineeSeat>| {
        round_at("Screen", kind, None, &[&w.alice], trainees)
    };
    let add = async |input: RoundInput| plan::add_round(&db.db, &w.manager, draft.id, input).await;

    // A qualified member is no trainee.
    let found = problems(add(with(TechnicalScreen, vec![seat(&w.bob, Shadow)])).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "trainees[0].userId");
    assert!(
        found[0].message.contains("TRAINEE_SHADOW"),
        "{}",
        found[0].message
    );
    // The level must be the role's: dave reverse shadows, carol shadows.
    assert_eq!(
        problem_fields(
            add(with(
                TechnicalScreen,
                vec![seat(&carol, Shadow), seat(&dave, Shadow)]
            ))
            .await
        ),
        ["trainees[1].userId"]
    );
    assert_eq!(
        problem_fields(add(with(TechnicalScreen, vec![seat(&carol, ReverseShadow)])).await),
        ["trainees[0].userId"]
    );
    // The pool must match the round.
    assert_eq!(
        problem_fields(add(with(SystemDesign, vec![seat(&carol, Shadow)])).await),
        ["trainees[0].userId"]
    );
    // A trainee seat is no interviewer's, nobody sits twice, viewers never sit.
    assert_eq!(
        problem_fields(
            add(with(
                TechnicalScreen,
                vec![seat(&carol, PanelRole::Interviewer)]
            ))
            .await
        ),
        ["trainees[0].role"]
    );
    let found = problems(add(with(TechnicalScreen, vec![seat(&w.alice, Shadow)])).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "trainees[0].userId");
    assert!(
        found[0].message.contains("already on this round's panel"),
        "{}",
        found[0].message
    );
    assert_eq!(
        problem_fields(add(with(TechnicalScreen, vec![seat(&w.viewer, Shadow)])).await),
        ["trainees[0].userId"]
    );
    // A paused trainee cannot be seated.
    panel::pause_member(&db.db, &w.manager, screening, carol.user_id, None)
        .await
        .expect("pause");
    assert_eq!(
        problem_fields(add(with(TechnicalScreen, vec![seat(&carol, Shadow)])).await),
        ["trainees[0].userId"]
    );
    panel::resume_member(&db.db, &w.manager, screening, carol.user_id)
        .await
        .expect("resume");

    let made = add(with(
        TechnicalScreen,
        vec![seat(&carol, Shadow), seat(&dave, ReverseShadow)],
    ))
    .await
    .expect("seat the trainees");
    let mut seats: Vec<(Uuid, PanelRole)> = round_interviewer::Entity::find()
        .filter(round_interviewer::Column::RoundId.eq(made.id))
        .all(&db.db)
        .await
        .expect("seats")
        .into_iter()
        .map(|s| (s.user_id, s.role))
        .collect();
    seats.sort();
    let mut expected = vec![
        (w.alice.user_id, PanelRole::Interviewer),
        (carol.user_id, Shadow),
        (dave.user_id, ReverseShadow),
    ];
    expected.sort();
    assert_eq!(seats, expected);
    // Updating a round checks the seats the same way.
    assert_eq!(
        problem_fields(
            plan::update_round(
                &db.db,
                &w.manager,
                made.id,
                with(TechnicalScreen, vec![seat(&w.bob, Shadow)])
            )
            .await
        ),
        ["trainees[0].userId"]
    );
}

// 4. Trainee scorecards never count ------------------------------------------

/// What the reports say, to compare with and without a trainee's card.
#[derive(Debug, PartialEq)]
struct Reported {
    rounds: Vec<(Uuid, Vec<InterviewerCall>, Option<i64>)>,
    categories: Vec<MeanRating>,
    competencies: Vec<MeanRating>,
    submitted: u64,
    agreement: Option<f64>,
    decision_ready: bool,
    stats: Vec<QuestionStats>,
    reference_stats: Vec<QuestionStats>,
    calibration: Vec<InterviewerCalibration>,
    reference_calibration: Vec<InterviewerCalibration>,
}

async fn reported(db: &TestDb, w: &World, candidate: Uuid, questions: &[Uuid]) -> Reported {
    let report = report::candidate_report(&db.db, &w.manager, candidate)
        .await
        .expect("candidate report");
    let page = PageRequest {
        first: 100,
        after: None,
        count: true,
    };
    let only = |items: Vec<QuestionStats>| -> Vec<QuestionStats> {
        items
            .into_iter()
            .filter(|s| questions.contains(&s.question.id))
            .collect()
    };
    Reported {
        rounds: report
            .rounds
            .iter()
            .map(|r| (r.round_id, r.interviewers.clone(), r.spread))
            .collect(),
        categories: report.categories.clone(),
        competencies: report.competencies.clone(),
        submitted: report.submitted_scorecards,
        agreement: report.agreement,
        decision_ready: report.decision_ready,
        stats: only(
            report::question_stats(&db.db, &w.manager, &QuestionFilter::default(), page)
                .await
                .expect("stats")
                .items,
        ),
        reference_stats: only(
            report::reference::question_stats(&db.db, &w.manager, &QuestionFilter::default(), page)
                .await
                .expect("reference stats")
                .items,
        ),
        calibration: report::interviewer_calibration(&db.db, &w.manager)
            .await
            .expect("calibration"),
        reference_calibration: report::reference::interviewer_calibration(&db.db, &w.manager)
            .await
            .expect("reference calibration"),
    }
}

fn rated(
    questions: &[(Uuid, i64)],
    competencies: &[(Uuid, i64)],
    recommendation: Recommendation,
) -> ScorecardInput {
    ScorecardInput {
        question_ratings: questions
            .iter()
            .map(|&(question_id, rating)| QuestionRatingInput {
                question_id,
                rating,
                notes: String::new(),
            })
            .collect(),
        competency_ratings: competencies
            .iter()
            .map(|&(competency_id, rating)| CompetencyRatingInput {
                competency_id,
                rating,
            })
            .collect(),
        recommendation: Some(recommendation),
        summary: "Summary.".into(),
    }
}

async fn trainee_scorecards_never_count_in_reports(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let carol = person(db, &w, "carol").await;
    pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 2, 1),
        &[(&w.alice, Qualified), (&carol, TraineeShadow)],
    )
    .await;
    let c = w.competencies(db).await[0].id;
    let bank = w.questions(db, 2).await;
    let (q0, q1) = (bank[0].id, bank[1].id);
    let ada = w.candidate(db, "Ada").await;
    let linus = w.candidate(db, "Linus").await;
    let (ada_plan, ada_rounds) = plan_for(
        db,
        &w,
        ada.id,
        vec![RoundInput {
            focus_competency_ids: vec![c],
            ..round_at(
                "Screen",
                TechnicalScreen,
                Some(hours_ago(30)),
                &[&w.alice],
                vec![seat(&carol, Shadow)],
            )
        }],
        false,
    )
    .await;
    let (linus_plan, linus_rounds) = plan_for(
        db,
        &w,
        linus.id,
        vec![screen("Screen", Some(hours_ago(50)), &[&w.bob])],
        false,
    )
    .await;
    for q in [q0, q1] {
        plan::add_question(&db.db, &w.manager, ada_rounds[0].id, q, Some(10))
            .await
            .expect("add question");
    }
    plan::add_question(&db.db, &w.manager, linus_rounds[0].id, q0, Some(10))
        .await
        .expect("add question");
    for id in [ada_plan.id, linus_plan.id] {
        plan::publish(&db.db, &w.manager, id)
            .await
            .expect("publish");
    }
    scorecard::submit(
        &db.db,
        &w.alice,
        ada_rounds[0].id,
        rated(&[(q0, 4), (q1, 3)], &[(c, 4)], Recommendation::StrongYes),
    )
    .await
    .expect("alice submits");
    scorecard::submit(
        &db.db,
        &w.bob,
        linus_rounds[0].id,
        rated(&[(q0, 2)], &[], Recommendation::No),
    )
    .await
    .expect("bob submits");

    // Carol's missing card holds nothing back: only interviewers' seats count.
    let before = reported(db, &w, ada.id, &[q0, q1]).await;
    assert_eq!(
        before.rounds,
        [(
            ada_rounds[0].id,
            vec![InterviewerCall {
                user_id: w.alice.user_id,
                recommendation: Some(Recommendation::StrongYes),
                submitted: true,
            }],
            Some(0)
        )]
    );
    assert!(before.decision_ready);
    assert_eq!(before.submitted, 1);
    assert!(
        before.agreement.is_some_and(|a| a.abs() < 1e-9),
        "{:?}",
        before.agreement
    );
    assert_eq!(
        before.competencies,
        [MeanRating {
            id: c,
            mean: 4.0,
            ratings: 1
        }]
    );
    let asked: Vec<(Uuid, u64, Option<f64>)> = before
        .stats
        .iter()
        .map(|s| (s.question.id, s.times_asked, s.mean_rating))
        .collect();
    assert_eq!(asked, [(q0, 2, Some(3.0)), (q1, 1, Some(3.0))]);
    let calibrated: Vec<(Uuid, u64, Option<f64>)> = before
        .calibration
        .iter()
        .map(|c| (c.user_id, c.scorecards_submitted, c.mean_rating))
        .collect();
    assert_eq!(
        calibrated,
        [
            (w.alice.user_id, 1, Some(3.5)),
            (w.bob.user_id, 1, Some(2.0))
        ]
    );

    let carols = scorecard::submit(
        &db.db,
        &carol,
        ada_rounds[0].id,
        rated(&[(q0, 1), (q1, 1)], &[(c, 1)], Recommendation::StrongNo),
    )
    .await
    .expect("carol submits");
    assert!(carols.trainee);
    // The card is kept and readable ...
    let read = scorecard::get(&db.db, &w.manager, carols.id)
        .await
        .expect("read carol's card");
    assert!(read.trainee);
    // ... and every figure is as before, in the rollups and the definitions.
    let after = reported(db, &w, ada.id, &[q0, q1]).await;
    assert_eq!(after, before);
    // Rebuilding the rollups from scratch leaves them out as well.
    domain::rollup::rebuild_all(&db.db).await.expect("rebuild");
    assert_eq!(reported(db, &w, ada.id, &[q0, q1]).await, before);
}

// 5. Interview limits ---------------------------------------------------------

async fn interview_limits_refuse_an_assignment_unless_overridden(db: &TestDb) {
    let w = World::new(db, "acme").await;
    forbidden(
        panel::set_panel_settings(&db.db, &w.manager, settings(Some(1), Some(2), false)).await,
    );
    assert_eq!(
        problem_fields(
            panel::set_panel_settings(
                &db.db,
                &w.admin,
                PanelSettings {
                    daily_interview_limit: Some(0),
                    weekly_interview_limit: Some(101),
                    feedback_due_hours: 0,
                    require_qualification: false,
                }
            )
            .await
        ),
        [
            "dailyInterviewLimit",
            "weeklyInterviewLimit",
            "feedbackDueHours"
        ]
    );
    let wed = next_week(2, 10 * 60);
    let monday = Window::week(wed).start;
    plan_of(
        db,
        &w,
        "Ada",
        vec![
            screen("Wednesday", Some(wed), &[&w.alice]),
            screen("Thursday", Some(next_week(3, 10 * 60)), &[&w.alice]),
        ],
        true,
    )
    .await;
    let org = panel::set_panel_settings(&db.db, &w.admin, settings(Some(1), Some(2), false))
        .await
        .expect("settings");
    assert_eq!(
        (
            org.daily_interview_limit,
            org.weekly_interview_limit,
            org.feedback_due_hours,
            org.require_qualification
        ),
        (Some(1), Some(2), 24, false)
    );
    let candidate = w.candidate(db, "Linus").await;
    let draft = draft_for(db, &w, candidate.id).await;
    let afternoon = screen(
        "Afternoon",
        Some(wed + Duration::hours(4)),
        &[&w.bob, &w.alice],
    );
    let found = problems(plan::add_round(&db.db, &w.manager, draft.id, afternoon.clone()).await);
    let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["interviewerIds[1]", "interviewerIds[1]"],
        "{found:?}"
    );
    assert!(
        found[0].message.contains(&format!(
            "alice would have 2 interviews on {} (daily limit 1)",
            ymd(wed)
        )),
        "{}",
        found[0].message
    );
    assert!(
        found[1].message.contains(&format!(
            "alice would have 3 interviews in the week of {} (weekly limit 2)",
            ymd(monday)
        )),
        "{}",
        found[1].message
    );

    // A user's own limits replace the organization's.
    forbidden(
        panel::set_interview_limits(&db.db, &w.alice, w.alice.user_id, Some(5), Some(3)).await,
    );
    assert_eq!(
        problem_fields(
            panel::set_interview_limits(&db.db, &w.manager, w.alice.user_id, Some(21), None).await
        ),
        ["dailyInterviewLimit"]
    );
    let own = panel::set_interview_limits(&db.db, &w.manager, w.alice.user_id, Some(5), Some(3))
        .await
        .expect("own limits");
    assert_eq!(
        (own.daily_interview_limit, own.weekly_interview_limit),
        (Some(5), Some(3))
    );
    let accepted = plan::add_round(&db.db, &w.manager, draft.id, afternoon.clone())
        .await
        .expect("within alice's own limits");
    // A round does not count against itself when it is updated.
    plan::update_round(&db.db, &w.manager, accepted.id, afternoon.clone())
        .await
        .expect("update in place");
    // The plan being edited counts: Friday would be alice's fourth interview.
    let friday = screen("Friday", Some(next_week(4, 10 * 60)), &[&w.alice, &w.bob]);
    let found = problems(plan::add_round(&db.db, &w.manager, draft.id, friday.clone()).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "interviewerIds[0]");
    assert!(
        found[0].message.contains(&format!(
            "alice would have 4 interviews in the week of {} (weekly limit 3)",
            ymd(monday)
        )),
        "{}",
        found[0].message
    );
    assert!(
        limit_override::Entity::find()
            .all(&db.db)
            .await
            .expect("overrides")
            .is_empty()
    );
    let overridden = plan::add_round(
        &db.db,
        &w.manager,
        draft.id,
        RoundInput {
            override_limits: true,
            ..friday.clone()
        },
    )
    .await
    .expect("override");
    let recorded = async || {
        limit_override::Entity::find()
            .order_by_asc(limit_override::Column::UserId)
            .all(&db.db)
            .await
            .expect("overrides")
    };
    let rows = recorded().await;
    assert_eq!(rows.len(), 1, "only alice is beyond a limit: {rows:?}");
    assert_eq!(
        (rows[0].round_id, rows[0].user_id, rows[0].overridden_by),
        (overridden.id, w.alice.user_id, w.manager.user_id)
    );
    assert!(
        rows[0].reason.contains(&format!(
            "alice would have 4 interviews in the week of {} (weekly limit 3)",
            ymd(monday)
        )),
        "{}",
        rows[0].reason
    );
    // The recorded override stands when the round is updated again.
    plan::update_round(&db.db, &w.manager, overridden.id, friday.clone())
        .await
        .expect("update an overridden round");
    assert_eq!(recorded().await, rows);
    // Without own limits the organization's apply again.
    panel::set_interview_limits(&db.db, &w.manager, w.alice.user_id, None, None)
        .await
        .expect("clear own limits");
    let found = problems(
        plan::add_round(
            &db.db,
            &w.manager,
            draft.id,
            screen("Saturday", Some(next_week(5, 10 * 60)), &[&w.alice]),
        )
        .await,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .contains("alice would have 5 interviews in the week of")
            && found[0].message.contains("(weekly limit 2)"),
        "{}",
        found[0].message
    );
}

// 6. Publishing checks the panels ------------------------------------------

async fn publishing_reports_every_panel_problem_together(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let carol = person(db, &w, "carol").await;
    pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 2, 1),
        &[(&w.alice, Qualified), (&carol, TraineeShadow)],
    )
    .await;
    let wed = next_week(2, 10 * 60);
    plan_of(
        db,
        &w,
        "Ada",
        vec![screen("Booked", Some(wed), &[&w.bob])],
        true,
    )
    .await;
    let (draft, rounds) = plan_of(
        db,
        &w,
        "Linus",
        vec![
            round_at(
                "Pairing",
                TechnicalScreen,
                Some(wed + Duration::minutes(30)),
                &[&w.bob],
                vec![seat(&carol, Shadow)],
            ),
            round_at(
                "Design",
                SystemDesign,
                Some(next_week(4, 10 * 60)),
                &[&w.alice],
                vec![],
            ),
            screen("Empty", None, &[]),
        ],
        false,
    )
    .await;
    panel::set_panel_settings(&db.db, &w.admin, settings(Some(1), None, true))
        .await
        .expect("settings");
    let found = problems(plan::publish(&db.db, &w.manager, draft.id).await);
    let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            // The old check first, then the panels round by round.
            "rounds[2].interviewerIds",
            "rounds[0].interviewerIds",
            "rounds[0].trainees",
            "rounds[0].interviewerIds",
            "rounds[0].interviewerIds",
            "rounds[1].interviewerIds",
        ],
        "{found:?}"
    );
    let says = |i: usize, text: &str| {
        assert!(
            found[i].message.contains(text),
            "{}: {}",
            i,
            found[i].message
        );
    };
    says(0, "round \"Empty\" has no interviewer");
    says(1, "bob is not qualified for round \"Pairing\"");
    says(
        2,
        "trainee carol in round \"Pairing\" needs a qualified interviewer",
    );
    says(
        3,
        "bob is booked into round \"Pairing\" and round \"Booked\" at overlapping times",
    );
    says(
        4,
        &format!(
            "bob would have 2 interviews on {} (daily limit 1)",
            ymd(wed)
        ),
    );
    says(5, "alice is not qualified for round \"Design\"");

    // An override recorded when assigning sets the limit aside at publishing.
    plan::update_round(
        &db.db,
        &w.manager,
        rounds[0].id,
        RoundInput {
            override_limits: true,
            ..round_at(
                "Pairing",
                TechnicalScreen,
                Some(wed + Duration::minutes(30)),
                &[&w.bob],
                vec![seat(&carol, Shadow)],
            )
        },
    )
    .await
    .expect("override bob's limit");
    assert_eq!(
        problem_fields(plan::publish(&db.db, &w.manager, draft.id).await),
        [
            "rounds[2].interviewerIds",
            "rounds[0].interviewerIds",
            "rounds[0].trainees",
            "rounds[0].interviewerIds",
            "rounds[1].interviewerIds",
        ]
    );

    // Qualified, beside the trainee, at a free time, within limits: it publishes.
    plan::update_round(
        &db.db,
        &w.manager,
        rounds[0].id,
        round_at(
            "Pairing",
            TechnicalScreen,
            Some(wed + Duration::hours(3)),
            &[&w.alice],
            vec![seat(&carol, Shadow)],
        ),
    )
    .await
    .expect("reassign");
    plan::update_round(
        &db.db,
        &w.manager,
        rounds[1].id,
        screen("Design", Some(next_week(4, 10 * 60)), &[&w.alice]),
    )
    .await
    .expect("a screen");
    plan::remove_round(&db.db, &w.manager, rounds[2].id)
        .await
        .expect("remove");
    plan::publish(&db.db, &w.manager, draft.id)
        .await
        .expect("publish");
}

async fn publishing_refuses_overlapping_rounds_of_the_same_plan(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let wed = next_week(2, 10 * 60);
    let (draft, _) = plan_of(
        db,
        &w,
        "Ada",
        vec![
            screen("One", Some(wed), &[&w.alice]),
            screen(
                "Two",
                Some(wed + Duration::minutes(59)),
                &[&w.alice, &w.bob],
            ),
            // Back to back is no overlap.
            screen("Three", Some(wed + Duration::minutes(119)), &[&w.alice]),
        ],
        false,
    )
    .await;
    let found = problems(plan::publish(&db.db, &w.manager, draft.id).await);
    let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["rounds[0].interviewerIds", "rounds[1].interviewerIds"],
        "{found:?}"
    );
    assert!(
        found[0]
            .message
            .contains("alice is booked into round \"One\" and round \"Two\"")
    );
    assert!(
        found[1]
            .message
            .contains("alice is booked into round \"Two\" and round \"One\"")
    );
}

// 7. Suggestions ----------------------------------------------------------------

async fn suggestions_leave_out_who_cannot_sit_and_rank_by_load(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let mut made = Vec::new();
    for name in [
        "carol", "dave", "amy", "erin", "erin", "frank", "gina", "hank", "ivan", "tara", "uma",
        "yuri",
    ] {
        made.push(person(db, &w, name).await);
    }
    let [
        carol,
        dave,
        amy,
        erin_a,
        erin_b,
        frank,
        gina,
        hank,
        ivan,
        tara,
        uma,
        yuri,
    ] = &made[..]
    else {
        unreachable!()
    };
    let (alice, bob) = (&w.alice, &w.bob);
    let screening = pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 2, 1),
        &[
            (alice, Qualified),
            (bob, Qualified),
            (carol, Qualified),
            (dave, Qualified),
            (amy, Qualified),
            (erin_a, Qualified),
            (erin_b, Qualified),
            (frank, Qualified),
            (gina, Qualified),
            (hank, Qualified),
            (ivan, Qualified),
            (tara, TraineeShadow),
            (uma, TraineeReverseShadow),
        ],
    )
    .await;
    // Members of a pool for other rounds are not considered.
    pool_with(
        db,
        &w,
        pool_input("Design", &[SystemDesign], 0, 0),
        &[(yuri, Qualified), (bob, Qualified)],
    )
    .await;
    // Trailing load: bob 2, carol 1; erin's interview 40 days ago is too old.
    plan_of(
        db,
        &w,
        "Past",
        vec![
            screen("Past one", Some(hours_ago(72)), &[bob, carol]),
            screen("Past two", Some(hours_ago(120)), &[bob]),
            screen("Long ago", Some(hours_ago(40 * 24)), &[erin_a]),
        ],
        true,
    )
    .await;
    let wed = next_week(2, 10 * 60);
    plan_of(
        db,
        &w,
        "Other",
        vec![
            screen("Busy", Some(wed + Duration::minutes(30)), &[hank]),
            screen("Morning", Some(wed - Duration::hours(2)), &[ivan]),
            screen("Thursday", Some(next_week(3, 10 * 60)), &[dave, amy]),
        ],
        true,
    )
    .await;
    let target = w.candidate(db, "Target").await;
    plan_for(
        db,
        &w,
        target.id,
        vec![screen("Intro", Some(next_week(1, 10 * 60)), &[gina])],
        true,
    )
    .await;
    let (_, rounds) = plan_for(
        db,
        &w,
        target.id,
        vec![screen("Screen", Some(wed), &[alice])],
        false,
    )
    .await;
    let round_id = rounds[0].id;
    panel::pause_member(&db.db, &w.manager, screening, frank.user_id, None)
        .await
        .expect("pause frank");
    panel::set_interview_limits(&db.db, &w.manager, ivan.user_id, Some(1), None)
        .await
        .expect("ivan's limit");
    panel::set_interview_limits(&db.db, &w.manager, dave.user_id, None, Some(4))
        .await
        .expect("dave's limit");

    forbidden(panel::suggest_panel(&db.db, &w.alice, round_id, 2, false).await);
    assert_eq!(
        problem_fields(panel::suggest_panel(&db.db, &w.manager, round_id, 0, false).await),
        ["size"]
    );
    let (first_erin, second_erin) = if erin_a.user_id < erin_b.user_id {
        (erin_a, erin_b)
    } else {
        (erin_b, erin_a)
    };
    let suggested = panel::suggest_panel(&db.db, &w.manager, round_id, 10, false)
        .await
        .expect("suggest");
    let ranked: Vec<(Uuid, PanelRole, u32, u32)> = suggested
        .suggestions
        .iter()
        .map(|s| {
            (
                s.user.id,
                s.role,
                s.interviews_last_four_weeks,
                s.interviews_this_week,
            )
        })
        .collect();
    let interviewer = PanelRole::Interviewer;
    assert_eq!(
        ranked,
        [
            (first_erin.user_id, interviewer, 0, 0),
            (second_erin.user_id, interviewer, 0, 0),
            (amy.user_id, interviewer, 0, 1),
            (dave.user_id, interviewer, 0, 1),
            (carol.user_id, interviewer, 1, 0),
            (bob.user_id, interviewer, 2, 0),
        ]
    );
    let of = |who: &Actor| {
        suggested
            .suggestions
            .iter()
            .find(|s| s.user.id == who.user_id)
            .expect("suggested")
    };
    assert_eq!(
        of(bob).reasons,
        [
            "qualified: Screening",
            "load: 0 this week / no limit",
            "2 interviews in the last 4 weeks"
        ]
    );
    assert_eq!(of(bob).pools, ["Screening"]);
    assert_eq!(
        of(dave).reasons,
        [
            "qualified: Screening",
            "load: 1 this week / limit 4",
            "0 interviews in the last 4 weeks"
        ]
    );
    assert_eq!(
        of(dave).limits,
        Limits {
            daily: None,
            weekly: Some(4)
        }
    );
    let excluded: Vec<(Uuid, String)> = suggested
        .excluded
        .iter()
        .map(|e| (e.user.id, e.reason.clone()))
        .collect();
    assert_eq!(
        excluded,
        [
            (alice.user_id, "already on this round's panel".to_owned()),
            (frank.user_id, "paused".to_owned()),
            (
                gina.user_id,
                "already interviews this candidate in round \"Intro\"".to_owned()
            ),
            (
                hank.user_id,
                "booked in round \"Busy\" at an overlapping time".to_owned()
            ),
            (
                ivan.user_id,
                format!("at the daily limit: 1 interviews on {} / limit 1", ymd(wed))
            ),
        ]
    );

    // The same data give the same answer; a smaller panel is its head.
    let again = panel::suggest_panel(&db.db, &w.manager, round_id, 3, false)
        .await
        .expect("suggest again");
    let ids =
        |s: &panel::PanelSuggestion| s.suggestions.iter().map(|s| s.user.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&again),
        [first_erin.user_id, second_erin.user_id, amy.user_id]
    );
    assert_eq!(again.excluded.len(), 5);

    // With a trainee: exactly one, after the interviewers, in a shadow role.
    let with_trainee = panel::suggest_panel(&db.db, &w.manager, round_id, 2, true)
        .await
        .expect("suggest with trainee");
    assert_eq!(
        ids(&with_trainee),
        [first_erin.user_id, second_erin.user_id, tara.user_id]
    );
    let trainee = &with_trainee.suggestions[2];
    assert_eq!(trainee.role, Shadow);
    assert_eq!(
        trainee.reasons[0],
        "training: TRAINEE_SHADOW in Screening, 0 of 2 done"
    );
    assert_eq!(
        with_trainee
            .suggestions
            .iter()
            .filter(|s| s.role != PanelRole::Interviewer)
            .count(),
        1
    );
    assert!(!ids(&with_trainee).contains(&uma.user_id));
    assert!(!ids(&suggested).contains(&tara.user_id) && !ids(&suggested).contains(&yuri.user_id));
}

// 8. Overdue scorecards ----------------------------------------------------

async fn overdue_lists_past_due_assignments_without_a_submitted_scorecard(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (alice, bob) = (&w.alice, &w.bob);
    let ada = w.candidate(db, "Ada").await;
    let explicit_due = hours_ago(94);
    let (_, ada_rounds) = plan_for(
        db,
        &w,
        ada.id,
        vec![
            screen("Past", Some(hours_ago(72)), &[alice, bob]),
            screen("Future", Some(next_week(2, 10 * 60)), &[alice]),
            // Ends an hour ago: due in 23 hours.
            screen("Recent", Some(hours_ago(2)), &[alice]),
            // Its own due time is ahead.
            RoundInput {
                feedback_due_at: Some(this_hour() + Duration::days(1)),
                ..screen("Explicit", Some(hours_ago(76)), &[alice])
            },
        ],
        true,
    )
    .await;
    let linus = w.candidate(db, "Linus").await;
    let (_, linus_rounds) = plan_for(
        db,
        &w,
        linus.id,
        vec![RoundInput {
            feedback_due_at: Some(explicit_due),
            ..screen("Screen", Some(hours_ago(96)), &[bob])
        }],
        true,
    )
    .await;
    // A draft plan's rounds are owed nothing.
    plan_of(
        db,
        &w,
        "Grace",
        vec![screen("Draft", Some(hours_ago(80)), &[alice])],
        false,
    )
    .await;
    // The feedback due time must follow the round's end.
    let too_early = plan::add_round(
        &db.db,
        &w.manager,
        draft_for(db, &w, linus.id).await.id,
        RoundInput {
            feedback_due_at: Some(hours_ago(96)),
            ..screen("Early", Some(hours_ago(96)), &[bob])
        },
    )
    .await;
    assert_eq!(problem_fields(too_early), ["feedbackDueAt"]);
    // An absurd time box is reported, not a crash of the due-time check.
    let other_draft = draft_for(db, &w, linus.id).await;
    for minutes in [i64::MAX, i64::MIN, 1_000_000_000_000] {
        let absurd = plan::add_round(
            &db.db,
            &w.manager,
            other_draft.id,
            RoundInput {
                duration_minutes: minutes,
                feedback_due_at: Some(this_hour()),
                ..screen("Absurd", Some(hours_ago(96)), &[bob])
            },
        )
        .await;
        assert_eq!(problem_fields(absurd), ["durationMinutes"], "{minutes}");
    }

    submit(db, bob, ada_rounds[0].id).await;
    scorecard::save_draft(
        &db.db,
        alice,
        ada_rounds[0].id,
        ScorecardInput {
            summary: "Half done.".into(),
            ..ScorecardInput::default()
        },
    )
    .await
    .expect("alice drafts");

    let past = &ada_rounds[0];
    let screen_round = &linus_rounds[0];
    let mut expected = vec![
        (
            past.id,
            alice.user_id,
            ada.id,
            hours_ago(72) + Duration::hours(25),
            true,
        ),
        (screen_round.id, bob.user_id, linus.id, explicit_due, false),
    ];
    expected.sort_by_key(|e| (e.0, e.1));
    let list = async |who: &Actor, filter: OverdueFilter| {
        panel::overdue(&db.db, who, filter, 20, None, true)
            .await
            .map(|page| {
                assert_eq!(page.total_count, page.items.len() as u64);
                page.items
                    .iter()
                    .map(|o| {
                        assert_eq!(o.role, PanelRole::Interviewer);
                        (
                            o.round.id,
                            o.interviewer.id,
                            o.candidate_id,
                            o.due_at,
                            o.has_draft,
                        )
                    })
                    .collect::<Vec<_>>()
            })
    };
    let all = OverdueFilter::default();
    assert_eq!(list(&w.manager, all).await.expect("overdue"), expected);
    assert_eq!(list(&w.viewer, all).await.expect("viewer"), expected);
    let alices = vec![
        expected
            .iter()
            .find(|e| e.1 == alice.user_id)
            .cloned()
            .unwrap(),
    ];
    let bobs = vec![
        expected
            .iter()
            .find(|e| e.1 == bob.user_id)
            .cloned()
            .unwrap(),
    ];
    assert_eq!(
        list(
            &w.manager,
            OverdueFilter {
                interviewer_id: Some(bob.user_id),
                candidate_id: None
            }
        )
        .await
        .expect("bob's"),
        bobs
    );
    assert_eq!(
        list(
            &w.manager,
            OverdueFilter {
                interviewer_id: None,
                candidate_id: Some(ada.id)
            }
        )
        .await
        .expect("ada's"),
        alices
    );
    assert_eq!(
        list(
            &w.manager,
            OverdueFilter {
                interviewer_id: Some(bob.user_id),
                candidate_id: Some(ada.id)
            }
        )
        .await
        .expect("bob's for ada"),
        []
    );
    // An interviewer sees only their own.
    assert_eq!(list(alice, all).await.expect("alice's own"), alices);
    assert_eq!(list(bob, all).await.expect("bob's own"), bobs);
    forbidden(
        panel::overdue(
            &db.db,
            alice,
            OverdueFilter {
                interviewer_id: Some(bob.user_id),
                candidate_id: None,
            },
            20,
            None,
            false,
        )
        .await,
    );

    // Pages follow the order.
    let first = panel::overdue(&db.db, &w.manager, all, 1, None, true)
        .await
        .expect("first page");
    assert_eq!(first.items.len(), 1);
    assert!(first.has_next_page);
    assert_eq!(first.total_count, 2);
    assert_eq!(first.items[0].round.id, expected[0].0);
    let second = panel::overdue(
        &db.db,
        &w.manager,
        all,
        1,
        Some(first.items[0].cursor()),
        false,
    )
    .await
    .expect("second page");
    assert_eq!(second.items.len(), 1);
    assert!(!second.has_next_page);
    assert_eq!(
        (second.items[0].round.id, second.items[0].interviewer.id),
        (expected[1].0, expected[1].1)
    );

    // Once submitted, it is no longer owed.
    submit(db, bob, screen_round.id).await;
    assert_eq!(list(&w.manager, all).await.expect("overdue"), alices);
}

// 9. Interviewer load -------------------------------------------------------

async fn interviewer_load_counts_interviews_and_punctuality(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let alice = &w.alice;
    pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 2, 1),
        &[(alice, Qualified)],
    )
    .await;
    panel::set_panel_settings(&db.db, &w.admin, settings(None, Some(4), false))
        .await
        .expect("settings");
    let week = Window::week(Utc::now()).start;
    // Due 25 hours after each start (60-minute rounds, feedback 24 hours
    // after the end); every one more than a week ago.
    let starts = [20, 17, 14, 11].map(|days| this_hour() - Duration::days(days));
    let mut rounds = vec![RoundInput {
        // This week's: due far ahead, so it is not yet due.
        feedback_due_at: Some(this_hour() + Duration::days(10)),
        ..screen("Monday", Some(week), &[alice])
    }];
    for (i, &at) in starts.iter().enumerate() {
        rounds.push(screen(&format!("Past {i}"), Some(at), &[alice]));
    }
    rounds.push(screen(
        "Long ago",
        Some(this_hour() - Duration::days(100)),
        &[alice],
    ));
    rounds.push(screen("Next week", Some(next_week(2, 10 * 60)), &[alice]));
    let (_, made) = plan_of(db, &w, "Ada", rounds, true).await;
    // A draft plan's round is no interview.
    plan_of(
        db,
        &w,
        "Draft",
        vec![screen(
            "Draft",
            Some(week + Duration::minutes(90)),
            &[alice],
        )],
        false,
    )
    .await;
    let due = |at: DateTime<Utc>| at + Duration::hours(25);
    // Two hours early, four and thirteen hours late, one never submitted; the
    // one a hundred days ago is outside the 90 days looked at.
    for (round, late) in [(&made[1], -2), (&made[2], 4), (&made[3], 13), (&made[5], 1)] {
        submit(db, alice, round.id).await;
        set_submitted_at(
            db,
            alice,
            round.id,
            due(round.scheduled_at.unwrap()) + Duration::hours(late),
        )
        .await;
    }

    let load = panel::interviewer_load(&db.db, &w.manager)
        .await
        .expect("load");
    let names: Vec<&str> = load.iter().map(|l| l.user.display_name.as_str()).collect();
    assert_eq!(names, ["admin", "alice", "bob", "manager"]);
    let hers = &load[1];
    assert_eq!(
        (hers.interviews_this_week, hers.interviews_last_four_weeks),
        (1, 5)
    );
    assert_eq!(
        hers.limits,
        Limits {
            daily: None,
            weekly: Some(4)
        }
    );
    assert_eq!(hers.pools, [("Screening".to_owned(), Qualified, false)]);
    assert_eq!(
        (hers.due_scorecards, hers.on_time, hers.not_submitted),
        (4, 1, 1)
    );
    assert_eq!(hers.on_time_rate, Some(0.25));
    assert_eq!(hers.median_hours_late, Some(4.0));
    let his = &load[2];
    assert_eq!(
        (
            his.interviews_this_week,
            his.interviews_last_four_weeks,
            his.due_scorecards,
            his.on_time,
            his.not_submitted
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!((his.on_time_rate, his.median_hours_late), (None, None));
    assert!(his.pools.is_empty());

    // An interviewer sees only their own row.
    let own = panel::interviewer_load(&db.db, alice).await.expect("own");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].user.id, alice.user_id);
    assert_eq!(own[0].on_time_rate, Some(0.25));
}

// 10. Statements -----------------------------------------------------------

/// An organization with `candidates` published plans (a past and a coming
/// round each), as many more pool members, and a draft round to suggest a
/// panel for.
async fn busy_organization(db: &TestDb, name: &str, candidates: i64) -> (World, Uuid) {
    let w = World::new(db, name).await;
    let pool = pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 2, 1),
        &[
            (&w.alice, Qualified),
            (&w.bob, Qualified),
            (&w.manager, TraineeShadow),
        ],
    )
    .await;
    for i in 0..candidates {
        let extra = person(db, &w, &format!("interviewer{i}")).await;
        panel::add_member(&db.db, &w.manager, pool, extra.user_id, Qualified)
            .await
            .expect("add member");
        let (_, rounds) = plan_of(
            db,
            &w,
            &format!("Candidate {i}"),
            vec![
                screen(
                    "Past",
                    Some(hours_ago(72 + 2 * i)),
                    &[&w.alice, &w.bob, &extra],
                ),
                screen("Next", Some(next_week(1, 8 * 60 + 120 * i)), &[&w.alice]),
            ],
            true,
        )
        .await;
        submit(db, &w.bob, rounds[0].id).await;
    }
    let (_, rounds) = plan_of(
        db,
        &w,
        "Target",
        vec![screen("Screen", Some(next_week(2, 10 * 60)), &[])],
        false,
    )
    .await;
    (w, rounds[0].id)
}

/// Statements run by suggest_panel, overdue (with its count) and interviewer_load.
async fn panel_statements(db: &TestDb, w: &World, round_id: Uuid) -> [usize; 3] {
    let mut conn = domain::db::connect(&db.url, 2).await.expect("connect");
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    conn.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    counter.store(0, Ordering::SeqCst);
    let suggested = panel::suggest_panel(&conn, &w.manager, round_id, 3, true)
        .await
        .expect("suggest");
    let suggest = counter.swap(0, Ordering::SeqCst);
    assert_eq!(suggested.suggestions.len(), 4);
    let page = panel::overdue(&conn, &w.manager, OverdueFilter::default(), 20, None, true)
        .await
        .expect("overdue");
    let overdue = counter.swap(0, Ordering::SeqCst);
    assert!(page.total_count > 0);
    panel::interviewer_load(&conn, &w.manager)
        .await
        .expect("load");
    let load = counter.swap(0, Ordering::SeqCst);
    conn.close().await.ok();
    [suggest, overdue, load]
}

async fn panel_readers_run_the_same_statements_for_a_small_and_a_large_organization(db: &TestDb) {
    let (small, small_round) = busy_organization(db, "small", 2).await;
    let (large, large_round) = busy_organization(db, "large", 12).await;
    let small_counts = panel_statements(db, &small, small_round).await;
    let large_counts = panel_statements(db, &large, large_round).await;
    assert_eq!(small_counts, large_counts);
    // suggest: round, plan, focus, pools (pools, competencies, approvers),
    // members, organization, users, bookings; overdue: organization, count,
    // page; load: organization, people, bookings, pools (3), members,
    // punctuality.
    assert_eq!(small_counts, [10, 3, 8]);
}

/// Two rounds of one trainee submitted at the same time each count: the
/// progress is added in the database, not read and written back.
/// Two plans booking the same interviewer at the same time, published at
/// once: the panel checks run inside the write, so exactly one publishes
/// and the other is refused for the overlap, in every pair.
async fn concurrent_publishes_cannot_double_book_an_interviewer(db: &TestDb) {
    let w = World::new(db, "acme").await;
    for day in 0..5 {
        let at = next_week(day, 10 * 60);
        let (first, _) = plan_of(
            db,
            &w,
            &format!("Ada {day}"),
            vec![screen("First", Some(at), &[&w.alice])],
            false,
        )
        .await;
        let (second, _) = plan_of(
            db,
            &w,
            &format!("Grace {day}"),
            vec![screen(
                "Second",
                Some(at + Duration::minutes(30)),
                &[&w.alice],
            )],
            false,
        )
        .await;
        let (a, b) = futures_util::future::join(
            plan::publish(&db.db, &w.manager, first.id),
            plan::publish(&db.db, &w.manager, second.id),
        )
        .await;
        let refused = match (a, b) {
            (Ok(_), Err(err)) | (Err(err), Ok(_)) => err,
            (a, b) => panic!("day {day}: exactly one publish must hold: {a:?} / {b:?}"),
        };
        let Error::Invalid(found) = refused else {
            panic!("day {day}: refused for the overlap, not {refused:?}");
        };
        assert!(
            found
                .iter()
                .any(|p| p.message.contains("alice is booked into round")
                    && p.message.contains("overlapping times")),
            "day {day}: {found:?}"
        );
    }
}

async fn concurrent_submits_of_one_trainee_both_count(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let carol = person(db, &w, "carol").await;
    let screening = pool_with(
        db,
        &w,
        pool_input("Screening", &[TechnicalScreen], 20, 1),
        &[(&w.alice, Qualified), (&carol, TraineeShadow)],
    )
    .await;
    let shadowed = |title: &str| {
        round_at(
            title,
            TechnicalScreen,
            None,
            &[&w.alice],
            vec![seat(&carol, Shadow)],
        )
    };
    let titles: Vec<String> = (0..6).map(|i| format!("Screen {i}")).collect();
    let (_, rounds) = plan_of(
        db,
        &w,
        "Ada",
        titles.iter().map(|t| shadowed(t)).collect(),
        true,
    )
    .await;
    let submits = rounds.iter().map(|r| submit(db, &carol, r.id));
    futures_util::future::join_all(submits).await;
    assert_eq!(
        progress(db, &w, screening, &carol).await,
        (TraineeShadow, 6, 0),
        "every concurrent submission counted once"
    );
}

both_databases!(
    concurrent_publishes_cannot_double_book_an_interviewer,
    concurrent_submits_of_one_trainee_both_count,
    pools_and_members_are_managed_by_admins_and_hiring_managers,
    trainees_count_their_interviews_and_graduate,
    trainee_seats_need_the_matching_trainee_level,
    trainee_scorecards_never_count_in_reports,
    interview_limits_refuse_an_assignment_unless_overridden,
    publishing_reports_every_panel_problem_together,
    publishing_refuses_overlapping_rounds_of_the_same_plan,
    suggestions_leave_out_who_cannot_sit_and_rank_by_load,
    overdue_lists_past_due_assignments_without_a_submitted_scorecard,
    interviewer_load_counts_interviews_and_punctuality,
    panel_readers_run_the_same_statements_for_a_small_and_a_large_organization,
);
