//! What the cost analysis knows of the schema: for each field its type,
//! whether it is a list, its arguments, and what it weighs. Built once from
//! the schema's own SDL, plus the introspection types the SDL leaves out.

use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

/// Page size a connection field uses when `first` is not given.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest page a connection field returns.
pub const MAX_PAGE: u64 = 100;
/// Items a list field is assumed to hold when nothing better is known.
const DEFAULT_LIST: u64 = 10;

/// Own cost of fields whose work is more than loading a record: reports
/// aggregate many rows, a `totalCount` counts, sign-in hashes a password.
/// Every other field that returns an object costs 1; scalars cost nothing.
const WEIGHTS: &[(&str, u64)] = &[
    ("Query.questionStats", 2_000),
    ("Query.interviewerCalibration", 2_000),
    ("Query.pipeline", 1_000),
    ("Query.candidateReport", 50),
    ("Query.interviewerLoad", 500),
    ("Query.suggestPanel", 100),
    ("OverdueScorecardConnection.totalCount", 5),
    ("CandidateConnection.totalCount", 5),
    ("QuestionConnection.totalCount", 5),
    ("QuestionStatsConnection.totalCount", 5),
    ("Mutation.importQuestions", 50),
    ("Mutation.exportQuestions", 20),
    ("Mutation.autofillRound", 20),
    ("Mutation.signUp", 20),
    ("Mutation.login", 20),
    ("Mutation.createUser", 20),
];

/// How many items a list field (that takes no `first`) typically holds.
const LIST_SIZES: &[(&str, u64)] = &[
    ("Candidate.plans", 2),
    ("Candidate.scorecards", 12),
    ("Candidate.stageHistory", 6),
    ("CandidateReport.rounds", 5),
    ("CandidateReport.categoryMeans", 10),
    ("CandidateReport.competencyMeans", 6),
    ("InterviewPlan.rounds", 5),
    ("InterviewPlan.focusCompetencies", 6),
    ("PlanTemplate.rounds", 5),
    ("PlanTemplate.focusCompetencies", 6),
    ("TemplateRound.questions", 6),
    ("TemplateRound.focusCompetencies", 3),
    ("Round.questions", 6),
    ("Round.interviewers", 3),
    ("Round.scorecards", 3),
    ("Round.focusCompetencies", 3),
    ("Round.trainees", 1),
    ("Round.limitOverrides", 1),
    ("InterviewerPool.competencies", 3),
    ("InterviewerPool.approvers", 2),
    ("InterviewerPool.members", 10),
    ("PanelSuggestion.suggestions", 4),
    ("PanelSuggestion.excluded", 10),
    ("InterviewerLoad.pools", 2),
    ("RoundReport.interviewers", 3),
    ("Scorecard.questionRatings", 6),
    ("Scorecard.competencyRatings", 3),
    ("Scorecard.revisions", 2),
    ("ScorecardRevision.questionRatings", 6),
    ("ScorecardRevision.competencyRatings", 3),
    ("Question.versions", 5),
    ("PipelineReport.stages", 7),
    ("PipelineReport.positions", 10),
    ("PipelinePosition.stages", 7),
    ("Query.categories", 12),
    ("Query.competencies", 8),
    ("Query.interviewerCalibration", 20),
    ("Query.interviewerLoad", 50),
    ("Query.interviewerPools", 10),
    ("Query.myRounds", 20),
    ("Query.planTemplates", 20),
    ("Query.users", 50),
    ("Mutation.reorderRounds", 5),
];

/// An introspection field: name, the type it returns, items per parent.
type IntrospectionField = (&'static str, &'static str, u64);

/// A field of an object type.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// The named type it returns, lists and non-null stripped.
    pub type_name: String,
    /// Own cost (see [`WEIGHTS`]).
    pub weight: u64,
    /// Items per parent when it is a list without `first`; 1 otherwise.
    pub list_size: u64,
    /// Whether it pages with `first` (a connection).
    pub paged: bool,
    /// Argument name → its type.
    pub arguments: HashMap<String, Type>,
    /// Whether it belongs to introspection (`__schema`, `__Type.fields`, …).
    pub introspection: bool,
}

