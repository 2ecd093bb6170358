//! Writing the records a page read as the JSON async-graphql would have
//! answered for the same selection, field for field, and noting what the
//! audit records of it (the walk of `graphql::audit` cannot see inside a
//! value written whole).

use std::collections::HashMap;
use std::io::Write as _;

use async_graphql::EnumType;
use chrono::{DateTime, Utc};
use domain::candidate::CandidateWithPlans;
use domain::entity::{interview_plan, round};
use domain::plan::PinnedQuestion;
use domain::scorecard::{ListedRating, ListedScorecard};
use domain::user::Profile;
use uuid::Uuid;

use super::shape::{
    CandidateField, CardField, EdgeField, PageField, PageInfoField, PlanField, QuestionField,
    RatingField, RoundField, Shape, UserField,
};
use crate::graphql::audit::{self, RenderedRead};
use crate::graphql::enums::{
    CandidateStage, Level, PlanStatus, Recommendation, Role, RoundKind, ScorecardStatus,
};

/// What a page read: its candidates (with plans and rounds), and the
/// records below them by parent.
pub(super) struct Records {
    /// The page's candidates, in order.
    pub candidates: Vec<CandidateWithPlans>,
    /// Whether more candidates follow.
    pub has_next_page: bool,
    /// Whether the page started after a cursor.
    pub has_previous_page: bool,
    /// Candidates matching the filter, when counted.
    pub total_count: u64,
    /// Questions of each round.
    pub questions: HashMap<Uuid, Vec<PinnedQuestion>>,
    /// Visible scorecards of each round.
    pub round_cards: HashMap<Uuid, Vec<ListedScorecard>>,
    /// Visible scorecards of each candidate.
    pub candidate_cards: HashMap<Uuid, Vec<ListedScorecard>>,
}

/// A record that a rendered field needs was not read (a missing
/// interviewer): the page answers an internal error.
#[derive(Debug)]
pub(super) struct Missing(pub &'static str);

type Written = Result<(), Missing>;

/// The JSON of one answer, and the audited reads written into it.
pub(super) struct Writer {
    out: Vec<u8>,
    reads: Vec<RenderedRead>,
}

/// The name async-graphql answers for `value` of a GraphQL enum.
fn enum_name<E: EnumType>(value: E) -> &'static str {
    E::items()
        .iter()
        .find(|item| item.value == value)
        .map_or("", |item| item.name)
}

impl Writer {
    /// An empty answer with room for `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        Writer {
            out: Vec::with_capacity(capacity),
            reads: Vec::new(),
        }
    }

    /// The JSON written and the reads to audit.
    pub fn finish(self) -> (String, Vec<RenderedRead>) {
        // Only UTF-8 was written: whole strings and ASCII punctuation.
        let json = String::from_utf8(self.out).unwrap_or_default();
        (json, self.reads)
    }

    fn push(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
    }

    /// Opens an object; `fields` then writes each `"key":value`.
    fn object<F>(
        &mut self,
        shape: &Shape<F>,
        mut field: impl FnMut(&mut Self, &F) -> Written,
    ) -> Written {
        self.push("{");
        for (index, (key, f)) in shape.fields.iter().enumerate() {
            if index > 0 {
                self.push(",");
            }
            // Response keys are GraphQL names: nothing to escape.
            self.push("\"");
            self.push(key);
            self.push("\":");
            field(self, f)?;
        }
        self.push("}");
        Ok(())
    }

    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T) -> Written) -> Written {
        self.push("[");
        for (index, value) in items.iter().enumerate() {
            if index > 0 {
                self.push(",");
            }
            item(self, value)?;
        }
        self.push("]");
        Ok(())
    }

    fn id(&mut self, id: Uuid) {
        self.push("\"");
        let mut buffer = Uuid::encode_buffer();
        self.push(id.hyphenated().encode_lower(&mut buffer));
        self.push("\"");
    }

    fn text(&mut self, text: &str) {
        // Writing a string into memory cannot fail.
        let _ = serde_json::to_writer(&mut self.out, text);
    }

    fn number(&mut self, n: impl std::fmt::Display) {
        let _ = write!(self.out, "{n}");
    }

    fn boolean(&mut self, b: bool) {
        self.push(if b { "true" } else { "false" });
    }

    fn null(&mut self) {
        self.push("null");
    }

    fn name<E: EnumType>(&mut self, value: E) {
        self.push("\"");
        self.push(enum_name(value));
        self.push("\"");
    }

    /// As async-graphql writes a `DateTime` (RFC 3339).
    fn time(&mut self, at: DateTime<Utc>) {
        self.push("\"");
        self.push(&at.to_rfc3339());
        self.push("\"");
    }

    fn optional<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match value {
            Some(value) => write(self, value),
            None => self.null(),
        }
    }

    fn typename(&mut self, name: &'static str) {
        self.push("\"");
        self.push(name);
        self.push("\"");
    }
}

