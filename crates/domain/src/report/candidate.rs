//! The candidate report: where a candidate's panel stands.
//!
//! Definitions (all over `SUBMITTED` scorecards of the candidate's plans
//! that are not `CANCELLED`):
//! - a round's `spread` is the highest minus the lowest recommendation score
//!   (`STRONG_NO` = 1 … `STRONG_YES` = 4) among its submitted scorecards,
//!   0 for one scorecard, none before any;
//! - `agreement` is the population standard deviation of the recommendation
//!   scores of every submitted scorecard of the candidate: 0 when the panel
//!   agrees, up to 1.5 when it splits between `STRONG_NO` and `STRONG_YES`;
//! - category means are over question ratings, grouped by the category of
//!   the question version the round pinned; competency means are over
//!   competency ratings;
//! - `decision_ready` is true when the candidate has at least one round in
//!   a `PUBLISHED` or `COMPLETED` plan and every interviewer assigned to
//!   every such round has submitted. Draft plans are listed but do not count.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::{Source, count, fetch, get, parse_stored, recommendation_score, std_dev, submitted};
use crate::actor::{Actor, Permission};
use crate::entity::{candidate, category, competency, user};
use crate::error::{Error, Result};
use crate::query::{columns, prefixed, prefixed_required};
use crate::rollup::Section;
use crate::session::Ended;
use crate::types::{PanelRole, PlanStatus, Recommendation, Role, RoundKind};

/// Everything a hiring team needs to decide on one candidate.
#[derive(Clone, Debug)]
pub struct CandidateReport {
    /// The candidate.
    pub candidate: candidate::Model,
    /// Rounds of the candidate's plans that are not cancelled, in plan then
    /// round order.
    pub rounds: Vec<RoundReport>,
    /// Mean question rating per category, in the bank's category order.
    pub categories: Vec<MeanRating>,
    /// Mean rating per competency, in the bank's competency order.
    pub competencies: Vec<MeanRating>,
    /// How many scorecards are submitted.
    pub submitted_scorecards: u64,
    /// Population standard deviation of the recommendation scores; none
    /// before the first submitted scorecard.
    pub agreement: Option<f64>,
    /// Whether every assigned interviewer of every live round has submitted.
    pub decision_ready: bool,
    /// The records the figures refer to.
    pub referenced: Referenced,
}

/// One round of the candidate's plans and its interviewers' calls.
#[derive(Clone, Debug)]
pub struct RoundReport {
    /// The round.
    pub round_id: Uuid,
    /// The plan it belongs to.
    pub plan_id: Uuid,
    /// Status of that plan.
    pub plan_status: PlanStatus,
    /// The round's title.
    pub title: String,
    /// The round's kind.
    pub kind: RoundKind,
    /// When the round starts, if scheduled.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Assigned interviewers, by display name.
    pub interviewers: Vec<InterviewerCall>,
    /// Highest minus lowest recommendation score submitted for the round.
    pub spread: Option<i64>,
}

/// One assigned interviewer's call on a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterviewerCall {
    /// The interviewer.
    pub user_id: Uuid,
    /// Their recommendation, once submitted.
    pub recommendation: Option<Recommendation>,
    /// Whether their scorecard is submitted.
    pub submitted: bool,
}

/// A mean rating of one category or competency.
#[derive(Clone, Debug, PartialEq)]
pub struct MeanRating {
    /// The category or competency.
    pub id: Uuid,
    /// Mean of the ratings, 1 to 4.
    pub mean: f64,
    /// How many ratings the mean is over.
    pub ratings: u64,
}

/// The records a candidate report refers to, read with its figures so that
/// a reader shows names without further lookups.
#[derive(Clone, Debug, Default)]
pub struct Referenced {
    /// The assigned interviewers.
    pub users: HashMap<Uuid, user::Model>,
    /// The categories of [`CandidateReport::categories`].
    pub categories: HashMap<Uuid, category::Model>,
    /// The competencies of [`CandidateReport::competencies`].
    pub competencies: HashMap<Uuid, competency::Model>,
}

