//! Scorecards and the blind-feedback rule (docs/domain.md §2).

use domain::Error;
use domain::scorecard::{self, CompetencyRatingInput, QuestionRatingInput, ScorecardInput};
use domain::types::{Recommendation, ScorecardStatus};
use domain::{Actor, plan};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{DraftPlan, World, problem_fields};

/// A complete scorecard for round `index` of the draft plan.
fn complete(draft: &DraftPlan, index: usize) -> ScorecardInput {
    let questions = if index == 0 {
        &draft.questions[0..2]
    } else {
        &draft.questions[2..3]
    };
    ScorecardInput {
        question_ratings: questions
            .iter()
            .map(|q| QuestionRatingInput {
                question_id: q.id,
                rating: 3,
                notes: "Solid answer.".into(),
            })
            .collect(),
        competency_ratings: if index == 0 {
            vec![CompetencyRatingInput {
                competency_id: draft.competency.id,
                rating: 4,
            }]
        } else {
            vec![]
        },
        recommendation: Some(Recommendation::Yes),
        summary: "Would hire.".into(),
    }
}

async fn published(db: &TestDb, w: &World) -> DraftPlan {
    let draft = w.draft_plan(db).await;
    plan::publish(&db.db, &w.manager, draft.plan.id)
        .await
        .expect("publish");
    draft
}

async fn seen_by(db: &TestDb, actor: &Actor, draft: &DraftPlan) -> Vec<(Uuid, ScorecardStatus)> {
    scorecard::visible_for_candidates(&db.db, actor, &[draft.candidate.id])
        .await
        .expect("read scorecards")
        .into_iter()
        .map(|card| (card.interviewer_id, card.status))
        .collect()
}

async fn an_interviewer_sees_colleagues_scorecards_only_after_submitting_their_own(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    let alices = scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, complete(&draft, 0))
        .await
        .expect("alice submits");
    scorecard::save_draft(
        &db.db,
        &w.bob,
        draft.rounds[1].id,
        ScorecardInput::default(),
    )
    .await
    .expect("bob drafts");

    // Bob has not submitted: he sees only his own draft, not Alice's submitted card.
    assert_eq!(
        seen_by(db, &w.bob, &draft).await,
        [(w.bob.user_id, ScorecardStatus::Draft)]
    );
    let hidden = scorecard::get(&db.db, &w.bob, alices.id).await;
    assert!(matches!(hidden, Err(Error::NotFound { .. })), "{hidden:?}");
    // Alice has submitted, but Bob's card is a draft: she sees only her own.
    assert_eq!(
        seen_by(db, &w.alice, &draft).await,
        [(w.alice.user_id, ScorecardStatus::Submitted)]
    );

    scorecard::submit(&db.db, &w.bob, draft.rounds[1].id, complete(&draft, 1))
        .await
        .expect("bob submits");
    let mut bob_sees = seen_by(db, &w.bob, &draft).await;
    bob_sees.sort();
    let mut both = vec![
        (w.alice.user_id, ScorecardStatus::Submitted),
        (w.bob.user_id, ScorecardStatus::Submitted),
    ];
    both.sort();
    assert_eq!(bob_sees, both);
    scorecard::get(&db.db, &w.bob, alices.id)
        .await
        .expect("visible after submitting");
}

async fn hiring_managers_and_viewers_see_submitted_scorecards_but_no_drafts(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, complete(&draft, 0))
        .await
        .expect("alice submits");
    let bobs = scorecard::save_draft(&db.db, &w.bob, draft.rounds[1].id, complete(&draft, 1))
        .await
        .expect("bob drafts");
    for reader in [&w.manager, &w.admin, &w.viewer] {
        assert_eq!(
            seen_by(db, reader, &draft).await,
            [(w.alice.user_id, ScorecardStatus::Submitted)],
            "{:?}",
            reader.role
        );
        let draft_card = scorecard::get(&db.db, reader, bobs.id).await;
        assert!(
            matches!(draft_card, Err(Error::NotFound { .. })),
            "{draft_card:?}"
        );
    }
}

async fn submitting_for_another_candidate_does_not_reveal_this_candidates_scorecards(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, complete(&draft, 0))
        .await
        .expect("alice submits");
    // Bob's own submission for another candidate does not unlock this one.
    let other = w
        .draft_plan_for(db, w.candidate(db, "Other").await, 3)
        .await;
    plan::publish(&db.db, &w.manager, other.plan.id)
        .await
        .expect("publish other");
    scorecard::submit(&db.db, &w.bob, other.rounds[1].id, complete(&other, 1))
        .await
        .expect("bob submits elsewhere");
    assert_eq!(seen_by(db, &w.bob, &draft).await, []);
}

