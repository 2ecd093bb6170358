//! Dashboard reports (docs/domain.md §4): every figure compared with a value worked
//! out by hand on a small fixed data set, to 1e-9, on both databases; plus
//! empty and single-value cases and the number of statements each report
//! runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use domain::entity::{candidate_stage_change, interview_plan, round, scorecard as card};
use domain::page::PageRequest;
use domain::question::QuestionFilter;
use domain::report::{self, InterviewerCall, MeanRating, StageCount};
use domain::scorecard::{self, CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use domain::types::{PlanStatus, Recommendation, Role, RoundKind, Stage};
use domain::user::{self, NewUser};
use domain::{Actor, Error, plan};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{PASSWORD, World};

const EPS: f64 = 1e-9;

fn assert_close(actual: Option<f64>, expected: Option<f64>, what: &str) {
    match (actual, expected) {
        (Some(a), Some(e)) => assert!((a - e).abs() < EPS, "{what}: got {a}, expected {e}"),
        (a, e) => assert_eq!(a, e, "{what}"),
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("timestamp")
        .with_timezone(&Utc)
}

/// A fixed data set: three interviewers rate three candidates.
struct Panel {
    w: World,
    carol: Actor,
    /// Questions a–e: a, c, d in category 0; b, e in category 1. Question c
    /// moves to category 1 after the plans pinned it.
    q: [Uuid; 5],
    categories: [Uuid; 2],
    competencies: [Uuid; 2],
    grace: Uuid,
    linus: Uuid,
    ada: Uuid,
    /// R1, R2 (Grace), R3 (Linus), R4 (Ada), and Grace's draft round.
    rounds: [round::Model; 5],
}

struct RoundSpec<'a> {
    title: &'a str,
    kind: RoundKind,
    interviewers: Vec<Uuid>,
    questions: Vec<Uuid>,
    competencies: Vec<Uuid>,
}

/// A plan for `candidate` with `rounds`, published when `publish` is set.
async fn plan_with(
    db: &TestDb,
    w: &World,
    candidate: Uuid,
    rounds: Vec<RoundSpec<'_>>,
    publish: bool,
) -> (interview_plan::Model, Vec<round::Model>) {
    let created = plan::create(
        &db.db,
        &w.manager,
        plan::PlanInput {
            candidate_id: candidate,
            title: "Loop".into(),
            focus_competency_ids: vec![],
        },
    )
    .await
    .expect("create plan");
    let mut made = Vec::new();
    for spec in rounds {
        let round = plan::add_round(
            &db.db,
            &w.manager,
            created.id,
            plan::RoundInput {
                kind: spec.kind,
                title: spec.title.into(),
                duration_minutes: 60,
                scheduled_at: None,
                interviewer_ids: spec.interviewers,
                focus_competency_ids: spec.competencies,
                trainees: vec![],
                feedback_due_at: None,
                override_limits: false,
            },
        )
        .await
        .expect("add round");
        for question in spec.questions {
            plan::add_question(&db.db, &w.manager, round.id, question, Some(10))
                .await
                .expect("add question");
        }
        made.push(round);
    }
    if publish {
        plan::publish(&db.db, &w.manager, created.id)
            .await
            .expect("publish");
    }
    (created, made)
}

fn card_input(
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

async fn submit(db: &TestDb, who: &Actor, round: &round::Model, input: ScorecardInput, when: &str) {
    scorecard::submit(&db.db, who, round.id, input)
        .await
        .expect("submit");
    card::Entity::update_many()
        .col_expr(card::Column::SubmittedAt, Expr::value(at(when)))
        .filter(card::Column::RoundId.eq(round.id))
        .filter(card::Column::InterviewerId.eq(who.user_id))
        .exec(&db.db)
        .await
        .expect("set submitted_at");
    rollups_follow_direct_writes(db).await;
}

/// The fixed times are written around the services, so the maintained
/// report rollups are recomputed from the rows, as after any such write.
async fn rollups_follow_direct_writes(db: &TestDb) {
    domain::rollup::rebuild_all(&db.db)
        .await
        .expect("rebuild rollups");
}

async fn schedule(db: &TestDb, round: &round::Model, when: &str) {
    round::Entity::update_many()
        .col_expr(round::Column::ScheduledAt, Expr::value(at(when)))
        .filter(round::Column::Id.eq(round.id))
        .exec(&db.db)
        .await
        .expect("set scheduled_at");
    rollups_follow_direct_writes(db).await;
}

async fn move_through(db: &TestDb, w: &World, candidate: Uuid, stages: &[Stage]) {
    for &stage in stages {
        domain::candidate::move_stage(&db.db, &w.manager, candidate, stage)
            .await
            .expect("move stage");
    }
}

async fn interviewer(db: &TestDb, w: &World, name: &str) -> Actor {
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

/// Builds the panel data set; the ratings, times and stages are the ones
/// the expected figures below are computed from.
async fn panel(db: &TestDb) -> Panel {
    let w = World::new(db, "acme").await;
    let carol = interviewer(db, &w, "carol").await;
    let cats = w.categories(db).await;
    let comps = w.competencies(db).await;
    let categories = [cats[0].id, cats[1].id];
    let competencies = [comps[0].id, comps[1].id];
    let mut q = [Uuid::nil(); 5];
    for (i, (letter, category)) in [(0, 0), (1, 1), (2, 0), (3, 0), (4, 1)]
        .into_iter()
        .map(|(i, c)| ((b'a' + i) as char, c))
        .enumerate()
    {
        let mut input = w
            .question_input(db, &format!("Report question {letter}: explain it."))
            .await;
        input.category_id = categories[category];
        q[i] = domain::question::create(&db.db, &w.manager, input)
            .await
            .expect("create question")
            .id;
    }
    let grace = w.candidate(db, "Grace").await.id;
    let linus = w.candidate(db, "Linus").await.id;
    let ada = w.candidate(db, "Ada").await.id;
    let (alice, bob) = (w.alice, w.bob);
    let spec = |title, kind, interviewers: &[Uuid], questions: &[Uuid], comps: &[Uuid]| RoundSpec {
        title,
        kind,
        interviewers: interviewers.to_vec(),
        questions: questions.to_vec(),
        competencies: comps.to_vec(),
    };
    let (_, grace_rounds) = plan_with(
        db,
        &w,
        grace,
        vec![
            spec(
                "Technical screen",
                RoundKind::TechnicalScreen,
                &[alice.user_id, bob.user_id],
                &[q[0], q[1]],
                &[competencies[1]],
            ),
            spec(
                "System design",
                RoundKind::SystemDesign,
                &[bob.user_id],
                &[q[2]],
                &[competencies[0]],
            ),
        ],
        true,
    )
    .await;
    // A cancelled plan: its round is left out of every figure.
    let (cancelled, _) = plan_with(
        db,
        &w,
        grace,
        vec![spec(
            "Old screen",
            RoundKind::RecruiterScreen,
            &[alice.user_id],
            &[],
            &[],
        )],
        false,
    )
    .await;
    interview_plan::Entity::update_many()
        .col_expr(
            interview_plan::Column::Status,
            Expr::value(PlanStatus::Cancelled.as_str()),
        )
        .filter(interview_plan::Column::Id.eq(cancelled.id))
        .exec(&db.db)
        .await
        .expect("cancel plan");
    // A draft plan: listed, but it does not hold the decision back.
    let (_, draft_rounds) = plan_with(
        db,
        &w,
        grace,
        vec![spec(
            "Take-home review",
            RoundKind::TakeHome,
            &[alice.user_id],
            &[],
            &[],
        )],
        false,
    )
    .await;
    let (_, linus_rounds) = plan_with(
        db,
        &w,
        linus,
        vec![spec(
            "Live coding",
            RoundKind::LiveCoding,
            &[alice.user_id, bob.user_id],
            &[q[0], q[2]],
            &[],
        )],
        true,
    )
    .await;
    let (_, ada_rounds) = plan_with(
        db,
        &w,
        ada,
        vec![spec(
            "Behavioral",
            RoundKind::Behavioral,
            &[carol.user_id],
            &[q[1], q[4]],
            &[],
        )],
        true,
    )
    .await;
    let rounds = [
        grace_rounds[0].clone(),
        grace_rounds[1].clone(),
        linus_rounds[0].clone(),
        ada_rounds[0].clone(),
        draft_rounds[0].clone(),
    ];
    schedule(db, &rounds[0], "2026-03-02T10:00:00Z").await;
    schedule(db, &rounds[1], "2026-03-03T10:00:00Z").await;
    schedule(db, &rounds[2], "2026-03-04T09:00:00Z").await;
    // R4 stays unscheduled: Carol has no time-to-submit figure.

    use Recommendation::*;
    let (c0, c1) = (competencies[0], competencies[1]);
    submit(
        db,
        &alice,
        &rounds[0],
        card_input(&[(q[0], 4), (q[1], 3)], &[(c1, 4)], StrongYes),
        "2026-03-02T12:30:00.500Z",
    )
    .await;
    submit(
        db,
        &bob,
        &rounds[0],
        card_input(&[(q[0], 2), (q[1], 2)], &[(c1, 3)], No),
        "2026-03-02T11:00:00Z",
    )
    .await;
    submit(
        db,
        &bob,
        &rounds[1],
        card_input(&[(q[2], 4)], &[(c0, 1)], Yes),
        "2026-03-03T16:00:00Z",
    )
    .await;
    submit(
        db,
        &alice,
        &rounds[2],
        card_input(&[(q[0], 1), (q[2], 3)], &[], StrongNo),
        "2026-03-05T09:00:00Z",
    )
    .await;
    submit(
        db,
        &carol,
        &rounds[3],
        card_input(&[(q[1], 3), (q[4], 4)], &[], Yes),
        "2026-03-06T10:00:00Z",
    )
    .await;
    // A draft never counts.
    scorecard::save_draft(
        &db.db,
        &bob,
        rounds[2].id,
        card_input(&[(q[0], 4), (q[2], 4)], &[], StrongYes),
    )
    .await
    .expect("bob drafts");

    // Editing question c after it was pinned: reports keep the pinned category.
    let mut moved = w.question_input(db, "Report question c: explain it.").await;
    moved.category_id = categories[1];
    domain::question::update(&db.db, &w.manager, q[2], 1, moved)
        .await
        .expect("move question c");

    use Stage::*;
    move_through(db, &w, grace, &[Screening, Interviewing, Offer, Hired]).await;
    move_through(db, &w, linus, &[Screening, Rejected]).await;
    move_through(db, &w, ada, &[Screening, Interviewing]).await;
    Panel {
        w,
        carol,
        q,
        categories,
        competencies,
        grace,
        linus,
        ada,
        rounds,
    }
}

fn call(who: &Actor, recommendation: Option<Recommendation>) -> InterviewerCall {
    InterviewerCall {
        user_id: who.user_id,
        recommendation,
        submitted: recommendation.is_some(),
    }
}

async fn the_candidate_report_lists_each_call_and_the_panels_figures(db: &TestDb) {
    let p = panel(db).await;
    let (alice, bob) = (&p.w.alice, &p.w.bob);
    let report = report::candidate_report(&db.db, &p.w.viewer, p.grace)
        .await
        .expect("report");
    assert_eq!(report.candidate.id, p.grace);

    // Main plan R1, R2, then the draft plan's round; the cancelled plan is left out.
    let ids: Vec<Uuid> = report.rounds.iter().map(|r| r.round_id).collect();
    assert_eq!(ids, [p.rounds[0].id, p.rounds[1].id, p.rounds[4].id]);
    let [r1, r2, draft] = &report.rounds[..] else {
        unreachable!()
    };
    assert_eq!(
        (r1.title.as_str(), r1.kind),
        ("Technical screen", RoundKind::TechnicalScreen)
    );
    assert_eq!(r1.scheduled_at, Some(at("2026-03-02T10:00:00Z")));
    assert_eq!(
        r1.interviewers,
        [
            call(alice, Some(Recommendation::StrongYes)),
            call(bob, Some(Recommendation::No))
        ]
    );
    // STRONG_YES (4) − NO (2)
    assert_eq!(r1.spread, Some(2));
    assert_eq!(
        (r2.kind, r2.plan_status),
        (RoundKind::SystemDesign, PlanStatus::Published)
    );
    assert_eq!(r2.interviewers, [call(bob, Some(Recommendation::Yes))]);
    // One scorecard: YES (3) − YES (3)
    assert_eq!(r2.spread, Some(0));
    assert_eq!(draft.plan_status, PlanStatus::Draft);
    assert_eq!(draft.interviewers, [call(alice, None)]);
    assert_eq!(draft.spread, None);

    // Category 0: a rated 4 and 2, c rated 4 (pinned to category 0) → 10/3.
    // Category 1: b rated 3 and 2 → 5/2.
    assert_eq!(report.categories.len(), 2);
    for (got, (id, mean, n)) in report
        .categories
        .iter()
        .zip([(p.categories[0], 10.0 / 3.0, 3), (p.categories[1], 2.5, 2)])
    {
        assert_eq!((got.id, got.ratings), (id, n));
        assert_close(Some(got.mean), Some(mean), "category mean");
    }
    // Competency 0: bob's 1 on R2. Competency 1: 4 and 3 on R1 → 3.5.
    assert_eq!(
        report.competencies,
        [
            MeanRating {
                id: p.competencies[0],
                mean: 1.0,
                ratings: 1
            },
            MeanRating {
                id: p.competencies[1],
                mean: 3.5,
                ratings: 2
            },
        ]
    );
    // Scores 4, 2, 3: mean 3, mean of squares 29/3, variance 29/3 − 9 = 2/3.
    assert_eq!(report.submitted_scorecards, 3);
    assert_close(
        report.agreement,
        Some(0.816496580927726),
        "agreement = √(2/3)",
    );
    // Every interviewer of R1 and R2 submitted; the draft plan does not count.
    assert!(report.decision_ready);
}

async fn a_missing_scorecard_holds_the_decision_and_drafts_do_not_count(db: &TestDb) {
    let p = panel(db).await;
    let report = report::candidate_report(&db.db, &p.w.manager, p.linus)
        .await
        .expect("report");
    let [r3] = &report.rounds[..] else {
        panic!("one round expected: {:?}", report.rounds)
    };
    // Bob only saved a draft (STRONG_YES): not shown, not counted.
    assert_eq!(
        r3.interviewers,
        [
            call(&p.w.alice, Some(Recommendation::StrongNo)),
            call(&p.w.bob, None)
        ]
    );
    assert_eq!(r3.spread, Some(0));
    assert!(!report.decision_ready);
    assert_eq!(report.submitted_scorecards, 1);
    // One score: variance 0.
    assert_close(report.agreement, Some(0.0), "agreement of one scorecard");
    // a rated 1, c rated 3, both pinned to category 0 → 2.
    assert_eq!(
        report.categories,
        [MeanRating {
            id: p.categories[0],
            mean: 2.0,
            ratings: 2
        }]
    );
    assert!(report.competencies.is_empty());
}

async fn a_candidate_without_plans_has_an_empty_report(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let fresh = w.candidate(db, "Barbara").await;
    let report = report::candidate_report(&db.db, &w.viewer, fresh.id)
        .await
        .expect("report");
    assert!(report.rounds.is_empty());
    assert!(report.categories.is_empty() && report.competencies.is_empty());
    assert_eq!(report.submitted_scorecards, 0);
    assert_eq!(report.agreement, None);
    // No rounds: nothing to decide on yet.
    assert!(!report.decision_ready);
}

async fn the_candidate_report_of_another_organization_is_not_found(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let other = World::new(db, "globex").await;
    let theirs = other.candidate(db, "Edsger").await;
    for id in [theirs.id, Uuid::now_v7()] {
        let result = report::candidate_report(&db.db, &w.viewer, id).await;
        assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}");
    }
}

async fn an_interviewer_reads_a_candidate_report_only_after_submitting_for_them(db: &TestDb) {
    let p = panel(db).await;
    // Alice submitted for Grace, not for Ada; Carol submitted for Ada.
    report::candidate_report(&db.db, &p.w.alice, p.grace)
        .await
        .expect("alice reads grace");
    report::candidate_report(&db.db, &p.carol, p.ada)
        .await
        .expect("carol reads ada");
    let blind = report::candidate_report(&db.db, &p.w.alice, p.ada).await;
    assert!(matches!(blind, Err(Error::Forbidden { .. })), "{blind:?}");
}

/// The blind rule holds in every report: the reports that sum up ratings
/// across candidates answer only the roles that read every scorecard.
async fn interviewers_cannot_learn_colleagues_ratings_through_aggregate_reports(db: &TestDb) {
    let p = panel(db).await;
    // Alice has not submitted for Ada, whose panel rated the report
    // questions; with the stats she would learn Carol's ratings.
    let filter = QuestionFilter {
        search: Some("report question".into()),
        ..Default::default()
    };
    let page = PageRequest {
        first: 10,
        after: None,
        count: true,
    };
    for interviewer in [&p.w.alice, &p.carol] {
        let stats = report::question_stats(&db.db, interviewer, &filter, page).await;
        assert!(matches!(stats, Err(Error::Forbidden { .. })), "{stats:?}");
        let calibration = report::interviewer_calibration(&db.db, interviewer).await;
        assert!(
            matches!(calibration, Err(Error::Forbidden { .. })),
            "{calibration:?}"
        );
    }
    for reader in [&p.w.viewer, &p.w.manager, &p.w.admin] {
        report::question_stats(&db.db, reader, &filter, page)
            .await
            .expect("readers of every scorecard get the stats");
        report::interviewer_calibration(&db.db, reader)
            .await
            .expect("and the calibration");
    }
    // The pipeline has no ratings: everyone reads it.
    report::pipeline(&db.db, &p.w.alice)
        .await
        .expect("interviewers read the pipeline");
}

async fn question_stats_give_times_asked_spread_and_discrimination(db: &TestDb) {
    let p = panel(db).await;
    let filter = QuestionFilter {
        search: Some("report question".into()),
        ..Default::default()
    };
    let page = report::question_stats(
        &db.db,
        &p.w.viewer,
        &filter,
        PageRequest {
            first: 10,
            after: None,
            count: true,
        },
    )
    .await
    .expect("stats");
    assert_eq!(page.total_count, 5);
    assert!(!page.has_next_page);
    let ids: Vec<Uuid> = page.items.iter().map(|s| s.question.id).collect();
    assert_eq!(ids, p.q);
    // (times asked, mean, std dev, discrimination, last asked)
    let expected = [
        // a: 4, 2 (Grace, hired), 1 (Linus, rejected). Mean 7/3; Σx² = 21,
        // variance (3·21 − 7²)/3² = 14/9; hired 3 − rejected 1 = 2.
        (
            3,
            Some(2.3333333333333335),
            Some(1.247219128924647),
            Some(2.0),
            Some("2026-03-05T09:00:00Z"),
        ),
        // b: 3, 2 (Grace), 3 (Ada, interviewing). Mean 8/3; Σx² = 22,
        // variance (66 − 64)/9 = 2/9; nobody rejected was asked b.
        (
            3,
            Some(2.6666666666666665),
            Some(0.4714045207910317),
            None,
            Some("2026-03-06T10:00:00Z"),
        ),
        // c: 4 (Grace), 3 (Linus). Mean 3.5; variance (2·25 − 49)/4 = 1/4;
        // hired 4 − rejected 3 = 1. Bob's draft 4 is ignored.
        (
            2,
            Some(3.5),
            Some(0.5),
            Some(1.0),
            Some("2026-03-05T09:00:00Z"),
        ),
        // d: never asked.
        (0, None, None, None, None),
        // e: one rating, 4 (Ada): standard deviation 0.
        (1, Some(4.0), Some(0.0), None, Some("2026-03-06T10:00:00Z")),
    ];
    for (stats, (times, mean, sd, disc, last)) in page.items.iter().zip(expected) {
        let what = &stats.question.prompt;
        assert_eq!(stats.times_asked, times, "{what}");
        assert_close(stats.mean_rating, mean, what);
        assert_close(stats.std_dev, sd, what);
        assert_close(stats.discrimination, disc, what);
        assert_eq!(stats.last_asked_at, last.map(at), "{what}");
    }

    // Same cursors as `questions`: two per page.
    let first = report::question_stats(
        &db.db,
        &p.w.viewer,
        &filter,
        PageRequest {
            first: 2,
            after: None,
            count: true,
        },
    )
    .await
    .expect("first page");
    assert!(first.has_next_page);
    let second = report::question_stats(
        &db.db,
        &p.w.viewer,
        &filter,
        PageRequest {
            first: 2,
            after: Some(p.q[1]),
            count: true,
        },
    )
    .await
    .expect("second page");
    let ids: Vec<Uuid> = second.items.iter().map(|s| s.question.id).collect();
    assert_eq!(ids, [p.q[2], p.q[3]]);
    assert_eq!(second.items[0].times_asked, 2);
}

async fn interviewer_calibration_compares_each_interviewer_with_the_others(db: &TestDb) {
    let p = panel(db).await;
    let rows = report::interviewer_calibration(&db.db, &p.w.viewer)
        .await
        .expect("calibration");
    let users: Vec<Uuid> = rows.iter().map(|r| r.user_id).collect();
    assert_eq!(users, [p.w.alice.user_id, p.w.bob.user_id, p.carol.user_id]);
    // Means: alice (4+3+1+3)/4 = 11/4, bob (2+2+4)/3 = 8/3 (draft ignored),
    // carol (3+4)/2 = 7/2. Mean of means 107/36; deviations −8/36, −11/36,
    // 19/36; population variance (64+121+361)/1296/3 = 182/1296, so the
    // standard deviation is √182/36 and the z-scores are −8/√182, −11/√182,
    // 19/√182.
    // Hours to submit: alice 2.5 h + 0.5 s (R1) and 24 h (R3), median
    // (9000.5 s + 86400 s)/2 = 13.25006944… h; bob 1 h and 6 h → 3.5;
    // carol's round has no scheduled start.
    let expected = [
        (2, 2.75, -0.5929994533288809, Some(13.250069444444444)),
        (2, 2.6666666666666665, -0.8153742483272113, Some(3.5)),
        (1, 3.5, 1.4083737016560922, None),
    ];
    for (row, (cards, mean, z, hours)) in rows.iter().zip(expected) {
        assert_eq!(row.scorecards_submitted, cards);
        assert_close(row.mean_rating, Some(mean), "mean rating");
        assert_close(row.leniency, Some(z), "leniency");
        assert_close(row.median_hours_to_submit, hours, "median hours");
    }
}

async fn leniency_needs_two_interviewers_with_different_means(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let (one, two) = (&draft.rounds[0], &draft.rounds[1]);
    schedule(db, one, "2026-03-02T10:00:00Z").await;
    let input = card_input(
        &[(draft.questions[0].id, 3), (draft.questions[1].id, 3)],
        &[(draft.competency.id, 2)],
        Recommendation::Yes,
    );
    submit(db, &w.alice, one, input, "2026-03-02T10:45:00Z").await;
    let rows = report::interviewer_calibration(&db.db, &w.viewer)
        .await
        .expect("calibration");
    assert_eq!(rows.len(), 1);
    // One interviewer: nobody to compare with. One scorecard 45 min late.
    assert_eq!((rows[0].scorecards_submitted, rows[0].leniency), (1, None));
    assert_close(rows[0].mean_rating, Some(3.0), "alice's mean");
    assert_close(rows[0].median_hours_to_submit, Some(0.75), "45 minutes");

    let input = card_input(&[(draft.questions[2].id, 3)], &[], Recommendation::Yes);
    submit(db, &w.bob, two, input, "2026-03-02T12:00:00Z").await;
    let rows = report::interviewer_calibration(&db.db, &w.viewer)
        .await
        .expect("calibration");
    // Both means are 3: standard deviation 0, no z-score.
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.leniency.is_none()), "{rows:?}");
    assert_eq!(rows[1].median_hours_to_submit, None);
}

