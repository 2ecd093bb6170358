//! Candidates: details, unique emails per organization, the stage rules of
//! docs/domain.md §2 with their history, listing, roles and tenancy.

use domain::candidate::{self, CandidateFilter, CandidateInput};
use domain::entity::candidate::Model as Candidate;
use domain::page::PageRequest;
use domain::types::{Level, Role, Stage};
use domain::{Actor, Error};
use uuid::Uuid;

use crate::both_databases;
use crate::support::TestDb;
use crate::support::world::World;

/// docs/domain.md §2, written out: `APPLIED → SCREENING → INTERVIEWING → OFFER → HIRED`,
/// or `REJECTED`/`WITHDRAWN` from any open stage.
const SPEC_MOVES: [(Stage, Stage); 12] = [
    (Stage::Applied, Stage::Screening),
    (Stage::Screening, Stage::Interviewing),
    (Stage::Interviewing, Stage::Offer),
    (Stage::Offer, Stage::Hired),
    (Stage::Applied, Stage::Rejected),
    (Stage::Applied, Stage::Withdrawn),
    (Stage::Screening, Stage::Rejected),
    (Stage::Screening, Stage::Withdrawn),
    (Stage::Interviewing, Stage::Rejected),
    (Stage::Interviewing, Stage::Withdrawn),
    (Stage::Offer, Stage::Rejected),
    (Stage::Offer, Stage::Withdrawn),
];

const STAGES: [Stage; 7] = [
    Stage::Applied,
    Stage::Screening,
    Stage::Interviewing,
    Stage::Offer,
    Stage::Hired,
    Stage::Rejected,
    Stage::Withdrawn,
];

/// The moves that bring a new candidate to `stage`.
fn path_to(stage: Stage) -> &'static [Stage] {
    match stage {
        Stage::Applied => &[],
        Stage::Screening => &[Stage::Screening],
        Stage::Interviewing => &[Stage::Screening, Stage::Interviewing],
        Stage::Offer => &[Stage::Screening, Stage::Interviewing, Stage::Offer],
        Stage::Hired => &[
            Stage::Screening,
            Stage::Interviewing,
            Stage::Offer,
            Stage::Hired,
        ],
        Stage::Rejected => &[Stage::Rejected],
        Stage::Withdrawn => &[Stage::Withdrawn],
    }
}

fn input(name: &str, email: &str, position: &str, level: Level) -> CandidateInput {
    CandidateInput {
        name: name.to_owned(),
        email: email.to_owned(),
        position_title: position.to_owned(),
        target_level: level,
    }
}

/// A new candidate with a unique email, created by `actor`.
async fn new_candidate(db: &TestDb, actor: &Actor) -> Candidate {
    let email = format!("cand-{}@example.com", Uuid::now_v7().simple());
    candidate::create(
        &db.db,
        actor,
        input("Ada Lovelace", &email, "Backend Engineer", Level::Senior),
    )
    .await
    .expect("create candidate")
}

/// A new candidate moved along the allowed path to `stage`.
async fn candidate_at(db: &TestDb, actor: &Actor, stage: Stage) -> Candidate {
    let mut candidate = new_candidate(db, actor).await;
    for &step in path_to(stage) {
        candidate = candidate::move_stage(&db.db, actor, candidate.id, step)
            .await
            .unwrap_or_else(|err| panic!("move to {step}: {err}"));
    }
    assert_eq!(candidate.stage, stage);
    candidate
}

async fn history(db: &TestDb, actor: &Actor, id: Uuid) -> Vec<(Option<Stage>, Stage)> {
    candidate::stage_history(&db.db, actor, id)
        .await
        .expect("stage history")
        .into_iter()
        .map(|change| (change.from_stage, change.to_stage))
        .collect()
}

async fn a_new_candidate_starts_applied_with_that_stage_recorded(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let created = candidate::create(
        &db.db,
        &acme.manager,
        input(
            "  Ada Lovelace ",
            " Ada@Example.COM",
            " Backend Engineer ",
            Level::Senior,
        ),
    )
    .await
    .expect("create");
    assert_eq!(created.stage, Stage::Applied);
    assert_eq!(created.name, "Ada Lovelace");
    assert_eq!(created.email, "ada@example.com");
    assert_eq!(created.position_title, "Backend Engineer");
    assert_eq!(created.target_level, Level::Senior);
    assert_eq!(created.organization_id, acme.organization_id);
    let read = candidate::get(&db.db, &acme.viewer, created.id)
        .await
        .expect("get");
    assert_eq!(read.id, created.id);
    assert_eq!(read.stage, Stage::Applied);
    let changes = candidate::stage_history(&db.db, &acme.alice, created.id)
        .await
        .expect("history");
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].from_stage, None);
    assert_eq!(changes[0].to_stage, Stage::Applied);
    assert_eq!(changes[0].changed_by, Some(acme.manager.user_id));
    assert_eq!(changes[0].candidate_id, created.id);
}

