//! The question bank: categories, competencies, questions and versions.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::entity::{category, competency, question, question_version};

use super::{children, required};
use crate::graphql::enums::{Level, QuestionStatus};
use crate::graphql::ids::id;
use crate::graphql::loaders::{CategoryById, TagsOf, VersionsOf};

/// Declares the output type of a section of the bank (a category or a
/// competency): both are a named, described entry of an organization.
macro_rules! section {
    ($(#[$doc:meta])* $name:ident => $model:ty, $describes:literal) => {
        $(#[$doc])*
        pub struct $name(pub $model);

        $(#[$doc])*
        #[Object]
        impl $name {
            /// Opaque id.
            async fn id(&self) -> ID {
                id(self.0.id)
            }
            /// Display name.
            async fn name(&self) -> &str {
                &self.0.name
            }
            #[doc = $describes]
            async fn description(&self) -> &str {
                &self.0.description
            }
        }
    };
}

section!(/// A section of the question bank.
    Category => category::Model, "What the section covers.");
section!(/// Something interviewers rate besides answers.
    Competency => competency::Model, "What a rating of it judges.");

/// A question of the bank, as it is now (its current version).
pub struct Question(pub question::Model);

/// A question of the bank, as it is now (its current version).
#[Object]
impl Question {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The section it belongs to.
    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        required(ctx, CategoryById(self.0.category_id))
            .await
            .map(Category)
    }
    /// Experience band.
    async fn level(&self) -> Level {
        self.0.level.into()
    }
    /// The question as asked.
    async fn prompt(&self) -> &str {
        &self.0.prompt
    }
    /// What a strong answer covers.
    async fn guidance(&self) -> &str {
        &self.0.guidance
    }
    /// Anchor sentences for ratings 1 to 4, in order.
    async fn rubric(&self) -> [&str; 4] {
        [
            &self.0.rubric1,
            &self.0.rubric2,
            &self.0.rubric3,
            &self.0.rubric4,
        ]
        .map(String::as_str)
    }
    /// Tags such as `postgresql`.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        children(ctx, TagsOf(self.0.id)).await
    }
    /// Estimated minutes to ask and discuss it.
    async fn estimated_minutes(&self) -> i32 {
        self.0.minutes
    }
    /// Whether it can still be added to plans.
    async fn status(&self) -> QuestionStatus {
        self.0.status.into()
    }
    /// Current version number; pass it as `expectedVersion` when editing.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Every version, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<QuestionVersion>> {
        Ok(children(ctx, VersionsOf(self.0.id))
            .await?
            .into_iter()
            .map(QuestionVersion)
            .collect())
    }
    /// When it was added to the bank.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One version of a question, as plans pinned it.
pub struct QuestionVersion(pub question_version::Model);

/// One version of a question, as plans pinned it.
#[Object]
impl QuestionVersion {
    /// Opaque id of this version.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The question it is a version of.
    async fn question_id(&self) -> ID {
        id(self.0.question_id)
    }
    /// Version number, from 1.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The section it belonged to.
    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Category> {
        required(ctx, CategoryById(self.0.category_id))
            .await
            .map(Category)
    }
    /// Experience band.
    async fn level(&self) -> Level {
        self.0.level.into()
    }
    /// The question as asked.
    async fn prompt(&self) -> &str {
        &self.0.prompt
    }
    /// What a strong answer covers.
    async fn guidance(&self) -> &str {
        &self.0.guidance
    }
    /// Anchor sentences for ratings 1 to 4.
    async fn rubric(&self) -> [&str; 4] {
        [
            &self.0.rubric1,
            &self.0.rubric2,
            &self.0.rubric3,
            &self.0.rubric4,
        ]
        .map(String::as_str)
    }
    /// Tags of this version.
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.0.tags.clone()).unwrap_or_default()
    }
    /// Estimated minutes.
    async fn estimated_minutes(&self) -> i32 {
        self.0.minutes
    }
    /// When this version was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