async fn the_pipeline_counts_candidates_and_median_days_per_stage(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let other = World::new(db, "globex").await;
    other.candidate(db, "Not ours").await;
    let add = async |name: &str, position: &str| {
        domain::candidate::create(
            &db.db,
            &w.manager,
            domain::candidate::CandidateInput {
                name: name.into(),
                email: format!("{}@candidates.example.com", name.to_lowercase()),
                position_title: position.into(),
                target_level: domain::types::Level::Mid,
            },
        )
        .await
        .expect("create candidate")
        .id
    };
    use Stage::*;
    let history: [(&str, &str, &[Stage], &[&str]); 4] = [
        (
            "a",
            "Backend Engineer",
            &[Screening, Interviewing, Offer, Hired],
            &[
                "2026-03-01T00:00:00Z",
                "2026-03-03T00:00:00Z",
                "2026-03-04T12:00:00Z",
                "2026-03-11T12:00:00Z",
                "2026-03-12T18:00:00Z",
            ],
        ),
        (
            "b",
            "Backend Engineer",
            &[Screening, Rejected],
            &[
                "2026-03-01T00:00:00Z",
                "2026-03-02T00:00:00Z",
                "2026-03-06T06:00:00.500Z",
            ],
        ),
        (
            "c",
            "Data Engineer",
            &[Screening],
            &["2026-03-02T00:00:00Z", "2026-03-07T00:00:00Z"],
        ),
        ("d", "Data Engineer", &[], &["2026-03-05T00:00:00Z"]),
    ];
    for (name, position, stages, times) in history {
        let id = add(name, position).await;
        move_through(db, &w, id, stages).await;
        let changes = domain::candidate::stage_history(&db.db, &w.manager, id)
            .await
            .expect("history");
        assert_eq!(changes.len(), times.len());
        for (change, when) in changes.iter().zip(times) {
            candidate_stage_change::Entity::update_many()
                .col_expr(
                    candidate_stage_change::Column::ChangedAt,
                    Expr::value(at(when)),
                )
                .filter(candidate_stage_change::Column::Id.eq(change.id))
                .exec(&db.db)
                .await
                .expect("set changed_at");
        }
    }
    rollups_follow_direct_writes(db).await;

    let report = report::pipeline(&db.db, &w.viewer).await.expect("pipeline");
    assert_eq!(report.total_candidates, 4);
    // Completed stays in days:
    //   APPLIED      a 2, b 1, c 5          → median 2
    //   SCREENING    a 1.5, b 4.25 + 0.5 s  → (1.5 + 4.250005787…)/2 = 2.875002893…
    //   INTERVIEWING a 7                    → 7
    //   OFFER        a 1.25 (12:00 → 18:00 next day)
    //   closed stages and the stays still running (c screening, d applied) add nothing.
    let expected = [
        (Applied, 1, Some(2.0), 3),
        (Screening, 1, Some(2.8750028935185186), 2),
        (Interviewing, 0, Some(7.0), 1),
        (Offer, 0, Some(1.25), 1),
        (Hired, 1, None, 0),
        (Rejected, 1, None, 0),
        (Withdrawn, 0, None, 0),
    ];
    assert_eq!(report.stages.len(), expected.len());
    for (got, (stage, candidates, median, stays)) in report.stages.iter().zip(expected) {
        assert_eq!(
            (got.stage, got.candidates, got.completed_stays),
            (stage, candidates, stays)
        );
        assert_close(got.median_days, median, stage.as_str());
    }
    let counts = |pairs: &[(Stage, u64)]| -> Vec<StageCount> {
        Stage::ALL
            .iter()
            .map(|&stage| StageCount {
                stage,
                candidates: pairs.iter().find(|p| p.0 == stage).map_or(0, |p| p.1),
            })
            .collect()
    };
    let positions: Vec<(&str, u64, Vec<StageCount>)> = report
        .positions
        .iter()
        .map(|p| (p.position_title.as_str(), p.candidates, p.stages.clone()))
        .collect();
    assert_eq!(
        positions,
        [
            ("Backend Engineer", 2, counts(&[(Hired, 1), (Rejected, 1)])),
            ("Data Engineer", 2, counts(&[(Applied, 1), (Screening, 1)])),
        ]
    );

    let theirs = report::pipeline(&db.db, &other.viewer)
        .await
        .expect("pipeline");
    assert_eq!(
        (theirs.total_candidates, theirs.stages[0].candidates),
        (1, 1)
    );
}

