//! Pricing a parsed document before it runs, and checking its input values.
//!
//! The walk visits each fragment once and reuses its summary wherever it is
//! spread, so a document whose fragments spread each other exponentially is
//! measured in time proportional to its text, not to its expansion.
//!
//! Cost: a field that returns an object costs 1 plus its weight (reports
//! and other aggregates weigh more, see `model::WEIGHTS`); a scalar costs its
//! weight (usually 0). A field's children cost once per item it returns:
//! `first` (or the default page) for a connection, a typical size for other
//! lists. Aliases are separate fields and are priced separately.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, Selection, SelectionSet, Type,
};
use async_graphql_value::{ConstValue, Value};

use super::model::{DEFAULT_PAGE, MAX_PAGE, Model, named};

/// What one request may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Most cost units.
    pub cost: u64,
    /// Most cost units spent on introspection (`__schema`, `__type`).
    pub introspection: u64,
    /// Deepest nesting of fields.
    pub depth: u64,
    /// Most aliased fields.
    pub aliases: u64,
    /// Most fields at the root of an operation.
    pub root_fields: u64,
    /// Most field selections once fragments are expanded.
    pub fields: u64,
}

/// What a document was measured to need (the largest of its operations).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// Cost units outside introspection.
    pub cost: u64,
    /// Cost units of introspection.
    pub introspection: u64,
    /// Deepest nesting of fields.
    pub depth: u64,
    /// Aliased fields.
    pub aliases: u64,
    /// Fields at the root.
    pub root_fields: u64,
    /// Field selections with fragments expanded.
    pub fields: u64,
    /// The field whose own cost, times the items it is asked for, is
    /// highest: its response path and that cost.
    pub heaviest: Option<(String, u64)>,
}

/// One input value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// The argument, as the domain names fields (`email`, `filter.search`,
    /// `questionRatings[0].notes`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Why a document is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A fragment spreads itself, directly or through others.
    FragmentCycle(String),
    /// Input values that cannot be stored or are not GraphQL.
    Input(Vec<InputProblem>),
}

/// Most input problems listed in one answer.
const MAX_PROBLEMS: usize = 50;

/// Measures every operation of `document` (a document is refused when any
/// of its operations would be) and checks their input values.
pub fn measure(
    model: &Model,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Result<Measure, Refusal> {
    let mut walker = Walker {
        model,
        document,
        variables,
        defaults: HashMap::new(),
        memo: HashMap::new(),
        visiting: HashSet::new(),
        problems: Vec::new(),
    };
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                walker
                    .defaults
                    .insert(definition.node.name.node.as_str(), &default.node);
            }
        }
    }
    let mut worst = Measure::default();
    for (_, operation) in document.operations.iter() {
        let root = &model.roots[operation.node.ty as usize];
        let summary = walker.selection_set(Some(root), &operation.node.selection_set.node)?;
        let measure = Measure {
            cost: summary.cost,
            introspection: summary.introspection,
            depth: summary.depth,
            aliases: summary.aliases,
            root_fields: summary.top_fields,
            fields: summary.fields,
            heaviest: summary.heaviest.map(|(path, cost)| (path.join("."), cost)),
        };
        if measure.cost >= worst.cost {
            worst.heaviest = measure.heaviest.clone();
        }
        worst.cost = worst.cost.max(measure.cost);
        worst.introspection = worst.introspection.max(measure.introspection);
        worst.depth = worst.depth.max(measure.depth);
        worst.aliases = worst.aliases.max(measure.aliases);
        worst.root_fields = worst.root_fields.max(measure.root_fields);
        worst.fields = worst.fields.max(measure.fields);
    }
    if walker.problems.is_empty() {
        Ok(worst)
    } else {
        Err(Refusal::Input(walker.problems))
    }
}

/// A selection set's needs, for one item of its parent.
#[derive(Clone, Debug, Default)]
struct Summary {
    cost: u64,
    introspection: u64,
    fields: u64,
    aliases: u64,
    depth: u64,
    top_fields: u64,
    heaviest: Option<(Vec<String>, u64)>,
}

impl Summary {
    fn add(&mut self, other: &Summary) {
        self.cost = self.cost.saturating_add(other.cost);
        self.introspection = self.introspection.saturating_add(other.introspection);
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.top_fields = self.top_fields.saturating_add(other.top_fields);
        self.depth = self.depth.max(other.depth);
        self.consider(other.heaviest.clone());
    }

    fn consider(&mut self, candidate: Option<(Vec<String>, u64)>) {
        if let Some((path, cost)) = candidate
            && self.heaviest.as_ref().is_none_or(|(_, best)| cost > *best)
        {
            self.heaviest = Some((path, cost));
        }
    }
}