async fn only_interviewers_assigned_to_the_round_submit_its_scorecard(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    let bob_on_round_one =
        scorecard::submit(&db.db, &w.bob, draft.rounds[0].id, complete(&draft, 0)).await;
    assert!(
        matches!(bob_on_round_one, Err(Error::Forbidden { .. })),
        "{bob_on_round_one:?}"
    );
    let viewer =
        scorecard::save_draft(&db.db, &w.viewer, draft.rounds[0].id, complete(&draft, 0)).await;
    assert!(matches!(viewer, Err(Error::Forbidden { .. })), "{viewer:?}");
}

async fn scorecards_are_accepted_only_while_the_plan_is_published(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = w.draft_plan(db).await;
    let early = scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, complete(&draft, 0)).await;
    assert!(
        matches!(early, Err(Error::Conflict(ref m)) if m.contains("PUBLISHED")),
        "{early:?}"
    );
}

async fn a_submitted_scorecard_cannot_be_changed(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, complete(&draft, 0))
        .await
        .expect("submit");
    let mut changed = complete(&draft, 0);
    changed.recommendation = Some(Recommendation::StrongNo);
    for attempt in [
        scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, changed.clone()).await,
        scorecard::save_draft(&db.db, &w.alice, draft.rounds[0].id, changed).await,
    ] {
        assert!(
            matches!(attempt, Err(Error::Conflict(ref m)) if m.contains("already submitted")),
            "{attempt:?}"
        );
    }
    let cards = scorecard::visible_for_candidates(&db.db, &w.manager, &[draft.candidate.id])
        .await
        .expect("read");
    assert_eq!(cards[0].recommendation, Some(Recommendation::Yes));
}

async fn submitting_an_incomplete_scorecard_lists_everything_missing(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    let mut partial = complete(&draft, 0);
    partial.question_ratings.truncate(1);
    partial.competency_ratings.clear();
    partial.recommendation = None;
    partial.summary = "  ".into();
    let fields = problem_fields(
        scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, partial.clone()).await,
    );
    assert_eq!(
        fields,
        [
            "questionRatings",
            "competencyRatings",
            "recommendation",
            "summary"
        ]
    );
    // The same partial card is fine as a draft.
    let saved = scorecard::save_draft(&db.db, &w.alice, draft.rounds[0].id, partial)
        .await
        .expect("draft");
    assert_eq!(saved.status, ScorecardStatus::Draft);
}

async fn ratings_outside_one_to_four_and_foreign_items_are_refused(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    let mut bad = complete(&draft, 0);
    bad.question_ratings[0].rating = 5;
    bad.question_ratings[1].question_id = draft.questions[2].id; // belongs to round two
    bad.competency_ratings[0].rating = 0;
    let fields =
        problem_fields(scorecard::save_draft(&db.db, &w.alice, draft.rounds[0].id, bad).await);
    assert_eq!(
        fields,
        [
            "questionRatings[0].rating",
            "questionRatings[1].questionId",
            "competencyRatings[0].rating"
        ]
    );
}

async fn a_live_feed_leaves_out_cards_written_while_the_subscriber_was_blind(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let draft = published(db, &w).await;
    let alices = scorecard::submit(&db.db, &w.alice, draft.rounds[0].id, complete(&draft, 0))
        .await
        .expect("alice submits");
    scorecard::submit(&db.db, &w.bob, draft.rounds[1].id, complete(&draft, 1))
        .await
        .expect("bob submits");
    // Bob may now read Alice's card, but it was written before he submitted,
    // so a late event about it is not pushed to him.
    scorecard::get(&db.db, &w.bob, alices.id)
        .await
        .expect("readable by query");
    let late = scorecard::get_as_event(&db.db, &w.bob, alices.id).await;
    assert!(matches!(late, Err(Error::NotFound { .. })), "{late:?}");
    // The manager's feed and Alice's own are unaffected.
    scorecard::get_as_event(&db.db, &w.manager, alices.id)
        .await
        .expect("manager");
    scorecard::get_as_event(&db.db, &w.alice, alices.id)
        .await
        .expect("author");
}

both_databases!(
    a_live_feed_leaves_out_cards_written_while_the_subscriber_was_blind,
    an_interviewer_sees_colleagues_scorecards_only_after_submitting_their_own,
    hiring_managers_and_viewers_see_submitted_scorecards_but_no_drafts,
    submitting_for_another_candidate_does_not_reveal_this_candidates_scorecards,
    only_interviewers_assigned_to_the_round_submit_its_scorecard,
    scorecards_are_accepted_only_while_the_plan_is_published,
    a_submitted_scorecard_cannot_be_changed,
    submitting_an_incomplete_scorecard_lists_everything_missing,
    ratings_outside_one_to_four_and_foreign_items_are_refused,
);
