//! Listing candidates with filters and cursor pagination.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Statement,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{candidate, interview_plan, round};
use crate::error::Result;
use crate::page::{Page, PageRequest};
use crate::plan::OwnedRounds;
use crate::query::{
    check_filter_text, check_filter_values, columns, contains_text, keyset_page, prefixed,
    prefixed_required,
};
use crate::types::{Level, Stage};

/// Which candidates to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct CandidateFilter {
    /// Candidates in any of these stages (all stages when empty).
    pub stages: Vec<Stage>,
    /// Candidates for this position title, ignoring case.
    pub position: Option<String>,
    /// Candidates targeted at this level.
    pub level: Option<Level>,
    /// Case-insensitive text to find in the name or email.
    pub search: Option<String>,
}

impl CandidateFilter {
    /// Every problem of the filter: text too long, too many values.
    pub fn check(&self) -> Result<()> {
        let problems: Vec<_> = [
            check_filter_text("filter.search", self.search.as_deref()),
            check_filter_text("filter.position", self.position.as_deref()),
            check_filter_values("filter.stages", self.stages.len()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into())
        }
    }

    /// The filtered query over the actor's organization, once the filter
    /// passes [`CandidateFilter::check`].
    pub fn query(&self, actor: &Actor) -> Result<Select<candidate::Entity>> {
        self.check()?;
        let mut query = candidate::Entity::find()
            .filter(candidate::Column::OrganizationId.eq(actor.organization_id));
        if !self.stages.is_empty() {
            query = query.filter(candidate::Column::Stage.is_in(self.stages.clone()));
        }
        if let Some(level) = self.level {
            query = query.filter(candidate::Column::TargetLevel.eq(level));
        }
        if let Some(position) = non_blank(&self.position) {
            query = query.filter(
                Expr::expr(Func::lower(Expr::col(candidate::Column::PositionTitle)))
                    .eq(position.to_lowercase()),
            );
        }
        if let Some(search) = contains_text(
            &[candidate::Column::Name, candidate::Column::Email],
            self.search.as_deref(),
        ) {
            query = query.filter(search);
        }
        Ok(query)
    }
}

fn non_blank(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A page of the actor's candidates matching `filter`, oldest first; any
/// role of the organization may list them.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &CandidateFilter,
    page: PageRequest,
) -> Result<Page<candidate::Model>> {
    keyset_page(db, filter.query(actor)?, candidate::Column::Id, page).await
}

/// A candidate of a page with its plans, oldest first, each with its
/// rounds in order when they were asked for (else none).
pub type CandidateWithPlans = (
    candidate::Model,
    Vec<(interview_plan::Model, Vec<round::Model>)>,
);

/// The page [`list`] reads, each candidate with its plans (and, with
/// `rounds`, their rounds, which it returns as [`OwnedRounds`] too, to read
/// below them): one statement for the three levels, plus the count when
/// the page asks for it.
pub async fn list_with_plans<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &CandidateFilter,
    page: PageRequest,
    rounds: bool,
) -> Result<(Page<CandidateWithPlans>, OwnedRounds)> {
    let query = filter.query(actor)?;
    let total = if page.count {
        query.clone().count(db).await?
    } else {
        0
    };
    // The page's ids first, in (organization, id) order: the
    // organization's own index gives them without reading other
    // organizations' rows (from the primary key, PostgreSQL would skip
    // every older organization's candidates). The page size is written
    // into the statement, so PostgreSQL plans it once per page size and
    // reuses the plan.
    let mut window = query
        .select_only()
        .column(candidate::Column::Id)
        .order_by_asc(candidate::Column::OrganizationId)
        .order_by_asc(candidate::Column::Id);
    if let Some(after) = page.after {
        window = window.filter(candidate::Column::Id.gt(after));
    }
    let backend = db.get_database_backend();
    let inner = window.build(backend);
    let plans_and_rounds = if rounds {
        format!(
            "{plans}, {rounds} FROM ({inner} LIMIT {limit}) k \
             JOIN candidates c ON c.id = k.id \
             LEFT JOIN interview_plans p ON p.candidate_id = c.id \
               AND p.organization_id = c.organization_id \
             LEFT JOIN rounds r ON r.plan_id = p.id \
             ORDER BY c.id, p.id, r.position",
            plans = columns::<interview_plan::Entity>("p", "p_"),
            rounds = columns::<round::Entity>("r", "r_"),
            inner = inner.sql,
            limit = page.first + 1,
        )
    } else {
        format!(
            "{plans} FROM ({inner} LIMIT {limit}) k \
             JOIN candidates c ON c.id = k.id \
             LEFT JOIN interview_plans p ON p.candidate_id = c.id \
               AND p.organization_id = c.organization_id \
             ORDER BY c.id, p.id",
            plans = columns::<interview_plan::Entity>("p", "p_"),
            inner = inner.sql,
            limit = page.first + 1,
        )
    };
    let sql = format!(
        "SELECT {candidates}, {plans_and_rounds}",
        candidates = columns::<candidate::Entity>("c", "c_"),
    );
    let values = inner.values.map(|v| v.0).unwrap_or_default();
    let statement = Statement::from_sql_and_values(backend, sql, values);
    let rows = db.query_all_raw(statement).await?;
    let mut out: Vec<CandidateWithPlans> = Vec::new();
    for row in &rows {
        let id: Uuid = row.try_get("c_", "id")?;
        if out.last().is_none_or(|(c, _)| c.id != id) {
            out.push((
                prefixed_required::<candidate::Entity>(row, "c_")?,
                Vec::new(),
            ));
        }
        let Some((_, plans)) = out.last_mut() else {
            continue;
        };
        let plan_id: Option<Uuid> = row.try_get("p_", "id")?;
        let Some(plan_id) = plan_id else {
            continue;
        };
        if plans.last().is_none_or(|(p, _)| p.id != plan_id) {
            plans.push((
                prefixed_required::<interview_plan::Entity>(row, "p_")?,
                Vec::new(),
            ));
        }
        if rounds
            && let (Some(round), Some((_, list))) =
                (prefixed::<round::Entity>(row, "r_")?, plans.last_mut())
        {
            list.push(round);
        }
    }
    let page = Page::from_rows(out, page.first, total);
    let owned = page
        .items
        .iter()
        .flat_map(|(_, plans)| {
            plans
                .iter()
                .flat_map(|(_, rounds)| rounds.iter().map(|r| r.id))
        })
        .collect();
    Ok((page, OwnedRounds::checked(owned)))
}