/// The report on one candidate of the actor's organization. An unknown
/// candidate, or one of another organization, is `NotFound`.
///
/// One statement: the candidate with the actor's own submissions (for the
/// blind rule), every (round, assigned interviewer) row with the
/// interviewer's submitted call, and the category and competency means
/// (from the candidate's rows of `rollup_candidate_means`, see
/// [`crate::rollup`]), each part a branch of one `UNION ALL` told apart by
/// its `part` column.
/// The rounds' spreads and the agreement are summed from the calls here
/// (see [`Scores`]): window aggregates over a handful of rows cost
/// PostgreSQL more than the rest of their branch.
pub async fn candidate_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
) -> Result<CandidateReport> {
    candidate_report_from(db, actor, candidate_id, Source::Rollups).await
}

/// [`candidate_report`] with its means from `source`.
pub(super) async fn candidate_report_from<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
    source: Source,
) -> Result<CandidateReport> {
    let rows = report_rows(db, actor, candidate_id, None, source).await?;
    assemble(actor, &rows)
}

/// [`candidate_report`] for the session an access token names, checked in
/// the same statement as [`crate::session::check`] checks it (the user is
/// active, the session has not ended, and the role is the stored one, so
/// a role change counts at once): one round trip for a signed-in request
/// instead of two. `claimed` is who the token was issued to (its role is
/// not used). On an ended session nothing of the report is kept.
pub async fn candidate_report_in_session<C: ConnectionTrait>(
    db: &C,
    claimed: &Actor,
    session_id: Uuid,
    candidate_id: Uuid,
) -> Result<std::result::Result<(Actor, CandidateReport), Ended>> {
    let rows = report_rows(db, claimed, candidate_id, Some(session_id), Source::Rollups).await?;
    // The session's row is the candidate's row (part 0), present whenever
    // the user is, with the candidate's columns empty when it is not found.
    let Some(first) = rows
        .first()
        .filter(|row| matches!(part(row), Ok(Part::Candidate)))
    else {
        return Ok(Err(Ended::Session));
    };
    if !get::<bool>(first, "s_active")? {
        return Ok(Err(Ended::Deactivated));
    }
    if !get::<bool>(first, "s_live")? {
        return Ok(Err(Ended::Session));
    }
    let actor = Actor {
        role: parse_stored(first, "s_role", Role::parse)?,
        ..*claimed
    };
    let report = assemble(&actor, &rows)?;
    Ok(Ok((actor, report)))
}

/// The rows of the report's statement on `candidate_id` for `actor` (its
/// organization and own submissions), checking `session` too when given,
/// with the means from `source`.
async fn report_rows<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    candidate_id: Uuid,
    session: Option<Uuid>,
    source: Source,
) -> Result<Vec<QueryResult>> {
    let mut values: Vec<sea_orm::Value> = vec![
        candidate_id.into(),
        actor.organization_id.into(),
        actor.user_id.into(),
    ];
    values.extend(session.map(Into::into));
    match source {
        Source::Rollups => fetch(db, report_sql(session.is_some()), values).await,
        Source::Scan => fetch(db, &build_report_sql(session.is_some(), source), values).await,
    }
}

/// The report of the statement's `rows` (see [`build_report_sql`]), read
/// for `actor`.
fn assemble(actor: &Actor, rows: &[QueryResult]) -> Result<CandidateReport> {
    let not_found = Error::NotFound {
        entity: "candidate",
    };
    let Some(first) = rows
        .first()
        .filter(|row| matches!(part(row), Ok(Part::Candidate)))
    else {
        return Err(not_found);
    };
    let Some(candidate) = prefixed::<candidate::Entity>(first, "c_")? else {
        return Err(not_found);
    };
    require_blind_rule(actor, count(first, "own_submitted")?)?;
    let mut rounds: Vec<RoundReport> = Vec::new();
    let (mut categories, mut competencies) = (Vec::new(), Vec::new());
    let mut referenced = Referenced::default();
    for row in &rows[1..] {
        match part(row)? {
            Part::Candidate => {}
            Part::Call => call(row, &mut rounds, &mut referenced)?,
            Part::Category => {
                let record = prefixed_required::<category::Entity>(row, "g_")?;
                categories.push(mean(row, record.id)?);
                referenced.categories.insert(record.id, record);
            }
            Part::Competency => {
                let record = prefixed_required::<competency::Entity>(row, "g_")?;
                competencies.push(mean(row, record.id)?);
                referenced.competencies.insert(record.id, record);
            }
        }
    }
    let scores = Scores::of(&mut rounds);
    let live: Vec<&RoundReport> = rounds
        .iter()
        .filter(|r| matches!(r.plan_status, PlanStatus::Published | PlanStatus::Completed))
        .collect();
    let decision_ready = !live.is_empty()
        && live
            .iter()
            .all(|r| !r.interviewers.is_empty() && r.interviewers.iter().all(|i| i.submitted));
    Ok(CandidateReport {
        candidate,
        rounds,
        categories,
        competencies,
        submitted_scorecards: scores.count,
        agreement: std_dev(scores.variance()),
        decision_ready,
        referenced,
    })
}

