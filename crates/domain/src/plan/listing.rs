//! Reads for listings that show many rounds at once (a dashboard page):
//! one statement per kind of record, only the columns the listing shows.

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::entity::{question_version, round_question};
use crate::error::Result;

/// Which texts of the pinned version a read of round questions carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PinnedText {
    /// The prompt.
    pub prompt: bool,
    /// The interviewer's guidance.
    pub guidance: bool,
    /// The four rubric anchors.
    pub rubric: bool,
}

/// A question of a round with the texts of its pinned version that the
/// read asked for (`None`: not asked for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedQuestion {
    /// The question's place in the round.
    pub question: round_question::Model,
    /// The pinned prompt.
    pub prompt: Option<String>,
    /// The pinned guidance.
    pub guidance: Option<String>,
    /// The pinned rubric anchors 1 to 4.
    pub rubric: Option<[String; 4]>,
}

/// Ids of rounds that a read has already tied to the actor's
/// organization (made only by such reads, such as
/// [`crate::candidate::list_with_plans`]): reading below them needs no
/// second tenancy check, so the reads start from these rounds' own keys
/// instead of joining every plan of the organization.
#[derive(Clone, Debug, Default)]
pub struct OwnedRounds(Vec<Uuid>);

impl OwnedRounds {
    /// Rounds just read within the actor's organization.
    pub(crate) fn checked(ids: Vec<Uuid>) -> Self {
        OwnedRounds(ids)
    }

    /// The ids, in the order they were read.
    pub fn ids(&self) -> &[Uuid] {
        &self.0
    }
}

/// Questions of `rounds`, in round order then position, with the `text`
/// of their pinned versions: one statement whatever the number of rounds.
/// A round question pins a version of a question of its plan's
/// organization (adding it checks that), so owned rounds give owned
/// questions.
pub async fn pinned_questions<C: ConnectionTrait>(
    db: &C,
    rounds: &OwnedRounds,
    text: PinnedText,
) -> Result<Vec<PinnedQuestion>> {
    if rounds.0.is_empty() {
        return Ok(Vec::new());
    }
    let rq = |c: round_question::Column| Expr::col((round_question::Entity, c));
    let version = |c: question_version::Column| Expr::col((question_version::Entity, c));
    let mut query = Query::select();
    for column in [
        round_question::Column::Id,
        round_question::Column::RoundId,
        round_question::Column::PlanId,
        round_question::Column::QuestionId,
        round_question::Column::QuestionVersionId,
        round_question::Column::Position,
        round_question::Column::Minutes,
    ] {
        query.expr(rq(column));
    }
    let mut texts: Vec<question_version::Column> = Vec::new();
    if text.prompt {
        texts.push(question_version::Column::Prompt);
    }
    if text.guidance {
        texts.push(question_version::Column::Guidance);
    }
    if text.rubric {
        texts.extend([
            question_version::Column::Rubric1,
            question_version::Column::Rubric2,
            question_version::Column::Rubric3,
            question_version::Column::Rubric4,
        ]);
    }
    for column in &texts {
        query.expr(version(*column));
    }
    query.from(round_question::Entity);
    if !texts.is_empty() {
        query.inner_join(
            question_version::Entity,
            version(question_version::Column::Id).equals((
                round_question::Entity,
                round_question::Column::QuestionVersionId,
            )),
        );
    }
    query
        .and_where(rq(round_question::Column::RoundId).is_in(rounds.0.iter().copied()))
        .order_by(
            (round_question::Entity, round_question::Column::RoundId),
            Order::Asc,
        )
        .order_by(
            (round_question::Entity, round_question::Column::Position),
            Order::Asc,
        );
    let rows = db.query_all(&query).await?;
    rows.iter().map(|row| pinned(row, text)).collect()
}

/// The question of one row of [`pinned_questions`]: its seven columns,
/// then the texts asked for, in that order.
fn pinned(row: &QueryResult, text: PinnedText) -> Result<PinnedQuestion> {
    let question = round_question::Model {
        id: row.try_get_by_index(0)?,
        round_id: row.try_get_by_index(1)?,
        plan_id: row.try_get_by_index(2)?,
        question_id: row.try_get_by_index(3)?,
        question_version_id: row.try_get_by_index(4)?,
        position: row.try_get_by_index(5)?,
        minutes: row.try_get_by_index(6)?,
    };
    let mut next = 7;
    let mut take = || -> Result<String> {
        let value = row.try_get_by_index(next)?;
        next += 1;
        Ok(value)
    };
    let prompt = text.prompt.then(&mut take).transpose()?;
    let guidance = text.guidance.then(&mut take).transpose()?;
    let rubric = if text.rubric {
        Some([take()?, take()?, take()?, take()?])
    } else {
        None
    };
    Ok(PinnedQuestion {
        question,
        prompt,
        guidance,
        rubric,
    })
}
