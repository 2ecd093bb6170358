//! The dashboard page read as a whole: `candidates` with their plans,
//! rounds, questions, scorecards, interviewers and ratings, loaded one
//! statement per kind of record (only the columns the selection shows) and
//! written straight into the response, instead of resolving each field of
//! each record as its own future.
//!
//! A page whose selection holds any field the renderer does not write
//! (`stageHistory`, `Round.interviewers`, arguments…) is resolved field by
//! field as before; both give the same answer (the API tests compare them).
//! Tenancy and the blind rule stay in the domain reads it calls.

mod render;
pub(crate) mod report;
pub(crate) mod shape;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use async_graphql_value::RAW_VALUE_TOKEN;
use domain::Actor;
use domain::candidate::{self, CandidateFilter};
use domain::entity::round_question;
use domain::page::PageRequest;
use domain::plan::{self, PinnedText};
use domain::scorecard::{self as cards, ListedScorecard, ListingParts, ScorecardsOf};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use self::render::{Records, Writer};
use self::shape::{
    CandidateField, CardField, EdgeField, PageField, PlanField, QuestionField, RatingField,
    RoundField, Shape,
};
use super::audit::RenderedRead;
use super::error::{internal, to_graphql};

/// Bytes of the last page written, and some room: the next page's
/// buffer starts at this size.
static LAST_PAGE: AtomicUsize = AtomicUsize::new(64 * 1024);

/// Present in a request's data when its reads are audited from its
/// answer after it ran (HTTP, see [`super::audit::record`]), which sees
/// inside a page written whole. The WebSocket schema audits field by field
/// as they resolve, so there every field of a page is resolved.
/// It collects the reads written into such values, for the audit.
#[derive(Clone, Debug, Default)]
pub struct AnswerAudited(Arc<Mutex<Vec<RenderedRead>>>);

impl AnswerAudited {
    /// The reads written so far (taken: a second call returns none).
    pub fn take(&self) -> Vec<RenderedRead> {
        self.0
            .lock()
            .map(|mut reads| std::mem::take(&mut *reads))
            .unwrap_or_default()
    }

    fn add(&self, reads: Vec<RenderedRead>) {
        if let Ok(mut all) = self.0.lock() {
            all.extend(reads);
        }
    }
}

/// A field's answer: either written whole by this module (as JSON text,
/// which the response carries as it is), or objects async-graphql
/// resolves field by field. Both have the schema type of `T`.
pub enum Rendered<T> {
    /// The finished value (taken once, when the field is resolved).
    Value(Mutex<Option<Value>>),
    /// Objects to resolve.
    Objects(T),
}

/// `json`, carried in a value that serializes as that text
/// (async-graphql's raw JSON value, an object of one key).
pub fn raw(json: String) -> Value {
    let mut object = IndexMap::with_capacity(1);
    object.insert(Name::new(RAW_VALUE_TOKEN), Value::String(json));
    Value::Object(object)
}

/// The JSON text of a value made by [`raw`].
pub fn raw_text(value: &Value) -> Option<&str> {
    match value {
        Value::Object(object) if object.len() == 1 => match object.get(RAW_VALUE_TOKEN) {
            Some(Value::String(json)) => Some(json),
            _ => None,
        },
        _ => None,
    }
}

impl<T: OutputType> OutputType for Rendered<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match self {
            Rendered::Value(value) => Ok(value
                .lock()
                .ok()
                .and_then(|mut value| value.take())
                .unwrap_or(Value::Null)),
            Rendered::Objects(objects) => objects.resolve(ctx, field).await,
        }
    }
}

/// The compiled selection of a `candidates` field whose every field the
/// renderer writes.
pub struct CandidatePage(Shape<PageField>);

impl CandidatePage {
    /// The page of an already compiled selection.
    pub(crate) fn from_shape(shape: Shape<PageField>) -> Self {
        CandidatePage(shape)
    }

    /// The selection of the `candidates` field of `ctx`, or `None` when it
    /// asks for anything the renderer does not write, or the request is
    /// not audited from its answer ([`AnswerAudited`]).
    pub fn compile(ctx: &Context<'_>) -> Option<(Self, AnswerAudited)> {
        let audited = ctx.data_opt::<AnswerAudited>()?.clone();
        Shape::of(&[ctx.field()]).map(|shape| (CandidatePage(shape), audited))
    }

