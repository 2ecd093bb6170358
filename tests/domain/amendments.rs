//! Amending submitted scorecards (docs/domain.md §2): a submitted scorecard
//! never changes in place; an amendment keeps what it replaces as a revision.

use domain::entity::{interview_plan, scorecard as card};
use domain::scorecard::{
    self, CompetencyRatingInput, QuestionRatingInput, RevisedCompetencyRating, ScorecardInput,
};
use domain::types::{PlanStatus, Recommendation, ScorecardStatus};
use domain::{Error, plan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{DraftPlan, World, problem_fields};

/// A complete scorecard for round one of the draft plan, rating every
/// question `rating`.
fn round_one(draft: &DraftPlan, rating: i64, recommendation: Recommendation) -> ScorecardInput {
    ScorecardInput {
        question_ratings: draft.questions[0..2]
            .iter()
            .map(|q| QuestionRatingInput {
                question_id: q.id,
                rating,
                notes: format!("Rated {rating}."),
            })
            .collect(),
        competency_ratings: vec![CompetencyRatingInput {
            competency_id: draft.competency.id,
            rating,
        }],
        recommendation: Some(recommendation),
        summary: format!("Summary at {rating}."),
    }
}

/// A complete scorecard for round two (one question, no focus competency).
fn round_two(draft: &DraftPlan) -> ScorecardInput {
    ScorecardInput {
        question_ratings: vec![QuestionRatingInput {
            question_id: draft.questions[2].id,
            rating: 3,
            notes: String::new(),
        }],
        competency_ratings: vec![],
        recommendation: Some(Recommendation::Yes),
        summary: "Designs carefully.".into(),
    }
}

/// A published plan on which Alice has submitted round one at rating 3, and
/// that scorecard as stored.
async fn submitted(db: &TestDb, w: &World) -> (DraftPlan, card::Model) {
    let draft = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    let submitted = scorecard::submit(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        round_one(&draft, 3, Recommendation::Yes),
    )
    .await
    .expect("alice submits");
    // Re-read, so timestamps compare at the database's precision.
    let stored = scorecard::get(&db.db, &w.alice, submitted.id)
        .await
        .expect("read back");
    (draft, stored)
}

/// Whoever wrote `card`, who may always read it.
fn reader(card: &card::Model) -> domain::Actor {
    domain::Actor {
        user_id: card.interviewer_id,
        organization_id: card.organization_id,
        role: domain::types::Role::Interviewer,
    }
}

/// A scorecard's current ratings: its questions', then its competencies'.
async fn current_ratings(db: &TestDb, card: &card::Model) -> Vec<i16> {
    let mut ratings: Vec<i16> = scorecard::question_ratings_of(&db.db, &reader(card), &[card.id])
        .await
        .expect("question ratings")
        .into_iter()
        .map(|r| r.rating.rating)
        .collect();
    ratings.extend(
        scorecard::competency_ratings_of(&db.db, &reader(card), &[card.id])
            .await
            .expect("competency ratings")
            .into_iter()
            .map(|r| r.rating),
    );
    ratings
}

async fn amending_keeps_the_old_content_as_revision_one_and_shows_the_new_content(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    assert_eq!(original.revision, 1);

    let amended = scorecard::amend(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        round_one(&draft, 2, Recommendation::No),
        "  I misread the second answer.  ".into(),
    )
    .await
    .expect("alice amends");

    assert_eq!(amended.id, original.id);
    assert_eq!(amended.revision, 2);
    assert_eq!(amended.status, ScorecardStatus::Submitted);
    assert_eq!(amended.recommendation, Some(Recommendation::No));
    assert_eq!(amended.summary, "Summary at 2.");
    assert_eq!(
        amended.submitted_at, original.submitted_at,
        "the submission time stays the original one"
    );
    assert!(amended.updated_at >= original.updated_at);
    assert_eq!(current_ratings(db, &amended).await, [2, 2, 2]);

    let history = scorecard::revisions(&db.db, &w.manager, original.id)
        .await
        .expect("the history");
    assert_eq!(history.len(), 1, "{history:?}");
    let first = &history[0];
    assert_eq!(first.revision, 1);
    assert_eq!(first.recommendation, Some(Recommendation::Yes));
    assert_eq!(first.summary, "Summary at 3.");
    assert_eq!(first.reason, "I misread the second answer.");
    assert_eq!(first.amended_by, w.alice.user_id);
    assert_eq!(Some(first.submitted_at), original.submitted_at);
    let snapshot: Vec<_> = scorecard::revised_question_ratings(first)
        .expect("question snapshot")
        .into_iter()
        .map(|r| (r.question_id, r.rating, r.notes))
        .collect();
    assert_eq!(
        snapshot,
        [
            (draft.questions[0].id, 3, "Rated 3.".to_owned()),
            (draft.questions[1].id, 3, "Rated 3.".to_owned()),
        ],
        "the replaced ratings, in round order"
    );
    assert_eq!(
        scorecard::revised_competency_ratings(first).expect("competency snapshot"),
        [RevisedCompetencyRating {
            competency_id: draft.competency.id,
            rating: 3,
        }]
    );
}

async fn a_second_amendment_makes_revision_three_and_the_history_lists_both_in_order(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    let round = draft.rounds[0].id;
    scorecard::amend(
        &db.db,
        &w.alice,
        round,
        round_one(&draft, 2, Recommendation::No),
        "First correction.".into(),
    )
    .await
    .expect("first amendment");
    let latest = scorecard::amend(
        &db.db,
        &w.alice,
        round,
        round_one(&draft, 4, Recommendation::StrongYes),
        "Second correction.".into(),
    )
    .await
    .expect("second amendment");

    assert_eq!(latest.revision, 3);
    assert_eq!(latest.recommendation, Some(Recommendation::StrongYes));
    assert_eq!(latest.submitted_at, original.submitted_at);
    assert_eq!(current_ratings(db, &latest).await, [4, 4, 4]);
    let history = scorecard::revisions(&db.db, &w.alice, original.id)
        .await
        .expect("the history");
    let listed: Vec<_> = history
        .iter()
        .map(|r| {
            (
                r.revision,
                r.recommendation,
                r.summary.as_str(),
                r.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                1,
                Some(Recommendation::Yes),
                "Summary at 3.",
                "First correction."
            ),
            (
                2,
                Some(Recommendation::No),
                "Summary at 2.",
                "Second correction."
            ),
        ]
    );
    assert_eq!(
        history[1].submitted_at, history[0].amended_at,
        "revision 2 was submitted by the first amendment"
    );
    assert!(history[1].amended_at >= history[0].amended_at);
}

/// Asserts that Alice's scorecard still shows its submitted content, unamended.
async fn unchanged(db: &TestDb, w: &World, original: &card::Model) {
    let now = scorecard::get(&db.db, &w.manager, original.id)
        .await
        .expect("read");
    assert_eq!(&now, original, "the scorecard changed");
    assert_eq!(current_ratings(db, original).await, [3, 3, 3]);
    let history = scorecard::revisions(&db.db, &w.manager, original.id)
        .await
        .expect("the history");
    assert!(history.is_empty(), "{history:?}");
}

async fn an_amendment_needs_a_reason(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    for reason in ["   ".to_owned(), "x".repeat(scorecard::REASON_MAX + 1)] {
        let refused = scorecard::amend(
            &db.db,
            &w.alice,
            draft.rounds[0].id,
            round_one(&draft, 2, Recommendation::No),
            reason,
        )
        .await;
        assert_eq!(problem_fields(refused), ["reason"]);
    }
    unchanged(db, &w, &original).await;
}

async fn an_incomplete_amendment_is_refused_listing_every_problem_like_a_submission(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    let mut partial = round_one(&draft, 2, Recommendation::No);
    partial.question_ratings.truncate(1);
    partial.competency_ratings.clear();
    partial.recommendation = None;
    partial.summary = "  ".into();
    let refused =
        scorecard::amend(&db.db, &w.alice, draft.rounds[0].id, partial, String::new()).await;
    assert_eq!(
        problem_fields(refused),
        [
            "questionRatings",
            "competencyRatings",
            "recommendation",
            "summary",
            "reason"
        ]
    );
    let mut foreign = round_one(&draft, 5, Recommendation::No);
    foreign.question_ratings[1].question_id = draft.questions[2].id; // round two's
    let refused = scorecard::amend(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        foreign,
        "Typo.".into(),
    )
    .await;
    assert_eq!(
        problem_fields(refused),
        [
            "questionRatings[0].rating",
            "questionRatings[1].questionId",
            "questionRatings[1].rating",
            "competencyRatings[0].rating",
            "questionRatings",
        ]
    );
    unchanged(db, &w, &original).await;
}

async fn only_the_author_amends_their_submitted_scorecard(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    for someone in [&w.bob, &w.manager, &w.admin, &w.viewer] {
        let refused = scorecard::amend(
            &db.db,
            someone,
            draft.rounds[0].id,
            round_one(&draft, 1, Recommendation::StrongNo),
            "Not mine to amend.".into(),
        )
        .await;
        assert!(
            matches!(refused, Err(Error::Forbidden { .. })),
            "{:?}: {refused:?}",
            someone.role
        );
    }
    unchanged(db, &w, &original).await;
}

async fn a_draft_or_missing_scorecard_is_submitted_first_not_amended(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, _) = submitted(db, &w).await;
    let round = draft.rounds[1].id;
    let amend =
        async || scorecard::amend(&db.db, &w.bob, round, round_two(&draft), "Fix.".into()).await;
    let missing = amend().await;
    assert!(
        matches!(missing, Err(Error::Conflict(ref m)) if m.contains("submit it first")),
        "{missing:?}"
    );
    scorecard::save_draft(&db.db, &w.bob, round, ScorecardInput::default())
        .await
        .expect("bob drafts");
    let drafted = amend().await;
    assert!(
        matches!(drafted, Err(Error::Conflict(ref m)) if m.contains("submit it first")),
        "{drafted:?}"
    );
    let still = scorecard::visible_for_rounds(&db.db, &w.bob, &[round])
        .await
        .expect("read");
    assert_eq!(still.len(), 1);
    assert_eq!(
        (still[0].status, still[0].revision),
        (ScorecardStatus::Draft, 1)
    );
}

