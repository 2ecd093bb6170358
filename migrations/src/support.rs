//! Small builders shared by the migrations: foreign keys and indexes named
//! after their table and columns, so the same names exist on every database.

use sea_orm_migration::{prelude::*, schema};

/// A foreign key from `table.column` to `target.id`, deleting children with
/// their parent when `cascade` is set and refusing the delete otherwise.
pub fn fk(
    table: impl IntoIden + Clone + 'static,
    column: impl IntoIden + Clone + 'static,
    target: impl IntoIden + 'static,
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let name = format!(
        "fk_{}_{}",
        table.clone().into_iden(),
        column.clone().into_iden()
    );
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(target, Alias::new("id"))
        .on_delete(if cascade {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::Restrict
        })
        .to_owned()
}

/// A two-column link table whose primary key is both columns; its rows are
/// deleted with either side. Each side is (column, table it points to).
pub fn link_table(
    table: impl IntoIden + Clone + 'static,
    left: (impl IntoIden + Clone + 'static, impl IntoIden + 'static),
    right: (impl IntoIden + Clone + 'static, impl IntoIden + 'static),
) -> TableCreateStatement {
    Table::create()
        .table(table.clone())
        .col(schema::uuid(left.0.clone()))
        .col(schema::uuid(right.0.clone()))
        .primary_key(Index::create().col(left.0.clone()).col(right.0.clone()))
        .foreign_key(&mut fk(table.clone(), left.0, left.1, true))
        .foreign_key(&mut fk(table, right.0, right.1, true))
        .to_owned()
}

/// An index on `table(columns…)`, unique when `unique` is set.
pub fn index<T, C>(table: T, columns: &[C], unique: bool) -> IndexCreateStatement
where
    T: IntoIden + Clone + 'static,
    C: IntoIden + Clone + 'static,
{
    let mut name = format!("ix_{}", table.clone().into_iden());
    let mut statement = Index::create();
    for column in columns {
        name.push('_');
        name.push_str(&column.clone().into_iden().to_string());
        statement.col(column.clone());
    }
    if unique {
        statement.unique();
        name = name.replacen("ix_", "ux_", 1);
    }
    statement.name(name).table(table).to_owned()
}

/// Creates every index in `indexes`, in order.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for statement in indexes {
        manager.create_index(statement).await?;
    }
    Ok(())
}

/// Drops the tables in the order given (children first).
pub async fn drop_tables<T: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    tables: Vec<T>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}
