//! `interview-planner`, the product: the operator's command line over the
//! service. `crates/gateway` serves HTTP and GraphQL, `crates/domain` holds
//! the rules, `crates/fixtures` the demo and developer data. See
//! ARCHITECTURE.md.

pub mod cli;
