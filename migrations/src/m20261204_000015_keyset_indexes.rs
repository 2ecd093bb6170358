//! An index on (organization, id) for every list paged by id within an
//! organization (candidates, questions, users). Without it a page starts
//! from the primary key and skips every row of other organizations whose
//! ids sort before, so the first page of a newer organization read the
//! older ones' rows: a cost that grew with the whole database, not with
//! the page.

use sea_orm_migration::prelude::*;

use crate::support::{create_indexes, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables listed page by page, by id, within an organization.
const TABLES: [&str; 3] = ["candidates", "questions", "users"];

fn statements() -> Vec<IndexCreateStatement> {
    TABLES
        .iter()
        .map(|table| {
            index(
                Alias::new(*table),
                &[Alias::new("organization_id"), Alias::new("id")],
                false,
            )
        })
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // All three indexes or none, on every database.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, statements()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("ix_{table}_organization_id_id"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
