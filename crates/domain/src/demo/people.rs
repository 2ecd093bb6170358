//! The demo's users and candidates.

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::organization;
use crate::error::{Error, Result};
use crate::types::{Level, Role};
use crate::user::{self, NewUser};

/// A user the demo created, with its one-time password.
#[derive(Clone)]
pub struct DemoUser {
    /// Sign-in email.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The generated password; printed once, stored only as a hash.
    pub password: String,
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoUser")
            .field("email", &self.email)
            .field("role", &self.role)
            .finish()
    }
}

/// The demo's users as actors, by role.
pub(super) struct DemoUsers {
    pub admin: Actor,
    pub managers: Vec<Actor>,
    pub interviewers: Vec<Actor>,
    /// Each interviewer's leniency: added to the ratings they give.
    pub biases: Vec<(Uuid, f64)>,
    pub listed: Vec<DemoUser>,
}

impl DemoUsers {
    /// How much more generously than the panel `user_id` rates.
    pub fn bias(&self, user_id: Uuid) -> f64 {
        self.biases
            .iter()
            .find(|(id, _)| *id == user_id)
            .map_or(0.0, |(_, b)| *b)
    }
}

const STAFF: [(&str, Role, f64); 10] = [
    ("Avery Admin", Role::Admin, 0.0),
    ("Morgan Manager", Role::HiringManager, 0.0),
    ("Riley Recruiter", Role::HiringManager, 0.0),
    ("Indira Kapoor", Role::Interviewer, 0.0),
    ("Tomas Novak", Role::Interviewer, 0.5),
    ("Chen Wei", Role::Interviewer, -0.5),
    ("Amara Okafor", Role::Interviewer, 0.2),
    ("Lukas Berg", Role::Interviewer, -0.2),
    ("Sofia Rossi", Role::Interviewer, 0.0),
    ("Dana Dashboard", Role::Viewer, 0.0),
];

/// A random password of 20 letters and digits.
fn password(rng: &mut fastrand::Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut secret = [0u8; 20];
    if getrandom::fill(&mut secret).is_err() {
        // Fall back to the seeded generator only if the OS has no entropy.
        rng.fill(&mut secret);
    }
    secret
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Creates the organization (via sign-up, with the default bank) and its staff.
pub(super) async fn create_users(
    db: &DatabaseConnection,
    rng: &mut fastrand::Rng,
) -> Result<(organization::Model, DemoUsers)> {
    let mut listed = Vec::new();
    let mut new_user = |name: &str, role: Role| {
        let user = DemoUser {
            email: format!(
                "{}@demo.example.com",
                name.split(' ').next().unwrap_or(name).to_lowercase()
            ),
            display_name: name.to_owned(),
            role,
            password: password(rng),
        };
        listed.push(user.clone());
        NewUser {
            email: user.email,
            display_name: user.display_name,
            role,
            password: user.password,
        }
    };
    let (first_name, first_role, _) = STAFF[0];
    let (organization, admin) =
        user::sign_up(db, "Demo Company", new_user(first_name, first_role)).await?;
    let admin = Actor {
        user_id: admin.id,
        organization_id: organization.id,
        role: Role::Admin,
    };
    let mut managers = Vec::new();
    let mut interviewers = Vec::new();
    let mut biases = Vec::new();
    for (name, role, bias) in &STAFF[1..] {
        let created = user::create_user(db, &admin, new_user(name, *role)).await?;
        let actor = Actor {
            user_id: created.id,
            organization_id: organization.id,
            role: *role,
        };
        match role {
            Role::HiringManager => managers.push(actor),
            Role::Interviewer => {
                interviewers.push(actor);
                biases.push((created.id, *bias));
            }
            _ => {}
        }
    }
    if managers.is_empty() || interviewers.len() < 2 {
        return Err(Error::Internal(
            "demo staff list lacks managers or interviewers".into(),
        ));
    }
    Ok((
        organization,
        DemoUsers {
            admin,
            managers,
            interviewers,
            biases,
            listed,
        },
    ))
}

const FIRST: [&str; 20] = [
    "Ada",
    "Grace",
    "Alan",
    "Barbara",
    "Edsger",
    "Frances",
    "Dennis",
    "Margaret",
    "Ken",
    "Radia",
    "Tim",
    "Hedy",
    "Donald",
    "Sophie",
    "Linus",
    "Annie",
    "John",
    "Katherine",
    "Guido",
    "Shafi",
];
const LAST: [&str; 20] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Liskov",
    "Dijkstra",
    "Allen",
    "Ritchie",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Berners",
    "Lamarr",
    "Knuth",
    "Wilson",
    "Torvalds",
    "Easley",
    "Backus",
    "Johnson",
    "Rossum",
    "Goldwasser",
];
const POSITIONS: [(&str, Level); 4] = [
    ("Backend Engineer", Level::Mid),
    ("Senior Backend Engineer", Level::Senior),
    ("Platform Engineer", Level::Mid),
    ("Staff Engineer", Level::Lead),
];

/// Name, position and target level of the `i`-th demo candidate.
pub(super) fn candidate(rng: &mut fastrand::Rng, i: usize) -> (String, &'static str, Level) {
    let name = format!(
        "{} {}",
        FIRST[i % FIRST.len()],
        LAST[(i * 7 + rng.usize(0..3)) % LAST.len()]
    );
    let (position, level) = POSITIONS[rng.usize(0..POSITIONS.len())];
    (name, position, level)
}