/// The connection of `records` as `shape` selects it.
pub(super) fn page(w: &mut Writer, records: &Records, shape: &Shape<PageField>) -> Written {
    w.object(shape, |w, field| {
        match field {
            PageField::Typename => w.typename("CandidateConnection"),
            PageField::TotalCount => w.number(records.total_count),
            PageField::Edges(edge) => {
                return w.list(&records.candidates, |w, c| self::edge(w, records, c, edge));
            }
            PageField::Nodes(node) => {
                return w.list(&records.candidates, |w, c| candidate(w, records, c, node));
            }
            PageField::PageInfo(info) => page_info(w, records, info),
        }
        Ok(())
    })
}

fn page_info(w: &mut Writer, records: &Records, shape: &Shape<PageInfoField>) {
    let cursor = |w: &mut Writer, c: Option<&CandidateWithPlans>| match c {
        Some((candidate, _)) => w.id(candidate.id),
        None => w.null(),
    };
    let _ = w.object(shape, |w, field| {
        match field {
            PageInfoField::Typename => w.typename("PageInfo"),
            PageInfoField::HasNextPage => w.boolean(records.has_next_page),
            PageInfoField::HasPreviousPage => w.boolean(records.has_previous_page),
            PageInfoField::StartCursor => cursor(w, records.candidates.first()),
            PageInfoField::EndCursor => cursor(w, records.candidates.last()),
        }
        Ok(())
    });
}

fn edge(
    w: &mut Writer,
    records: &Records,
    item: &CandidateWithPlans,
    shape: &Shape<EdgeField>,
) -> Written {
    w.object(shape, |w, field| {
        match field {
            EdgeField::Typename => w.typename("CandidateEdge"),
            EdgeField::Cursor => w.id(item.0.id),
            EdgeField::Node(node) => return candidate(w, records, item, node),
        }
        Ok(())
    })
}

fn candidate(
    w: &mut Writer,
    records: &Records,
    (model, plans): &CandidateWithPlans,
    shape: &Shape<CandidateField>,
) -> Written {
    w.object(shape, |w, field| {
        match field {
            CandidateField::Typename => w.typename("Candidate"),
            CandidateField::Id => w.id(model.id),
            CandidateField::Name => w.text(&model.name),
            CandidateField::Email => w.text(&model.email),
            CandidateField::PositionTitle => w.text(&model.position_title),
            CandidateField::TargetLevel => w.name(Level::from(model.target_level)),
            CandidateField::Stage => w.name(CandidateStage::from(model.stage)),
            CandidateField::NextStages => {
                let moves = model.stage.moves();
                return w.list(&moves, |w, stage| {
                    w.name(CandidateStage::from(*stage));
                    Ok(())
                });
            }
            CandidateField::CreatedAt => w.time(model.created_at),
            CandidateField::ErasedAt => w.optional(model.erased_at, Writer::time),
            CandidateField::UpdatedAt => w.time(model.updated_at),
            CandidateField::Plans(plan_shape) => {
                return w.list(plans, |w, (p, rounds)| {
                    plan(w, records, p, rounds, plan_shape)
                });
            }
            CandidateField::Scorecards(card_shape) => {
                return cards(w, records.candidate_cards.get(&model.id), card_shape);
            }
        }
        Ok(())
    })
}