/// Interviewers see colleagues' calls only after submitting their own:
/// `own_submitted` is how many scorecards the actor submitted for the
/// candidate.
fn require_blind_rule(actor: &Actor, own_submitted: u64) -> Result<()> {
    if actor.role.allows(Permission::ReadAllScorecards) || own_submitted > 0 {
        return Ok(());
    }
    Err(Error::Forbidden {
        action: "read a candidate's report before submitting your own scorecard for them",
        role: actor.role,
    })
}

/// Which branch of the report's statement a row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The candidate, with the actor's own submissions.
    Candidate,
    /// A round with one assigned interviewer (or none).
    Call,
    /// A category mean.
    Category,
    /// A competency mean.
    Competency,
}

fn part(row: &QueryResult) -> Result<Part> {
    match get::<i32>(row, "part")? {
        0 => Ok(Part::Candidate),
        1 => Ok(Part::Call),
        2 => Ok(Part::Category),
        3 => Ok(Part::Competency),
        other => Err(Error::Internal(format!("unknown report part {other}"))),
    }
}

/// Adds a call row to `rounds` (a new round when its id changes) and its
/// interviewer to `referenced`.
fn call(
    row: &QueryResult,
    rounds: &mut Vec<RoundReport>,
    referenced: &mut Referenced,
) -> Result<()> {
    let round_id: Uuid = get(row, "round_id")?;
    if rounds.last().is_none_or(|r| r.round_id != round_id) {
        rounds.push(RoundReport {
            round_id,
            plan_id: get(row, "plan_id")?,
            plan_status: parse_stored(row, "plan_status", PlanStatus::parse)?,
            title: get(row, "title")?,
            kind: parse_stored(row, "kind", RoundKind::parse)?,
            scheduled_at: get(row, "scheduled_at")?,
            interviewers: Vec::new(),
            spread: None,
        });
    }
    let Some(user_id) = get::<Option<Uuid>>(row, "interviewer_id")? else {
        return Ok(());
    };
    let recommendation = match get::<Option<String>>(row, "recommendation")? {
        Some(_) => Some(parse_stored(row, "recommendation", Recommendation::parse)?),
        None => None,
    };
    let scorecard_id: Option<Uuid> = get(row, "scorecard_id")?;
    // An interviewer of several rounds is read once.
    if !referenced.users.contains_key(&user_id)
        && let Some(user) = prefixed::<user::Entity>(row, "u_")?
    {
        referenced.users.insert(user_id, user);
    }
    if let Some(round) = rounds.last_mut() {
        round.interviewers.push(InterviewerCall {
            user_id,
            recommendation,
            submitted: scorecard_id.is_some(),
        });
    }
    Ok(())
}

/// The recommendation scores of every submitted call (`STRONG_NO` = 1 …
/// `STRONG_YES` = 4), as integer sums: a candidate has a handful, so they
/// are added up here rather than by window aggregates in the statement.
#[derive(Default)]
struct Scores {
    count: u64,
    sum: i64,
    squares: i64,
}

impl Scores {
    /// The scores of every round's submitted calls; sets each round's
    /// spread (highest minus lowest, none before any) on the way.
    fn of(rounds: &mut [RoundReport]) -> Scores {
        let mut all = Scores::default();
        for round in rounds {
            let scores = round
                .interviewers
                .iter()
                .filter(|call| call.submitted)
                .filter_map(|call| call.recommendation.map(recommendation_score));
            let (mut low, mut high) = (None::<i64>, None::<i64>);
            for score in scores {
                low = Some(low.map_or(score, |l| l.min(score)));
                high = Some(high.map_or(score, |h| h.max(score)));
                all.count += 1;
                all.sum += score;
                all.squares += score * score;
            }
            round.spread = high.zip(low).map(|(h, l)| h - l);
        }
        all
    }

