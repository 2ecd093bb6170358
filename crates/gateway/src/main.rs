//! The `interview-planner` binary: see `interview-planner --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    gateway::cli::main()
}
