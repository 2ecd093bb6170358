//! Signing up, signing in, sessions and users.
//!
//! `login`, `refreshSession` and `signUp` go through the process's
//! [`Throttle`] (see `auth::throttle` for the limits): once a limit is
//! reached they answer `RATE_LIMITED` with `extensions.retryAfterSeconds`
//! *without* checking the password or token, so even the right password is
//! refused until the window frees up.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::entity::user as user_row;
use domain::{session, user};

use crate::auth::throttle::{ClientIp, Limited, Scope, Throttle};
use crate::graphql::context::{actor, db, state};
use crate::graphql::enums::Role;
use crate::graphql::error::{Code, GqlResultExt, internal, rate_limited, to_graphql};
use crate::graphql::types::User;

/// How long sessions last; set by the configuration.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// Lifetime of a refresh token (each refresh issues a new one).
    pub refresh_ttl: chrono::Duration,
}

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
        .issue_access(user.id, user.organization_id, user.role, Utc::now())
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

    /// Users of the organization, optionally of one role, by name.
    async fn users(
        &self,
        ctx: &Context<'_>,
        role: Option<Role>,
    ) -> async_graphql::Result<Vec<User>> {
        let actor = actor(ctx)?;
        let list = user::list(db(ctx), &actor, role.map(Into::into))
            .await
            .gql()?;
        Ok(list.into_iter().map(User).collect())
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

    /// Signs in. Wrong email and wrong password give the same answer.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<AuthPayload> {
        // Counted as a failure up front, taken back unless the password was
        // wrong; refused without checking the password once over the limit.
        let throttle = throttle(ctx);
        let attempt = throttle
            .login(&email, client_ip(ctx))
            .await
            .map_err(|limited| refuse(limited, "failed sign-in attempts"))?;
        let found = match user::authenticate(db(ctx), &email, &password).await {
            Ok(found) => {
                throttle.succeeded(attempt).await;
                found
            }
            Err(err @ domain::Error::InvalidCredentials) => return Err(to_graphql(err)),
            Err(other) => {
                throttle.forgive(attempt).await;
                return Err(to_graphql(other));
            }
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
        let attempt = throttle
            .refresh(client_ip(ctx))
            .await
            .map_err(|limited| refuse(limited, "refused refresh tokens"))?;
        let rotated = session::rotate(db(ctx), &refresh_token, policy(ctx).refresh_ttl).await;
        let (found, refresh) = match rotated {
            Ok(rotated) => {
                throttle.succeeded(attempt).await;
                rotated
            }
            Err(domain::Error::InvalidCredentials) => {
                return Err(Code::Unauthenticated
                    .error("refresh token is invalid, expired or already used; sign in again"));
            }
            Err(other) => {
                throttle.forgive(attempt).await;
                return Err(to_graphql(other));
            }
        };
        issue(ctx, found, refresh).await
    }

    /// Ends the session the refresh token belongs to. True when it was live.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<bool> {
        session::revoke(db(ctx), &refresh_token).await.gql()
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
