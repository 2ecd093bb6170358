//! The question bank: categories, competencies, questions, import and export.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::{Listing, listing, page_request};
use crate::graphql::context::{actor, db};
use crate::graphql::enums::{Level, QuestionFormat, QuestionStatus};
use crate::graphql::error::GqlResultExt;
use crate::graphql::ids::{self, id};
use crate::graphql::types::{Category, Competency, Question};
use domain::question::{self, transfer};

/// Which questions to list; every field narrows the result.
#[derive(InputObject, Default)]
pub struct QuestionFilter {
    /// Questions in any of these categories.
    pub category_ids: Option<Vec<ID>>,
    /// Questions of this level.
    pub level: Option<Level>,
    /// Questions carrying any of these tags.
    pub tags: Option<Vec<String>>,
    /// Case-insensitive text in the prompt or guidance.
    pub search: Option<String>,
    /// Questions with this status (both when absent).
    pub status: Option<QuestionStatus>,
}

impl QuestionFilter {
    /// The domain filter.
    pub fn to_domain(&self) -> async_graphql::Result<question::QuestionFilter> {
        Ok(question::QuestionFilter {
            category_ids: ids::parse_all(
                "filter.categoryIds",
                self.category_ids.as_deref().unwrap_or_default(),
            )?,
            level: self.level.map(Into::into),
            tags: self.tags.clone().unwrap_or_default(),
            search: self.search.clone(),
            status: self.status.map(Into::into),
        })
    }
}

/// A question as written by a hiring manager.
#[derive(InputObject)]
pub struct QuestionInput {
    /// Section of the bank.
    pub category_id: ID,
    /// Experience band.
    pub level: Level,
    /// The question as asked.
    pub prompt: String,
    /// What a strong answer covers.
    pub guidance: String,
    /// Exactly four anchors, for ratings 1 to 4.
    pub rubric: Vec<String>,
    /// Tags such as `postgresql` (lower case; letters, digits, `.+#-`).
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Estimated minutes, 1–480.
    pub estimated_minutes: i32,
}

impl QuestionInput {
    fn to_domain(&self) -> async_graphql::Result<question::QuestionInput> {
        Ok(question::QuestionInput {
            category_id: ids::parse("categoryId", &self.category_id)?,
            level: self.level.into(),
            prompt: self.prompt.clone(),
            guidance: self.guidance.clone(),
            rubric: self.rubric.clone(),
            tags: self.tags.clone(),
            minutes: i64::from(self.estimated_minutes),
        })
    }
}

/// A new category or competency.
#[derive(InputObject)]
pub struct SectionInput {
    /// Display name, unique in the organization (1–100 characters).
    pub name: String,
    /// What it covers (optional).
    #[graphql(default)]
    pub description: String,
}

/// What an import did.
#[derive(SimpleObject)]
pub struct ImportResult {
    /// How many questions were added.
    pub imported: i32,
    /// Their ids, in document order.
    pub question_ids: Vec<ID>,
    /// Rows whose prompt was already in the bank and were left out
    /// (`SKIP`, or `UPDATE` when nothing differed).
    pub skipped: i32,
    /// Questions of the bank that got a new version (`UPDATE`).
    pub updated: i32,
}

/// What an imported row whose prompt is already in the bank does.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[graphql(remote = "domain::question::transfer::OnDuplicate")]
pub enum OnDuplicate {
    /// It is a problem of its row, and nothing is imported.
    #[default]
    Fail,
    /// It is left out; the bank's question stays as it is.
    Skip,
    /// The bank's question gets a new version with the row's content.
    Update,
}

/// Reading the bank.
#[derive(Default)]
pub struct BankQuery;