    /// The population variance, `(n·Σx² − (Σx)²) / n²` from exact integer
    /// sums; none without a score.
    fn variance(&self) -> Option<f64> {
        let n = i64::try_from(self.count).ok().filter(|n| *n > 0)?;
        Some((n * self.squares - self.sum * self.sum) as f64 / (n * n) as f64)
    }
}

fn mean(row: &QueryResult, id: Uuid) -> Result<MeanRating> {
    Ok(MeanRating {
        id,
        mean: get(row, "mean")?,
        ratings: count(row, "ratings")?,
    })
}

/// `CAST(NULL AS type) AS {prefix}{column}` for every column of `E`: a
/// branch's stand-in for another branch's record. The casts give
/// PostgreSQL each column's type (a column that is `NULL` in the first
/// two branches of a `UNION` would otherwise be `text`); SQLite takes them
/// as no-ops.
fn nulls<E: sea_orm::EntityTrait>(prefix: &str) -> String {
    use sea_orm::{ColumnTrait, IdenStatic, Iterable};
    E::Column::iter()
        .map(|c| {
            format!(
                "CAST(NULL AS {}) AS {prefix}{}",
                sql_type(c.def().get_column_type()),
                c.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name both backends accept for a column of type `column` in `CAST`.
fn sql_type(column: &sea_orm::sea_query::ColumnType) -> &'static str {
    use sea_orm::sea_query::ColumnType;
    match column {
        ColumnType::Uuid => "UUID",
        ColumnType::SmallInteger => "SMALLINT",
        ColumnType::Integer => "INTEGER",
        ColumnType::BigInteger => "BIGINT",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::TimestampWithTimeZone => "TIMESTAMPTZ",
        ColumnType::Double => "DOUBLE PRECISION",
        _ => "TEXT",
    }
}

/// The report's statement on the rollups, written once per process (and
/// once more with the session check): the text is the same on both
/// backends (`$n` placeholders, standard SQL).
fn report_sql(session: bool) -> &'static str {
    static PLAIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static CHECKED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    match session {
        false => PLAIN.get_or_init(|| build_report_sql(false, Source::Rollups)),
        true => CHECKED.get_or_init(|| build_report_sql(true, Source::Rollups)),
    }
}

/// The category (`section` = [`Section::Category`]) or competency means
/// of candidate `$1` in organization `$2` from `source`, as rows of `id`,
/// `mean` and `ratings`.
fn means(source: Source, section: Section) -> String {
    if source == Source::Rollups {
        return format!(
            "SELECT section_id AS id, \
               CAST(rating_sum AS DOUBLE PRECISION) / ratings AS mean, ratings \
             FROM rollup_candidate_means \
             WHERE organization_id = $2 AND candidate_id = $1 AND kind = '{kind}' \
               AND ratings > 0",
            kind = section.as_str(),
        );
    }
    let (ratings, group) = match section {
        Section::Category => (
            "scorecard_question_ratings x \
             JOIN round_questions rq ON rq.id = x.round_question_id \
             JOIN question_versions qv ON qv.id = rq.question_version_id",
            "qv.category_id",
        ),
        Section::Competency => ("scorecard_competency_ratings x", "x.competency_id"),
    };
    format!(
        "SELECT {group} AS id, \
           CAST(AVG(CAST(x.rating AS DOUBLE PRECISION)) AS DOUBLE PRECISION) AS mean, \
           CAST(COUNT(*) AS BIGINT) AS ratings \
         FROM {ratings} \
         JOIN scorecards s ON s.id = x.scorecard_id \
         JOIN rounds r ON r.id = s.round_id \
         JOIN interview_plans p ON p.id = r.plan_id \
         WHERE s.candidate_id = $1 AND s.organization_id = $2 AND s.status = '{submitted}' \
           AND s.trainee = FALSE AND p.status <> '{cancelled}' \
         GROUP BY {group}",
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
    )
}

/// With `session`, the candidate's branch starts from the signed-in user
/// (`$3`) and carries their stored role, whether they are active and
/// whether session `$4` is live (`s_role`, `s_active`, `s_live`; null in
/// the other branches): present whenever the user is, with the
/// candidate's columns null when the candidate is not found.
fn build_report_sql(session: bool, source: Source) -> String {
    let (session_columns, no_session, candidate_source) = if session {
        (
            ", su.role AS s_role, su.active AS s_active, \
             EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.family_id = $4 \
               AND rt.user_id = su.id AND rt.revoked_at IS NULL) AS s_live",
            ", CAST(NULL AS TEXT) AS s_role, CAST(NULL AS BOOLEAN) AS s_active, \
             CAST(NULL AS BOOLEAN) AS s_live",
            "users su LEFT JOIN candidates c ON c.id = $1 AND c.organization_id = $2 \
             WHERE su.id = $3 AND su.organization_id = $2",
        )
    } else {
        (
            "",
            "",
            "candidates c WHERE c.id = $1 AND c.organization_id = $2",
        )
    };
    let calls = "t.round_id, t.plan_id, t.plan_status, t.title, t.kind, t.position, \
                 t.scheduled_at, t.interviewer_id, t.scorecard_id, t.recommendation";
    let no_calls = "CAST(NULL AS UUID) AS round_id, CAST(NULL AS UUID) AS plan_id, \
                    CAST(NULL AS TEXT) AS plan_status, CAST(NULL AS TEXT) AS title, \
                    CAST(NULL AS TEXT) AS kind, CAST(NULL AS INTEGER) AS position, \
                    CAST(NULL AS TIMESTAMPTZ) AS scheduled_at, \
                    CAST(NULL AS UUID) AS interviewer_id, CAST(NULL AS UUID) AS scorecard_id, \
                    CAST(NULL AS TEXT) AS recommendation";
    format!(
        "SELECT 0 AS part, {candidate_columns}, \
           (SELECT CAST(COUNT(*) AS BIGINT) FROM scorecards o \
             WHERE o.candidate_id = c.id AND o.interviewer_id = $3 \
               AND o.status = '{submitted}') AS own_submitted, \
           {no_calls}, {no_users}, {no_groups}, CAST(NULL AS DOUBLE PRECISION) AS mean, CAST(NULL AS BIGINT) AS ratings \
           {session_columns} \
         FROM {candidate_source} \
         UNION ALL \
         SELECT 1 AS part, {no_candidate}, CAST(NULL AS BIGINT) AS own_submitted, {calls}, {user_columns}, \
           {no_groups}, CAST(NULL AS DOUBLE PRECISION) AS mean, CAST(NULL AS BIGINT) AS ratings {no_session} \
         FROM ( \
           SELECT r.id AS round_id, r.plan_id, p.status AS plan_status, r.title, r.kind, \
             r.position, r.scheduled_at, ri.user_id AS interviewer_id, \
             s.id AS scorecard_id, s.recommendation \
           FROM rounds r \
           JOIN interview_plans p ON p.id = r.plan_id \
           LEFT JOIN round_interviewers ri ON ri.round_id = r.id AND ri.role = '{interviewer}' \
           LEFT JOIN scorecards s ON s.round_id = r.id AND s.interviewer_id = ri.user_id \
             AND s.status = '{submitted}' \
           WHERE p.candidate_id = $1 AND p.organization_id = $2 AND p.status <> '{cancelled}' \
         ) t \
         LEFT JOIN users u ON u.id = t.interviewer_id AND u.organization_id = $2 \
         UNION ALL \
         SELECT 2 AS part, {no_candidate}, CAST(NULL AS BIGINT) AS own_submitted, {no_calls}, {no_users}, \
           {categories}, m.mean, m.ratings {no_session} \
         FROM ({category_means}) m JOIN categories g ON g.id = m.id \
         UNION ALL \
         SELECT 3 AS part, {no_candidate}, CAST(NULL AS BIGINT) AS own_submitted, {no_calls}, {no_users}, \
           {competencies}, m.mean, m.ratings {no_session} \
         FROM ({competency_means}) m JOIN competencies g ON g.id = m.id \
         ORDER BY part, plan_id, position, round_id, u_display_name, interviewer_id, \
           g_position, g_name, g_id",
        candidate_columns = columns::<candidate::Entity>("c", "c_"),
        no_candidate = nulls::<candidate::Entity>("c_"),
        user_columns = columns::<user::Entity>("u", "u_"),
        no_users = nulls::<user::Entity>("u_"),
        categories = columns::<category::Entity>("g", "g_"),
        competencies = columns::<competency::Entity>("g", "g_"),
        no_groups = nulls::<category::Entity>("g_"),
        category_means = means(source, Section::Category),
        competency_means = means(source, Section::Competency),
        submitted = submitted(),
        cancelled = PlanStatus::Cancelled.as_str(),
        interviewer = PanelRole::Interviewer.as_str(),
    )
}
