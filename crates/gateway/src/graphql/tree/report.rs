//! `candidateReport` written from the domain's report as the value
//! async-graphql would have resolved for the same selection: the fields of
//! the report, its rounds, calls and means, and the records they name.

use async_graphql::indexmap::IndexMap;
use async_graphql::{EnumType, Name, Value};
use domain::entity::{candidate, category, competency, user};
use domain::report::{CandidateReport, InterviewerCall, MeanRating, RoundReport};

use super::shape::{Shape, UserField, fields};
use crate::graphql::enums::{CandidateStage, Level, PlanStatus, Recommendation, Role, RoundKind};

fields!(
    /// Fields of `CandidateReport`.
    ReportField {
        DecisionReady = "decisionReady",
        Agreement = "agreement",
        SubmittedScorecards = "submittedScorecards",
        ;
        Candidate(PersonField) = "candidate",
        Rounds(RoundField) = "rounds",
        CategoryMeans(MeanField) = "categoryMeans",
        CompetencyMeans(MeanField) = "competencyMeans",
    }
);

fields!(
    /// The scalar fields of `Candidate`.
    PersonField {
        Id = "id",
        Name = "name",
        Email = "email",
        PositionTitle = "positionTitle",
        TargetLevel = "targetLevel",
        Stage = "stage",
        NextStages = "nextStages",
        CreatedAt = "createdAt",
        ErasedAt = "erasedAt",
        UpdatedAt = "updatedAt",
    }
);

fields!(
    /// Fields of `RoundReport`.
    RoundField {
        RoundId = "roundId",
        PlanId = "planId",
        PlanStatus = "planStatus",
        Title = "title",
        Kind = "kind",
        ScheduledAt = "scheduledAt",
        Spread = "spread",
        ;
        Interviewers(CallField) = "interviewers",
    }
);

fields!(
    /// Fields of `InterviewerRecommendation`.
    CallField {
        Recommendation = "recommendation",
        Submitted = "submitted",
        ;
        Interviewer(UserField) = "interviewer",
    }
);

fields!(
    /// Fields of `CategoryMean` and `CompetencyMean` (`section` is the
    /// `category` or `competency` field).
    MeanField {
        MeanRating = "meanRating",
        Ratings = "ratings",
        ;
        Category(SectionField) = "category",
        Competency(SectionField) = "competency",
    }
);

fields!(
    /// Fields of `Category` and `Competency`.
    SectionField {
        Id = "id",
        Name = "name",
        Description = "description",
    }
);

/// A record the selection shows was not in the report (an interviewer or
/// a category it did not read): the field is resolved the usual way.
#[derive(Debug)]
pub(crate) struct Unread;

type Written = Result<Value, Unread>;

fn enum_value<E: EnumType>(value: E) -> Value {
    let name = E::items()
        .iter()
        .find(|item| item.value == value)
        .map_or("", |item| item.name);
    Value::Enum(Name::new(name))
}

fn id(uuid: uuid::Uuid) -> Value {
    Value::String(uuid.to_string())
}

/// As async-graphql answers a `Float` (null when not finite).
fn float(x: f64) -> Value {
    async_graphql::ScalarType::to_value(&x)
}

fn time(at: chrono::DateTime<chrono::Utc>) -> Value {
    async_graphql::ScalarType::to_value(&at)
}

fn optional<T>(value: Option<T>, write: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, write)
}

fn object<F>(shape: &Shape<F>, mut field: impl FnMut(&F) -> Written) -> Written {
    let mut out = IndexMap::with_capacity(shape.fields.len());
    for (key, f) in &shape.fields {
        out.insert(key.clone(), field(f)?);
    }
    Ok(Value::Object(out))
}

fn list<T>(items: &[T], mut item: impl FnMut(&T) -> Written) -> Written {
    items
        .iter()
        .map(&mut item)
        .collect::<Result<Vec<_>, _>>()
        .map(Value::List)
}

/// The value of a `candidateReport` field selecting `shape`.
pub(crate) fn report(report: &CandidateReport, shape: &Shape<ReportField>) -> Written {
    object(shape, |field| {
        Ok(match field {
            ReportField::Typename => Value::String("CandidateReport".to_owned()),
            ReportField::DecisionReady => Value::Boolean(report.decision_ready),
            ReportField::Agreement => optional(report.agreement, float),
            ReportField::SubmittedScorecards => Value::from(report.submitted_scorecards),
            ReportField::Candidate(person) => self::person(&report.candidate, person)?,
            ReportField::Rounds(round) => list(&report.rounds, |r| self::round(report, r, round))?,
            ReportField::CategoryMeans(mean) => list(&report.categories, |m| {
                let record = report.referenced.categories.get(&m.id).ok_or(Unread)?;
                self::mean(m, Section::Category(record), mean)
            })?,
            ReportField::CompetencyMeans(mean) => list(&report.competencies, |m| {
                let record = report.referenced.competencies.get(&m.id).ok_or(Unread)?;
                self::mean(m, Section::Competency(record), mean)
            })?,
        })
    })
}

