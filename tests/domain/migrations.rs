//! Migrations run down and up again on both databases and leave the same schema.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::both_databases;
use crate::support::TestDb;

/// A textual description of every table, column, index and foreign key.
async fn schema(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        crate::support::Backend::Sqlite => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY type, name"
        }
        crate::support::Backend::Postgres => {
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' \
             UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
             AND tablename <> 'seaql_migrations' \
             UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace ORDER BY 1"
        }
    };
    let backend: DbBackend = db.db.get_database_backend();
    db.db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("read schema")
        .into_iter()
        .map(|row| row.try_get::<String>("", "line").expect("line"))
        .filter(|line| !line.contains("seaql_migrations"))
        .collect()
}

async fn migrations_down_and_up_again_leave_the_same_schema(db: &TestDb) {
    let before = schema(db).await;
    assert!(
        before.iter().any(|l| l.contains("round_questions")),
        "schema is missing tables: {before:?}"
    );
    Migrator::down(&db.db, None).await.expect("migrate down");
    let empty = schema(db).await;
    assert!(
        empty.is_empty(),
        "tables left after migrating down: {empty:?}"
    );
    Migrator::up(&db.db, None).await.expect("migrate up");
    assert_eq!(schema(db).await, before);
}

async fn the_schema_has_the_unique_keys_the_rules_rely_on(db: &TestDb) {
    let schema = schema(db).await.join("\n");
    for index in [
        "ux_candidates_organization_id_email",
        "ux_scorecards_round_id_interviewer_id",
        "ux_round_questions_plan_id_question_id",
    ] {
        assert!(schema.contains(index), "missing unique index {index}");
    }
}

/// Every foreign key whose column does not lead an index, as
/// `table.column`: deleting a parent would scan the child table for it.
async fn unindexed_foreign_keys(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        crate::support::Backend::Sqlite => {
            "SELECT m.name || '.' || f.\"from\" AS line \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.seq = 0 AND NOT EXISTS ( \
               SELECT 1 FROM pragma_index_list(m.name) i \
               JOIN pragma_index_info(i.name) c ON c.seqno = 0 \
               WHERE c.name = f.\"from\") \
             ORDER BY 1"
        }
        crate::support::Backend::Postgres => {
            "SELECT c.conrelid::regclass::text || '.' || a.attname AS line \
             FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace \
               AND NOT EXISTS (SELECT 1 FROM pg_index i \
                 WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]) \
             ORDER BY 1"
        }
    };
    let backend: DbBackend = db.db.get_database_backend();
    db.db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("read foreign keys")
        .into_iter()
        .map(|row| row.try_get::<String>("", "line").expect("line"))
        .collect()
}

async fn every_foreign_key_column_leads_an_index(db: &TestDb) {
    assert_eq!(unindexed_foreign_keys(db).await, Vec::<String>::new());
    // The check sees a missing one.
    let backend: DbBackend = db.db.get_database_backend();
    db.db
        .execute_raw(Statement::from_string(
            backend,
            "DROP INDEX ix_webhook_attempts_delivery_id",
        ))
        .await
        .expect("drop an index");
    assert_eq!(
        unindexed_foreign_keys(db).await,
        vec!["webhook_attempts.delivery_id".to_owned()]
    );
}

/// Rolls back every migration from the one named `name` on.
async fn back_before(db: &TestDb, name: &str) {
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name().contains(name))
        .expect("the migration")
        + 1;
    Migrator::down(&db.db, Some(steps as u32))
        .await
        .expect("down");
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    let backend: DbBackend = db.db.get_database_backend();
    db.db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n")
}

/// Upgrading keeps every audit subject while dropping the per-row key to
/// `audit_entries` (the writer and pruning keep them together); rolling
/// back restores the key.
async fn the_audit_subjects_upgrade_keeps_every_subject(db: &TestDb) {
    back_before(db, "audit_subjects").await;
    let backend: DbBackend = db.db.get_database_backend();
    let entry = uuid::Uuid::now_v7();
    let insert = format!(
        "INSERT INTO audit_entries (id, organization_id, actor_id, operation, kind, outcome, \
           client_ip, request_id, at) \
         VALUES ('{entry}', NULL, NULL, 'scorecards', 'READ', 'OK', '127.0.0.1', 'r1', \
           '2026-12-04T10:00:00Z')"
    );
    db.db
        .execute_raw(Statement::from_string(backend, insert))
        .await
        .expect("an entry");
    for _ in 0..3 {
        let subject = uuid::Uuid::now_v7();
        db.db
            .execute_raw(Statement::from_string(
                backend,
                format!("INSERT INTO audit_subjects (entry_id, subject_id) VALUES ('{entry}', '{subject}')"),
            ))
            .await
            .expect("a subject");
    }
    Migrator::up(&db.db, None).await.expect("up");
    assert_eq!(
        count(
            db,
            &format!("SELECT COUNT(*) AS n FROM audit_subjects WHERE entry_id = '{entry}'")
        )
        .await,
        3
    );
    let lines = schema(db).await.join("\n");
    assert!(
        !lines.contains("fk_audit_subjects_entry_id")
            && !lines.contains("REFERENCES audit_entries"),
        "{lines}"
    );
    assert!(lines.contains("ix_audit_subjects_subject_id"), "{lines}");
    back_before(db, "audit_subjects").await;
    let lines = schema(db).await.join("\n");
    assert!(
        lines.contains("fk_audit_subjects_entry_id")
            || lines.contains("REFERENCES \"audit_entries\""),
        "{lines}"
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM audit_subjects").await,
        3
    );
    Migrator::up(&db.db, None).await.expect("up again");
}

/// Lists paged by id within an organization have an index that starts
/// with the organization, so a page does not read other organizations.
async fn lists_paged_by_id_have_an_organization_index(db: &TestDb) {
    let lines = schema(db).await.join("\n");
    for table in ["candidates", "questions", "users"] {
        assert!(
            lines.contains(&format!("ix_{table}_organization_id_id")),
            "{table}: {lines}"
        );
    }
}

both_databases!(
    the_audit_subjects_upgrade_keeps_every_subject,
    lists_paged_by_id_have_an_organization_index,
    migrations_down_and_up_again_leave_the_same_schema,
    the_schema_has_the_unique_keys_the_rules_rely_on,
    every_foreign_key_column_leads_an_index,
);