async fn amendments_are_accepted_while_the_plan_is_published_or_completed(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, _) = submitted(db, &w).await;
    let set_status = async |status: PlanStatus| {
        interview_plan::Entity::update_many()
            .set(interview_plan::ActiveModel {
                status: Set(status),
                ..Default::default()
            })
            .filter(interview_plan::Column::Id.eq(draft.plan.id))
            .exec(&db.db)
            .await
            .expect("set the plan's status");
    };
    let amend = async |reason: &str| {
        scorecard::amend(
            &db.db,
            &w.alice,
            draft.rounds[0].id,
            round_one(&draft, 2, Recommendation::No),
            reason.into(),
        )
        .await
    };
    set_status(PlanStatus::Completed).await;
    let late = amend("A late correction.")
        .await
        .expect("amend a completed plan");
    assert_eq!(late.revision, 2);
    set_status(PlanStatus::Cancelled).await;
    let cancelled = amend("Too late.").await;
    assert!(
        matches!(cancelled, Err(Error::Conflict(ref m)) if m.contains("PUBLISHED or COMPLETED")),
        "{cancelled:?}"
    );
}

async fn another_organization_finds_neither_the_round_nor_the_revisions(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    scorecard::amend(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        round_one(&draft, 2, Recommendation::No),
        "Correction.".into(),
    )
    .await
    .expect("amend");
    let other = World::new(db, "globex").await;
    let amended = scorecard::amend(
        &db.db,
        &other.alice,
        draft.rounds[0].id,
        round_one(&draft, 1, Recommendation::StrongNo),
        "Sabotage.".into(),
    )
    .await;
    assert!(
        matches!(amended, Err(Error::NotFound { .. })),
        "{amended:?}"
    );
    for reader in [&other.admin, &other.manager] {
        let read = scorecard::revisions(&db.db, reader, original.id).await;
        assert!(matches!(read, Err(Error::NotFound { .. })), "{read:?}");
        let batch = scorecard::revisions_of(&db.db, reader, &[original.id])
            .await
            .expect("batch read");
        assert!(batch.is_empty(), "{batch:?}");
    }
}