fn person(model: &candidate::Model, shape: &Shape<PersonField>) -> Written {
    object(shape, |field| {
        Ok(match field {
            PersonField::Typename => Value::String("Candidate".to_owned()),
            PersonField::Id => id(model.id),
            PersonField::Name => Value::String(model.name.clone()),
            PersonField::Email => Value::String(model.email.clone()),
            PersonField::PositionTitle => Value::String(model.position_title.clone()),
            PersonField::TargetLevel => enum_value(Level::from(model.target_level)),
            PersonField::Stage => enum_value(CandidateStage::from(model.stage)),
            PersonField::NextStages => Value::List(
                model
                    .stage
                    .moves()
                    .into_iter()
                    .map(|s| enum_value(CandidateStage::from(s)))
                    .collect(),
            ),
            PersonField::CreatedAt => time(model.created_at),
            PersonField::ErasedAt => optional(model.erased_at, time),
            PersonField::UpdatedAt => time(model.updated_at),
        })
    })
}

fn round(report: &CandidateReport, round: &RoundReport, shape: &Shape<RoundField>) -> Written {
    object(shape, |field| {
        Ok(match field {
            RoundField::Typename => Value::String("RoundReport".to_owned()),
            RoundField::RoundId => id(round.round_id),
            RoundField::PlanId => id(round.plan_id),
            RoundField::PlanStatus => enum_value(PlanStatus::from(round.plan_status)),
            RoundField::Title => Value::String(round.title.clone()),
            RoundField::Kind => enum_value(RoundKind::from(round.kind)),
            RoundField::ScheduledAt => optional(round.scheduled_at, time),
            RoundField::Spread => optional(round.spread, Value::from),
            RoundField::Interviewers(call) => list(&round.interviewers, |c| {
                let record = report.referenced.users.get(&c.user_id).ok_or(Unread)?;
                self::call(c, record, call)
            })?,
        })
    })
}

fn call(call: &InterviewerCall, record: &user::Model, shape: &Shape<CallField>) -> Written {
    object(shape, |field| {
        Ok(match field {
            CallField::Typename => Value::String("InterviewerRecommendation".to_owned()),
            CallField::Recommendation => {
                optional(call.recommendation, |r| enum_value(Recommendation::from(r)))
            }
            CallField::Submitted => Value::Boolean(call.submitted),
            CallField::Interviewer(user) => self::user(record, user)?,
        })
    })
}

fn user(record: &user::Model, shape: &Shape<UserField>) -> Written {
    object(shape, |field| {
        Ok(match field {
            UserField::Typename => Value::String("User".to_owned()),
            UserField::Id => id(record.id),
            UserField::Email => Value::String(record.email.clone()),
            UserField::DisplayName => Value::String(record.display_name.clone()),
            UserField::Role => enum_value(Role::from(record.role)),
            UserField::CreatedAt => time(record.created_at),
            UserField::Active => Value::Boolean(record.active),
            UserField::DeactivatedAt => optional(record.deactivated_at, time),
            UserField::DailyInterviewLimit => optional(record.daily_interview_limit, Value::from),
            UserField::WeeklyInterviewLimit => optional(record.weekly_interview_limit, Value::from),
        })
    })
}

/// The category or competency a mean is of.
enum Section<'a> {
    Category(&'a category::Model),
    Competency(&'a competency::Model),
}

fn mean(mean: &MeanRating, section: Section<'_>, shape: &Shape<MeanField>) -> Written {
    let (typename, section_name, id_, name, description) = match section {
        Section::Category(c) => ("CategoryMean", "Category", c.id, &c.name, &c.description),
        Section::Competency(c) => (
            "CompetencyMean",
            "Competency",
            c.id,
            &c.name,
            &c.description,
        ),
    };
    object(shape, |field| {
        Ok(match field {
            MeanField::Typename => Value::String(typename.to_owned()),
            MeanField::MeanRating => float(mean.mean),
            MeanField::Ratings => Value::from(mean.ratings),
            // Validation lets each mean type select only its own field.
            MeanField::Category(section) | MeanField::Competency(section) => {
                object(section, |field| {
                    Ok(match field {
                        SectionField::Typename => Value::String(section_name.to_owned()),
                        SectionField::Id => id(id_),
                        SectionField::Name => Value::String(name.clone()),
                        SectionField::Description => Value::String(description.clone()),
                    })
                })?
            }
        })
    })
}
