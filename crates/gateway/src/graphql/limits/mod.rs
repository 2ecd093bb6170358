//! Every request is priced before anything runs.
//!
//! Three gates, cheapest first, each refusing with `BAD_USER_INPUT` and a
//! message that says what was measured, the limit, and the variable that
//! sets it:
//!
//! 1. [`lexical`]: the document's tokens and bracket nesting, counted on its
//!    text before the parser sees it.
//! 2. [`analysis`]: on the parsed document, fields once fragments are
//!    expanded (each fragment measured once, so a fragment bomb is refused
//!    in microseconds), depth, aliases, root fields, and cost, where lists
//!    multiply their children by `first` and reports weigh their database
//!    work. A signed-in caller gets a much larger cost budget than an
//!    anonymous one; introspection has a budget of its own.
//! 3. The same walk refuses input values no database may store (U+0000)
//!    and enum values written as strings, naming the argument.
//!
//! Only then does async-graphql validate and execute the document. The
//! gates run in an extension's `parse_query` hook, so HTTP and WebSocket
//! operations pass the same ones.

pub mod analysis;
pub mod lexical;
pub mod model;

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ErrorExtensions, ServerError, ServerResult, Value, Variables};

use super::context::Caller;
use super::error::{Code, bad_input};
use analysis::{Budget, Measure, Refusal};
use model::Model;

/// The per-request limits; every one is configurable (see the README's
/// "Limits" section for the variables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryLimits {
    /// `GRAPHQL_MAX_TOKENS`: most lexical tokens in a document.
    pub tokens: usize,
    /// `GRAPHQL_MAX_DEPTH`: deepest field nesting.
    pub depth: u64,
    /// `GRAPHQL_MAX_ALIASES`: most aliased fields.
    pub aliases: u64,
    /// `GRAPHQL_MAX_ROOT_FIELDS`: most fields at an operation's root.
    pub root_fields: u64,
    /// `GRAPHQL_MAX_FIELDS`: most field selections, fragments expanded.
    pub fields: u64,
    /// `GRAPHQL_MAX_COST`: cost budget of a signed-in request.
    pub cost: u64,
    /// `GRAPHQL_MAX_COST_ANONYMOUS`: cost budget without a token.
    pub anonymous_cost: u64,
    /// `GRAPHQL_MAX_INTROSPECTION_COST`: cost budget of introspection.
    pub introspection_cost: u64,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            tokens: 10_000,
            depth: 20,
            aliases: 50,
            root_fields: 30,
            fields: 2_000,
            cost: 25_000,
            anonymous_cost: 200,
            introspection_cost: 50_000,
        }
    }
}

impl QueryLimits {
    /// Refuses `query` when its text has too many tokens or nests too
    /// deeply; run before parsing.
    pub fn check_text(&self, query: &str) -> Result<(), async_graphql::Error> {
        let shape = lexical::scan(query, self.tokens);
        if shape.tokens > self.tokens {
            return Err(refusal(
                format!(
                    "the document has more than {} tokens (GRAPHQL_MAX_TOKENS); send a shorter \
                     document and pass long values as variables",
                    self.tokens
                ),
                "tokens",
                shape.tokens as u64,
                self.tokens as u64,
            ));
        }
        // Each field level opens a brace, its arguments at most two more.
        let nesting = self.depth as usize * 2 + 4;
        if shape.nesting > nesting {
            return Err(refusal(
                format!(
                    "the document nests {} brackets deep, more than the {nesting} its depth \
                     limit allows (GRAPHQL_MAX_DEPTH={})",
                    shape.nesting, self.depth
                ),
                "nesting",
                shape.nesting as u64,
                nesting as u64,
            ));
        }
        Ok(())
    }