async fn revisions_follow_the_blind_rule_of_their_scorecard(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    scorecard::amend(
        &db.db,
        &w.alice,
        draft.rounds[0].id,
        round_one(&draft, 2, Recommendation::No),
        "Correction.".into(),
    )
    .await
    .expect("amend");
    for reader in [&w.manager, &w.admin, &w.viewer, &w.alice] {
        let history = scorecard::revisions(&db.db, reader, original.id)
            .await
            .unwrap_or_else(|e| panic!("{:?} reads the history: {e:?}", reader.role));
        assert_eq!(history.len(), 1);
    }

    // Bob has not submitted for this candidate: the scorecard and its
    // revisions are hidden from him.
    let card = scorecard::get(&db.db, &w.bob, original.id).await;
    assert!(matches!(card, Err(Error::NotFound { .. })), "{card:?}");
    let history = scorecard::revisions(&db.db, &w.bob, original.id).await;
    assert!(
        matches!(history, Err(Error::NotFound { .. })),
        "{history:?}"
    );
    let batch = scorecard::revisions_of(&db.db, &w.bob, &[original.id])
        .await
        .expect("batch read");
    assert!(batch.is_empty(), "{batch:?}");

    scorecard::submit(&db.db, &w.bob, draft.rounds[1].id, round_two(&draft))
        .await
        .expect("bob submits");
    let history = scorecard::revisions(&db.db, &w.bob, original.id)
        .await
        .expect("visible once bob submitted");
    assert_eq!(history.len(), 1);
}

