//! `audit_subjects` without its foreign key to `audit_entries`.
//!
//! The log's only writer inserts an entry and its subjects in one
//! transaction, and pruning deletes both in one transaction, so the key
//! guarded nothing the code does not already guarantee. It cost one
//! trigger call per subject row (a page of scorecards records a hundred
//! or more), and on PostgreSQL the plan of that check is prepared once per
//! connection: planned while `audit_entries` was nearly empty it scans the
//! table, so a service started on a new database wrote each subject slower
//! the longer it ran (15 µs a row on a new connection, 330 µs on one that
//! had written a few thousand entries).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::support::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditSubjects {
    Table,
    EntryId,
    SubjectId,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
}

/// Name of the foreign key dropped here.
const KEY: &str = "fk_audit_subjects_entry_id";
/// Name of the index on subjects (recreated with the table on SQLite).
const SUBJECT_INDEX: &str = "ix_audit_subjects_subject_id";

/// The table as it is after this migration (`keyed`: as it was before).
fn table(name: &str, keyed: bool) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(Alias::new(name))
        .col(ColumnDef::new(AuditSubjects::EntryId).uuid().not_null())
        .col(ColumnDef::new(AuditSubjects::SubjectId).uuid().not_null())
        .primary_key(
            Index::create()
                .col(AuditSubjects::EntryId)
                .col(AuditSubjects::SubjectId),
        );
    if keyed {
        table.foreign_key(&mut fk(
            Alias::new(name),
            AuditSubjects::EntryId,
            AuditEntries::Table,
            true,
        ));
    }
    table.to_owned()
}

/// SQLite cannot drop or add a foreign key: the table is copied into a new
/// one of the wanted shape, which then takes the old one's name and index.
async fn rebuild(manager: &SchemaManager<'_>, keyed: bool) -> Result<(), DbErr> {
    let db = manager.get_connection();
    manager
        .create_table(table("audit_subjects_rebuilt", keyed))
        .await?;
    db.execute_unprepared(
        "INSERT INTO audit_subjects_rebuilt (entry_id, subject_id) \
         SELECT entry_id, subject_id FROM audit_subjects",
    )
    .await?;
    manager
        .drop_table(Table::drop().table(AuditSubjects::Table).to_owned())
        .await?;
    db.execute_unprepared("ALTER TABLE audit_subjects_rebuilt RENAME TO audit_subjects")
        .await?;
    manager
        .create_index(
            Index::create()
                .name(SUBJECT_INDEX)
                .table(AuditSubjects::Table)
                .col(AuditSubjects::SubjectId)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // One transaction on every database: on SQLite the copy, drop and
    // rename then run on one connection and land together or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return rebuild(manager, false).await;
        }
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name(KEY)
                    .table(AuditSubjects::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return rebuild(manager, true).await;
        }
        // Subjects whose entry is gone cannot be keyed again.
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM audit_subjects WHERE entry_id NOT IN (SELECT id FROM audit_entries)",
            )
            .await?;
        manager
            .create_foreign_key(
                fk(
                    AuditSubjects::Table,
                    AuditSubjects::EntryId,
                    AuditEntries::Table,
                    true,
                )
                .to_owned(),
            )
            .await
    }
}
