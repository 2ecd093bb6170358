//! Webhook endpoints of an organization (administrators only): where its
//! events are sent, which types, and the secret deliveries are signed with.
//! What is sent and when is in [`delivery`].
//!
//! Secrets follow the Standard Webhooks format, `whsec_` and the base64 of
//! 24 random bytes; they are shown once, when created or rotated. After a
//! rotation the previous secret stays valid for [`ROTATION_GRACE`] and
//! deliveries carry a signature with each, so receivers can switch over.

pub mod delivery;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::actor::{Actor, Permission};
use crate::entity::{webhook_attempt, webhook_endpoint};
use crate::error::{Error, Problem, Result};
use crate::event::EventType;
use crate::types::Text;

/// How long a rotated-out secret still signs deliveries.
pub const ROTATION_GRACE: Duration = Duration::hours(24);
/// Most endpoints an organization may register.
pub const MAX_ENDPOINTS: u64 = 20;
/// Longest URL accepted.
pub const URL_MAX: usize = 2000;
/// The secret's prefix.
pub const SECRET_PREFIX: &str = "whsec_";

/// What an administrator sets on an endpoint.
#[derive(Clone, Debug, Default)]
pub struct EndpointInput {
    /// Where deliveries are `POST`ed: `https://…` (`http://` only where the
    /// gateway allows it).
    pub url: String,
    /// What the endpoint is for.
    pub description: String,
    /// The event types sent (dotted names); empty sends every type.
    pub event_types: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
}

struct ValidEndpoint {
    url: String,
    description: String,
    event_types: Vec<EventType>,
}

impl EndpointInput {
    fn validate(&self) -> Result<ValidEndpoint> {
        let mut problems = Vec::new();
        let url = match check_url(&self.url) {
            Ok(url) => Some(url),
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        let description = if self.description.trim().is_empty() {
            Some(String::new())
        } else {
            match Text::parse("description", &self.description, 500) {
                Ok(text) => Some(text.into_inner()),
                Err(problem) => {
                    problems.push(problem);
                    None
                }
            }
        };
        let event_types = match EventType::parse_all("eventTypes", &self.event_types) {
            Ok(mut types) => {
                types.sort();
                types.dedup();
                Some(types)
            }
            Err(Error::Invalid(found)) => {
                problems.extend(found);
                None
            }
            Err(other) => return Err(other),
        };
        match (url, description, event_types) {
            (Some(url), Some(description), Some(event_types)) if problems.is_empty() => {
                Ok(ValidEndpoint {
                    url,
                    description,
                    event_types,
                })
            }
            _ => Err(Error::Invalid(problems)),
        }
    }
}

/// `url` as an endpoint address: `http` or `https`, a host, no user name or
/// password, at most [`URL_MAX`] characters. Which hosts may be reached is
/// the gateway's policy, checked again at every connection.
pub fn check_url(url: &str) -> std::result::Result<String, Problem> {
    let problem = |message: &str| Problem::new("url", message);
    let url = url.trim();
    if url.is_empty() {
        return Err(problem("must not be empty"));
    }
    if url.chars().count() > URL_MAX {
        return Err(problem(&format!("must be at most {URL_MAX} characters")));
    }
    let parsed = url::Url::parse(url).map_err(|err| {
        problem(&format!(
            "is not a URL ({err}); write it as https://host/path"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(problem(
            "must start with https:// (or http:// where allowed)",
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(problem("must name a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(problem(
            "must not carry a user name or password; deliveries are authenticated by their signature",
        ));
    }
    if parsed.fragment().is_some() {
        return Err(problem("must not have a #fragment"));
    }
    Ok(parsed.to_string())
}

/// The event types an endpoint receives (empty: every type).
pub fn event_types(endpoint: &webhook_endpoint::Model) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(&endpoint.event_types)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| EventType::parse(name))
        .collect()
}

fn types_json(types: &[EventType]) -> String {
    serde_json::Value::from(types.iter().map(|t| t.as_str()).collect::<Vec<_>>()).to_string()
}

/// A new random secret, `whsec_…`.
pub fn new_secret() -> Result<String> {
    use base64ct::{Base64, Encoding};
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|err| {
        Error::Internal(format!(
            "the operating system's random source failed: {err}"
        ))
    })?;
    Ok(format!("{SECRET_PREFIX}{}", Base64::encode_string(&bytes)))
}

/// The secrets deliveries are signed with at `now`: the current one, and
/// the previous one while its grace period lasts.
pub fn signing_secrets(endpoint: &webhook_endpoint::Model, now: DateTime<Utc>) -> Vec<&str> {
    let mut secrets = vec![endpoint.secret.as_str()];
    if let (Some(previous), Some(until)) =
        (&endpoint.previous_secret, endpoint.previous_secret_until)
        && until > now
    {
        secrets.push(previous.as_str());
    }
    secrets
}

/// Registers an endpoint; returns it with its secret, shown this once.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: EndpointInput,
) -> Result<(webhook_endpoint::Model, String)> {
    actor.require(Permission::ManageUsers)?;
    let valid = input.validate()?;
    let count = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganizationId.eq(actor.organization_id))
        .count(db)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(Error::Conflict(format!(
            "the organization already has {MAX_ENDPOINTS} webhook endpoints; delete one first"
        )));
    }
    let secret = new_secret()?;
    let now = Utc::now();
    let created = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.organization_id),
        url: Set(valid.url),
        description: Set(valid.description),
        event_types: Set(types_json(&valid.event_types)),
        enabled: Set(input.enabled),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        failing_since: Set(None),
        disabled_reason: Set(None),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok((created, secret))
}