struct Walker<'a> {
    model: &'a Model,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    defaults: HashMap<&'a str, &'a ConstValue>,
    memo: HashMap<&'a str, Rc<Summary>>,
    visiting: HashSet<&'a str>,
    problems: Vec<InputProblem>,
}

impl<'a> Walker<'a> {
    fn selection_set(
        &mut self,
        parent: Option<&str>,
        set: &'a SelectionSet,
    ) -> Result<Summary, Refusal> {
        let mut summary = Summary::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let measured = self.field(parent, &field.node)?;
                    summary.add(&measured);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let fragment = self.fragment(name)?;
                    summary.add(&fragment);
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.to_string());
                    let inner = self
                        .selection_set(on.as_deref().or(parent), &inline.node.selection_set.node)?;
                    summary.add(&inner);
                }
            }
        }
        Ok(summary)
    }

    /// A fragment's summary, measured the first time it is spread.
    fn fragment(&mut self, name: &'a str) -> Result<Rc<Summary>, Refusal> {
        if let Some(known) = self.memo.get(name) {
            return Ok(known.clone());
        }
        // An unknown fragment is the validator's to report.
        let Some(definition) = self.document.fragments.get(name) else {
            return Ok(Rc::default());
        };
        if !self.visiting.insert(name) {
            return Err(Refusal::FragmentCycle(name.to_owned()));
        }
        let on = definition.node.type_condition.node.on.node.to_string();
        let summary = Rc::new(self.selection_set(Some(&on), &definition.node.selection_set.node)?);
        self.visiting.remove(name);
        self.memo.insert(name, summary.clone());
        Ok(summary)
    }

    fn field(&mut self, parent: Option<&str>, field: &'a Field) -> Result<Summary, Refusal> {
        let name = field.name.node.as_str();
        let key = field
            .alias
            .as_ref()
            .map_or(name, |alias| alias.node.as_str());
        let info = parent.and_then(|p| self.model.field(p, name));
        for (argument, value) in &field.arguments {
            let ty = info.and_then(|i| i.arguments.get(argument.node.as_str()));
            let label = if argument.node.as_str() == "input" {
                String::new()
            } else {
                argument.node.to_string()
            };
            self.check_value(&value.node, ty, label);
        }
        let paged = info.is_some_and(|i| i.paged);
        let items = match info {
            Some(_) if paged => self.page_size(field),
            Some(info) => info.list_size,
            None => 1,
        };
        let object = u64::from(!field.selection_set.node.items.is_empty());
        // A connection is one object whose page holds `items` edges; any
        // other field returns `items` objects (or scalars, which are free).
        let (fixed, per_item) = if paged { (1, 0) } else { (0, object) };
        let own = info
            .map_or(0, |i| i.weight)
            .saturating_add(fixed)
            .saturating_add(items.saturating_mul(per_item));
        let children = self.selection_set(
            info.map(|i| i.type_name.as_str()),
            &field.selection_set.node,
        )?;
        let introspective = info.is_some_and(|i| i.introspection);
        let mut summary = Summary {
            fields: children.fields.saturating_add(1),
            aliases: children.aliases.saturating_add(u64::from(key != name)),
            depth: children.depth.saturating_add(1),
            top_fields: 1,
            ..Summary::default()
        };
        let below = |units: u64| items.saturating_mul(units);
        if introspective {
            summary.introspection = own
                .saturating_add(below(children.introspection))
                .saturating_add(below(children.cost));
        } else {
            summary.cost = own.saturating_add(below(children.cost));
            summary.introspection = below(children.introspection);
            if own > 0 {
                summary.heaviest = Some((vec![key.to_owned()], own));
            }
        }
        if let Some((mut path, cost)) = children.heaviest {
            path.insert(0, key.to_owned());
            summary.consider(Some((path, below(cost))));
        }
        Ok(summary)
    }

    /// The `first` a connection field asks for: its literal, its variable's
    /// value or default, else the default page; clamped to a real page.
    fn page_size(&self, field: &Field) -> u64 {
        let first = field
            .arguments
            .iter()
            .find(|(name, _)| name.node.as_str() == "first")
            .map(|(_, value)| &value.node);
        let number = match first {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::Variable(name)) => self
                .variables
                .get(name)
                .or_else(|| self.defaults.get(name.as_str()).copied())
                .and_then(|v| match v {
                    ConstValue::Number(n) => n.as_i64(),
                    _ => None,
                }),
            _ => None,
        };
        number.map_or(DEFAULT_PAGE, |n| n.clamp(1, MAX_PAGE as i64) as u64)
    }

    fn problem(&mut self, field: String, message: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(InputProblem { field, message });
        }
    }

    /// Checks a literal argument value against its type `ty` (when known).
    fn check_value(&mut self, value: &Value, ty: Option<&Type>, label: String) {
        match value {
            Value::Variable(name) => {
                if let Some(given) = self.variables.get(name) {
                    self.check_variable(given, label);
                }
            }
            Value::String(text) => {
                // A single value where a list is expected is coerced to a
                // one-item list, so the item type decides.
                if let Some(ty) = ty
                    && self.model.is_enum(named(ty))
                {
                    self.problem(
                        label.clone(),
                        format!(
                            "\"{}\" is a string, but {} is an enum: write the value without quotes",
                            text.chars().take(40).collect::<String>(),
                            named(ty)
                        ),
                    );
                }
                self.check_text(text, label);
            }
            Value::List(items) => {
                let inner = ty.map(|ty| match &ty.base {
                    BaseType::List(inner) => inner.as_ref(),
                    BaseType::Named(_) => ty,
                });
                for (index, item) in items.iter().enumerate() {
                    self.check_value(item, inner, format!("{label}[{index}]"));
                }
            }
            Value::Object(fields) => {
                let type_name = ty.map(named);
                for (key, item) in fields {
                    let inner = type_name.and_then(|t| self.model.input_field(t, key.as_str()));
                    self.check_value(item, inner, join(&label, key.as_str()));
                }
            }
            Value::Null
            | Value::Number(_)
            | Value::Boolean(_)
            | Value::Binary(_)
            | Value::Enum(_) => {}
        }
    }

    /// Checks a variable's value (JSON: strings for enums are correct there).
    fn check_variable(&mut self, value: &ConstValue, label: String) {
        match value {
            ConstValue::String(text) => self.check_text(text, label),
            ConstValue::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.check_variable(item, format!("{label}[{index}]"));
                }
            }
            ConstValue::Object(fields) => {
                for (key, item) in fields {
                    self.check_variable(item, join(&label, key.as_str()));
                }
            }
            _ => {}
        }
    }

    /// PostgreSQL cannot store U+0000 in text; refuse it on every database
    /// alike, as input, before anything runs.
    fn check_text(&mut self, text: &str, label: String) {
        if text.contains('\0') {
            self.problem(
                label,
                "contains the NUL character (U+0000), which cannot be stored; remove it".into(),
            );
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn model() -> Model {
        Model::from_sdl(&crate::graphql::sdl()).unwrap()
    }

    fn measure_text(query: &str, variables: serde_json::Value) -> Result<Measure, Refusal> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        measure(&model(), &document, &Variables::from_json(variables))
    }

    fn cost(query: &str) -> u64 {
        measure_text(query, serde_json::json!({})).unwrap().cost
    }

    #[test]
    fn a_fragment_bomb_is_measured_without_expanding_it() {
        let mut query = String::from("fragment F0 on Query { me { id } }\n");
        for level in 1..=40 {
            query.push_str(&format!(
                "fragment F{level} on Query {{ ...F{p} ...F{p} }}\n",
                p = level - 1
            ));
        }
        query.push_str("query { ...F40 }");
        let measured = measure_text(&query, serde_json::json!({})).unwrap();
        assert!(measured.fields > 1 << 40, "{}", measured.fields);
        assert!(measured.cost > 1 << 39);
    }

    #[test]
    fn a_fragment_that_spreads_itself_is_refused() {
        let refused = measure_text(
            "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }",
            serde_json::json!({}),
        );
        assert!(
            matches!(refused, Err(Refusal::FragmentCycle(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn lists_multiply_their_children_by_first_or_the_default_page() {
        let twenty = cost("{ candidates { edges { node { plans { id } } } } }");
        let hundred = cost("{ candidates(first: 100) { edges { node { plans { id } } } } }");
        assert_eq!(twenty, 1 + 20 * (1 + 1 + 2));
        assert_eq!(hundred, 1 + 100 * (1 + 1 + 2));
        let by_variable = measure_text(
            "query($n: Int = 50) { candidates(first: $n) { edges { node { id } } } }",
            serde_json::json!({"n": 5}),
        )
        .unwrap();
        assert_eq!(by_variable.cost, 1 + 5 * 2);
        let by_default = measure_text(
            "query($n: Int = 50) { candidates(first: $n) { edges { node { id } } } }",
            serde_json::json!({}),
        )
        .unwrap();
        assert_eq!(by_default.cost, 1 + 50 * 2);
    }

    #[test]
    fn aliases_count_and_each_aliased_report_is_priced() {
        let one = cost("{ questionStats(first: 100) { edges { node { timesAsked } } } }");
        let aliased: String = (0..200)
            .map(|i| {
                format!("a{i}: questionStats(first: 100) {{ edges {{ node {{ timesAsked }} }} }} ")
            })
            .collect();
        let measured = measure_text(&format!("{{ {aliased} }}"), serde_json::json!({})).unwrap();
        assert_eq!(measured.cost, 200 * one);
        assert_eq!(measured.aliases, 200);
        assert_eq!(measured.root_fields, 200);
        let (path, heaviest) = measured.heaviest.unwrap();
        assert_eq!(
            heaviest, 2_001,
            "questionStats weighs 2,000, plus 1 for its page"
        );
        assert_eq!(one, 2_000 + 1 + 100 * 2);
        assert!(path.starts_with('a'), "{path}");
    }

    #[test]
    fn the_heaviest_field_is_the_one_whose_items_cost_most() {
        let measured = measure_text(
            "{ me { id } candidates(first: 50) { edges { node { plans { rounds { id } } } } } }",
            serde_json::json!({}),
        )
        .unwrap();
        let (path, cost) = measured.heaviest.unwrap();
        assert_eq!(path, "candidates.edges.node.plans.rounds");
        assert_eq!(cost, 50 * 2 * 5);
    }

    #[test]
    fn introspection_is_priced_on_its_own_budget() {
        let measured = measure_text(
            "{ __schema { types { name fields { name type { name } } } } }",
            serde_json::json!({}),
        )
        .unwrap();
        assert_eq!(measured.cost, 0);
        assert!(measured.introspection > 100);
        let nested = measure_text(
            "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }",
            serde_json::json!({}),
        )
        .unwrap();
        assert!(nested.introspection > 100 * measured.introspection);
    }

    /// The schema query GraphiQL and other tools send on start-up: every
    /// type with its fields, arguments, input fields and enum values, type
    /// references seven levels deep.
    const TOOLS_SCHEMA_QUERY: &str = "
        query Schema {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types { ...Full }
            directives { name description locations args { ...Input } }
          }
        }
        fragment Full on __Type {
          kind name description
          fields(includeDeprecated: true) {
            name description args { ...Input } type { ...Ref } isDeprecated deprecationReason
          }
          inputFields { ...Input }
          interfaces { ...Ref }
          enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
          possibleTypes { ...Ref }
        }
        fragment Input on __InputValue { name description type { ...Ref } defaultValue }
        fragment Ref on __Type {
          kind name ofType { kind name ofType { kind name ofType { kind name ofType {
            kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
        }";

    #[test]
    fn the_schema_query_of_graphiql_fits_the_introspection_budget() {
        let measured = measure_text(TOOLS_SCHEMA_QUERY, serde_json::json!({})).unwrap();
        let budget = super::super::QueryLimits::default();
        assert!(
            measured.introspection < budget.introspection_cost / 2,
            "{} of {}",
            measured.introspection,
            budget.introspection_cost
        );
        assert!(measured.depth < budget.depth, "{}", measured.depth);
        assert!(measured.fields < budget.fields, "{}", measured.fields);
        println!("tools' schema query: {measured:?}");
    }

    #[test]
    fn nul_characters_are_refused_naming_the_field_in_literals_and_variables() {
        let refused = measure_text(
            r#"mutation($p: String!) { login(email: "a\u0000@x.io", password: $p) { accessToken } }"#,
            serde_json::json!({"p": "pass\u{0}word"}),
        );
        let Err(Refusal::Input(problems)) = refused else {
            panic!("{refused:?}")
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["email", "password"]);

        let refused = measure_text(
            "mutation($i: ScorecardInput!) { saveScorecard(roundId: \"x\", input: $i) { id } }",
            serde_json::json!({"i": {"summary": "ok", "questionRatings": [
                {"questionId": "q", "rating": 3, "notes": "fine"},
                {"questionId": "q", "rating": 3, "notes": "bad\u{0}"}]}}),
        );
        let Err(Refusal::Input(problems)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(problems[0].field, "questionRatings[1].notes");
    }

    #[test]
    fn an_enum_written_as_a_string_literal_is_refused() {
        let refused = measure_text(
            r#"mutation { createCandidate(input: {name: "A", email: "a@b.c", positionTitle: "P", targetLevel: "SENIOR"}) { id } }"#,
            serde_json::json!({}),
        );
        let Err(Refusal::Input(problems)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(problems[0].field, "targetLevel");
        assert!(problems[0].message.contains("without quotes"));
        let in_a_list = measure_text(
            r#"{ candidates(filter: {stages: ["APPLIED"]}) { totalCount } }"#,
            serde_json::json!({}),
        );
        assert!(matches!(in_a_list, Err(Refusal::Input(_))), "{in_a_list:?}");
        let ok = measure_text(
            r#"{ candidates(filter: {stages: [APPLIED], search: "SENIOR"}) { totalCount } }"#,
            serde_json::json!({}),
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