async fn creating_a_candidate_lists_every_invalid_field_at_once(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let result = candidate::create(
        &db.db,
        &acme.manager,
        input(" ", "ada-at-example.com", &"x".repeat(201), Level::Mid),
    )
    .await;
    let Err(Error::Invalid(problems)) = result else {
        panic!("expected Invalid, got {result:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "email", "positionTitle"]);
    assert!(problems[0].message.contains("must not be empty"));
    assert!(problems[1].message.contains("no `@`"));
    assert!(problems[2].message.contains("at most 200 characters"));
    let page = candidate::list(
        &db.db,
        &acme.manager,
        &CandidateFilter::default(),
        page(10, None),
    )
    .await
    .expect("list");
    assert_eq!(page.total_count, 0, "an invalid candidate was stored");
}

async fn every_move_the_spec_allows_succeeds_and_is_recorded(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    for (from, to) in SPEC_MOVES {
        let at = candidate_at(db, &acme.manager, from).await;
        let moved = candidate::move_stage(&db.db, &acme.admin, at.id, to)
            .await
            .unwrap_or_else(|err| panic!("{from} -> {to} refused: {err}"));
        assert_eq!(moved.stage, to, "{from} -> {to}");
        let read = candidate::get(&db.db, &acme.viewer, at.id)
            .await
            .expect("get");
        assert_eq!(read.stage, to, "{from} -> {to} not stored");

        let changes = candidate::stage_history(&db.db, &acme.manager, at.id)
            .await
            .expect("history");
        let mut expected = vec![(None, Stage::Applied)];
        let mut previous = Stage::Applied;
        for &step in path_to(from).iter().chain([&to]) {
            expected.push((Some(previous), step));
            previous = step;
        }
        let recorded: Vec<(Option<Stage>, Stage)> =
            changes.iter().map(|c| (c.from_stage, c.to_stage)).collect();
        assert_eq!(recorded, expected, "history after {from} -> {to}");
        let last = changes.last().expect("a recorded change");
        assert_eq!(last.changed_by, Some(acme.admin.user_id));
        assert!(
            changes
                .windows(2)
                .all(|w| w[0].changed_at <= w[1].changed_at),
            "history is not in time order"
        );
    }
}

async fn every_move_the_spec_does_not_list_is_refused_naming_the_allowed_stages(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    for from in STAGES {
        let at = candidate_at(db, &acme.manager, from).await;
        let before = history(db, &acme.manager, at.id).await;
        let allowed: Vec<Stage> = SPEC_MOVES
            .iter()
            .filter(|(f, _)| *f == from)
            .map(|(_, t)| *t)
            .collect();
        for to in STAGES {
            if allowed.contains(&to) {
                continue;
            }
            let result = candidate::move_stage(&db.db, &acme.manager, at.id, to).await;
            let Err(Error::Invalid(problems)) = result else {
                panic!("{from} -> {to} should be refused, got {result:?}");
            };
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].field, "stage");
            let message = &problems[0].message;
            assert!(
                message.contains(&format!("cannot move from {from} to {to}")),
                "{message}"
            );
            if allowed.is_empty() {
                assert!(message.contains("closed stage"), "{message}");
            } else {
                let (_, tail) = message
                    .split_once(&format!("from {from} a candidate can move to "))
                    .unwrap_or_else(|| panic!("no allowed stages in `{message}`"));
                for stage in STAGES {
                    assert_eq!(
                        tail.contains(stage.as_str()),
                        allowed.contains(&stage),
                        "`{message}` lists {stage} wrongly"
                    );
                }
            }
        }
        let read = candidate::get(&db.db, &acme.manager, at.id)
            .await
            .expect("get");
        assert_eq!(read.stage, from, "a refused move changed the stage");
        assert_eq!(
            history(db, &acme.manager, at.id).await,
            before,
            "a refused move was recorded"
        );
    }
}

async fn a_hired_rejected_or_withdrawn_candidate_cannot_move_anywhere(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    for closed in [Stage::Hired, Stage::Rejected, Stage::Withdrawn] {
        let at = candidate_at(db, &acme.admin, closed).await;
        for to in STAGES {
            let result = candidate::move_stage(&db.db, &acme.admin, at.id, to).await;
            let Err(Error::Invalid(problems)) = result else {
                panic!("{closed} -> {to} should be refused, got {result:?}");
            };
            assert_eq!(problems[0].field, "stage");
            assert!(
                problems[0]
                    .message
                    .contains(&format!("{closed} is a closed stage"))
            );
        }
    }
}

