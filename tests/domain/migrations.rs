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

both_databases!(
    migrations_down_and_up_again_leave_the_same_schema,
    the_schema_has_the_unique_keys_the_rules_rely_on,
    every_foreign_key_column_leads_an_index,
);
