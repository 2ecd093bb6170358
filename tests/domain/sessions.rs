//! Sign-in sessions: refresh tokens are rotated on every use, stored only as
//! hashes, and a spent token presented again ends the whole session.

use std::collections::HashSet;

use chrono::Duration;
use domain::entity::refresh_token;
use domain::session::{self, IssuedRefreshToken};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::World;

fn ttl() -> Duration {
    Duration::days(30)
}

fn assert_refused<T: std::fmt::Debug>(result: domain::Result<T>, why: &str) {
    match result {
        Err(domain::Error::InvalidCredentials) => {}
        other => panic!("{why}: expected InvalidCredentials, got {other:?}"),
    }
}

async fn rotate(db: &TestDb, token: &IssuedRefreshToken) -> domain::Result<IssuedRefreshToken> {
    session::rotate(&db.db, &token.token, ttl())
        .await
        .map(|(_, next)| next)
}

async fn rotating_issues_a_new_token_and_the_old_one_stops_working(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let first = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let (user, second) = session::rotate(&db.db, &first.token, ttl())
        .await
        .expect("rotate");
    assert_eq!(user.id, world.alice.user_id);
    assert_ne!(second.token, first.token);
    assert!(second.expires_at > chrono::Utc::now() + Duration::days(29));

    let third = rotate(db, &second)
        .await
        .expect("the successor rotates in turn");
    assert_ne!(third.token, second.token);
    assert_refused(
        session::rotate(&db.db, &first.token, ttl()).await,
        "a rotated token must not refresh again",
    );
}

async fn reusing_a_spent_token_ends_the_whole_session(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let first = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let second = rotate(db, &first).await.expect("rotate");
    let newest = rotate(db, &second).await.expect("rotate again");
    let other_session = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("second sign-in");

    assert_refused(rotate(db, &first).await, "replaying a spent token");
    assert_refused(
        rotate(db, &newest).await,
        "after reuse, even the newest token of the session is dead",
    );
    assert!(
        !session::revoke(&db.db, &newest.token)
            .await
            .expect("logout"),
        "the newest token was already revoked by the reuse"
    );
    rotate(db, &other_session)
        .await
        .expect("another sign-in of the same user is unaffected");
}

async fn two_concurrent_rotations_of_one_token_let_only_one_through(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let first = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let attempts = [0, 1].map(|_| {
        let (conn, token) = (db.db.clone(), first.token.clone());
        tokio::spawn(async move { session::rotate(&conn, &token, ttl()).await })
    });
    let mut winners: Vec<IssuedRefreshToken> = Vec::new();
    for attempt in attempts {
        match attempt.await.expect("rotation task") {
            Ok((_, next)) => winners.push(next),
            Err(domain::Error::InvalidCredentials) => {}
            Err(other) => panic!("a concurrent rotation failed: {other:?}"),
        }
    }

    assert_eq!(winners.len(), 1, "exactly one rotation may spend a token");
    assert_refused(
        rotate(db, &winners[0]).await,
        "the second use revokes the session, the winner's successor included",
    );
}

async fn an_expired_token_is_refused(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let expired = session::start(&db.db, world.alice.user_id, Duration::seconds(-1))
        .await
        .expect("start");
    assert!(expired.expires_at < chrono::Utc::now());
    assert_refused(rotate(db, &expired).await, "an expired token");
}

async fn unknown_tokens_are_refused(db: &TestDb) {
    World::new(db, "acme").await;
    for token in [
        "",
        "not-a-token",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        assert_refused(
            session::rotate(&db.db, token, ttl()).await,
            "an unknown token",
        );
        assert!(!session::revoke(&db.db, token).await.expect("logout"));
    }
}

async fn logout_revokes_the_session(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let first = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let second = rotate(db, &first).await.expect("rotate");
    assert!(
        session::revoke(&db.db, &second.token)
            .await
            .expect("logout"),
        "logging out with a live token reports it"
    );
    assert_refused(rotate(db, &second).await, "a logged-out token");
    assert!(
        !session::revoke(&db.db, &second.token)
            .await
            .expect("logout twice"),
        "a second logout finds no live token"
    );
    let rows = refresh_token::Entity::find()
        .all(&db.db)
        .await
        .expect("tokens");
    assert!(
        rows.iter().all(|row| row.revoked_at.is_some()),
        "every token of the session is revoked"
    );
}

async fn revoking_all_sessions_of_a_user_leaves_other_users_signed_in(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let laptop = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let phone = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let bob = session::start(&db.db, world.bob.user_id, ttl())
        .await
        .expect("start");
    let revoked = session::revoke_all_for_user(&db.db, world.alice.user_id)
        .await
        .expect("revoke all");
    assert_eq!(revoked, 2);
    assert_refused(rotate(db, &laptop).await, "alice's laptop session");
    assert_refused(rotate(db, &phone).await, "alice's phone session");
    rotate(db, &bob).await.expect("bob stays signed in");
}

async fn the_token_itself_is_never_stored(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let first = session::start(&db.db, world.alice.user_id, ttl())
        .await
        .expect("start");
    let second = rotate(db, &first).await.expect("rotate");
    let rows = refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(world.alice.user_id))
        .all(&db.db)
        .await
        .expect("tokens");
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for issued in [&first, &second] {
            assert_ne!(row.token_hash, issued.token);
            assert!(!row.token_hash.contains(&issued.token));
        }
        assert_eq!(row.token_hash.len(), 64, "a SHA-256 hex digest");
        assert!(
            row.token_hash
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "a SHA-256 hex digest: {}",
            row.token_hash
        );
    }
    let hashes: HashSet<&str> = rows.iter().map(|row| row.token_hash.as_str()).collect();
    assert!(hashes.contains(session::hash_token(&first.token).as_str()));
    assert!(hashes.contains(session::hash_token(&second.token).as_str()));
}

async fn tokens_are_unique_across_many_sessions(db: &TestDb) {
    let world = World::new(db, "acme").await;
    let mut seen = HashSet::new();
    for _ in 0..100 {
        let issued = session::start(&db.db, world.alice.user_id, ttl())
            .await
            .expect("start");
        assert_eq!(issued.token.len(), 43, "32 bytes in base64url");
        assert!(seen.insert(issued.token), "a token was issued twice");
    }
}

both_databases!(
    rotating_issues_a_new_token_and_the_old_one_stops_working,
    reusing_a_spent_token_ends_the_whole_session,
    two_concurrent_rotations_of_one_token_let_only_one_through,
    an_expired_token_is_refused,
    unknown_tokens_are_refused,
    logout_revokes_the_session,
    revoking_all_sessions_of_a_user_leaves_other_users_signed_in,
    the_token_itself_is_never_stored,
    tokens_are_unique_across_many_sessions,
);