    /// Reads the page `request` of the actor's candidates matching
    /// `filter`, and everything the selection shows below them, and
    /// writes the answer.
    pub async fn read(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
        filter: &CandidateFilter,
        request: PageRequest,
        has_previous_page: bool,
        audited: &AnswerAudited,
    ) -> async_graphql::Result<Value> {
        let needs = Needs::of(&self.0);
        let (page, rounds) = candidate::list_with_plans(db, actor, filter, request, needs.rounds)
            .await
            .map_err(to_graphql)?;
        let round_ids = rounds.ids();
        let candidate_ids: Vec<Uuid> = page.items.iter().map(|(c, _)| c.id).collect();
        let mut questions: HashMap<Uuid, Vec<plan::PinnedQuestion>> = HashMap::new();
        if let Some(text) = needs.questions {
            for question in plan::pinned_questions(db, &rounds, text)
                .await
                .map_err(to_graphql)?
            {
                questions
                    .entry(question.question.round_id)
                    .or_default()
                    .push(question);
            }
        }
        let round_cards = match needs.round_cards {
            Some(parts) => {
                // The rounds' questions, when read, order the ratings.
                let read: Option<Vec<round_question::Model>> = needs.questions.map(|_| {
                    questions
                        .values()
                        .flatten()
                        .map(|q| q.question.clone())
                        .collect()
                });
                let listed = cards::visible_listing(
                    db,
                    actor,
                    ScorecardsOf::Rounds(round_ids),
                    parts,
                    read.as_deref(),
                )
                .await
                .map_err(to_graphql)?;
                by_parent(listed, |card| card.round_id)
            }
            None => HashMap::new(),
        };
        let candidate_cards = match needs.candidate_cards {
            Some(parts) => by_parent(
                cards::visible_listing(
                    db,
                    actor,
                    ScorecardsOf::Candidates(&candidate_ids),
                    parts,
                    None,
                )
                .await
                .map_err(to_graphql)?,
                |card| card.candidate_id,
            ),
            None => HashMap::new(),
        };
        let records = Records {
            has_next_page: page.has_next_page,
            has_previous_page,
            total_count: page.total_count,
            candidates: page.items,
            questions,
            round_cards,
            candidate_cards,
        };
        // Sized like the last page written, so a dashboard's page is
        // written into one allocation.
        let mut writer = Writer::new(LAST_PAGE.load(Ordering::Relaxed).clamp(4096, 1 << 20));
        render::page(&mut writer, &records, &self.0).map_err(|missing| {
            tracing::error!(record = missing.0, "a record the page shows was not read");
            internal()
        })?;
        let (json, reads) = writer.finish();
        LAST_PAGE.store(json.len() + json.len() / 8, Ordering::Relaxed);
        audited.add(reads);
        Ok(raw(json))
    }
}

impl<T> Rendered<T> {
    /// A finished answer.
    pub fn value(value: Value) -> Self {
        Rendered::Value(Mutex::new(Some(value)))
    }
}

fn by_parent(
    cards: Vec<ListedScorecard>,
    parent: impl Fn(&ListedScorecard) -> Uuid,
) -> HashMap<Uuid, Vec<ListedScorecard>> {
    let mut grouped: HashMap<Uuid, Vec<ListedScorecard>> = HashMap::new();
    for card in cards {
        grouped.entry(parent(&card)).or_default().push(card);
    }
    grouped
}

/// What a page's selection needs read below its candidates.
#[derive(Debug, Default)]
struct Needs {
    /// Plans' rounds.
    rounds: bool,
    /// Rounds' questions, with these texts.
    questions: Option<PinnedText>,
    /// Rounds' scorecards, with these parts.
    round_cards: Option<ListingParts>,
    /// Candidates' scorecards, with these parts.
    candidate_cards: Option<ListingParts>,
}

impl Needs {
    fn of(page: &Shape<PageField>) -> Needs {
        let mut needs = Needs::default();
        for (_, field) in &page.fields {
            match field {
                PageField::Edges(edges) => {
                    for (_, field) in &edges.fields {
                        if let EdgeField::Node(node) = field {
                            needs.candidate(node);
                        }
                    }
                }
                PageField::Nodes(node) => needs.candidate(node),
                PageField::Typename | PageField::TotalCount | PageField::PageInfo(_) => {}
            }
        }
        needs
    }

    fn candidate(&mut self, shape: &Shape<CandidateField>) {
        for (_, field) in &shape.fields {
            match field {
                CandidateField::Plans(plans) => {
                    for (_, field) in &plans.fields {
                        if let PlanField::Rounds(rounds) = field {
                            self.rounds = true;
                            self.round(rounds);
                        }
                    }
                }
                CandidateField::Scorecards(cards) => {
                    parts(self.candidate_cards.get_or_insert_default(), cards);
                }
                _ => {}
            }
        }
    }

    fn round(&mut self, shape: &Shape<RoundField>) {
        for (_, field) in &shape.fields {
            match field {
                RoundField::AllottedMinutes => {
                    self.questions.get_or_insert_default();
                }
                RoundField::Questions(questions) => {
                    let text = self.questions.get_or_insert_default();
                    text.prompt |= questions.any(|f| matches!(f, QuestionField::Prompt));
                    text.guidance |= questions.any(|f| matches!(f, QuestionField::Guidance));
                    text.rubric |= questions.any(|f| matches!(f, QuestionField::Rubric));
                }
                RoundField::Scorecards(cards) => {
                    parts(self.round_cards.get_or_insert_default(), cards);
                }
                _ => {}
            }
        }
    }
}

/// Adds what `shape` shows of each scorecard to `parts`.
fn parts(parts: &mut ListingParts, shape: &Shape<CardField>) {
    for (_, field) in &shape.fields {
        match field {
            CardField::Summary => parts.summary = true,
            CardField::Interviewer(_) => parts.interviewer = true,
            CardField::QuestionRatings(ratings) => {
                parts.ratings = true;
                parts.notes |= ratings.any(|f| matches!(f, RatingField::Notes));
            }
            _ => {}
        }
    }
}
