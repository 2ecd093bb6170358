//! A page's selection compiled into typed shapes: for each object type,
//! the fields asked for under their response keys, in the order the
//! response writes them. Compiling fails (`None`) on any field the
//! renderer does not know, and the page is then resolved field by field.

use async_graphql::{Name, SelectionField};

/// A field of one object type that the renderer writes.
pub(super) trait Field: Sized {
    /// The field named `name` (its schema name), selected by every one of
    /// `selections` (several when a response key is selected more than
    /// once: their selection sets merge); `None` when it is not rendered.
    fn of(name: &str, selections: &[SelectionField<'_>]) -> Option<Self>;
}

/// The fields a selection asks of one object type.
pub(super) struct Shape<F> {
    /// Each field under its response key, in response order.
    pub fields: Vec<(Name, F)>,
}

impl<F: Field> Shape<F> {
    /// The merged selection sets of `parents`.
    pub fn of(parents: &[SelectionField<'_>]) -> Option<Self> {
        let mut groups: Vec<(&str, &str, Vec<SelectionField<'_>>)> = Vec::new();
        for parent in parents {
            for field in parent.selection_set() {
                // Arguments change what a field returns; the rendered
                // fields take none.
                if !field.arguments().ok()?.is_empty() {
                    return None;
                }
                let key = field.alias().unwrap_or(field.name());
                match groups.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, _, selections)) => selections.push(field),
                    None => groups.push((key, field.name(), vec![field])),
                }
            }
        }
        let mut fields = Vec::with_capacity(groups.len());
        for (key, name, selections) in groups {
            fields.push((Name::new(key), F::of(name, &selections)?));
        }
        Some(Shape { fields })
    }

    /// Whether any field satisfies `test`.
    pub fn any(&self, test: impl Fn(&F) -> bool) -> bool {
        self.fields.iter().any(|(_, field)| test(field))
    }
}

/// Declares the fields of one object type: leaves by schema name, and
/// object fields with the shape of their type.
macro_rules! fields {
    ($(#[$doc:meta])* $type:ident {
        $($leaf:ident = $name:literal,)*
        $(; $($object:ident($inner:ty) = $object_name:literal,)*)?
    }) => {
        $(#[$doc])*
        pub(super) enum $type {
            /// `__typename`.
            Typename,
            $(#[doc = $name] $leaf,)*
            $($(#[doc = $object_name] $object(Shape<$inner>),)*)?
        }

        impl Field for $type {
            fn of(name: &str, selections: &[SelectionField<'_>]) -> Option<Self> {
                let _ = selections;
                match name {
                    "__typename" => Some($type::Typename),
                    $($name => Some($type::$leaf),)*
                    $($($object_name => Some($type::$object(Shape::of(selections)?)),)*)?
                    _ => None,
                }
            }
        }
    };
}

fields!(
    /// Fields of `CandidateConnection`.
    PageField {
        TotalCount = "totalCount",
        ;
        Edges(EdgeField) = "edges",
        Nodes(CandidateField) = "nodes",
        PageInfo(PageInfoField) = "pageInfo",
    }
);

fields!(
    /// Fields of `CandidateEdge`.
    EdgeField {
        Cursor = "cursor",
        ;
        Node(CandidateField) = "node",
    }
);

fields!(
    /// Fields of `PageInfo`.
    PageInfoField {
        HasNextPage = "hasNextPage",
        HasPreviousPage = "hasPreviousPage",
        StartCursor = "startCursor",
        EndCursor = "endCursor",
    }
);

fields!(
    /// Fields of `Candidate`.
    CandidateField {
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
        ;
        Plans(PlanField) = "plans",
        Scorecards(CardField) = "scorecards",
    }
);

fields!(
    /// Fields of `InterviewPlan`.
    PlanField {
        Id = "id",
        Title = "title",
        Status = "status",
        CreatedAt = "createdAt",
        PublishedAt = "publishedAt",
        ;
        Rounds(RoundField) = "rounds",
    }
);

fields!(
    /// Fields of `Round`.
    RoundField {
        Id = "id",
        Position = "position",
        Kind = "kind",
        Title = "title",
        DurationMinutes = "durationMinutes",
        ScheduledAt = "scheduledAt",
        EndsAt = "endsAt",
        FeedbackDueAt = "feedbackDueAt",
        AllottedMinutes = "allottedMinutes",
        ;
        Questions(QuestionField) = "questions",
        Scorecards(CardField) = "scorecards",
    }
);

fields!(
    /// Fields of `RoundQuestion`.
    QuestionField {
        QuestionId = "questionId",
        Position = "position",
        Minutes = "minutes",
        Prompt = "prompt",
        Guidance = "guidance",
        Rubric = "rubric",
    }
);

fields!(
    /// Fields of `Scorecard`.
    CardField {
        Id = "id",
        EventCursor = "eventCursor",
        Status = "status",
        Recommendation = "recommendation",
        Summary = "summary",
        UpdatedAt = "updatedAt",
        SubmittedAt = "submittedAt",
        Revision = "revision",
        ;
        Interviewer(UserField) = "interviewer",
        QuestionRatings(RatingField) = "questionRatings",
    }
);

fields!(
    /// Fields of `User`.
    UserField {
        Id = "id",
        Email = "email",
        DisplayName = "displayName",
        Role = "role",
        CreatedAt = "createdAt",
        Active = "active",
        DeactivatedAt = "deactivatedAt",
        DailyInterviewLimit = "dailyInterviewLimit",
        WeeklyInterviewLimit = "weeklyInterviewLimit",
    }
);

fields!(
    /// Fields of `QuestionRating`.
    RatingField {
        QuestionId = "questionId",
        Rating = "rating",
        Notes = "notes",
    }
);
