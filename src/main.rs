//! The `interview-planner` binary: see `interview-planner --help`.

use std::process::ExitCode;

/// mimalloc gives freed memory back to the system within a short delay, so
/// a burst of password hashes (19 MiB each) or large responses does not
/// leave the process at its peak size, and it allocates faster than the
/// system allocator for the many small objects of a GraphQL response.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    interview_planner::cli::main()
}