async fn moving_to_the_current_stage_is_refused(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let at = candidate_at(db, &acme.manager, Stage::Screening).await;
    let result = candidate::move_stage(&db.db, &acme.manager, at.id, Stage::Screening).await;
    let Err(Error::Invalid(problems)) = result else {
        panic!("expected Invalid, got {result:?}");
    };
    assert_eq!(problems[0].field, "stage");
    assert_eq!(
        problems[0].message,
        "cannot move from SCREENING to SCREENING; from SCREENING a candidate can move to \
         INTERVIEWING, REJECTED or WITHDRAWN"
    );
    assert_eq!(history(db, &acme.manager, at.id).await.len(), 2);
}

async fn a_duplicate_email_in_the_same_organization_is_a_conflict_naming_it(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let first = candidate::create(
        &db.db,
        &acme.manager,
        input("Ada", "ada@example.com", "Backend Engineer", Level::Mid),
    )
    .await
    .expect("first");
    let result = candidate::create(
        &db.db,
        &acme.admin,
        input(
            "Ada L.",
            " ADA@example.com ",
            "Data Engineer",
            Level::Senior,
        ),
    )
    .await;
    let Err(Error::Conflict(message)) = result else {
        panic!("expected Conflict, got {result:?}");
    };
    assert!(message.contains("ada@example.com"), "{message}");

    let other = candidate::create(
        &db.db,
        &acme.manager,
        input("Grace", "grace@example.com", "Backend Engineer", Level::Mid),
    )
    .await
    .expect("second");
    let result = candidate::update(
        &db.db,
        &acme.manager,
        other.id,
        input("Grace", "Ada@Example.com", "Backend Engineer", Level::Mid),
    )
    .await;
    let Err(Error::Conflict(message)) = result else {
        panic!("expected Conflict on update, got {result:?}");
    };
    assert!(message.contains("ada@example.com"), "{message}");

    let page = candidate::list(
        &db.db,
        &acme.manager,
        &CandidateFilter::default(),
        page(10, None),
    )
    .await
    .expect("list");
    let emails: Vec<&str> = page.items.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(emails, ["ada@example.com", "grace@example.com"]);
    assert_eq!(
        history(db, &acme.manager, first.id).await,
        [(None, Stage::Applied)]
    );
}

async fn the_same_email_is_allowed_in_another_organization(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let details = input("Ada", "ada@example.com", "Backend Engineer", Level::Mid);
    let in_acme = candidate::create(&db.db, &acme.manager, details.clone())
        .await
        .expect("acme");
    let in_globex = candidate::create(&db.db, &globex.manager, details)
        .await
        .expect("globex accepts an email acme already uses");
    assert_ne!(in_acme.id, in_globex.id);
    assert_eq!(in_globex.organization_id, globex.organization_id);
}

