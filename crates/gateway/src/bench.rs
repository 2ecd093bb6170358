//! `bench-reports`: times each dashboard report on an organization (usually
//! one made by `generate`), repeating each query and printing the median and
//! the slowest run, so report speed can be compared between databases and
//! between versions.

use std::time::{Duration, Instant};

use domain::Actor;
use domain::entity::{candidate, organization, user};
use domain::page::PageRequest;
use domain::question::QuestionFilter;
use domain::report;
use domain::types::{Role, Stage};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// One report's timings.
#[derive(Debug)]
pub struct Timing {
    /// Which report (and variant).
    pub name: &'static str,
    /// Median run.
    pub median: Duration,
    /// Slowest run.
    pub max: Duration,
}

/// Runs every report `runs` times as a viewer of organization `name`.
pub async fn reports(
    db: &DatabaseConnection,
    name: &str,
    runs: usize,
) -> domain::Result<Vec<Timing>> {
    let organization = organization::Entity::find()
        .filter(organization::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or(domain::Error::NotFound {
            entity: "organization",
        })?;
    let admin = user::Entity::find()
        .filter(user::Column::OrganizationId.eq(organization.id))
        .filter(user::Column::Role.eq(Role::Admin))
        .one(db)
        .await?
        .ok_or(domain::Error::NotFound {
            entity: "admin user",
        })?;
    let viewer = Actor {
        user_id: admin.id,
        organization_id: organization.id,
        role: Role::Viewer,
    };
    let hired = candidate::Entity::find()
        .filter(candidate::Column::OrganizationId.eq(organization.id))
        .filter(candidate::Column::Stage.eq(Stage::Hired))
        .order_by_asc(candidate::Column::Id)
        .one(db)
        .await?
        .ok_or(domain::Error::NotFound {
            entity: "hired candidate",
        })?;
    let runs = runs.max(1);
    let all = QuestionFilter::default();
    let mut timings = Vec::new();
    macro_rules! time {
        ($name:literal, $call:expr) => {{
            let mut samples = Vec::with_capacity(runs);
            for _ in 0..runs {
                let started = Instant::now();
                $call.await?;
                samples.push(started.elapsed());
            }
            samples.sort();
            timings.push(Timing {
                name: $name,
                median: samples[samples.len() / 2],
                max: samples[samples.len() - 1],
            });
        }};
    }
    time!(
        "candidateReport",
        report::candidate_report(db, &viewer, hired.id)
    );
    time!("pipeline", report::pipeline(db, &viewer));
    time!(
        "questionStats(first: 20)",
        report::question_stats(
            db,
            &viewer,
            &all,
            PageRequest {
                first: 20,
                after: None
            }
        )
    );
    time!(
        "questionStats(first: 100)",
        report::question_stats(
            db,
            &viewer,
            &all,
            PageRequest {
                first: 100,
                after: None
            }
        )
    );
    time!(
        "interviewerCalibration",
        report::interviewer_calibration(db, &viewer)
    );
    Ok(timings)
}
