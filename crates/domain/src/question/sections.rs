//! An organization's own categories and competencies, added to the ones
//! every organization starts with.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{category, competency};
use crate::error::{Result, conflict_on_unique};
use crate::types::Text;
use crate::validate;

/// Longest category or competency name.
pub const NAME_MAX: usize = 100;
/// Longest description.
pub const DESCRIPTION_MAX: usize = 1_000;

/// Categories of the actor's organization, in display order.
pub async fn categories<C: ConnectionTrait>(db: &C, actor: &Actor) -> Result<Vec<category::Model>> {
    listed::<_, category::Entity>(
        db,
        actor,
        category::Column::OrganizationId,
        category::Column::Position,
        category::Column::Name,
    )
    .await
}

/// Competencies of the actor's organization, in display order.
pub async fn competencies<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<Vec<competency::Model>> {
    listed::<_, competency::Entity>(
        db,
        actor,
        competency::Column::OrganizationId,
        competency::Column::Position,
        competency::Column::Name,
    )
    .await
}

/// The organization's rows of `E` (categories or competencies) by position,
/// then name.
async fn listed<C: ConnectionTrait, E: EntityTrait>(
    db: &C,
    actor: &Actor,
    organization: E::Column,
    position: E::Column,
    name: E::Column,
) -> Result<Vec<E::Model>> {
    Ok(E::find()
        .filter(organization.eq(actor.organization_id))
        .order_by_asc(position)
        .order_by_asc(name)
        .all(db)
        .await?)
}

/// Adds a category to the bank, listed after the existing ones. Names are
/// unique in the organization.
pub async fn create_category(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<category::Model> {
    let (name, description) = parse(actor, name, description)?;
    let position = next_position::<category::Entity>(
        db,
        actor,
        category::Column::OrganizationId,
        category::Column::Position,
    )
    .await?;
    let conflict = format!("a category named \"{}\" already exists", name.as_str());
    category::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        name: Set(name.into_inner()),
        description: Set(description.into_inner()),
        position: Set(position),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(conflict_on_unique(conflict))
}

/// Adds a competency interviewers can rate, listed after the existing ones.
/// Names are unique in the organization.
pub async fn create_competency(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<competency::Model> {
    let (name, description) = parse(actor, name, description)?;
    let position = next_position::<competency::Entity>(
        db,
        actor,
        competency::Column::OrganizationId,
        competency::Column::Position,
    )
    .await?;
    let conflict = format!("a competency named \"{}\" already exists", name.as_str());
    competency::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        name: Set(name.into_inner()),
        description: Set(description.into_inner()),
        position: Set(position),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(conflict_on_unique(conflict))
}

/// Checks the permission and both fields of a new category or competency.
fn parse(actor: &Actor, name: &str, description: &str) -> Result<(Text, Text)> {
    actor.require(Permission::ManageBank)?;
    validate! {
        let name = Text::parse("name", name, NAME_MAX);
        let description = Text::parse_optional("description", description, DESCRIPTION_MAX);
    }
    Ok((name, description))
}

/// The position after the last one of the actor's organization in `E`.
async fn next_position<E: EntityTrait>(
    db: &DatabaseConnection,
    actor: &Actor,
    organization: E::Column,
    position: E::Column,
) -> Result<i32> {
    let last: Option<Option<i32>> = E::find()
        .select_only()
        .expr(position.max())
        .filter(organization.eq(actor.organization_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().map_or(0, |p| p + 1))
}