async fn updating_a_candidate_changes_its_details_but_not_its_stage(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let at = candidate_at(db, &acme.manager, Stage::Interviewing).await;
    let updated = candidate::update(
        &db.db,
        &acme.admin,
        at.id,
        input(
            " Ada King ",
            "ADA.KING@example.com",
            "Staff Engineer",
            Level::Lead,
        ),
    )
    .await
    .expect("update");
    assert_eq!(updated.id, at.id);
    assert_eq!(updated.name, "Ada King");
    assert_eq!(updated.email, "ada.king@example.com");
    assert_eq!(updated.position_title, "Staff Engineer");
    assert_eq!(updated.target_level, Level::Lead);
    assert_eq!(updated.stage, Stage::Interviewing);
    let read = candidate::get(&db.db, &acme.manager, at.id)
        .await
        .expect("get");
    assert_eq!(read.stage, Stage::Interviewing);
    assert_eq!(read.name, "Ada King");
    assert_eq!(history(db, &acme.manager, at.id).await.len(), 3);

    let result = candidate::update(
        &db.db,
        &acme.admin,
        at.id,
        input("", "nope", "Staff Engineer", Level::Lead),
    )
    .await;
    let Err(Error::Invalid(problems)) = result else {
        panic!("expected Invalid, got {result:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "email"]);
}

fn page(first: u64, after: Option<Uuid>) -> PageRequest {
    PageRequest {
        first,
        after,
        count: true,
    }
}

async fn names(db: &TestDb, actor: &Actor, filter: CandidateFilter) -> Vec<String> {
    let page = candidate::list(&db.db, actor, &filter, page(100, None))
        .await
        .expect("list");
    assert_eq!(page.total_count as usize, page.items.len());
    let mut names: Vec<String> = page.items.into_iter().map(|c| c.name).collect();
    names.sort();
    names
}

async fn candidates_are_listed_by_stage_position_level_and_search(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let m = &acme.manager;
    let make = async |name: &str, email: &str, position: &str, level: Level| {
        candidate::create(&db.db, m, input(name, email, position, level))
            .await
            .expect("create")
    };
    let ada = make(
        "Ada Lovelace",
        "ada@engine.example.com",
        "Backend Engineer",
        Level::Senior,
    )
    .await;
    make(
        "Grace Hopper",
        "grace@navy.example.com",
        "backend engineer",
        Level::Lead,
    )
    .await;
    let linus = make(
        "Linus T",
        "linus@kernel.example.com",
        "Frontend Engineer",
        Level::Mid,
    )
    .await;
    make(
        "Bob_Smith",
        "bob@example.com",
        "Backend Engineer Intern",
        Level::Junior,
    )
    .await;
    make("Percent 100%", "pc@example.com", "QA", Level::Mid).await;
    candidate::move_stage(&db.db, m, ada.id, Stage::Screening)
        .await
        .expect("move ada");
    candidate::move_stage(&db.db, m, linus.id, Stage::Rejected)
        .await
        .expect("move linus");
    // Another organization's candidate matches every filter but never shows.
    let globex = World::new(db, "globex").await;
    candidate::create(
        &db.db,
        &globex.manager,
        input(
            "Ada Globex",
            "ada@engine.example.com",
            "Backend Engineer",
            Level::Senior,
        ),
    )
    .await
    .expect("globex candidate");

    let filter = |f: fn(&mut CandidateFilter)| {
        let mut filter = CandidateFilter::default();
        f(&mut filter);
        filter
    };
    assert_eq!(
        names(db, &acme.viewer, CandidateFilter::default()).await,
        [
            "Ada Lovelace",
            "Bob_Smith",
            "Grace Hopper",
            "Linus T",
            "Percent 100%"
        ]
    );
    assert_eq!(
        names(db, m, filter(|f| f.stages = vec![Stage::Screening])).await,
        ["Ada Lovelace"]
    );
    assert_eq!(
        names(
            db,
            m,
            filter(|f| f.stages = vec![Stage::Rejected, Stage::Screening])
        )
        .await,
        ["Ada Lovelace", "Linus T"]
    );
    assert!(
        names(db, m, filter(|f| f.stages = vec![Stage::Hired]))
            .await
            .is_empty()
    );
    assert_eq!(
        names(
            db,
            m,
            filter(|f| f.position = Some(" BACKEND engineer ".into()))
        )
        .await,
        ["Ada Lovelace", "Grace Hopper"],
        "position is an exact match, ignoring case"
    );
    assert!(
        names(db, m, filter(|f| f.position = Some("Backend".into())))
            .await
            .is_empty(),
        "position is not a substring match"
    );
    assert_eq!(
        names(db, m, filter(|f| f.level = Some(Level::Lead))).await,
        ["Grace Hopper"]
    );
    assert_eq!(
        names(db, m, filter(|f| f.search = Some("LOVE".into()))).await,
        ["Ada Lovelace"],
        "search finds text in the name, ignoring case"
    );
    assert_eq!(
        names(db, m, filter(|f| f.search = Some("Navy.Example".into()))).await,
        ["Grace Hopper"],
        "search finds text in the email"
    );
    assert_eq!(
        names(db, m, filter(|f| f.search = Some("_".into()))).await,
        ["Bob_Smith"],
        "`_` in search is literal"
    );
    assert_eq!(
        names(db, m, filter(|f| f.search = Some("%".into()))).await,
        ["Percent 100%"],
        "`%` in search is literal"
    );
    assert_eq!(
        names(
            db,
            &acme.alice,
            filter(|f| {
                f.position = Some("backend engineer".into());
                f.stages = vec![Stage::Applied];
                f.search = Some("hopper".into());
            })
        )
        .await,
        ["Grace Hopper"],
        "filters combine"
    );
}

async fn candidates_are_paged_by_id_with_a_total_count(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(new_candidate(db, &acme.manager).await.id);
    }
    ids.sort();
    let filter = CandidateFilter::default();
    let list = async |after| {
        candidate::list(&db.db, &acme.viewer, &filter, page(2, after))
            .await
            .expect("list")
    };
    let first = list(None).await;
    assert_eq!(first.total_count, 5);
    assert!(first.has_next_page);
    let got: Vec<Uuid> = first.items.iter().map(|c| c.id).collect();
    assert_eq!(got, ids[0..2]);

    let second = list(Some(ids[1])).await;
    assert_eq!(second.total_count, 5);
    assert!(second.has_next_page);
    let got: Vec<Uuid> = second.items.iter().map(|c| c.id).collect();
    assert_eq!(got, ids[2..4]);

    let last = list(Some(ids[3])).await;
    assert_eq!(last.total_count, 5);
    assert!(!last.has_next_page);
    let got: Vec<Uuid> = last.items.iter().map(|c| c.id).collect();
    assert_eq!(got, ids[4..]);

    let exact = candidate::list(&db.db, &acme.viewer, &filter, page(5, None))
        .await
        .expect("list");
    assert_eq!(exact.items.len(), 5);
    assert!(
        !exact.has_next_page,
        "no next page when the page is exactly full"
    );
}

fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, Error>, role: Role) {
    match result {
        Err(Error::Forbidden { action, role: r }) => {
            assert_eq!(action, "manage candidates");
            assert_eq!(r, role);
        }
        other => panic!("expected Forbidden for {role}, got {other:?}"),
    }
}

