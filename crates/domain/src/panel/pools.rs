//! Interviewer pools, their members and the training path to `QUALIFIED`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::is_paused;
use crate::actor::{Actor, Permission};
use crate::entity::{
    interviewer_pool, pool_approver, pool_competency, pool_member, round, round_competency,
};
use crate::error::{Error, Problem, Result};
use crate::plan::{check_known, known_competencies, known_interviewers};
use crate::types::{PanelRole, PoolLevel, Role, RoundKind, Text};
use crate::validate;

/// Most shadow or reverse-shadow interviews a training path may require.
pub const TRAINING_MAX: i64 = 50;

/// A pool as a client describes it.
#[derive(Clone, Debug, Default)]
pub struct PoolInput {
    /// Name such as "System design — senior", unique in the organization.
    pub name: String,
    /// Round kinds it qualifies for; empty: any kind.
    pub round_kinds: Vec<RoundKind>,
    /// Competencies it qualifies for; empty: any.
    pub competency_ids: Vec<Uuid>,
    /// Shadow interviews a trainee needs (0–50).
    pub required_shadows: i64,
    /// Reverse-shadow interviews a trainee needs (0–50).
    pub required_reverse_shadows: i64,
    /// Whether a trainee who meets the counts graduates by themselves.
    pub auto_graduate: bool,
    /// Who may graduate trainees; empty: any admin or hiring manager.
    pub approver_ids: Vec<Uuid>,
}

/// A pool with what it qualifies for and who approves its graduations.
#[derive(Clone, Debug)]
pub struct Pool {
    /// The stored pool.
    pub pool: interviewer_pool::Model,
    /// Round kinds it qualifies for; empty: any.
    pub round_kinds: Vec<RoundKind>,
    /// Competencies it qualifies for; empty: any.
    pub competency_ids: Vec<Uuid>,
    /// Who may graduate its trainees; empty: admins and hiring managers.
    pub approver_ids: Vec<Uuid>,
}

impl Pool {
    /// Whether the pool qualifies for a round of `kind` focusing on `focus`.
    pub fn matches(&self, kind: RoundKind, focus: &[Uuid]) -> bool {
        (self.round_kinds.is_empty() || self.round_kinds.contains(&kind))
            && (self.competency_ids.is_empty()
                || self.competency_ids.iter().any(|c| focus.contains(c)))
    }

    /// Whether `actor` may graduate this pool's trainees.
    pub fn may_approve(&self, actor: &Actor) -> bool {
        if self.approver_ids.is_empty() {
            actor.role.allows(Permission::ManagePlans)
        } else {
            self.approver_ids.contains(&actor.user_id)
        }
    }

    /// Whether `member` has done every interview of the training path.
    pub fn path_done(&self, member: &pool_member::Model) -> bool {
        member.shadows_done >= self.pool.required_shadows
            && member.reverse_shadows_done >= self.pool.required_reverse_shadows
    }
}

