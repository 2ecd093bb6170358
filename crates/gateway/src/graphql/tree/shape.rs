//! A page's selection compiled into typed shapes: for each object type,
//! the fields asked for under their response keys, in the order the
//! response writes them. Compiling fails (`None`) on any field the
//! renderer does not know, and the page is then resolved field by field.

use std::collections::HashMap;

use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, SelectionField};

/// A selected field, as the compiler reads it: from async-graphql while a
/// field resolves ([`SelectionField`]) or from a parsed document before
/// anything runs ([`AstField`]).
pub(crate) trait Node<'a>: Sized {
    /// The field's schema name.
    fn name(&self) -> &'a str;
    /// Its alias, if any.
    fn alias(&self) -> Option<&'a str>;
    /// Whether it takes arguments or carries directives: either changes
    /// what it returns, and no rendered field takes any.
    fn qualified(&self) -> bool;
    /// The fields of its selection set, fragments spread in place; `None`
    /// when that cannot be known without running it (a directive on a
    /// fragment, a fragment the document lacks).
    fn children(&self) -> Option<Vec<Self>>;
}

impl<'a> Node<'a> for SelectionField<'a> {
    fn name(&self) -> &'a str {
        SelectionField::name(self)
    }
    fn alias(&self) -> Option<&'a str> {
        SelectionField::alias(self)
    }
    fn qualified(&self) -> bool {
        // async-graphql has already applied `@skip` and `@include`.
        !self.arguments().is_ok_and(|arguments| arguments.is_empty())
    }
    fn children(&self) -> Option<Vec<Self>> {
        Some(self.selection_set().collect())
    }
}

/// A field of a parsed document, with the document's fragments.
#[derive(Clone, Copy)]
pub(crate) struct AstField<'a> {
    /// The field.
    pub field: &'a Field,
    /// The fragments its selection may spread.
    pub fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
}

impl<'a> AstField<'a> {
    /// The fields of `set`, fragments spread in place (`None` as
    /// [`Node::children`]).
    pub fn of_set(
        set: &'a SelectionSet,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    ) -> Option<Vec<Self>> {
        let mut out = Vec::new();
        spread(set, fragments, &mut out, 0)?;
        Some(out)
    }
}

/// Fragments spread inside fragments no deeper than this (validation
/// refuses cycles; this bounds the walk whatever the document).
const SPREAD_DEPTH: usize = 16;

fn spread<'a>(
    set: &'a SelectionSet,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    out: &mut Vec<AstField<'a>>,
    depth: usize,
) -> Option<()> {
    if depth > SPREAD_DEPTH {
        return None;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => out.push(AstField {
                field: &field.node,
                fragments,
            }),
            Selection::FragmentSpread(named) => {
                if !named.node.directives.is_empty() {
                    return None;
                }
                let fragment = fragments.get(&named.node.fragment_name.node)?;
                if !fragment.node.directives.is_empty() {
                    return None;
                }
                spread(&fragment.node.selection_set.node, fragments, out, depth + 1)?;
            }
            Selection::InlineFragment(inline) => {
                if !inline.node.directives.is_empty() {
                    return None;
                }
                spread(&inline.node.selection_set.node, fragments, out, depth + 1)?;
            }
        }
    }
    Some(())
}

impl<'a> Node<'a> for AstField<'a> {
    fn name(&self) -> &'a str {
        self.field.name.node.as_str()
    }
    fn alias(&self) -> Option<&'a str> {
        self.field.alias.as_ref().map(|a| a.node.as_str())
    }
    fn qualified(&self) -> bool {
        !self.field.arguments.is_empty() || !self.field.directives.is_empty()
    }
    fn children(&self) -> Option<Vec<Self>> {
        AstField::of_set(&self.field.selection_set.node, self.fragments)
    }
}

/// A field of one object type that the renderer writes.
pub(crate) trait Renders: Sized {
    /// The field named `name` (its schema name), selected by every one of
    /// `selections` (several when a response key is selected more than
    /// once: their selection sets merge); `None` when it is not rendered.
    fn of<'a, N: Node<'a>>(name: &str, selections: &[N]) -> Option<Self>;
}

/// The fields a selection asks of one object type.
pub(crate) struct Shape<F> {
    /// Each field under its response key, in response order.
    pub fields: Vec<(Name, F)>,
}

impl<F: Renders> Shape<F> {
    /// The merged selection sets of `parents`.
    pub fn of<'a, N: Node<'a>>(parents: &[N]) -> Option<Self> {
        let mut children = Vec::new();
        for parent in parents {
            children.extend(parent.children()?);
        }
        Shape::of_fields(children)
    }

    /// The fields `selected`, grouped by response key.
    pub fn of_fields<'a, N: Node<'a>>(selected: Vec<N>) -> Option<Self> {
        let mut groups: Vec<(&str, &str, Vec<N>)> = Vec::new();
        for field in selected {
            if field.qualified() {
                return None;
            }
            let key = field.alias().unwrap_or(field.name());
            match groups.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, _, selections)) => selections.push(field),
                None => groups.push((key, field.name(), vec![field])),
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
/// object fields with the shape of their type (also used by `report`).
macro_rules! fields {
    ($(#[$doc:meta])* $type:ident {
        $($leaf:ident = $name:literal,)*
        $(; $($object:ident($inner:ty) = $object_name:literal,)*)?
    }) => {
        $(#[$doc])*
        pub(crate) enum $type {
            /// `__typename`.
            Typename,
            $(#[doc = $name] $leaf,)*
            $($(#[doc = $object_name] $object($crate::graphql::tree::shape::Shape<$inner>),)*)?
        }

        impl $crate::graphql::tree::shape::Renders for $type {
            fn of<'a, N: $crate::graphql::tree::shape::Node<'a>>(
                name: &str,
                selections: &[N],
            ) -> Option<Self> {
                let _ = selections;
                match name {
                    "__typename" => Some($type::Typename),
                    $($name => Some($type::$leaf),)*
                    $($($object_name => Some($type::$object(
                        $crate::graphql::tree::shape::Shape::of(selections)?,
                    )),)*)?
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use fields;

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