fn plan(
    w: &mut Writer,
    records: &Records,
    model: &interview_plan::Model,
    rounds: &[round::Model],
    shape: &Shape<PlanField>,
) -> Written {
    w.object(shape, |w, field| {
        match field {
            PlanField::Typename => w.typename("InterviewPlan"),
            PlanField::Id => w.id(model.id),
            PlanField::Title => w.text(&model.title),
            PlanField::Status => w.name(PlanStatus::from(model.status)),
            PlanField::CreatedAt => w.time(model.created_at),
            PlanField::PublishedAt => w.optional(model.published_at, Writer::time),
            PlanField::Rounds(round_shape) => {
                return w.list(rounds, |w, r| round(w, records, r, round_shape));
            }
        }
        Ok(())
    })
}

fn round(
    w: &mut Writer,
    records: &Records,
    model: &round::Model,
    shape: &Shape<RoundField>,
) -> Written {
    let questions = records
        .questions
        .get(&model.id)
        .map_or(&[][..], Vec::as_slice);
    w.object(shape, |w, field| {
        match field {
            RoundField::Typename => w.typename("Round"),
            RoundField::Id => w.id(model.id),
            RoundField::Position => w.number(model.position),
            RoundField::Kind => w.name(RoundKind::from(model.kind)),
            RoundField::Title => w.text(&model.title),
            RoundField::DurationMinutes => w.number(model.duration_minutes),
            RoundField::ScheduledAt => w.optional(model.scheduled_at, Writer::time),
            RoundField::EndsAt => w.optional(model.ends_at, Writer::time),
            RoundField::FeedbackDueAt => w.optional(model.feedback_due_at, Writer::time),
            RoundField::AllottedMinutes => {
                w.number(questions.iter().map(|q| q.question.minutes).sum::<i32>());
            }
            RoundField::Questions(question_shape) => {
                return w.list(questions, |w, q| question(w, q, question_shape));
            }
            RoundField::Scorecards(card_shape) => {
                return cards(w, records.round_cards.get(&model.id), card_shape);
            }
        }
        Ok(())
    })
}

fn question(w: &mut Writer, pinned: &PinnedQuestion, shape: &Shape<QuestionField>) -> Written {
    fn read(text: &Option<String>) -> Result<&str, Missing> {
        text.as_deref().ok_or(Missing("pinned text"))
    }
    w.object(shape, |w, field| {
        match field {
            QuestionField::Typename => w.typename("RoundQuestion"),
            QuestionField::QuestionId => w.id(pinned.question.question_id),
            QuestionField::Position => w.number(pinned.question.position),
            QuestionField::Minutes => w.number(pinned.question.minutes),
            QuestionField::Prompt => w.text(read(&pinned.prompt)?),
            QuestionField::Guidance => w.text(read(&pinned.guidance)?),
            QuestionField::Rubric => {
                let rubric = pinned.rubric.as_ref().ok_or(Missing("rubric"))?;
                return w.list(rubric, |w, anchor| {
                    w.text(anchor);
                    Ok(())
                });
            }
        }
        Ok(())
    })
}

/// A `scorecards` field: a read the audit records, naming the ids the
/// answer shows (as `graphql::audit` finds them in an answer).
fn cards(
    w: &mut Writer,
    cards: Option<&Vec<ListedScorecard>>,
    shape: &Shape<CardField>,
) -> Written {
    let cards = cards.map_or(&[][..], Vec::as_slice);
    let mut subjects = Vec::new();
    for listed in cards.iter().take(audit::LIST_ITEMS) {
        card_subjects(listed, shape, &mut subjects);
    }
    w.reads.push(RenderedRead {
        operation: "scorecards",
        subjects,
    });
    w.list(cards, |w, c| card(w, c, shape))
}

