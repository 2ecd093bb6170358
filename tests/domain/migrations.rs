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

both_databases!(
    migrations_down_and_up_again_leave_the_same_schema,
    the_schema_has_the_unique_keys_the_rules_rely_on,
);
