//! A populated organization to test against: an admin, a hiring manager,
//! two interviewers and a viewer, with the default bank.

use domain::entity::{category, competency, question};
use domain::question::{QuestionFilter, QuestionInput};
use domain::types::{Level, Role};
use domain::user::{self, NewUser};
use domain::{Actor, page::PageRequest};
use uuid::Uuid;

use super::TestDb;

/// Password every test user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// An organization with one user of each role.
pub struct World {
    /// The organization's id.
    pub organization_id: Uuid,
    /// Its first administrator.
    pub admin: Actor,
    /// A hiring manager.
    pub manager: Actor,
    /// First interviewer.
    pub alice: Actor,
    /// Second interviewer.
    pub bob: Actor,
    /// Read-only dashboard user.
    pub viewer: Actor,
}

fn actor(user: &domain::entity::user::Model) -> Actor {
    Actor {
        user_id: user.id,
        organization_id: user.organization_id,
        role: user.role,
    }
}

impl World {
    /// Signs up organization `name` (emails are made unique per call) and
    /// creates one user of each role.
    pub async fn new(db: &TestDb, name: &str) -> World {
        let tag = Uuid::now_v7().simple().to_string();
        let new_user = |who: &str, role: Role| NewUser {
            email: format!("{who}.{tag}@{name}.example.com")
                .to_lowercase()
                .replace(' ', "-"),
            display_name: who.to_owned(),
            role,
            password: PASSWORD.to_owned(),
        };
        let (organization, admin) = user::sign_up(&db.db, name, new_user("admin", Role::Admin))
            .await
            .expect("sign up");
        let admin = actor(&admin);
        let make = async |who: &str, role: Role| {
            actor(
                &user::create_user(&db.db, &admin, new_user(who, role))
                    .await
                    .expect("create user"),
            )
        };
        let manager = make("manager", Role::HiringManager).await;
        let alice = make("alice", Role::Interviewer).await;
        let bob = make("bob", Role::Interviewer).await;
        let viewer = make("viewer", Role::Viewer).await;
        World {
            organization_id: organization.id,
            admin,
            manager,
            alice,
            bob,
            viewer,
        }
    }

    /// The organization's categories, in order.
    pub async fn categories(&self, db: &TestDb) -> Vec<category::Model> {
        domain::question::categories(&db.db, &self.admin)
            .await
            .expect("categories")
    }

    /// The organization's competencies, in order.
    pub async fn competencies(&self, db: &TestDb) -> Vec<competency::Model> {
        domain::question::competencies(&db.db, &self.admin)
            .await
            .expect("competencies")
    }

    /// The first `n` active questions of the bank.
    pub async fn questions(&self, db: &TestDb, n: u64) -> Vec<question::Model> {
        domain::question::list(
            &db.db,
            &self.admin,
            &QuestionFilter::default(),
            PageRequest {
                first: n,
                after: None,
            },
        )
        .await
        .expect("list questions")
        .items
    }

    /// A valid question input in the first category, with `prompt`.
    pub async fn question_input(&self, db: &TestDb, prompt: &str) -> QuestionInput {
        QuestionInput {
            category_id: self.categories(db).await[0].id,
            level: Level::Mid,
            prompt: prompt.to_owned(),
            guidance: "Names the trade-offs and gives an example from practice.".to_owned(),
            rubric: vec![
                "Cannot explain the idea.".to_owned(),
                "Explains it with gaps.".to_owned(),
                "Explains it correctly with an example.".to_owned(),
                "Explains it, its limits and when not to use it.".to_owned(),
            ],
            tags: vec!["testing".to_owned()],
            minutes: 10,
        }
    }
}
