//! Signing up, signing in, sessions and users.
//!
//! `login`, `refreshSession` and `signUp` go through the process's
//! [`Throttle`] (see `auth::throttle` for the limits): once a limit is
//! reached they answer `RATE_LIMITED` with `extensions.retryAfterSeconds`
//! *without* checking the password or token, so even the right password is
//! refused until the window frees up.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::user as user_row;
use domain::{session, user};

use super::{Listing, listing, page_request};
use crate::auth::throttle::{ClientIp, Limited, Scope, Throttle};
use crate::graphql::context::{actor, db, state};
use crate::graphql::enums::Role;
use crate::graphql::error::{Code, GqlResultExt, internal, rate_limited, to_graphql};
use crate::graphql::ids;
use crate::graphql::types::{ApiKey, Organization, User};

/// How long sessions last and who may start an organization; set by the
/// configuration.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// Lifetime of a refresh token (each refresh issues a new one).
    pub refresh_ttl: chrono::Duration,
    /// `SIGNUP=open`: anyone may create an organization with `signUp`.
    pub sign_up_open: bool,
}

/// The session (refresh-token family) of the request's access token, when
/// the caller signed in with one (not with an API key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionId(pub uuid::Uuid);

/// A new organization and its first administrator.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Name of the organization.
    pub organization_name: String,
    /// The administrator's sign-in email.
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    /// The administrator's name.
    pub display_name: String,
}

/// A user an administrator adds.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Sign-in email, unique across organizations.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// At least 12 characters.
    pub password: String,
}

/// Which users to list; every field narrows the result.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Users of this role.
    pub role: Option<Role>,
    /// Active (true) or deactivated (false) users only.
    pub active: Option<bool>,
    /// Text to find in the name or email, ignoring case.
    pub search: Option<String>,
}

/// What `updateUser` changes; a field left out keeps its value.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// Name shown to colleagues.
    pub display_name: Option<String>,
    /// What the user may do.
    pub role: Option<Role>,
}

/// A user's new password, shown once.
#[derive(SimpleObject)]
pub struct PasswordReset {
    /// The user, whose sessions ended.
    pub user: User,
    /// The new password; hand it over privately.
    pub temporary_password: String,
}

/// A new API key.
#[derive(InputObject)]
pub struct ApiKeyInput {
    /// What it is for, e.g. "Grafana".
    pub name: String,
    /// What it may do: only VIEWER (the default).
    pub role: Option<Role>,
    /// When it stops working; never when left out.
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API key just made.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    /// The key (`ipk_…`), shown only now.
    pub key: String,
    /// The key as listed from now on.
    pub api_key: ApiKey,
}

/// Tokens of a signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`; short-lived.
    pub access_token: String,
    /// Trade for new tokens with `refreshSession`; single use.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub user: User,
}

async fn issue(
    ctx: &Context<'_>,
    user: user_row::Model,
    refresh: session::IssuedRefreshToken,
) -> async_graphql::Result<AuthPayload> {
    let keys = &state(ctx).keys;
    let (access_token, expires_at) = keys
        .issue_access(
            user.id,
            user.organization_id,
            user.role,
            refresh.session_id,
            Utc::now(),
        )
        .map_err(|err| {
            tracing::error!(error = %err, "issuing an access token failed");
            internal()
        })?;
    Ok(AuthPayload {
        access_token,
        refresh_token: refresh.token,
        expires_at,
        user: User(user),
    })
}

fn policy(ctx: &Context<'_>) -> SessionPolicy {
    state(ctx).sessions
}

fn throttle<'a>(ctx: &Context<'a>) -> &'a Throttle {
    &state(ctx).throttle
}

/// The caller's address; requests that did not come through `/graphql`
/// (WebSocket operations) share [`ClientIp::UNKNOWN`].
fn client_ip(ctx: &Context<'_>) -> ClientIp {
    ctx.data_opt::<ClientIp>()
        .copied()
        .unwrap_or(ClientIp::UNKNOWN)
}

/// The domain of an email, for logs (the address itself is personal data).
fn domain_of(email: &str) -> &str {
    email
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain)
        .trim()
}