/// The endpoint `id` of the actor's organization.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<webhook_endpoint::Model> {
    actor.require(Permission::ManageUsers)?;
    let found = webhook_endpoint::Entity::find_by_id(id).one(db).await?;
    actor.own(found, |e| e.organization_id, "webhook endpoint")
}

/// Every endpoint of the actor's organization, oldest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> Result<Vec<webhook_endpoint::Model>> {
    actor.require(Permission::ManageUsers)?;
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganizationId.eq(actor.organization_id))
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Changes an endpoint's URL, description, types and whether it is enabled.
/// Enabling it again clears the reason the service disabled it for, and
/// its failure streak.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    input: EndpointInput,
) -> Result<webhook_endpoint::Model> {
    let current = get(db, actor, id).await?;
    let valid = input.validate()?;
    let was_enabled = current.enabled;
    let mut active: webhook_endpoint::ActiveModel = current.into();
    active.url = Set(valid.url);
    active.description = Set(valid.description);
    active.event_types = Set(types_json(&valid.event_types));
    active.enabled = Set(input.enabled);
    if input.enabled && !was_enabled {
        active.disabled_reason = Set(None);
        active.failing_since = Set(None);
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Deletes an endpoint with its deliveries and their log (the foreign keys
/// cascade: deliveries with the endpoint, attempts with their delivery).
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<Uuid> {
    let current = get(db, actor, id).await?;
    webhook_endpoint::Entity::delete_by_id(current.id)
        .exec(db)
        .await?;
    Ok(current.id)
}

/// Gives an endpoint a new secret, returned this once; the old one keeps
/// signing (as a second signature) for [`ROTATION_GRACE`].
pub async fn rotate_secret(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(webhook_endpoint::Model, String)> {
    let current = get(db, actor, id).await?;
    let secret = new_secret()?;
    let now = Utc::now();
    let mut active: webhook_endpoint::ActiveModel = current.clone().into();
    active.previous_secret = Set(Some(current.secret));
    active.previous_secret_until = Set(Some(now + ROTATION_GRACE));
    active.secret = Set(secret.clone());
    active.updated_at = Set(now);
    Ok((active.update(db).await?, secret))
}

/// The endpoint's delivery log, newest attempt first.
pub async fn attempts<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    endpoint_id: Uuid,
    limit: u64,
) -> Result<Vec<webhook_attempt::Model>> {
    let endpoint = get(db, actor, endpoint_id).await?;
    Ok(webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::EndpointId.eq(endpoint.id))
        .order_by_desc(webhook_attempt::Column::StartedAt)
        .order_by_desc(webhook_attempt::Column::Id)
        .limit(limit.clamp(1, 200))
        .all(db)
        .await?)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_url_needs_a_scheme_a_host_and_no_credentials() {
        assert!(check_url("https://hooks.example.com/in").is_ok());
        for bad in [
            "",
            "hooks.example.com",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "https://hooks.example.com/#x",
        ] {
            let problem = check_url(bad).expect_err(bad);
            assert_eq!(problem.field, "url", "{bad}");
        }
        assert!(check_url(&format!("https://a.example/{}", "x".repeat(URL_MAX))).is_err());
    }

    #[test]
    fn a_secret_is_whsec_and_24_random_bytes() {
        use base64ct::{Base64, Encoding};
        let one = new_secret().expect("secret");
        let two = new_secret().expect("secret");
        assert_ne!(one, two);
        let key = one.strip_prefix(SECRET_PREFIX).expect("prefix");
        assert_eq!(Base64::decode_vec(key).expect("base64").len(), 24);
    }
}
