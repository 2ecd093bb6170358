//! What one candidate or one scorecard contributes to the rollups, read
//! from the base tables: the write paths read it before and after a write
//! and apply the difference.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::{fetch, get};
use crate::error::{Error, Result};
use crate::types::{PlanStatus, ScorecardStatus, Stage};

/// Which rows a write can change the figures of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A candidate: its position and stage, its stage history, and every
    /// submitted scorecard about it (whose ratings count as hired or
    /// rejected by its current stage, and toward its report's means while
    /// their plan is not cancelled).
    Candidate(Uuid),
    /// The scorecard of one interviewer for one round (there is at most
    /// one), whether it exists yet or not.
    Scorecard {
        /// The round.
        round_id: Uuid,
        /// The interviewer.
        interviewer_id: Uuid,
    },
}

/// Sums over the ratings of one question, as the question rollup stores them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct QuestionSums {
    pub(crate) times_asked: i64,
    pub(crate) rating_sum: i64,
    pub(crate) rating_squares: i64,
    pub(crate) hired_ratings: i64,
    pub(crate) hired_sum: i64,
    pub(crate) rejected_ratings: i64,
    pub(crate) rejected_sum: i64,
    /// Latest submission among these ratings.
    pub(crate) last_asked_at: Option<DateTime<Utc>>,
}

impl QuestionSums {
    /// `self − before`, counts only (`last_asked_at` is a maximum, see
    /// [`super::apply`]).
    pub(crate) fn minus(&self, before: &QuestionSums) -> QuestionSums {
        QuestionSums {
            times_asked: self.times_asked - before.times_asked,
            rating_sum: self.rating_sum - before.rating_sum,
            rating_squares: self.rating_squares - before.rating_squares,
            hired_ratings: self.hired_ratings - before.hired_ratings,
            hired_sum: self.hired_sum - before.hired_sum,
            rejected_ratings: self.rejected_ratings - before.rejected_ratings,
            rejected_sum: self.rejected_sum - before.rejected_sum,
            last_asked_at: self.last_asked_at,
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        *self
            == QuestionSums {
                last_asked_at: self.last_asked_at,
                ..QuestionSums::default()
            }
    }
}

/// Counts of one interviewer's submitted scorecards and their ratings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct InterviewerSums {
    pub(crate) cards: i64,
    pub(crate) ratings: i64,
    pub(crate) rating_sum: i64,
}

impl InterviewerSums {
    pub(crate) fn minus(&self, before: &InterviewerSums) -> InterviewerSums {
        InterviewerSums {
            cards: self.cards - before.cards,
            ratings: self.ratings - before.ratings,
            rating_sum: self.rating_sum - before.rating_sum,
        }
    }
}

/// What a candidate's mean rating is of: a category (of the question
/// version a round pinned) or a competency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    Category,
    Competency,
}

impl Section {
    /// The name `rollup_candidate_means.kind` stores.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Section::Category => "CATEGORY",
            Section::Competency => "COMPETENCY",
        }
    }

    fn parse(stored: &str) -> Result<Section> {
        match stored {
            "CATEGORY" => Ok(Section::Category),
            "COMPETENCY" => Ok(Section::Competency),
            other => Err(Error::Internal(format!("unknown mean kind {other:?}"))),
        }
    }
}

/// A candidate's mean of one category or competency: (candidate, what, id).
pub(crate) type MeanKey = (Uuid, Section, Uuid);

/// Count and sum of the ratings behind one of a candidate's means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MeanSums {
    pub(crate) ratings: i64,
    pub(crate) rating_sum: i64,
}

impl MeanSums {
    pub(crate) fn minus(&self, before: &MeanSums) -> MeanSums {
        MeanSums {
            ratings: self.ratings - before.ratings,
            rating_sum: self.rating_sum - before.rating_sum,
        }
    }
}

/// A median sample: its group and value, keyed by the row it comes from
/// (the stage change starting a stay, or the scorecard).
pub(crate) type Samples<G> = BTreeMap<Uuid, (G, f64)>;

/// Everything a scope adds to the rollups.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Contribution {
    /// Candidates per (position title, stage).
    pub(crate) positions: BTreeMap<(String, Stage), i64>,
    /// Completed stays, in days, by stage.
    pub(crate) stays: Samples<Stage>,
    pub(crate) questions: BTreeMap<Uuid, QuestionSums>,
    pub(crate) interviewers: BTreeMap<Uuid, InterviewerSums>,
    /// Hours from round start to submission, by interviewer.
    pub(crate) hours: Samples<Uuid>,
    /// The candidate report's means (plans that are not cancelled only).
    pub(crate) means: BTreeMap<MeanKey, MeanSums>,
}