/// The `RATE_LIMITED` answer to `limited`, saying what was counted.
fn refuse(limited: Limited, what: &str) -> async_graphql::Error {
    let seconds = limited.retry_after_seconds();
    let wait = if seconds < 120 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", seconds.div_ceil(60))
    };
    let whose = match limited.scope {
        Scope::Email => "for this email",
        Scope::Address => "from your network address",
    };
    rate_limited(
        format!("too many {what} {whose}; try again in {wait}"),
        seconds,
    )
}

/// Who is asking, and the organization's users.
#[derive(Default)]
pub struct AuthQuery;

/// Who is asking, and the organization's users.
#[Object]
impl AuthQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let actor = actor(ctx)?;
        user::get(db(ctx), &actor, actor.user_id)
            .await
            .gql()
            .map(User)
    }

    /// Users of the organization, oldest first, filtered by role, status
    /// (active or deactivated) and text in the name or email.
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Listing<User>> {
        let actor = actor(ctx)?;
        let filter = filter.unwrap_or_default();
        let has_after = after.is_some();
        let page = user::page(
            db(ctx),
            &actor,
            &user::UserFilter {
                role: filter.role.map(Into::into),
                active: filter.active,
                search: filter.search,
            },
            page_request(ctx, first, after)?,
        )
        .await
        .gql()?;
        Ok(listing(page, has_after, |u| u.id, User))
    }

    /// Your organization and its settings.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let actor = actor(ctx)?;
        domain::organization::get(db(ctx), &actor)
            .await
            .gql()
            .map(Organization)
    }

    /// The organization's API keys, newest first, revoked ones included
    /// (administrators only). The secrets are never shown again.
    async fn api_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiKey>> {
        let actor = actor(ctx)?;
        let keys = domain::api_key::list(db(ctx), &actor).await.gql()?;
        Ok(keys.into_iter().map(ApiKey).collect())
    }
}

/// Sessions and users.
#[derive(Default)]
pub struct AuthMutation;

