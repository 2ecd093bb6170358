//! Which of some ids the actor's organization owns, as subqueries: the one
//! place a batch read of child records (rounds of plans, ratings of
//! scorecards, versions of questions) is tied to the organization, for the
//! tables whose rows carry no organization column of their own.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{interview_plan, question, question_version, round, scorecard};
use crate::types::ScorecardStatus;

/// Ids among `ids` of plans of the actor's organization.
pub(crate) fn plans(actor: &Actor, ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(interview_plan::Column::Id)
        .from(interview_plan::Entity)
        .and_where(Expr::col(interview_plan::Column::OrganizationId).eq(actor.organization_id))
        .and_where(Expr::col(interview_plan::Column::Id).is_in(ids.iter().copied()))
        .to_owned()
}

/// Ids among `ids` of rounds of plans of the actor's organization.
pub(crate) fn rounds(actor: &Actor, ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .column((round::Entity, round::Column::Id))
        .from(round::Entity)
        .inner_join(
            interview_plan::Entity,
            Expr::col((interview_plan::Entity, interview_plan::Column::Id))
                .equals((round::Entity, round::Column::PlanId)),
        )
        .and_where(
            Expr::col((
                interview_plan::Entity,
                interview_plan::Column::OrganizationId,
            ))
            .eq(actor.organization_id),
        )
        .and_where(Expr::col((round::Entity, round::Column::Id)).is_in(ids.iter().copied()))
        .to_owned()
}

/// Ids among `ids` of questions of the actor's organization.
pub(crate) fn questions(actor: &Actor, ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(question::Column::Id)
        .from(question::Entity)
        .and_where(Expr::col(question::Column::OrganizationId).eq(actor.organization_id))
        .and_where(Expr::col(question::Column::Id).is_in(ids.iter().copied()))
        .to_owned()
}

/// Ids among `ids` of question versions of the actor's organization.
pub(crate) fn versions(actor: &Actor, ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .column((question_version::Entity, question_version::Column::Id))
        .from(question_version::Entity)
        .inner_join(
            question::Entity,
            Expr::col((question::Entity, question::Column::Id)).equals((
                question_version::Entity,
                question_version::Column::QuestionId,
            )),
        )
        .and_where(
            Expr::col((question::Entity, question::Column::OrganizationId))
                .eq(actor.organization_id),
        )
        .and_where(
            Expr::col((question_version::Entity, question_version::Column::Id))
                .is_in(ids.iter().copied()),
        )
        .to_owned()
}

/// Whether the actor may see a row of `scorecards`: the rules of
/// [`crate::scorecard::may_see`] in SQL (their own; others' only when
/// submitted, and for an interviewer only for candidates they submitted a
/// scorecard for themselves). Columns are qualified with the table, so the
/// condition also holds in a join.
pub(crate) fn scorecard_visible(actor: &Actor) -> SimpleExpr {
    let col = |c: scorecard::Column| Expr::col((scorecard::Entity, c));
    let submitted = col(scorecard::Column::Status).eq(ScorecardStatus::Submitted.as_str());
    let others = if actor.role.allows(Permission::ReadAllScorecards) {
        submitted
    } else {
        let mine = Query::select()
            .column(scorecard::Column::CandidateId)
            .from(scorecard::Entity)
            .and_where(Expr::col(scorecard::Column::InterviewerId).eq(actor.user_id))
            .and_where(Expr::col(scorecard::Column::Status).eq(ScorecardStatus::Submitted.as_str()))
            .to_owned();
        submitted.and(col(scorecard::Column::CandidateId).in_subquery(mine))
    };
    col(scorecard::Column::OrganizationId)
        .eq(actor.organization_id)
        .and(
            col(scorecard::Column::InterviewerId)
                .eq(actor.user_id)
                .or(others),
        )
}

/// Ids among `ids` of the scorecards the actor may see
/// ([`scorecard_visible`]).
pub(crate) fn visible_scorecards(actor: &Actor, ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(scorecard::Column::Id)
        .from(scorecard::Entity)
        .and_where(Expr::col((scorecard::Entity, scorecard::Column::Id)).is_in(ids.iter().copied()))
        .and_where(scorecard_visible(actor))
        .to_owned()
}