async fn an_organization_without_data_gets_zeros_and_nulls(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let pipeline = report::pipeline(&db.db, &w.viewer).await.expect("pipeline");
    assert_eq!(pipeline.total_candidates, 0);
    assert!(pipeline.positions.is_empty());
    assert_eq!(pipeline.stages.len(), 7);
    assert!(
        pipeline
            .stages
            .iter()
            .all(|s| s.candidates == 0 && s.median_days.is_none() && s.completed_stays == 0)
    );
    let calibration = report::interviewer_calibration(&db.db, &w.viewer)
        .await
        .expect("calibration");
    assert!(calibration.is_empty());
    let stats = report::question_stats(
        &db.db,
        &w.viewer,
        &QuestionFilter::default(),
        PageRequest {
            first: 3,
            after: None,
            count: true,
        },
    )
    .await
    .expect("stats");
    assert_eq!(stats.items.len(), 3);
    for s in &stats.items {
        assert_eq!((s.times_asked, s.mean_rating, s.std_dev), (0, None, None));
        assert_eq!((s.discrimination, s.last_asked_at), (None, None));
    }
    // A filter that matches nothing.
    let none = report::question_stats(
        &db.db,
        &w.viewer,
        &QuestionFilter {
            search: Some("no question says this".into()),
            ..Default::default()
        },
        PageRequest {
            first: 3,
            after: None,
            count: true,
        },
    )
    .await
    .expect("stats");
    assert_eq!((none.items.len(), none.total_count), (0, 0));
}

