//! Accounts over time (docs/domain.md §1): role changes, deactivation and
//! password changes count on the very next request; the last administrator
//! stays; API keys read and stop when revoked.

use domain::Error;
use domain::page::PageRequest;
use domain::session::{self, Ended};
use domain::types::Role;
use domain::user::{self, UserFilter, UserUpdate};

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::{PASSWORD, World};

const TTL: chrono::Duration = chrono::Duration::days(30);

async fn email_of(db: &TestDb, w: &World, id: uuid::Uuid) -> String {
    user::get(&db.db, &w.admin, id).await.expect("user").email
}

async fn a_deactivated_user_loses_every_session_at_once_and_cannot_sign_in(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let email = email_of(db, &w, w.alice.user_id).await;
    let signed_in = user::authenticate(&db.db, &email, PASSWORD)
        .await
        .expect("sign in");
    let issued = session::start(&db.db, signed_in.id, TTL)
        .await
        .expect("session");
    assert_eq!(
        session::check(&db.db, w.alice.user_id, issued.session_id)
            .await
            .expect("check"),
        Ok(w.alice)
    );

    let deactivated = user::deactivate(&db.db, &w.admin, w.alice.user_id)
        .await
        .expect("deactivate");
    assert!(!deactivated.active);
    assert!(deactivated.deactivated_at.is_some());
    assert_eq!(
        session::check(&db.db, w.alice.user_id, issued.session_id)
            .await
            .expect("check"),
        Err(Ended::Deactivated),
        "the access token's session no longer holds"
    );
    let refreshed = session::rotate(&db.db, &issued.token, TTL).await;
    assert!(
        matches!(refreshed, Err(Error::InvalidCredentials)),
        "{refreshed:?}"
    );
    let wrong = user::authenticate(&db.db, &email, "not the password at all").await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{wrong:?}");
    let right = user::authenticate(&db.db, &email, PASSWORD).await;
    assert!(matches!(right, Err(Error::Deactivated)), "{right:?}");
    // Still the author of their cards: loadable by id.
    let found = user::by_ids(&db.db, &w.manager, &[w.alice.user_id])
        .await
        .expect("by id");
    assert_eq!(found.len(), 1);

    user::reactivate(&db.db, &w.admin, w.alice.user_id)
        .await
        .expect("reactivate");
    user::authenticate(&db.db, &email, PASSWORD)
        .await
        .expect("signs in again");
}

async fn a_role_change_counts_on_the_next_check(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let issued = session::start(&db.db, w.manager.user_id, TTL)
        .await
        .expect("session");
    user::update(
        &db.db,
        &w.admin,
        w.manager.user_id,
        UserUpdate {
            role: Some(Role::Viewer),
            display_name: Some("Mara Manager".into()),
        },
    )
    .await
    .expect("demote");
    let now = session::check(&db.db, w.manager.user_id, issued.session_id)
        .await
        .expect("check")
        .expect("still signed in");
    assert_eq!(now.role, Role::Viewer);
    let refused = user::update(&db.db, &w.manager, w.alice.user_id, UserUpdate::default()).await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
}

async fn the_last_active_administrator_cannot_be_demoted_or_deactivated(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let demote = UserUpdate {
        role: Some(Role::HiringManager),
        ..UserUpdate::default()
    };
    let refused = user::update(&db.db, &w.admin, w.admin.user_id, demote.clone()).await;
    assert!(
        matches!(&refused, Err(Error::Conflict(m)) if m.contains("last active administrator")),
        "{refused:?}"
    );
    let yourself = user::deactivate(&db.db, &w.admin, w.admin.user_id).await;
    assert!(matches!(yourself, Err(Error::Conflict(_))), "{yourself:?}");

    // With a second administrator, the first may step down; then the
    // second is the last and keeps the role.
    user::update(
        &db.db,
        &w.admin,
        w.manager.user_id,
        UserUpdate {
            role: Some(Role::Admin),
            ..UserUpdate::default()
        },
    )
    .await
    .expect("promote");
    let second = domain::Actor {
        role: Role::Admin,
        ..w.manager
    };
    user::update(&db.db, &second, w.admin.user_id, demote.clone())
        .await
        .expect("the first steps down");
    let refused = user::update(&db.db, &second, w.manager.user_id, demote).await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    // A deactivated administrator does not count as the other one.
    user::update(
        &db.db,
        &second,
        w.admin.user_id,
        UserUpdate {
            role: Some(Role::Admin),
            ..UserUpdate::default()
        },
    )
    .await
    .expect("the first is admin again");
    user::deactivate(&db.db, &second, w.admin.user_id)
        .await
        .expect("deactivate the first");
    let refused = user::update(
        &db.db,
        &second,
        w.manager.user_id,
        UserUpdate {
            role: Some(Role::Viewer),
            ..UserUpdate::default()
        },
    )
    .await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
}