async fn interviewers_and_viewers_cannot_create_update_or_move_candidates(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let existing = new_candidate(db, &acme.manager).await;
    for actor in [acme.alice, acme.viewer] {
        assert_forbidden(
            candidate::create(
                &db.db,
                &actor,
                input("Eve", "eve@example.com", "Backend Engineer", Level::Mid),
            )
            .await,
            actor.role,
        );
        assert_forbidden(
            candidate::update(
                &db.db,
                &actor,
                existing.id,
                input("Eve", "eve@example.com", "Backend Engineer", Level::Mid),
            )
            .await,
            actor.role,
        );
        assert_forbidden(
            candidate::move_stage(&db.db, &actor, existing.id, Stage::Screening).await,
            actor.role,
        );
        // Reading is open to every role of the organization.
        candidate::get(&db.db, &actor, existing.id)
            .await
            .expect("any role reads a candidate");
    }
    let read = candidate::get(&db.db, &acme.manager, existing.id)
        .await
        .expect("get");
    assert_eq!(read, existing, "a refused request changed the candidate");
    let page = candidate::list(
        &db.db,
        &acme.viewer,
        &CandidateFilter::default(),
        page(10, None),
    )
    .await
    .expect("list");
    assert_eq!(page.total_count, 1, "a refused create stored a candidate");
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) {
    match result {
        Err(Error::NotFound { entity }) => assert_eq!(entity, "candidate", "{what}"),
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

async fn another_organizations_candidate_is_not_found(db: &TestDb) {
    let acme = World::new(db, "acme").await;
    let globex = World::new(db, "globex").await;
    let theirs = new_candidate(db, &globex.manager).await;
    for id in [theirs.id, Uuid::now_v7()] {
        let a = &acme.admin;
        assert_not_found(candidate::get(&db.db, a, id).await, "get");
        assert_not_found(
            candidate::update(
                &db.db,
                a,
                id,
                input(
                    "Mallory",
                    "mallory@example.com",
                    "Backend Engineer",
                    Level::Mid,
                ),
            )
            .await,
            "update",
        );
        assert_not_found(
            candidate::move_stage(&db.db, a, id, Stage::Rejected).await,
            "move_stage",
        );
        assert_not_found(
            candidate::stage_history(&db.db, a, id).await,
            "stage_history",
        );
    }
    let read = candidate::get(&db.db, &globex.manager, theirs.id)
        .await
        .expect("globex reads its own candidate");
    assert_eq!(read, theirs, "another organization changed the candidate");
    assert_eq!(history(db, &globex.manager, theirs.id).await.len(), 1);
}

both_databases!(
    a_new_candidate_starts_applied_with_that_stage_recorded,
    creating_a_candidate_lists_every_invalid_field_at_once,
    every_move_the_spec_allows_succeeds_and_is_recorded,
    every_move_the_spec_does_not_list_is_refused_naming_the_allowed_stages,
    a_hired_rejected_or_withdrawn_candidate_cannot_move_anywhere,
    moving_to_the_current_stage_is_refused,
    a_duplicate_email_in_the_same_organization_is_a_conflict_naming_it,
    the_same_email_is_allowed_in_another_organization,
    updating_a_candidate_changes_its_details_but_not_its_stage,
    candidates_are_listed_by_stage_position_level_and_search,
    candidates_are_paged_by_id_with_a_total_count,
    interviewers_and_viewers_cannot_create_update_or_move_candidates,
    another_organizations_candidate_is_not_found,
);
