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
                count: true,
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

/// A draft plan ready to publish: candidate, two rounds with questions,
/// interviewers (alice on round one, bob on round two) and one plan-level
/// focus competency covered by round one.
pub struct DraftPlan {
    /// The candidate it is for.
    pub candidate: domain::entity::candidate::Model,
    /// The plan.
    pub plan: domain::entity::interview_plan::Model,
    /// Its two rounds, in order.
    pub rounds: Vec<domain::entity::round::Model>,
    /// The bank questions used: two in round one, one in round two.
    pub questions: Vec<question::Model>,
    /// The focus competency of the plan and of round one.
    pub competency: competency::Model,
}

impl World {
    /// A new candidate named `name`.
    pub async fn candidate(&self, db: &TestDb, name: &str) -> domain::entity::candidate::Model {
        domain::candidate::create(
            &db.db,
            &self.manager,
            domain::candidate::CandidateInput {
                name: name.to_owned(),
                email: format!(
                    "{}.{}@candidates.example.com",
                    name.to_lowercase().replace(' ', "."),
                    Uuid::now_v7().simple()
                ),
                position_title: "Backend Engineer".to_owned(),
                target_level: Level::Senior,
            },
        )
        .await
        .expect("create candidate")
    }

    /// A round input with the given interviewers and competencies.
    pub fn round_input(
        &self,
        title: &str,
        minutes: i64,
        interviewer_ids: Vec<Uuid>,
        focus_competency_ids: Vec<Uuid>,
    ) -> domain::plan::RoundInput {
        domain::plan::RoundInput {
            kind: domain::types::RoundKind::TechnicalScreen,
            title: title.to_owned(),
            duration_minutes: minutes,
            scheduled_at: None,
            interviewer_ids,
            focus_competency_ids,
            trainees: vec![],
            feedback_due_at: None,
            override_limits: false,
        }
    }

    /// A publishable draft plan for a new candidate (see [`DraftPlan`]).
    pub async fn draft_plan(&self, db: &TestDb) -> DraftPlan {
        let candidate = self.candidate(db, "Grace Hopper").await;
        self.draft_plan_for(db, candidate, 0).await
    }

    /// A publishable draft plan for `candidate`, using bank questions
    /// `skip..skip + 3`.
    pub async fn draft_plan_for(
        &self,
        db: &TestDb,
        candidate: domain::entity::candidate::Model,
        skip: usize,
    ) -> DraftPlan {
        let competency = self.competencies(db).await.remove(1);
        let plan = domain::plan::create(
            &db.db,
            &self.manager,
            domain::plan::PlanInput {
                candidate_id: candidate.id,
                title: "Backend loop".to_owned(),
                focus_competency_ids: vec![competency.id],
            },
        )
        .await
        .expect("create plan");
        let one = domain::plan::add_round(
            &db.db,
            &self.manager,
            plan.id,
            self.round_input(
                "Technical screen",
                60,
                vec![self.alice.user_id],
                vec![competency.id],
            ),
        )
        .await
        .expect("add round one");
        let two = domain::plan::add_round(
            &db.db,
            &self.manager,
            plan.id,
            self.round_input("System design", 60, vec![self.bob.user_id], vec![]),
        )
        .await
        .expect("add round two");
        let questions: Vec<question::Model> = self
            .questions(db, 100)
            .await
            .into_iter()
            .skip(skip)
            .take(3)
            .collect();
        for (round, q) in [
            (&one, &questions[0]),
            (&one, &questions[1]),
            (&two, &questions[2]),
        ] {
            domain::plan::add_question(&db.db, &self.manager, round.id, q.id, Some(10))
                .await
                .expect("add question");
        }
        DraftPlan {
            candidate,
            plan,
            rounds: vec![one, two],
            questions,
            competency,
        }
    }
}

/// The fields named by an `Invalid` error, in order; panics on any other result.
pub fn problem_fields<T: std::fmt::Debug>(result: domain::Result<T>) -> Vec<String> {
    match result {
        Err(domain::Error::Invalid(problems)) => problems.into_iter().map(|p| p.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// The problems of an `Invalid` error; panics on any other result.
pub fn problems<T: std::fmt::Debug>(result: domain::Result<T>) -> Vec<domain::Problem> {
    match result {
        Err(domain::Error::Invalid(problems)) => problems,
        other => panic!("expected invalid input, got {other:?}"),
    }
}