async fn changing_a_password_ends_the_other_sessions_and_keeps_this_one(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let here = session::start(&db.db, w.bob.user_id, TTL)
        .await
        .expect("here");
    let elsewhere = session::start(&db.db, w.bob.user_id, TTL)
        .await
        .expect("elsewhere");
    let wrong = user::change_password(
        &db.db,
        &w.bob,
        Some(here.session_id),
        "not my password",
        "a brand new long password",
    )
    .await;
    assert_eq!(
        crate::support::world::problem_fields(wrong),
        ["currentPassword"]
    );
    user::change_password(
        &db.db,
        &w.bob,
        Some(here.session_id),
        PASSWORD,
        "a brand new long password",
    )
    .await
    .expect("change");
    assert!(
        session::check(&db.db, w.bob.user_id, here.session_id)
            .await
            .expect("check")
            .is_ok()
    );
    assert_eq!(
        session::check(&db.db, w.bob.user_id, elsewhere.session_id)
            .await
            .expect("check"),
        Err(Ended::Session)
    );
    let email = email_of(db, &w, w.bob.user_id).await;
    user::authenticate(&db.db, &email, "a brand new long password")
        .await
        .expect("the new password works");
}

async fn a_reset_password_is_shown_once_and_ends_every_session(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let issued = session::start(&db.db, w.bob.user_id, TTL)
        .await
        .expect("session");
    let refused = user::reset_password(&db.db, &w.manager, w.bob.user_id).await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    let (_, temporary) = user::reset_password(&db.db, &w.admin, w.bob.user_id)
        .await
        .expect("reset");
    assert!(temporary.len() >= 12);
    assert!(
        session::check(&db.db, w.bob.user_id, issued.session_id)
            .await
            .expect("check")
            .is_err()
    );
    let email = email_of(db, &w, w.bob.user_id).await;
    user::authenticate(&db.db, &email, &temporary)
        .await
        .expect("the temporary password works");
    let old = user::authenticate(&db.db, &email, PASSWORD).await;
    assert!(matches!(old, Err(Error::InvalidCredentials)));
}

async fn logging_out_ends_the_session_of_its_access_tokens(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let issued = session::start(&db.db, w.alice.user_id, TTL)
        .await
        .expect("session");
    assert!(
        session::revoke(&db.db, &issued.token)
            .await
            .expect("logout")
    );
    assert_eq!(
        session::check(&db.db, w.alice.user_id, issued.session_id)
            .await
            .expect("check"),
        Err(Ended::Session)
    );
    // A session id of someone else does not stand for this user.
    let other = session::start(&db.db, w.bob.user_id, TTL)
        .await
        .expect("bob");
    assert_eq!(
        session::check(&db.db, w.alice.user_id, other.session_id)
            .await
            .expect("check"),
        Err(Ended::Session)
    );
}

async fn users_are_listed_by_role_status_and_text(db: &TestDb) {
    let w = World::new(db, "acme").await;
    let other = World::new(db, "globex").await;
    user::deactivate(&db.db, &w.admin, w.bob.user_id)
        .await
        .expect("deactivate");
    let page = PageRequest {
        first: 50,
        after: None,
        count: true,
    };
    let names = async |filter: UserFilter| -> Vec<String> {
        user::page(&db.db, &w.manager, &filter, page)
            .await
            .expect("page")
            .items
            .into_iter()
            .map(|u| u.display_name)
            .collect()
    };
    assert_eq!(
        names(UserFilter::default()).await,
        ["admin", "manager", "alice", "bob", "viewer"]
    );
    assert_eq!(
        names(UserFilter {
            role: Some(Role::Interviewer),
            ..UserFilter::default()
        })
        .await,
        ["alice", "bob"]
    );
    assert_eq!(
        names(UserFilter {
            active: Some(false),
            ..UserFilter::default()
        })
        .await,
        ["bob"]
    );
    assert_eq!(
        names(UserFilter {
            search: Some("ALI".into()),
            ..UserFilter::default()
        })
        .await,
        ["alice"]
    );
    let theirs = user::page(&db.db, &other.admin, &UserFilter::default(), page)
        .await
        .expect("page");
    assert_eq!(theirs.total_count, 5, "each organization lists its own");
}