/// The ids the audit takes from one scorecard of an answer: string
/// values that are ids under a response key that names a subject
/// (`audit::is_subject_key`), on the card and on the objects inside it.
fn card_subjects(card: &ListedScorecard, shape: &Shape<CardField>, subjects: &mut Vec<Uuid>) {
    fn text(key: &str, text: Option<&str>, subjects: &mut Vec<Uuid>) {
        if audit::is_subject_key(key) {
            subjects.extend(text.and_then(|t| Uuid::parse_str(t).ok()));
        }
    }
    for (key, field) in &shape.fields {
        match field {
            CardField::Id if audit::is_subject_key(key) => subjects.push(card.id),
            CardField::Summary => text(key, card.summary.as_deref(), subjects),
            CardField::Interviewer(user_shape) => {
                let Some(profile) = &card.interviewer else {
                    continue;
                };
                for (key, field) in &user_shape.fields {
                    match field {
                        UserField::Id if audit::is_subject_key(key) => subjects.push(profile.id),
                        UserField::Email => text(key, Some(&profile.email), subjects),
                        UserField::DisplayName => text(key, Some(&profile.display_name), subjects),
                        _ => {}
                    }
                }
            }
            CardField::QuestionRatings(rating_shape) => {
                let ratings = card.ratings.as_deref().unwrap_or_default();
                for rating in ratings.iter().take(audit::LIST_ITEMS) {
                    for (key, field) in &rating_shape.fields {
                        match field {
                            RatingField::QuestionId if audit::is_subject_key(key) => {
                                subjects.push(rating.question_id);
                            }
                            RatingField::Notes => text(key, rating.notes.as_deref(), subjects),
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn card(w: &mut Writer, card: &ListedScorecard, shape: &Shape<CardField>) -> Written {
    w.object(shape, |w, field| {
        match field {
            CardField::Typename => w.typename("Scorecard"),
            CardField::Id => w.id(card.id),
            // Set only on scorecards a subscription delivers.
            CardField::EventCursor => w.null(),
            CardField::Status => w.name(ScorecardStatus::from(card.status)),
            CardField::Recommendation => w.optional(card.recommendation, |w, r| {
                w.name(Recommendation::from(r));
            }),
            CardField::Summary => w.text(card.summary.as_deref().ok_or(Missing("summary"))?),
            CardField::UpdatedAt => w.time(card.updated_at),
            CardField::SubmittedAt => w.optional(card.submitted_at, Writer::time),
            CardField::Revision => w.number(card.revision),
            CardField::Interviewer(user_shape) => {
                let profile = card.interviewer.as_ref().ok_or(Missing("interviewer"))?;
                user(w, profile, user_shape);
            }
            CardField::QuestionRatings(rating_shape) => {
                let ratings = card.ratings.as_ref().ok_or(Missing("question ratings"))?;
                return w.list(ratings, |w, r| rating(w, r, rating_shape));
            }
        }
        Ok(())
    })
}

fn user(w: &mut Writer, profile: &Profile, shape: &Shape<UserField>) {
    let _ = w.object(shape, |w, field| {
        match field {
            UserField::Typename => w.typename("User"),
            UserField::Id => w.id(profile.id),
            UserField::Email => w.text(&profile.email),
            UserField::DisplayName => w.text(&profile.display_name),
            UserField::Role => w.name(Role::from(profile.role)),
            UserField::CreatedAt => w.time(profile.created_at),
            UserField::Active => w.boolean(profile.active),
            UserField::DeactivatedAt => w.optional(profile.deactivated_at, Writer::time),
            UserField::DailyInterviewLimit => {
                w.optional(profile.daily_interview_limit, Writer::number);
            }
            UserField::WeeklyInterviewLimit => {
                w.optional(profile.weekly_interview_limit, Writer::number);
            }
        }
        Ok(())
    });
}

fn rating(w: &mut Writer, rating: &ListedRating, shape: &Shape<RatingField>) -> Written {
    w.object(shape, |w, field| {
        match field {
            RatingField::Typename => w.typename("QuestionRating"),
            RatingField::QuestionId => w.id(rating.question_id),
            RatingField::Rating => w.number(rating.rating),
            RatingField::Notes => w.text(rating.notes.as_deref().ok_or(Missing("notes"))?),
        }
        Ok(())
    })
}