/// Sessions and users.
#[Object]
impl AuthMutation {
    /// Creates an organization with you as its administrator and a copy of
    /// the default question bank, and signs you in.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        input: SignUpInput,
    ) -> async_graphql::Result<AuthPayload> {
        if !policy(ctx).sign_up_open {
            return Err(Code::Forbidden.error(
                "sign-up is closed on this server (SIGNUP=closed): an administrator adds users \
                 with createUser, or the operator with `interview-planner user create`",
            ));
        }
        throttle(ctx)
            .sign_up(client_ip(ctx))
            .await
            .map_err(|limited| refuse(limited, "sign-ups"))?;
        let admin = user::NewUser {
            email: input.email,
            display_name: input.display_name,
            role: domain::types::Role::Admin,
            password: input.password,
        };
        let (_, created) = user::sign_up(db(ctx), &input.organization_name, admin)
            .await
            .gql()?;
        let refresh = session::start(db(ctx), created.id, policy(ctx).refresh_ttl)
            .await
            .gql()?;
        issue(ctx, created, refresh).await
    }

    /// Signs in. Wrong email and wrong password give the same answer; only
    /// failures count toward the sign-in limits.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<AuthPayload> {
        let throttle = throttle(ctx);
        let ip = client_ip(ctx);
        if let Err(limited) = throttle.login_allowed(&email, ip).await {
            tracing::warn!(client = %ip.0, email_domain = domain_of(&email),
                retry_after_seconds = limited.retry_after_seconds(), "sign-in locked out");
            return Err(refuse(limited, "failed sign-in attempts"));
        }
        let found = match user::authenticate(db(ctx), &email, &password).await {
            Ok(found) => {
                throttle.login_succeeded(&email).await;
                found
            }
            Err(err @ domain::Error::InvalidCredentials) => {
                throttle.login_failed(&email, ip).await;
                tracing::info!(client = %ip.0, email_domain = domain_of(&email), "failed sign-in");
                return Err(to_graphql(err));
            }
            Err(other) => return Err(to_graphql(other)),
        };
        let refresh = session::start(db(ctx), found.id, policy(ctx).refresh_ttl)
            .await
            .gql()?;
        issue(ctx, found, refresh).await
    }

    /// Trades a refresh token for new tokens. Each refresh token works once;
    /// presenting a spent one ends the whole session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<AuthPayload> {
        let throttle = throttle(ctx);
        let ip = client_ip(ctx);
        throttle
            .refresh_allowed(ip)
            .await
            .map_err(|limited| refuse(limited, "refused refresh tokens"))?;
        let rotated = session::rotate(db(ctx), &refresh_token, policy(ctx).refresh_ttl).await;
        let (found, refresh) = match rotated {
            Ok(rotated) => rotated,
            Err(domain::Error::InvalidCredentials) => {
                throttle.refresh_failed(ip).await;
                return Err(Code::Unauthenticated
                    .error("refresh token is invalid, expired or already used; sign in again"));
            }
            Err(other) => return Err(to_graphql(other)),
        };
        issue(ctx, found, refresh).await
    }

    /// Ends the session the refresh token belongs to, and with it every
    /// access token of that session (refused from the next request on).
    /// True when it was live.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<bool> {
        session::revoke(db(ctx), &refresh_token).await.gql()
    }

    /// Changes your password after checking the current one. Your other
    /// sessions end; this one stays signed in.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<bool> {
        let actor = actor(ctx)?;
        let session = ctx.data_opt::<SessionId>().map(|s| s.0);
        user::change_password(db(ctx), &actor, session, &current_password, &new_password)
            .await
            .gql()
            .map(|_| true)
    }

    /// Changes a user's name or role (administrators only); a new role
    /// counts from the user's next request. The last active administrator
    /// keeps the role.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateUserInput,
    ) -> async_graphql::Result<User> {
        let actor = actor(ctx)?;
        let change = user::UserUpdate {
            display_name: input.display_name,
            role: input.role.map(Into::into),
        };
        user::update(db(ctx), &actor, ids::parse("id", &id)?, change)
            .await
            .gql()
            .map(User)
    }

    /// Deactivates a user (administrators only): their sessions end, their
    /// tokens are refused from the next request on, and they cannot sign
    /// in. Their scorecards stay, with them as author.
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let actor = actor(ctx)?;
        user::deactivate(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(User)
    }

    /// Lets a deactivated user sign in again (administrators only).
    async fn reactivate_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let actor = actor(ctx)?;
        user::reactivate(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(User)
    }

    /// Gives a user a new random password, shown only in this answer
    /// (administrators only), and ends their sessions. Hand it over
    /// privately; they change it with `changePassword`.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<PasswordReset> {
        let actor = actor(ctx)?;
        let (user, temporary_password) =
            user::reset_password(db(ctx), &actor, ids::parse("id", &id)?)
                .await
                .gql()?;
        Ok(PasswordReset {
            user: User(user),
            temporary_password,
        })
    }

    /// Makes an API key for dashboards and scripts (administrators only). It
    /// acts as VIEWER: reads reports and scorecards, changes nothing. The
    /// key is in this answer only; send it as `Authorization: Bearer ipk_…`.
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: ApiKeyInput,
    ) -> async_graphql::Result<CreatedApiKey> {
        let actor = actor(ctx)?;
        let issued = domain::api_key::create(
            db(ctx),
            &actor,
            &input.name,
            input.role.unwrap_or(Role::Viewer).into(),
            input.expires_at,
        )
        .await
        .gql()?;
        Ok(CreatedApiKey {
            key: issued.token,
            api_key: ApiKey(issued.key),
        })
    }

    /// Revokes an API key at once (administrators only).
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ApiKey> {
        let actor = actor(ctx)?;
        domain::api_key::revoke(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(ApiKey)
    }

    /// Adds a user to your organization (administrators only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<User> {
        let actor = actor(ctx)?;
        throttle(ctx)
            .create_user(client_ip(ctx))
            .await
            .map_err(|limited| refuse(limited, "new users"))?;
        let new = user::NewUser {
            email: input.email,
            display_name: input.display_name,
            role: input.role.into(),
            password: input.password,
        };
        user::create_user(db(ctx), &actor, new)
            .await
            .gql()
            .map(User)
    }
}
