//! Organizations and their users: sign-up, user creation, sign-in; the
//! lifecycle of an account (role, deactivation, passwords) is in
//! [`lifecycle`], the organization's list of users in [`list`].

mod lifecycle;
mod list;

pub use lifecycle::{UserUpdate, change_password, deactivate, reactivate, reset_password, update};
pub use list::{UserFilter, page};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::bank;
use crate::entity::{organization, user};
use crate::error::{Error, Result};
use crate::event::{self, EventType, NewEvent};
use crate::password;
use crate::types::{Email, Password, Role, Text};
use crate::validate;

/// A user as colleagues see them: everything but the organization and the
/// password hash, for reads that list people beside other records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The user.
    pub id: Uuid,
    /// Sign-in email.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// When the user was created.
    pub created_at: chrono::DateTime<Utc>,
    /// False once deactivated.
    pub active: bool,
    /// When the user was deactivated, if they are.
    pub deactivated_at: Option<chrono::DateTime<Utc>>,
    /// The user's own daily interview limit.
    pub daily_interview_limit: Option<i32>,
    /// The user's own weekly interview limit.
    pub weekly_interview_limit: Option<i32>,
}

impl Profile {
    /// The columns of `users` a profile is read from, in the order
    /// [`Profile::read`] takes them.
    pub const COLUMNS: [user::Column; 9] = [
        user::Column::Id,
        user::Column::Email,
        user::Column::DisplayName,
        user::Column::Role,
        user::Column::CreatedAt,
        user::Column::Active,
        user::Column::DeactivatedAt,
        user::Column::DailyInterviewLimit,
        user::Column::WeeklyInterviewLimit,
    ];

    /// The profile whose [`Profile::COLUMNS`] start at column `at` of
    /// `row`; `None` when a left join found no user (its id is NULL).
    pub fn read(row: &sea_orm::QueryResult, at: usize) -> Result<Option<Profile>> {
        let Some(id) = row.try_get_by_index::<Option<Uuid>>(at)? else {
            return Ok(None);
        };
        Ok(Some(Profile {
            id,
            email: row.try_get_by_index(at + 1)?,
            display_name: row.try_get_by_index(at + 2)?,
            role: row.try_get_by_index(at + 3)?,
            created_at: row.try_get_by_index(at + 4)?,
            active: row.try_get_by_index(at + 5)?,
            deactivated_at: row.try_get_by_index(at + 6)?,
            daily_interview_limit: row.try_get_by_index(at + 7)?,
            weekly_interview_limit: row.try_get_by_index(at + 8)?,
        }))
    }
}

/// What is needed to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Sign-in email, unique across all organizations.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// Password as typed.
    pub password: String,
}

/// Creates a new organization with its first administrator and its own copy
/// of the default question bank, all or nothing.
pub async fn sign_up(
    db: &DatabaseConnection,
    organization_name: &str,
    admin: NewUser,
) -> Result<(organization::Model, user::Model)> {
    validate! {
        let name = Text::parse("organizationName", organization_name, 200);
        let fields = parse_new_user(&admin);
    }
    let (email, display_name, password) = fields;
    let password_hash = password::hash(password).await?;
    let txn = crate::db::begin_write(db).await?;
    let organization = insert_organization(&txn, name).await?;
    let user = insert_user(
        &txn,
        organization.id,
        email,
        display_name,
        Role::Admin,
        password_hash,
        Taken::Unusable,
    )
    .await?;
    bank::seed(&txn, organization.id, Some(user.id)).await?;
    record_created(&txn, &user, Some(user.id)).await?;
    event::commit(txn).await?;
    Ok((organization, user))
}

/// Creates a user in the actor's organization (administrators only).
pub async fn create_user<C: TransactionTrait<Transaction = sea_orm::DatabaseTransaction>>(
    db: &C,
    actor: &Actor,
    new: NewUser,
) -> Result<user::Model> {
    actor.require(Permission::ManageUsers)?;
    let (email, display_name, password) = parse_new_user(&new)?;
    let password_hash = password::hash(password).await?;
    let txn = crate::db::begin_write(db).await?;
    let created = insert_user(
        &txn,
        actor.organization_id,
        email,
        display_name,
        new.role,
        password_hash,
        Taken::Unusable,
    )
    .await?;
    record_created(&txn, &created, Some(actor.user_id)).await?;
    event::commit(txn).await?;
    Ok(created)
}

/// Records `user.created` for `user`, caused by `by`.
async fn record_created<C: ConnectionTrait>(
    txn: &C,
    user: &user::Model,
    by: Option<Uuid>,
) -> Result<()> {
    let data = json!({"userId": user.id, "role": user.role.as_str()});
    let new = NewEvent::new(EventType::UserCreated, user.id, data);
    event::record(txn, user.organization_id, by, new).await?;
    Ok(())
}

