//! The reports computed from the base tables, scanning the organization's
//! whole history: the definitions the maintained rollups must reproduce.
//! Tests compare the two; nothing in the service calls these.

use sea_orm::ConnectionTrait;

use super::{InterviewerCalibration, PipelineReport, QuestionStats, Source};
use crate::actor::Actor;
use crate::error::Result;
use crate::page::{Page, PageRequest};
use crate::question::QuestionFilter;

/// [`super::candidate_report`], its means from every submitted rating of
/// the candidate.
pub async fn candidate_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: uuid::Uuid,
) -> Result<super::CandidateReport> {
    super::candidate::candidate_report_from(db, actor, candidate_id, Source::Scan).await
}

/// [`super::pipeline`], from the candidates and their stage history.
pub async fn pipeline<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<PipelineReport> {
    super::pipeline::pipeline_from(db, actor, Source::Scan).await
}

/// [`super::question_stats`], from every submitted rating.
pub async fn question_stats<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &QuestionFilter,
    page: PageRequest,
) -> Result<Page<QuestionStats>> {
    super::questions::question_stats_from(db, actor, filter, page, Source::Scan).await
}

/// [`super::interviewer_calibration`], from every submitted scorecard.
pub async fn interviewer_calibration<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<Vec<InterviewerCalibration>> {
    super::calibration::calibration_from(db, actor, Source::Scan).await
}