    /// Measures `document`, refusing it when any limit is passed.
    pub fn check_document(
        &self,
        model: &Model,
        document: &ExecutableDocument,
        variables: &Variables,
        signed_in: bool,
    ) -> Result<Measure, async_graphql::Error> {
        let measure = match analysis::measure(model, document, variables) {
            Ok(measure) => measure,
            Err(Refusal::FragmentCycle(name)) => {
                return Err(Code::BadUserInput.error(format!(
                    "fragment `{name}` spreads itself, directly or through other fragments"
                )));
            }
            Err(Refusal::Input(problems)) => {
                let problems: Vec<domain::Problem> = problems
                    .into_iter()
                    .map(|p| domain::Problem::new(p.field, p.message))
                    .collect();
                return Err(bad_input(&problems));
            }
        };
        let budget = Budget {
            cost: if signed_in {
                self.cost
            } else {
                self.anonymous_cost
            },
            introspection: self.introspection_cost,
            depth: self.depth,
            aliases: self.aliases,
            root_fields: self.root_fields,
            fields: self.fields,
        };
        let checks = [
            (
                measure.fields,
                budget.fields,
                "fields",
                "selects {found} fields once its fragments are expanded, more than the {limit} \
                 allowed (GRAPHQL_MAX_FIELDS)",
            ),
            (
                measure.depth,
                budget.depth,
                "depth",
                "nests fields {found} deep, more than the {limit} allowed (GRAPHQL_MAX_DEPTH)",
            ),
            (
                measure.aliases,
                budget.aliases,
                "aliases",
                "uses {found} aliases, more than the {limit} allowed (GRAPHQL_MAX_ALIASES)",
            ),
            (
                measure.root_fields,
                budget.root_fields,
                "rootFields",
                "asks for {found} root fields, more than the {limit} allowed \
                 (GRAPHQL_MAX_ROOT_FIELDS); split it into several requests",
            ),
            (
                measure.introspection,
                budget.introspection,
                "introspectionCost",
                "costs {found} in introspection, more than the {limit} allowed \
                 (GRAPHQL_MAX_INTROSPECTION_COST)",
            ),
        ];
        for (found, limit, what, text) in checks {
            if found > limit {
                let message = text
                    .replace("{found}", &thousands(found))
                    .replace("{limit}", &thousands(limit));
                return Err(refusal(format!("the query {message}"), what, found, limit));
            }
        }
        if measure.cost > budget.cost {
            let who = if signed_in {
                "a signed-in request (GRAPHQL_MAX_COST)"
            } else {
                "a request without a token (GRAPHQL_MAX_COST_ANONYMOUS); sign in for more"
            };
            let heaviest = measure
                .heaviest
                .as_ref()
                .map(|(path, cost)| {
                    format!(
                        "; its most expensive field is `{path}` ({}): ask for fewer items \
                         (`first`), fewer aliases or fewer reports per request",
                        thousands(*cost)
                    )
                })
                .unwrap_or_default();
            let mut error = refusal(
                format!(
                    "the query costs {}, more than the {} allowed for {who}{heaviest}",
                    thousands(measure.cost),
                    thousands(budget.cost)
                ),
                "cost",
                measure.cost,
                budget.cost,
            );
            if let Some((path, cost)) = measure.heaviest.clone() {
                error = error.extend_with(move |_, e| {
                    let mut field = async_graphql::indexmap::IndexMap::new();
                    field.insert(async_graphql::Name::new("path"), Value::from(path.clone()));
                    field.insert(async_graphql::Name::new("cost"), Value::from(cost));
                    e.set("mostExpensiveField", Value::Object(field));
                });
            }
            return Err(error);
        }
        Ok(measure)
    }
}

/// A `BAD_USER_INPUT` refusal of a limit, with what was measured.
fn refusal(message: String, limit: &'static str, found: u64, max: u64) -> async_graphql::Error {
    Code::BadUserInput.error(message).extend_with(move |_, e| {
        e.set("limit", limit);
        e.set("measured", found);
        e.set("allowed", max);
    })
}

/// `12345` → `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The extension that applies [`QueryLimits`] to every operation.
#[derive(Clone)]
pub struct Limits {
    limits: QueryLimits,
    introspection: bool,
    model: Arc<Model>,
}

impl Limits {
    /// The limits over the schema whose SDL is `sdl`; with `introspection`
    /// false, a document asking for `__schema` or `__type` is refused.
    pub fn new(limits: QueryLimits, introspection: bool, sdl: &str) -> Result<Limits, String> {
        Ok(Limits {
            limits,
            introspection,
            model: Arc::new(Model::from_sdl(sdl)?),
        })
    }
}

impl Limits {
    /// The per-request limits.
    pub fn limits(&self) -> &QueryLimits {
        &self.limits
    }

    /// What the limits know of the schema: each field's type.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Checks a parsed `document` with its `variables` for a caller who is
    /// `signed_in`, introspection included.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        variables: &Variables,
        signed_in: bool,
    ) -> Result<Measure, async_graphql::Error> {
        let measure = self
            .limits
            .check_document(&self.model, document, variables, signed_in)?;
        if !self.introspection && measure.introspection > 0 {
            return Err(Code::BadUserInput.error(
                "introspection is disabled on this server (GRAPHQL_INTROSPECTION=true enables \
                 it); the schema is published as schema.graphql",
            ));
        }
        Ok(measure)
    }
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: self.clone(),
        })
    }
}

struct LimitsExtension {
    limits: Limits,
}

/// A request-level error (no location, no path): nothing ran.
pub fn server_error(error: async_graphql::Error) -> ServerError {
    let mut refused = ServerError::new(error.message, None);
    refused.extensions = error.extensions;
    refused
}

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Checked on a parse of our own before async-graphql's: its
        // recursion check, which runs as part of parsing, walks every
        // fragment spread and would expand a fragment bomb.
        self.limits.limits.check_text(query).map_err(server_error)?;
        let document = async_graphql::parser::parse_query(query)
            .map_err(|err| ServerError::new(err.to_string(), None))?;
        let signed_in = matches!(ctx.data_opt::<Caller>(), Some(Caller(Some(_))));
        self.limits
            .check(&document, variables, signed_in)
            .map_err(server_error)?;
        next.run(ctx, query, variables).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(4_194_304), "4,194,304");
    }
}