/// Adds `units` units of data: each gives the focus candidate one more
/// published plan (alice and bob rate two bank questions) and adds one more
/// candidate whom alice rates.
async fn grow(db: &TestDb, w: &World, focus: Uuid, from: usize, units: usize) {
    let bank = w.questions(db, 100).await;
    for u in from..from + units {
        let (a, b) = (bank[2 * u].id, bank[2 * u + 1].id);
        let spec = |interviewers: Vec<Uuid>| RoundSpec {
            title: "Round",
            kind: RoundKind::LiveCoding,
            interviewers,
            questions: vec![a, b],
            competencies: vec![],
        };
        let (_, rounds) = plan_with(
            db,
            w,
            focus,
            vec![spec(vec![w.alice.user_id, w.bob.user_id])],
            true,
        )
        .await;
        schedule(db, &rounds[0], "2026-03-02T10:00:00Z").await;
        for (who, rating) in [(&w.alice, 3), (&w.bob, 2)] {
            let input = card_input(&[(a, rating), (b, 4)], &[], Recommendation::Yes);
            submit(db, who, &rounds[0], input, "2026-03-02T12:00:00Z").await;
        }
        let other = w.candidate(db, &format!("Other {u}")).await.id;
        let (_, rounds) = plan_with(db, w, other, vec![spec(vec![w.alice.user_id])], true).await;
        submit(
            db,
            &w.alice,
            &rounds[0],
            card_input(&[(a, 1), (b, 2)], &[], Recommendation::No),
            "2026-03-03T12:00:00Z",
        )
        .await;
        move_through(db, w, other, &[Stage::Screening, Stage::Rejected]).await;
    }
}

