//! An index led by every foreign-key column that had none: deleting a
//! user, a webhook endpoint or a delivery, or an organization, then checks
//! its children through the index instead of scanning the child table, and
//! reads of an endpoint's deliveries or a delivery's attempts use it too.

use sea_orm_migration::prelude::*;

use crate::support::{create_indexes, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column) of each foreign key this migration indexes.
const COLUMNS: [(&str, &str); 4] = [
    ("api_keys", "created_by"),
    ("webhook_deliveries", "endpoint_id"),
    ("webhook_attempts", "delivery_id"),
    ("candidate_erasures", "organization_id"),
];

fn statements() -> Vec<IndexCreateStatement> {
    COLUMNS
        .iter()
        .map(|(table, column)| index(Alias::new(*table), &[Alias::new(*column)], false))
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, statements()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("ix_{table}_{column}"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