impl Contribution {
    /// Reads what `scope` contributes now, in the caller's transaction.
    pub(crate) async fn read<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
        scope: Scope,
    ) -> Result<Contribution> {
        let mut found = Contribution::default();
        let cards = match scope {
            Scope::Candidate(id) => {
                found.read_candidate(db, organization_id, id).await?;
                ("s.candidate_id = $2", vec![Value::from(id)])
            }
            Scope::Scorecard {
                round_id,
                interviewer_id,
            } => (
                "s.round_id = $2 AND s.interviewer_id = $3",
                vec![Value::from(round_id), Value::from(interviewer_id)],
            ),
        };
        found.read_cards(db, organization_id, cards).await?;
        Ok(found)
    }

    async fn read_candidate<C: ConnectionTrait>(
        &mut self,
        db: &C,
        organization_id: Uuid,
        id: Uuid,
    ) -> Result<()> {
        let values = vec![Value::from(organization_id), Value::from(id)];
        let rows = fetch(
            db,
            "SELECT position_title, stage FROM candidates \
             WHERE organization_id = $1 AND id = $2",
            values.clone(),
        )
        .await?;
        for row in &rows {
            let key = (get(row, "position_title")?, stage(row, "stage")?);
            *self.positions.entry(key).or_default() += 1;
        }
        let days =
            migration::rollups::seconds_between(db.get_database_backend(), "left_at", "entered_at");
        let rows = fetch(
            db,
            &format!(
                "SELECT id, stage, {days} / 86400.0 AS val \
                 FROM ( \
                   SELECT id, to_stage AS stage, changed_at AS entered_at, \
                     LEAD(changed_at) OVER (ORDER BY changed_at, id) AS left_at \
                   FROM candidate_stage_changes \
                   WHERE organization_id = $1 AND candidate_id = $2 \
                 ) stays \
                 WHERE left_at IS NOT NULL"
            ),
            values,
        )
        .await?;
        for row in &rows {
            self.stays
                .insert(get(row, "id")?, (stage(row, "stage")?, get(row, "val")?));
        }
        Ok(())
    }

    async fn read_cards<C: ConnectionTrait>(
        &mut self,
        db: &C,
        organization_id: Uuid,
        (filter, values): (&str, Vec<Value>),
    ) -> Result<()> {
        let submitted = ScorecardStatus::Submitted.as_str();
        let mut all = vec![Value::from(organization_id)];
        all.extend(values);
        let hours = migration::rollups::seconds_between(
            db.get_database_backend(),
            "s.submitted_at",
            "r.scheduled_at",
        );
        let rows = fetch(
            db,
            &format!(
                "SELECT s.id, s.interviewer_id, \
                   CASE WHEN s.submitted_at IS NOT NULL AND r.scheduled_at IS NOT NULL \
                     THEN {hours} / 3600.0 END AS hours \
                 FROM scorecards s JOIN rounds r ON r.id = s.round_id \
                 WHERE s.organization_id = $1 AND s.status = '{submitted}' AND s.trainee = FALSE AND {filter}"
            ),
            all.clone(),
        )
        .await?;
        for row in &rows {
            let interviewer: Uuid = get(row, "interviewer_id")?;
            self.interviewers.entry(interviewer).or_default().cards += 1;
            if let Some(hours) = get::<Option<f64>>(row, "hours")? {
                self.hours.insert(get(row, "id")?, (interviewer, hours));
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        // Question ratings (by question and by the pinned version's
        // category) and competency ratings, in one statement. Only the
        // candidate report's means leave out cancelled plans.
        let cancelled = PlanStatus::Cancelled.as_str();
        let cards = format!(
            "JOIN scorecards s ON s.id = x.scorecard_id \
             JOIN candidates c ON c.id = s.candidate_id \
             JOIN rounds r ON r.id = s.round_id \
             JOIN interview_plans p ON p.id = r.plan_id \
             WHERE s.organization_id = $1 AND s.status = '{submitted}' AND s.trainee = FALSE \
               AND {filter}"
        );
        let rows = fetch(
            db,
            &format!(
                "SELECT '{category}' AS kind, qv.category_id AS section_id, rq.question_id, \
                   s.candidate_id, s.interviewer_id, CAST(x.rating AS BIGINT) AS rating, \
                   s.submitted_at, c.stage, p.status <> '{cancelled}' AS live \
                 FROM scorecard_question_ratings x \
                 JOIN round_questions rq ON rq.id = x.round_question_id \
                 JOIN question_versions qv ON qv.id = rq.question_version_id \
                 {cards} \
                 UNION ALL \
                 SELECT '{competency}', x.competency_id, NULL, \
                   s.candidate_id, s.interviewer_id, CAST(x.rating AS BIGINT), \
                   s.submitted_at, c.stage, p.status <> '{cancelled}' \
                 FROM scorecard_competency_ratings x {cards}",
                category = Section::Category.as_str(),
                competency = Section::Competency.as_str(),
            ),
            all,
        )
        .await?;
        for row in &rows {
            let rating: i64 = get(row, "rating")?;
            let section = Section::parse(&get::<String>(row, "kind")?)?;
            if get(row, "live")? {
                let key = (get(row, "candidate_id")?, section, get(row, "section_id")?);
                let mean = self.means.entry(key).or_default();
                mean.ratings += 1;
                mean.rating_sum += rating;
            }
            if section == Section::Competency {
                continue;
            }
            let interviewer = self
                .interviewers
                .entry(get(row, "interviewer_id")?)
                .or_default();
            interviewer.ratings += 1;
            interviewer.rating_sum += rating;
            let question = self.questions.entry(get(row, "question_id")?).or_default();
            question.times_asked += 1;
            question.rating_sum += rating;
            question.rating_squares += rating * rating;
            match stage(row, "stage")? {
                Stage::Hired => {
                    question.hired_ratings += 1;
                    question.hired_sum += rating;
                }
                Stage::Rejected => {
                    question.rejected_ratings += 1;
                    question.rejected_sum += rating;
                }
                _ => {}
            }
            let at: Option<DateTime<Utc>> = get(row, "submitted_at")?;
            question.last_asked_at = question.last_asked_at.max(at);
        }
        Ok(())
    }
}

fn stage(row: &QueryResult, column: &str) -> Result<Stage> {
    let text: String = get(row, column)?;
    Stage::parse(column, &text).map_err(|problem| Error::Internal(problem.to_string()))
}