fn stored_kinds(kinds: &[RoundKind]) -> String {
    let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

fn parse_kinds(stored: &str) -> Vec<RoundKind> {
    stored
        .split(',')
        .filter_map(|name| RoundKind::parse("roundKinds", name).ok())
        .collect()
}

fn count(field: &str, value: i64) -> Result<i32, Problem> {
    if (0..=TRAINING_MAX).contains(&value) {
        Ok(value as i32)
    } else {
        Err(Problem::new(
            field,
            format!("must be from 0 to {TRAINING_MAX} interviews, got {value}"),
        ))
    }
}

struct ValidPool {
    name: Text,
    shadows: i32,
    reverse_shadows: i32,
    competencies: Vec<Uuid>,
    approvers: Vec<Uuid>,
}

async fn validate_pool(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &PoolInput,
) -> Result<ValidPool> {
    let competencies = known_competencies(db, actor, &input.competency_ids).await?;
    let approvers = known_interviewers(db, actor, &input.approver_ids).await?;
    validate! {
        let name = Text::parse("name", &input.name, 200);
        let shadows = count("requiredShadows", input.required_shadows);
        let reverse_shadows = count("requiredReverseShadows", input.required_reverse_shadows);
        let competencies = check_known("competencyIds", &input.competency_ids, &competencies, "competency");
        let approvers = check_known("approverIds", &input.approver_ids, &approvers, "user who may approve (any role but VIEWER)");
    }
    Ok(ValidPool {
        name,
        shadows,
        reverse_shadows,
        competencies,
        approvers,
    })
}

async fn replace_pool_links<C: ConnectionTrait>(
    db: &C,
    pool_id: Uuid,
    valid: &ValidPool,
) -> Result<()> {
    pool_competency::Entity::delete_many()
        .filter(pool_competency::Column::PoolId.eq(pool_id))
        .exec(db)
        .await?;
    pool_approver::Entity::delete_many()
        .filter(pool_approver::Column::PoolId.eq(pool_id))
        .exec(db)
        .await?;
    if !valid.competencies.is_empty() {
        pool_competency::Entity::insert_many(valid.competencies.iter().map(|&competency_id| {
            pool_competency::ActiveModel {
                pool_id: Set(pool_id),
                competency_id: Set(competency_id),
            }
        }))
        .exec(db)
        .await?;
    }
    if !valid.approvers.is_empty() {
        pool_approver::Entity::insert_many(valid.approvers.iter().map(|&user_id| {
            pool_approver::ActiveModel {
                pool_id: Set(pool_id),
                user_id: Set(user_id),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

fn name_taken(name: &str) -> impl FnOnce(sea_orm::DbErr) -> Error + '_ {
    move |err| {
        if crate::error::is_unique_violation(&err) {
            Error::invalid("name", format!("a pool named \"{name}\" already exists"))
        } else {
            Error::from(err)
        }
    }
}

/// Creates a pool; admins and hiring managers.
pub async fn create_pool(db: &DatabaseConnection, actor: &Actor, input: PoolInput) -> Result<Pool> {
    actor.require(Permission::ManagePlans)?;
    let valid = validate_pool(db, actor, &input).await?;
    let txn = crate::db::begin_write(db).await?;
    let created = interviewer_pool::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        name: Set(valid.name.as_str().to_owned()),
        round_kinds: Set(stored_kinds(&input.round_kinds)),
        required_shadows: Set(valid.shadows),
        required_reverse_shadows: Set(valid.reverse_shadows),
        auto_graduate: Set(input.auto_graduate),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(name_taken(valid.name.as_str()))?;
    replace_pool_links(&txn, created.id, &valid).await?;
    txn.commit().await?;
    pool(db, actor, created.id).await
}

/// Replaces a pool's fields; members and their progress stay.
pub async fn update_pool(
    db: &DatabaseConnection,
    actor: &Actor,
    pool_id: Uuid,
    input: PoolInput,
) -> Result<Pool> {
    actor.require(Permission::ManagePlans)?;
    let existing = pool(db, actor, pool_id).await?;
    let valid = validate_pool(db, actor, &input).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut active: interviewer_pool::ActiveModel = existing.pool.into();
    active.name = Set(valid.name.as_str().to_owned());
    active.round_kinds = Set(stored_kinds(&input.round_kinds));
    active.required_shadows = Set(valid.shadows);
    active.required_reverse_shadows = Set(valid.reverse_shadows);
    active.auto_graduate = Set(input.auto_graduate);
    active
        .update(&txn)
        .await
        .map_err(name_taken(valid.name.as_str()))?;
    replace_pool_links(&txn, pool_id, &valid).await?;
    txn.commit().await?;
    pool(db, actor, pool_id).await
}

/// Deletes a pool with its memberships (assignments made stay).
pub async fn delete_pool(db: &DatabaseConnection, actor: &Actor, pool_id: Uuid) -> Result<()> {
    actor.require(Permission::ManagePlans)?;
    pool(db, actor, pool_id).await?;
    interviewer_pool::Entity::delete_by_id(pool_id)
        .exec(db)
        .await?;
    Ok(())
}

/// The organization's pools by name, each with its kinds, competencies and
/// approvers: three statements. Any signed-in role reads them.
pub async fn pools<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<Vec<Pool>> {
    pools_of(db, actor.organization_id).await
}

async fn pools_of<C: ConnectionTrait>(db: &C, organization_id: Uuid) -> Result<Vec<Pool>> {
    let stored = interviewer_pool::Entity::find()
        .filter(interviewer_pool::Column::OrganizationId.eq(organization_id))
        .order_by_asc(interviewer_pool::Column::Name)
        .order_by_asc(interviewer_pool::Column::Id)
        .all(db)
        .await?;
    if stored.is_empty() {
        return Ok(Vec::new());
    }
    let of_organization = || {
        Query::select()
            .column(interviewer_pool::Column::Id)
            .from(interviewer_pool::Entity)
            .and_where(interviewer_pool::Column::OrganizationId.eq(organization_id))
            .to_owned()
    };
    let mut competencies: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in pool_competency::Entity::find()
        .filter(pool_competency::Column::PoolId.in_subquery(of_organization()))
        .all(db)
        .await?
    {
        competencies
            .entry(link.pool_id)
            .or_default()
            .push(link.competency_id);
    }
    let mut approvers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in pool_approver::Entity::find()
        .filter(pool_approver::Column::PoolId.in_subquery(of_organization()))
        .all(db)
        .await?
    {
        approvers
            .entry(link.pool_id)
            .or_default()
            .push(link.user_id);
    }
    Ok(stored
        .into_iter()
        .map(|pool| {
            let mut competency_ids = competencies.remove(&pool.id).unwrap_or_default();
            competency_ids.sort();
            let mut approver_ids = approvers.remove(&pool.id).unwrap_or_default();
            approver_ids.sort();
            Pool {
                round_kinds: parse_kinds(&pool.round_kinds),
                pool,
                competency_ids,
                approver_ids,
            }
        })
        .collect())
}

/// One pool of the actor's organization.
pub async fn pool<C: ConnectionTrait>(db: &C, actor: &Actor, pool_id: Uuid) -> Result<Pool> {
    pools(db, actor)
        .await?
        .into_iter()
        .find(|p| p.pool.id == pool_id)
        .ok_or(Error::NotFound { entity: "pool" })
}

/// Members of the given pools of the actor's organization, by pool and join time.
pub async fn members_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    pool_ids: &[Uuid],
) -> Result<Vec<pool_member::Model>> {
    if pool_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(pool_member::Entity::find()
        .filter(
            pool_member::Column::PoolId.in_subquery(
                Query::select()
                    .column(interviewer_pool::Column::Id)
                    .from(interviewer_pool::Entity)
                    .and_where(interviewer_pool::Column::OrganizationId.eq(actor.organization_id))
                    .and_where(interviewer_pool::Column::Id.is_in(pool_ids.to_vec()))
                    .to_owned(),
            ),
        )
        .order_by_asc(pool_member::Column::PoolId)
        .order_by_asc(pool_member::Column::JoinedAt)
        .order_by_asc(pool_member::Column::UserId)
        .all(db)
        .await?)
}

async fn member<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    pool_id: Uuid,
    user_id: Uuid,
) -> Result<(Pool, pool_member::Model)> {
    let pool = pool(db, actor, pool_id).await?;
    let found = pool_member::Entity::find_by_id((pool_id, user_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound {
            entity: "pool member",
        })?;
    Ok((pool, found))
}

/// Adds a user to a pool at `level`: `QUALIFIED` for someone who already
/// interviews, a trainee level to start the training path. A member's
/// level then changes only by training and graduation.
pub async fn add_member(
    db: &DatabaseConnection,
    actor: &Actor,
    pool_id: Uuid,
    user_id: Uuid,
    level: PoolLevel,
) -> Result<pool_member::Model> {
    actor.require(Permission::ManagePlans)?;
    let pool = pool(db, actor, pool_id).await?;
    if known_interviewers(db, actor, &[user_id]).await?.is_empty() {
        return Err(Error::invalid(
            "userId",
            "no such user in your organization who may interview (any role but VIEWER)",
        ));
    }
    let added = pool_member::ActiveModel {
        pool_id: Set(pool.pool.id),
        user_id: Set(user_id),
        level: Set(level),
        paused: Set(false),
        paused_until: Set(None),
        shadows_done: Set(0),
        reverse_shadows_done: Set(0),
        graduated_by: Set(None),
        graduated_at: Set(None),
        joined_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|err| {
        if crate::error::is_unique_violation(&err) {
            Error::Conflict(format!(
                "the user is already a member of \"{}\"; graduate, pause or remove them instead",
                pool.pool.name
            ))
        } else {
            Error::from(err)
        }
    })?;
    Ok(added)
}

/// Removes a user from a pool (their progress goes with the membership).
pub async fn remove_member(
    db: &DatabaseConnection,
    actor: &Actor,
    pool_id: Uuid,
    user_id: Uuid,
) -> Result<()> {
    actor.require(Permission::ManagePlans)?;
    member(db, actor, pool_id, user_id).await?;
    pool_member::Entity::delete_by_id((pool_id, user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Pauses a member (leave, on-call, too many interviews lately) until
/// `until`, or until resumed when `None`. Paused members are not
/// suggested and do not count as qualified.
pub async fn pause_member(
    db: &DatabaseConnection,
    actor: &Actor,
    pool_id: Uuid,
    user_id: Uuid,
    until: Option<DateTime<Utc>>,
) -> Result<pool_member::Model> {
    actor.require(Permission::ManagePlans)?;
    let (_, found) = member(db, actor, pool_id, user_id).await?;
    if let Some(until) = until
        && until <= Utc::now()
    {
        return Err(Error::invalid(
            "until",
            "must be in the future; leave it out to pause until resumed",
        ));
    }
    let mut active: pool_member::ActiveModel = found.into();
    active.paused = Set(true);
    active.paused_until = Set(until);
    Ok(active.update(db).await?)
}

/// Ends a member's pause.
pub async fn resume_member(
    db: &DatabaseConnection,
    actor: &Actor,
    pool_id: Uuid,
    user_id: Uuid,
) -> Result<pool_member::Model> {
    actor.require(Permission::ManagePlans)?;
    let (_, found) = member(db, actor, pool_id, user_id).await?;
    let mut active: pool_member::ActiveModel = found.into();
    active.paused = Set(false);
    active.paused_until = Set(None);
    Ok(active.update(db).await?)
}

/// Graduates a trainee to `QUALIFIED`: only once the training path's counts
/// are met, and only by one of the pool's approvers (any admin or hiring
/// manager when it names none).
pub async fn graduate(
    db: &DatabaseConnection,
    actor: &Actor,
    pool_id: Uuid,
    user_id: Uuid,
) -> Result<pool_member::Model> {
    if actor.role == Role::Viewer {
        return Err(Error::Forbidden {
            action: "graduate trainees",
            role: actor.role,
        });
    }
    let (pool, found) = member(db, actor, pool_id, user_id).await?;
    if !pool.may_approve(actor) {
        return Err(Error::Forbidden {
            action: "graduate trainees of this pool (only its approvers may)",
            role: actor.role,
        });
    }
    if found.level == PoolLevel::Qualified {
        return Err(Error::Conflict(format!(
            "the member is already QUALIFIED in \"{}\"",
            pool.pool.name
        )));
    }
    if !pool.path_done(&found) {
        return Err(Error::Conflict(format!(
            "the training path of \"{}\" is not done: {} of {} shadow and {} of {} reverse-shadow interviews",
            pool.pool.name,
            found.shadows_done,
            pool.pool.required_shadows,
            found.reverse_shadows_done,
            pool.pool.required_reverse_shadows
        )));
    }
    let mut active: pool_member::ActiveModel = found.into();
    active.level = Set(PoolLevel::Qualified);
    active.graduated_by = Set(Some(actor.user_id));
    active.graduated_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

/// The pools of an organization and the memberships of some users, as the
/// assignment, publishing and suggestion checks read them.
#[derive(Clone, Debug, Default)]
pub struct Qualifications {
    /// Every pool of the organization.
    pub pools: Vec<Pool>,
    /// Memberships of the users asked for.
    pub members: Vec<pool_member::Model>,
}

impl Qualifications {
    /// Pools and the memberships of `users` (every member when `None`):
    /// four statements.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        organization_id: Uuid,
        users: Option<&[Uuid]>,
    ) -> Result<Qualifications> {
        let pools = pools_of(db, organization_id).await?;
        if pools.is_empty() {
            return Ok(Qualifications::default());
        }
        let mut query = pool_member::Entity::find().filter(
            pool_member::Column::PoolId.is_in(pools.iter().map(|p| p.pool.id).collect::<Vec<_>>()),
        );
        if let Some(users) = users {
            if users.is_empty() {
                return Ok(Qualifications {
                    pools,
                    members: Vec::new(),
                });
            }
            query = query.filter(pool_member::Column::UserId.is_in(users.to_vec()));
        }
        let members = query
            .order_by_asc(pool_member::Column::UserId)
            .order_by_asc(pool_member::Column::PoolId)
            .all(db)
            .await?;
        Ok(Qualifications { pools, members })
    }

    fn pool(&self, id: Uuid) -> Option<&Pool> {
        self.pools.iter().find(|p| p.pool.id == id)
    }

    /// Unpaused memberships of `user` at `level` in pools matching a round.
    pub fn matching(
        &self,
        user: Uuid,
        level: PoolLevel,
        kind: RoundKind,
        focus: &[Uuid],
        now: DateTime<Utc>,
    ) -> Vec<(&Pool, &pool_member::Model)> {
        self.members
            .iter()
            .filter(|m| m.user_id == user && m.level == level && !is_paused(m, now))
            .filter_map(|m| self.pool(m.pool_id).map(|p| (p, m)))
            .filter(|(p, _)| p.matches(kind, focus))
            .collect()
    }

    /// Whether `user` is qualified for a round of `kind` focusing on `focus`.
    pub fn qualified(
        &self,
        user: Uuid,
        kind: RoundKind,
        focus: &[Uuid],
        now: DateTime<Utc>,
    ) -> bool {
        !self
            .matching(user, PoolLevel::Qualified, kind, focus, now)
            .is_empty()
    }
}

/// The trainee level that a panel role trains.
pub(crate) fn level_of(role: PanelRole) -> Option<PoolLevel> {
    match role {
        PanelRole::Interviewer => None,
        PanelRole::Shadow => Some(PoolLevel::TraineeShadow),
        PanelRole::ReverseShadow => Some(PoolLevel::TraineeReverseShadow),
    }
}

/// Counts a trainee's submitted round toward their training path, in the
/// scorecard's transaction: every matching pool where they train at the
/// level the role trains gains one interview. A shadow who has done the
/// path's shadow interviews moves on to reverse shadowing; one who has done
/// every interview graduates by themselves when the pool says so, and
/// otherwise waits for an approver.
pub(crate) async fn record_training<C: ConnectionTrait>(
    txn: &C,
    organization_id: Uuid,
    round: &round::Model,
    user_id: Uuid,
    role: PanelRole,
) -> Result<()> {
    let Some(level) = level_of(role) else {
        return Ok(());
    };
    let focus: Vec<Uuid> = round_competency::Entity::find()
        .filter(round_competency::Column::RoundId.eq(round.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.competency_id)
        .collect();
    let known = Qualifications::load(txn, organization_id, Some(&[user_id])).await?;
    let now = Utc::now();
    for (pool, found) in known.matching(user_id, level, round.kind, &focus, now) {
        // Counted in the database, not read-modify-write: two rounds of one
        // trainee submitted at once each add theirs. Only while the member
        // still trains at this level.
        let counter = if level == PoolLevel::TraineeShadow {
            pool_member::Column::ShadowsDone
        } else {
            pool_member::Column::ReverseShadowsDone
        };
        let counted = pool_member::Entity::update_many()
            .col_expr(counter, Expr::col(counter).add(1))
            .filter(pool_member::Column::PoolId.eq(found.pool_id))
            .filter(pool_member::Column::UserId.eq(user_id))
            .filter(pool_member::Column::Level.eq(level))
            .exec(txn)
            .await?;
        if counted.rows_affected == 0 {
            continue;
        }
        let Some(mut current) = pool_member::Entity::find_by_id((found.pool_id, user_id))
            .one(txn)
            .await?
        else {
            continue;
        };
        let before = current.level;
        if current.level == PoolLevel::TraineeShadow
            && current.shadows_done >= pool.pool.required_shadows
        {
            current.level = PoolLevel::TraineeReverseShadow;
        }
        if current.level == PoolLevel::TraineeReverseShadow
            && pool.path_done(&current)
            && pool.pool.auto_graduate
        {
            current.level = PoolLevel::Qualified;
            current.graduated_at = Some(now);
        }
        if current.level != before {
            pool_member::Entity::update_many()
                .col_expr(
                    pool_member::Column::Level,
                    Expr::value(current.level.as_str()),
                )
                .col_expr(
                    pool_member::Column::GraduatedAt,
                    Expr::value(current.graduated_at),
                )
                .filter(pool_member::Column::PoolId.eq(found.pool_id))
                .filter(pool_member::Column::UserId.eq(user_id))
                .filter(pool_member::Column::Level.eq(before))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}