/// Reading the bank.
#[Object]
impl BankQuery {
    /// Sections of the bank, in display order.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        let list = question::categories(db(ctx), &actor(ctx)?).await.gql()?;
        Ok(list.into_iter().map(Category).collect())
    }

    /// Competencies interviewers rate, in display order.
    async fn competencies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Competency>> {
        let list = question::competencies(db(ctx), &actor(ctx)?).await.gql()?;
        Ok(list.into_iter().map(Competency).collect())
    }

    /// The bank, filtered and paged (oldest first).
    async fn questions(
        &self,
        ctx: &Context<'_>,
        filter: Option<QuestionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Listing<Question>> {
        let actor = actor(ctx)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        let has_after = after.is_some();
        let page = question::list(db(ctx), &actor, &filter, page_request(ctx, first, after)?)
            .await
            .gql()?;
        Ok(listing(page, has_after, |q| q.id, Question))
    }

    /// One question; an unknown id (or another organization's) is null
    /// with a NOT_FOUND error.
    async fn question(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Question>> {
        let actor = actor(ctx)?;
        let found = question::get(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()?;
        Ok(Some(Question(found)))
    }
}

/// Curating the bank.
#[derive(Default)]
pub struct BankMutation;

/// Curating the bank.
#[Object]
impl BankMutation {
    /// Adds a category to your organization's bank (names are unique).
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: SectionInput,
    ) -> async_graphql::Result<Category> {
        let actor = actor(ctx)?;
        question::create_category(db(ctx), &actor, &input.name, &input.description)
            .await
            .gql()
            .map(Category)
    }

    /// Adds a competency interviewers can rate (names are unique).
    async fn create_competency(
        &self,
        ctx: &Context<'_>,
        input: SectionInput,
    ) -> async_graphql::Result<Competency> {
        let actor = actor(ctx)?;
        question::create_competency(db(ctx), &actor, &input.name, &input.description)
            .await
            .gql()
            .map(Competency)
    }

    /// Adds a question to the bank as version 1.
    async fn create_question(
        &self,
        ctx: &Context<'_>,
        input: QuestionInput,
    ) -> async_graphql::Result<Question> {
        let actor = actor(ctx)?;
        question::create(db(ctx), &actor, input.to_domain()?)
            .await
            .map_err(api_field_names)
            .gql()
            .map(Question)
    }

    /// Edits a question by writing a new version. `expectedVersion` must be
    /// the version you read; otherwise CONFLICT. Plans keep their version.
    async fn update_question(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: QuestionInput,
    ) -> async_graphql::Result<Question> {
        let actor = actor(ctx)?;
        let id = ids::parse("id", &id)?;
        question::update(db(ctx), &actor, id, expected_version, input.to_domain()?)
            .await
            .map_err(api_field_names)
            .gql()
            .map(Question)
    }

    /// Retires a question: still readable, never added to a plan again.
    async fn retire_question(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Question> {
        let actor = actor(ctx)?;
        question::retire(db(ctx), &actor, ids::parse("id", &id)?)
            .await
            .gql()
            .map(Question)
    }

    /// Imports questions from a JSON, CSV or Markdown document (formats in
    /// the README). All or nothing: any invalid row imports none and lists
    /// every problem by row.
    async fn import_questions(
        &self,
        ctx: &Context<'_>,
        format: QuestionFormat,
        document: String,
        #[graphql(default)] on_duplicate: OnDuplicate,
    ) -> async_graphql::Result<ImportResult> {
        let actor = actor(ctx)?;
        let report = transfer::import(
            db(ctx),
            &actor,
            format.into(),
            &document,
            on_duplicate.into(),
        )
        .await
        .gql()?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(ImportResult {
            imported: count(report.imported),
            question_ids: report.question_ids.into_iter().map(id).collect(),
            skipped: count(report.skipped),
            updated: count(report.updated),
        })
    }

    /// Exports the questions matching `filter` as a document that
    /// `importQuestions` accepts.
    async fn export_questions(
        &self,
        ctx: &Context<'_>,
        format: QuestionFormat,
        filter: Option<QuestionFilter>,
    ) -> async_graphql::Result<String> {
        let actor = actor(ctx)?;
        let filter = filter.unwrap_or_default().to_domain()?;
        transfer::export(db(ctx), &actor, format.into(), &filter)
            .await
            .gql()
    }
}

impl From<QuestionFormat> for transfer::QuestionFormat {
    fn from(format: QuestionFormat) -> Self {
        match format {
            QuestionFormat::Json => transfer::QuestionFormat::Json,
            QuestionFormat::Csv => transfer::QuestionFormat::Csv,
            QuestionFormat::Markdown => transfer::QuestionFormat::Markdown,
        }
    }
}

/// The domain names a question's estimate `minutes` (as the import formats
/// do); this API calls the input field `estimatedMinutes`.
fn api_field_names(err: domain::Error) -> domain::Error {
    match err {
        domain::Error::Invalid(problems) => domain::Error::Invalid(
            problems
                .into_iter()
                .map(|mut problem| {
                    if problem.field == "minutes" {
                        problem.field = "estimatedMinutes".into();
                    }
                    problem
                })
                .collect(),
        ),
        other => other,
    }
}