/// The schema as the analysis sees it.
#[derive(Debug, Default)]
pub struct Model {
    objects: HashMap<String, HashMap<String, FieldInfo>>,
    inputs: HashMap<String, HashMap<String, Type>>,
    enums: HashMap<String, Vec<String>>,
    /// Root type names: query, mutation, subscription.
    pub roots: [String; 3],
}

impl Model {
    /// The model of the schema whose SDL is `sdl`.
    pub fn from_sdl(sdl: &str) -> Result<Model, String> {
        let document =
            async_graphql::parser::parse_schema(sdl).map_err(|err| format!("schema SDL: {err}"))?;
        let mut model = Model {
            roots: ["Query".into(), "Mutation".into(), "Subscription".into()],
            ..Model::default()
        };
        let weights: HashMap<&str, u64> = WEIGHTS.iter().copied().collect();
        let sizes: HashMap<&str, u64> = LIST_SIZES.iter().copied().collect();
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    for (slot, name) in [schema.query, schema.mutation, schema.subscription]
                        .into_iter()
                        .enumerate()
                    {
                        if let Some(name) = name {
                            model.roots[slot] = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let type_name = definition.name.node.to_string();
                    match definition.kind {
                        TypeKind::Object(object) => {
                            let mut fields = HashMap::new();
                            for field in object.fields {
                                let field = field.node;
                                let name = field.name.node.to_string();
                                let key = format!("{type_name}.{name}");
                                let arguments: HashMap<String, Type> = field
                                    .arguments
                                    .into_iter()
                                    .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                                    .collect();
                                let paged = arguments.contains_key("first");
                                let is_list = is_list(&field.ty.node);
                                let list_size = if is_list && !paged {
                                    sizes.get(key.as_str()).copied().unwrap_or(
                                        // The edges and nodes of a page: the
                                        // connection field counted `first`.
                                        if type_name.ends_with("Connection") {
                                            1
                                        } else {
                                            DEFAULT_LIST
                                        },
                                    )
                                } else {
                                    1
                                };
                                fields.insert(
                                    name,
                                    FieldInfo {
                                        type_name: named(&field.ty.node).to_owned(),
                                        weight: weights.get(key.as_str()).copied().unwrap_or(0),
                                        list_size,
                                        paged,
                                        arguments,
                                        introspection: false,
                                    },
                                );
                            }
                            model.objects.insert(type_name, fields);
                        }
                        TypeKind::InputObject(input) => {
                            let fields = input
                                .fields
                                .into_iter()
                                .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                                .collect();
                            model.inputs.insert(type_name, fields);
                        }
                        TypeKind::Enum(values) => {
                            let values = values
                                .values
                                .into_iter()
                                .map(|v| v.node.value.node.to_string())
                                .collect();
                            model.enums.insert(type_name, values);
                        }
                        TypeKind::Scalar | TypeKind::Interface(_) | TypeKind::Union(_) => {}
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        model.add_introspection();
        Ok(model)
    }

    /// The introspection fields, with list sizes taken from this schema, so
    /// the standard introspection query costs about what it returns.
    fn add_introspection(&mut self) {
        let types = (self.objects.len() + self.inputs.len() + self.enums.len() + 16) as u64;
        let object_fields: usize = self.objects.values().map(HashMap::len).sum();
        let fields = average(object_fields, self.objects.len());
        let arguments = average(
            self.objects
                .values()
                .flat_map(|f| f.values())
                .map(|f| f.arguments.len())
                .sum(),
            object_fields,
        );
        let input_fields = average(self.inputs.values().map(HashMap::len).sum(), types as usize);
        let enum_values = average(self.enums.values().map(Vec::len).sum(), types as usize);
        let field = |type_name: &str, list_size: u64| FieldInfo {
            type_name: type_name.to_owned(),
            weight: 0,
            list_size,
            paged: false,
            arguments: HashMap::new(),
            introspection: true,
        };
        let query = self.roots[0].clone();
        let root = self.objects.entry(query).or_default();
        root.insert("__schema".into(), field("__Schema", 1));
        root.insert("__type".into(), field("__Type", 1));
        let table: [(&str, &[IntrospectionField]); 6] = [
            (
                "__Schema",
                &[
                    ("types", "__Type", types),
                    ("queryType", "__Type", 1),
                    ("mutationType", "__Type", 1),
                    ("subscriptionType", "__Type", 1),
                    ("directives", "__Directive", 8),
                ],
            ),
            (
                "__Type",
                &[
                    ("fields", "__Field", fields),
                    ("interfaces", "__Type", 1),
                    ("possibleTypes", "__Type", 1),
                    ("enumValues", "__EnumValue", enum_values),
                    ("inputFields", "__InputValue", input_fields),
                    ("ofType", "__Type", 1),
                ],
            ),
            (
                "__Field",
                &[("args", "__InputValue", arguments), ("type", "__Type", 1)],
            ),
            ("__InputValue", &[("type", "__Type", 1)]),
            ("__Directive", &[("args", "__InputValue", 2)]),
            ("__EnumValue", &[]),
        ];
        for (type_name, fields) in table {
            let entry = self.objects.entry(type_name.to_owned()).or_default();
            for (name, returns, size) in fields {
                entry.insert((*name).to_owned(), field(returns, *size));
            }
        }
    }

    /// Field `name` of object type `type_name`, if the schema has it.
    pub fn field(&self, type_name: &str, name: &str) -> Option<&FieldInfo> {
        self.objects.get(type_name)?.get(name)
    }

    /// Whether a value of `type_name` can hold, at any depth, a field
    /// returning one of `targets` (or is one of them).
    pub fn reaches(&self, type_name: &str, targets: &[&str]) -> bool {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![type_name];
        while let Some(current) = stack.pop() {
            if targets.contains(&current) {
                return true;
            }
            if !seen.insert(current) {
                continue;
            }
            if let Some(fields) = self.objects.get(current) {
                stack.extend(fields.values().map(|f| f.type_name.as_str()));
            }
        }
        false
    }

    /// Field `name` of input object type `type_name`.
    pub fn input_field(&self, type_name: &str, name: &str) -> Option<&Type> {
        self.inputs.get(type_name)?.get(name)
    }

    /// Whether `type_name` is an enum.
    pub fn is_enum(&self, type_name: &str) -> bool {
        self.enums.contains_key(type_name)
    }
}

fn average(total: usize, count: usize) -> u64 {
    if count == 0 {
        1
    } else {
        (total as u64).div_ceil(count as u64).max(1)
    }
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}

/// The named type inside lists and non-null markers.
pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_weight_and_list_size_names_a_field_of_the_schema() {
        let model = Model::from_sdl(&crate::graphql::sdl()).unwrap();
        for (key, _) in WEIGHTS.iter().chain(LIST_SIZES) {
            let (type_name, field) = key.split_once('.').unwrap();
            assert!(
                model.field(type_name, field).is_some(),
                "{key} is not in the schema"
            );
        }
    }

    #[test]
    fn connections_page_and_their_edges_do_not_multiply_again() {
        let model = Model::from_sdl(&crate::graphql::sdl()).unwrap();
        let candidates = model.field("Query", "candidates").unwrap();
        assert!(candidates.paged);
        assert_eq!(candidates.type_name, "CandidateConnection");
        assert_eq!(
            model
                .field("CandidateConnection", "edges")
                .unwrap()
                .list_size,
            1
        );
        assert_eq!(model.field("Round", "questions").unwrap().list_size, 6);
        assert_eq!(model.field("Query", "questionStats").unwrap().weight, 2_000);
        assert!(model.field("__Type", "fields").unwrap().introspection);
    }
}