/// Statements each report runs, counted on a connection of its own.
async fn statements_per_report(db: &TestDb, w: &World, focus: Uuid) -> [usize; 4] {
    let mut conn = domain::db::connect(&db.url, 2).await.expect("connect");
    let counter = Arc::new(AtomicUsize::new(0));
    let seen = counter.clone();
    conn.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let mut counts = [0; 4];
    let measure = |i: usize, counts: &mut [usize; 4]| {
        counts[i] = counter.swap(0, Ordering::SeqCst);
    };
    counter.store(0, Ordering::SeqCst);
    report::candidate_report(&conn, &w.viewer, focus)
        .await
        .expect("candidate report");
    measure(0, &mut counts);
    report::pipeline(&conn, &w.viewer).await.expect("pipeline");
    measure(1, &mut counts);
    let page = PageRequest {
        first: 100,
        after: None,
        count: true,
    };
    report::question_stats(&conn, &w.viewer, &QuestionFilter::default(), page)
        .await
        .expect("question stats");
    measure(2, &mut counts);
    report::interviewer_calibration(&conn, &w.viewer)
        .await
        .expect("calibration");
    measure(3, &mut counts);
    conn.close().await.ok();
    counts
}

async fn each_report_runs_the_same_statements_whatever_the_data_size(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let focus = w.candidate(db, "Focus").await.id;
    grow(db, &w, focus, 0, 1).await;
    let small = statements_per_report(db, &w, focus).await;
    grow(db, &w, focus, 1, 2).await;
    let large = statements_per_report(db, &w, focus).await;
    // candidate report 1 (the candidate, its rounds and the means in one
    // statement), pipeline 2, question stats 3 (count, page, stats),
    // calibration 1 (one row per interviewer from the rollups).
    assert_eq!(small, [1, 2, 3, 1]);
    assert_eq!(large, small, "three times the data, same statements");
}

both_databases!(
    the_candidate_report_lists_each_call_and_the_panels_figures,
    a_missing_scorecard_holds_the_decision_and_drafts_do_not_count,
    a_candidate_without_plans_has_an_empty_report,
    the_candidate_report_of_another_organization_is_not_found,
    an_interviewer_reads_a_candidate_report_only_after_submitting_for_them,
    interviewers_cannot_learn_colleagues_ratings_through_aggregate_reports,
    question_stats_give_times_asked_spread_and_discrimination,
    interviewer_calibration_compares_each_interviewer_with_the_others,
    leniency_needs_two_interviewers_with_different_means,
    the_pipeline_counts_candidates_and_median_days_per_stage,
    an_organization_without_data_gets_zeros_and_nulls,
    each_report_runs_the_same_statements_whatever_the_data_size,
);