async fn an_api_key_reads_as_a_viewer_until_revoked_or_expired(db: &TestDb) {
    use sea_orm::{ActiveModelTrait, Set};

    let w = World::new(db, "acme").await;
    let refused = domain::api_key::create(&db.db, &w.manager, "Grafana", Role::Viewer, None).await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    let too_strong = domain::api_key::create(&db.db, &w.admin, "Ops", Role::Admin, None).await;
    assert_eq!(crate::support::world::problem_fields(too_strong), ["role"]);
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let late = domain::api_key::create(&db.db, &w.admin, "Old", Role::Viewer, Some(past)).await;
    assert_eq!(crate::support::world::problem_fields(late), ["expiresAt"]);

    let issued = domain::api_key::create(&db.db, &w.admin, "Grafana", Role::Viewer, None)
        .await
        .expect("create");
    assert!(issued.token.starts_with("ipk_"), "{}", issued.token);
    let actor = domain::api_key::authenticate(&db.db, &issued.token)
        .await
        .expect("authenticate")
        .expect("accepted");
    assert_eq!(actor.role, Role::Viewer);
    assert_eq!(actor.organization_id, w.organization_id);
    let listed = domain::api_key::list(&db.db, &w.admin).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "the use was noted");
    assert_ne!(listed[0].secret_hash, issued.token, "only a hash is stored");

    // Another last character (a token ending in `x` stayed the same and
    // failed one run in 64).
    let swap = if issued.token.ends_with('x') {
        'y'
    } else {
        'x'
    };
    let tampered = format!("{}{swap}", &issued.token[..issued.token.len() - 1]);
    assert_eq!(
        domain::api_key::authenticate(&db.db, &tampered)
            .await
            .expect("authenticate"),
        Err(domain::api_key::Refused::Unknown)
    );

    let mut expiring: domain::entity::api_key::ActiveModel = listed[0].clone().into();
    expiring.expires_at = Set(Some(past));
    expiring.update(&db.db).await.expect("expire");
    assert_eq!(
        domain::api_key::authenticate(&db.db, &issued.token)
            .await
            .expect("authenticate"),
        Err(domain::api_key::Refused::Expired)
    );
    domain::api_key::revoke(&db.db, &w.admin, issued.key.id)
        .await
        .expect("revoke");
    assert_eq!(
        domain::api_key::authenticate(&db.db, &issued.token)
            .await
            .expect("authenticate"),
        Err(domain::api_key::Refused::Revoked)
    );
    let other = World::new(db, "globex").await;
    let theirs = domain::api_key::revoke(&db.db, &other.admin, issued.key.id).await;
    assert!(matches!(theirs, Err(Error::NotFound { .. })), "{theirs:?}");
}

async fn sign_in_events_are_counted_forgotten_and_pruned_in_the_database(db: &TestDb) {
    let now = chrono::Utc::now();
    let hour = chrono::Duration::hours(1);
    let keys = [
        "login-email:abc".to_owned(),
        "login-ip:192.0.2.1".to_owned(),
    ];
    domain::throttle::record(&db.db, &keys, now - hour * 3)
        .await
        .expect("old");
    domain::throttle::record(&db.db, &keys, now)
        .await
        .expect("new");
    domain::throttle::record(&db.db, &keys[..1], now)
        .await
        .expect("new");
    let recent = domain::throttle::recent(&db.db, &keys[0], now - hour, 10)
        .await
        .expect("recent");
    assert_eq!(recent.len(), 2, "only the window counts");
    domain::throttle::forget(&db.db, &keys[0])
        .await
        .expect("forget");
    assert!(
        domain::throttle::recent(&db.db, &keys[0], now - hour * 24, 10)
            .await
            .expect("recent")
            .is_empty()
    );
    let pruned = domain::throttle::prune(&db.db, now - hour)
        .await
        .expect("prune");
    assert_eq!(pruned, 1, "the address's old event");
    assert_eq!(
        domain::throttle::recent(&db.db, &keys[1], now - hour * 24, 10)
            .await
            .expect("recent")
            .len(),
        1
    );
}

both_databases!(
    a_deactivated_user_loses_every_session_at_once_and_cannot_sign_in,
    a_role_change_counts_on_the_next_check,
    the_last_active_administrator_cannot_be_demoted_or_deactivated,
    changing_a_password_ends_the_other_sessions_and_keeps_this_one,
    a_reset_password_is_shown_once_and_ends_every_session,
    logging_out_ends_the_session_of_its_access_tokens,
    users_are_listed_by_role_status_and_text,
    an_api_key_reads_as_a_viewer_until_revoked_or_expired,
    sign_in_events_are_counted_forgotten_and_pruned_in_the_database,
);
