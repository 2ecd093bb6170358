//! Batch loading of nested fields: one query per kind of record and nesting
//! level, whatever the number of parents (no N+1).
//!
//! A loader is built per request for the caller, so scorecards are filtered
//! by the blind-feedback rule and records by organization.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::Loader;
use domain::entity::{
    candidate, candidate_stage_change, category, competency, interview_plan, question,
    question_version, round, round_question, scorecard_competency_rating, scorecard_revision, user,
};
use domain::scorecard::{DetailedScorecard, RatedQuestion, ScorecardsOf};
use domain::{Actor, plan, scorecard as cards};
use sea_orm::DatabaseConnection;
use tracing::Instrument;
use uuid::Uuid;

use super::error::to_graphql;

/// Loads records for one request's caller.
pub struct DbLoader {
    db: DatabaseConnection,
    actor: Actor,
    /// The request's span: batches run on tasks of their own, and their
    /// spans (with the statements under them) belong to the request.
    span: tracing::Span,
}

impl DbLoader {
    /// A loader reading `db` on behalf of `actor`, tracing its batches
    /// under the current span.
    pub fn new(db: DatabaseConnection, actor: Actor) -> Self {
        DbLoader {
            db,
            actor,
            span: tracing::Span::current(),
        }
    }

    /// The span of one batch of `keys` keys of kind `kind`.
    fn batch(&self, kind: &'static str, keys: usize) -> tracing::Span {
        tracing::info_span!(parent: &self.span, "load", otel.name = kind, keys)
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn group<K: Hash + Eq, V>(
    rows: impl IntoIterator<Item = V>,
    key: impl Fn(&V) -> K,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Declares a key type that loads records of the caller's organization by
/// id, through the domain function `$load(db, actor, ids)`.
macro_rules! by_id {
    ($(#[$doc:meta])* $key:ident => $model:ty, $load:path) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for DbLoader {
            type Value = $model;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $model> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = $load(&self.db, &self.actor, &ids)
                    .instrument(self.batch(stringify!($key), keys.len()))
                    .await
                    .map_err(to_graphql)?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id!(/// A user by id.
    UserById => user::Model, domain::user::by_ids);
by_id!(/// A category by id.
    CategoryById => category::Model, domain::question::categories_by_ids);
by_id!(/// A competency by id.
    CompetencyById => competency::Model, domain::question::competencies_by_ids);
by_id!(/// A question (current version) by id.
    QuestionById => question::Model, domain::question::by_ids);
by_id!(/// A candidate by id.
    CandidateById => candidate::Model, domain::candidate::by_ids);
by_id!(/// A plan by id.
    PlanById => interview_plan::Model, plan::by_ids);
by_id!(/// A round by id.
    RoundById => round::Model, plan::rounds_by_ids);

/// Declares a key type that loads the children of a parent, via a domain
/// function taking the parent ids.
macro_rules! children {
    ($(#[$doc:meta])* $key:ident => $value:ty, |$this:ident, $ids:ident| $load:expr, |$row:ident| $parent:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for DbLoader {
            type Value = Vec<$value>;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Vec<$value>> {
                let $this = self;
                let $ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows: Vec<$value> = $load
                    .instrument(self.batch(stringify!($key), keys.len()))
                    .await
                    .map_err(to_graphql)?;
                let mut grouped = group(rows, |$row: &$value| $key($parent));
                Ok(keys.iter().map(|k| (*k, grouped.remove(k).unwrap_or_default())).collect())
            }
        }
    };
}

children!(/// Plans of a candidate.
    PlansOf => interview_plan::Model, |s, ids| plan::of_candidates(&s.db, &s.actor, &ids), |r| r.candidate_id);
children!(/// Plans of a candidate, each with its rounds in order (one statement for both levels).
    PlansWithRoundsOf => (interview_plan::Model, Vec<round::Model>), |s, ids| plan::of_candidates_with_rounds(&s.db, &s.actor, &ids), |r| r.0.candidate_id);
children!(/// Rounds of a plan, in order.
    RoundsOf => round::Model, |s, ids| plan::rounds_of(&s.db, &s.actor, &ids), |r| r.plan_id);
children!(/// Questions of a round, in order, each with its pinned version.
    QuestionsOf => (round_question::Model, question_version::Model), |s, ids| plan::questions_with_versions(&s.db, &s.actor, &ids), |r| r.0.round_id);
children!(/// Interviewer assignments of a round.
    InterviewersOf => domain::entity::round_interviewer::Model, |s, ids| plan::interviewers_of(&s.db, &s.actor, &ids), |r| r.round_id);
children!(/// Interview-limit overrides recorded on a round.
    LimitOverridesOf => domain::entity::limit_override::Model, |s, ids| plan::limit_overrides_of(&s.db, &s.actor, &ids), |r| r.round_id);
children!(/// Focus competencies of a round.
    RoundCompetenciesOf => domain::entity::round_competency::Model, |s, ids| plan::competencies_of(&s.db, &s.actor, &ids), |r| r.round_id);
children!(/// Plan-level focus competencies.
    PlanCompetenciesOf => domain::entity::plan_competency::Model, |s, ids| plan::plan_competencies_of(&s.db, &s.actor, &ids), |r| r.plan_id);
children!(/// Scorecards of a round the caller may see, with their interviewers.
    ScorecardsOfRound => DetailedScorecard, |s, ids| cards::visible_with_details(&s.db, &s.actor, ScorecardsOf::Rounds(&ids), false), |r| r.card.round_id);
children!(/// Scorecards of a round the caller may see, with their interviewers and question ratings.
    RatedScorecardsOfRound => DetailedScorecard, |s, ids| cards::visible_with_details(&s.db, &s.actor, ScorecardsOf::Rounds(&ids), true), |r| r.card.round_id);
children!(/// Scorecards of a candidate the caller may see, with their interviewers.
    ScorecardsOfCandidate => DetailedScorecard, |s, ids| cards::visible_with_details(&s.db, &s.actor, ScorecardsOf::Candidates(&ids), false), |r| r.card.candidate_id);
children!(/// Scorecards of a candidate the caller may see, with their interviewers and question ratings.
    RatedScorecardsOfCandidate => DetailedScorecard, |s, ids| cards::visible_with_details(&s.db, &s.actor, ScorecardsOf::Candidates(&ids), true), |r| r.card.candidate_id);
children!(/// Question ratings of a (visible) scorecard, in round order.
    QuestionRatingsOf => RatedQuestion, |s, ids| cards::question_ratings_of(&s.db, &s.actor, &ids), |r| r.rating.scorecard_id);
children!(/// Competency ratings of a (visible) scorecard.
    CompetencyRatingsOf => scorecard_competency_rating::Model, |s, ids| cards::competency_ratings_of(&s.db, &s.actor, &ids), |r| r.scorecard_id);
children!(/// Revisions that amendments replaced, of a scorecard the caller may see, oldest first.
    RevisionsOf => scorecard_revision::Model, |s, ids| cards::revisions_of(&s.db, &s.actor, &ids), |r| r.scorecard_id);
children!(/// Every version of a question, oldest first.
    VersionsOf => question_version::Model, |s, ids| domain::question::versions_of(&s.db, &s.actor, &ids), |r| r.question_id);
children!(/// Every stage a candidate entered, oldest first.
    StageHistoryOf => candidate_stage_change::Model, |s, ids| domain::candidate::stage_history_of(&s.db, &s.actor, &ids), |r| r.candidate_id);

/// Current tags of a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TagsOf(pub Uuid);

impl Loader<TagsOf> for DbLoader {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TagsOf]) -> LoadResult<TagsOf, Vec<String>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let tags = domain::question::tags_of(&self.db, &self.actor, &ids)
            .instrument(self.batch("TagsOf", keys.len()))
            .await
            .map_err(to_graphql)?;
        Ok(keys
            .iter()
            .map(|k| (*k, tags.get(&k.0).cloned().unwrap_or_default()))
            .collect())
    }
}
