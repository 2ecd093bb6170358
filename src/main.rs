//! The `interview-planner` binary: see `interview-planner --help`.

use std::process::ExitCode;

/// mimalloc gives freed memory back to the system (at once: see
/// [`purge_promptly`]), so a burst of password hashes (19 MiB each) or
/// large responses does not leave the process at its peak size, and it
/// allocates faster than the system allocator for the many small objects
/// of a GraphQL response.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option for how long freed memory is kept before it is given
/// back; it reads it from the environment once, before `main` runs.
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

fn main() -> ExitCode {
    #[cfg(unix)]
    purge_promptly();
    // Where the kernel backs memory with transparent huge pages for every
    // process (`/sys/kernel/mm/transparent_hugepage/enabled` = always, as
    // on many distributions), each 2 MiB region mimalloc touches becomes
    // resident whole: measured under the dashboard page at 32 clients,
    // 145 MB resident against 84 MB with them off, and the same
    // throughput. Not a failure when the kernel refuses (older kernels).
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    interview_planner::cli::main()
}

/// Starts this program again with freed memory given back at once.
///
/// mimalloc defers giving freed memory back, and does the deferred work
/// only on later allocations in the same place: a thread that hashed
/// passwords (19 MiB each) and then sits idle kept its blocks resident
/// for good. Measured after 15 s of the dashboard page and sign-ins:
/// 51 MB idle, 90 MB still 60 s later; with the delay at 0, 45 and 57 MB.
/// The option is read before `main`, so it is set for a fresh start of the
/// same executable (same process id, arguments and environment
/// otherwise). An operator's own `MIMALLOC_PURGE_DELAY` is kept; if the
/// executable cannot be started again, this one goes on as it is.
#[cfg(unix)]
fn purge_promptly() {
    use std::os::unix::process::CommandExt;

    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    let Ok(executable) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(executable);
    if let Some(name) = args.next() {
        command.arg0(name);
    }
    // `exec` returns only when it failed.
    let _ = command.args(args).env(PURGE_DELAY, "0").exec();
}