async fn concurrent_amendments_never_lose_or_reuse_a_revision(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let (draft, original) = submitted(db, &w).await;
    let amend = |rating: i64, reason: &'static str| {
        scorecard::amend(
            &db.db,
            &w.alice,
            draft.rounds[0].id,
            round_one(&draft, rating, Recommendation::No),
            reason.into(),
        )
    };
    let (one, two) = tokio::join!(amend(1, "One."), amend(2, "Two."));
    let succeeded = [&one, &two].iter().filter(|r| r.is_ok()).count();
    assert!(succeeded >= 1, "{one:?} {two:?}");
    for result in [&one, &two] {
        assert!(
            matches!(result, Ok(_) | Err(Error::Conflict(_))),
            "{result:?}"
        );
    }
    let now = scorecard::get(&db.db, &w.alice, original.id)
        .await
        .expect("read");
    let history = scorecard::revisions(&db.db, &w.alice, original.id)
        .await
        .expect("the history");
    let numbers: Vec<i32> = history.iter().map(|r| r.revision).collect();
    let succeeded = i32::try_from(succeeded).expect("two at most");
    assert_eq!(numbers, (1..=succeeded).collect::<Vec<_>>());
    assert_eq!(now.revision, succeeded + 1);
}

both_databases!(
    amending_keeps_the_old_content_as_revision_one_and_shows_the_new_content,
    a_second_amendment_makes_revision_three_and_the_history_lists_both_in_order,
    an_amendment_needs_a_reason,
    an_incomplete_amendment_is_refused_listing_every_problem_like_a_submission,
    only_the_author_amends_their_submitted_scorecard,
    a_draft_or_missing_scorecard_is_submitted_first_not_amended,
    amendments_are_accepted_while_the_plan_is_published_or_completed,
    another_organization_finds_neither_the_round_nor_the_revisions,
    revisions_follow_the_blind_rule_of_their_scorecard,
    concurrent_amendments_never_lose_or_reuse_a_revision,
);