/// Creates a user in `organization_id` without an actor: for the operator's
/// `user create` command, which runs with database access.
pub async fn create_user_as_operator<
    C: TransactionTrait<Transaction = sea_orm::DatabaseTransaction>,
>(
    db: &C,
    organization_id: Uuid,
    new: NewUser,
) -> Result<user::Model> {
    let (email, display_name, password) = parse_new_user(&new)?;
    let password_hash = password::hash(password).await?;
    let txn = crate::db::begin_write(db).await?;
    let created = insert_user(
        &txn,
        organization_id,
        email,
        display_name,
        new.role,
        password_hash,
        Taken::Exists,
    )
    .await?;
    record_created(&txn, &created, None).await?;
    event::commit(txn).await?;
    Ok(created)
}

/// The organization named `name`, if there is one.
pub async fn find_organization<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> Result<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Name.eq(name.trim()))
        .one(db)
        .await?)
}

/// The organization named `name`, created (with the default bank) if none
/// is; `true` when it was created now.
pub async fn ensure_organization(
    db: &DatabaseConnection,
    name: &str,
) -> Result<(organization::Model, bool)> {
    let name = Text::parse("organization", name, 200)?;
    if let Some(existing) = find_organization(db, name.as_str()).await? {
        return Ok((existing, false));
    }
    let txn = crate::db::begin_write(db).await?;
    let organization = insert_organization(&txn, name).await?;
    bank::seed(&txn, organization.id, None).await?;
    txn.commit().await?;
    Ok((organization, true))
}

/// Inserts the organization row only; callers add its bank in the same
/// transaction.
async fn insert_organization<C: ConnectionTrait>(
    db: &C,
    name: Text,
) -> Result<organization::Model> {
    Ok(organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.into_inner()),
        created_at: Set(Utc::now()),
        retention_days: Set(None),
        daily_interview_limit: Set(None),
        weekly_interview_limit: Set(None),
        feedback_due_hours: Set(24),
        require_qualification: Set(false),
    }
    .insert(db)
    .await?)
}

/// The user with `email` when `password` matches; otherwise
/// [`Error::InvalidCredentials`], with the same message and cost whether the
/// email is unknown or the password wrong.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: &str,
) -> Result<user::Model> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?;
    let stored = found.as_ref().map(|user| user.password_hash.clone());
    if !password::verify(password.to_owned(), stored).await? {
        return Err(Error::InvalidCredentials);
    }
    match found {
        Some(user) if user.active => Ok(user),
        // Said only to whoever knows the password.
        Some(_) => Err(Error::Deactivated),
        None => Err(Error::InvalidCredentials),
    }
}

/// A user of the actor's organization.
pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> Result<user::Model> {
    let found = user::Entity::find_by_id(id).one(db).await?;
    actor.own(found, |user| user.organization_id, "user")
}

/// Users of the actor's organization with the given ids.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<user::Model>> {
    crate::query::owned_by_ids::<_, user::Entity>(
        db,
        actor,
        ids,
        user::Column::Id,
        user::Column::OrganizationId,
    )
    .await
}

fn parse_new_user(new: &NewUser) -> Result<(Email, Text, Password), Vec<crate::error::Problem>> {
    match (
        Email::parse("email", &new.email),
        Text::parse("displayName", &new.display_name, 200),
        Password::parse("password", &new.password),
    ) {
        (Ok(email), Ok(name), Ok(password)) => Ok((email, name, password)),
        results => Err(crate::error::collect_problems(results)),
    }
}

/// How a taken email is reported to whoever asked.
#[derive(Clone, Copy)]
enum Taken {
    /// To a user of the API: the same answer whether the address belongs to
    /// someone in the caller's organization or in another one, so the API
    /// does not tell anyone which addresses have accounts elsewhere.
    Unusable,
    /// To the operator, who can read the database anyway: plainly.
    Exists,
}

impl Taken {
    fn error(self, email: &Email) -> Error {
        match self {
            Taken::Unusable => Error::invalid(
                "email",
                "this address cannot be used for a new account; use another one",
            ),
            Taken::Exists => Error::Conflict(format!(
                "a user with email {} already exists",
                email.as_str()
            )),
        }
    }
}

async fn insert_user<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    email: Email,
    display_name: Text,
    role: Role,
    password_hash: String,
    taken: Taken,
) -> Result<user::Model> {
    let refusal = taken.error(&email);
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        email: Set(email.into_inner()),
        display_name: Set(display_name.into_inner()),
        role: Set(role),
        password_hash: Set(password_hash),
        created_at: Set(Utc::now()),
        active: Set(true),
        deactivated_at: Set(None),
        daily_interview_limit: Set(None),
        weekly_interview_limit: Set(None),
    }
    .insert(db)
    .await
    .map_err(|err| match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => refusal,
        _ => Error::from(err),
    })
}
