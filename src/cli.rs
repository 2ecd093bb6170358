//! The operator's command line: `serve`, `migrate`, `seed`,
//! `user create`, `retention` and `rollups rebuild`. Every command that
//! touches the database migrates it first, so each works on a fresh
//! database.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use domain::bank::Bank;
use domain::error::{Problem, collect_problems};
use domain::types::{Email, Password, Role, Text};
use domain::user::{self, NewUser};
use sea_orm::DatabaseConnection;

use gateway::config::{ConfigError, DatabaseSettings, LogSettings, Settings};
use gateway::startup::{self, Application, StartupError};
use gateway::telemetry::{self, TelemetryError};

/// Longest organization or display name accepted (as in the domain).
const NAME_MAX: usize = 200;

/// `interview-planner`: plan and run structured technical interviews.
#[derive(Debug, Parser)]
#[command(
    name = "interview-planner",
    version,
    about = "Plan and run structured technical interviews: GraphQL service and operator commands."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP on BIND (migrates the database first).
    Serve {
        /// Fill an empty database with a demo organization (users with
        /// one-time passwords, candidates, plans and scorecards) first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Create an organization with its own copy of the default question bank.
    Seed {
        /// Name of the new organization.
        #[arg(long, value_name = "NAME")]
        organization: String,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Print the GraphQL schema (SDL, sorted) to standard output.
    PrintSchema,
    /// List (--dry-run) or erase (--apply) the candidates every
    /// organization's retention rule erases now.
    Retention {
        /// Only list what would be erased.
        #[arg(long, conflicts_with = "apply", required_unless_present = "apply")]
        dry_run: bool,
        /// Erase them.
        #[arg(long)]
        apply: bool,
    },
    /// Manage the maintained aggregates the reports read.
    #[command(subcommand)]
    Rollups(RollupsCommand),
    /// Developer tools: synthetic data and report timings (not for
    /// production databases).
    #[command(subcommand, hide = true)]
    Dev(DevCommand),
    /// `dev generate` under its older name, which the benchmark harness
    /// (`shared/perf`, `SCHEMA=service`) calls.
    #[command(hide = true)]
    Generate(Generate),
}

/// `dev …` subcommands, for developers measuring the service.
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Create a large synthetic organization for measuring the reports.
    Generate(Generate),
    /// Time every dashboard report on an organization (see `generate`).
    BenchReports {
        /// The organization to read.
        #[arg(long, value_name = "NAME", default_value = "Benchmark")]
        organization: String,
        /// Runs of each report; the median and slowest are printed.
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
}

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct Generate {
    /// Name of the new organization.
    #[arg(long, value_name = "NAME", default_value = "Benchmark")]
    pub organization: String,
    /// Candidates to create.
    #[arg(long, default_value_t = 10_000)]
    pub candidates: usize,
    /// Submitted question ratings to create.
    #[arg(long, default_value_t = 200_000)]
    pub ratings: usize,
    /// Interviewers sharing the rounds.
    #[arg(long, default_value_t = 60)]
    pub interviewers: usize,
    /// Seed of the random choices (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `rollups …` subcommands.
#[derive(Debug, Subcommand)]
pub enum RollupsCommand {
    /// Recompute every report rollup from the base tables, one transaction
    /// per organization (after writing rows around the service, or to
    /// repair them); running it again changes nothing.
    Rebuild,
}

/// `user …` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input (one line) or,
    /// on a terminal, asked for twice without echo.
    Create(CreateUser),
}

/// Arguments of `user create`.
#[derive(Debug, Args)]
pub struct CreateUser {
    /// Organization to add the user to; created with the default bank if new.
    #[arg(long, value_name = "NAME")]
    pub organization: String,
    /// Sign-in email, unique across organizations.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Name shown to colleagues.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// ADMIN, HIRING_MANAGER, INTERVIEWER or VIEWER.
    #[arg(long, value_name = "ROLE", value_parser = parse_role)]
    pub role: Role,
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse("role", value).map_err(|problem| problem.message)
}

/// Why a command failed; printed as one line on standard error.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An environment variable is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Logging could not start.
    #[error(transparent)]
    Telemetry(#[from] TelemetryError),
    /// The database or the listener could not be set up, or the server failed.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// A domain service refused or failed.
    #[error("{}", startup::describe(.0))]
    Domain(#[from] domain::Error),
    /// Arguments were invalid; every problem is listed.
    #[error("invalid input: {}", list(.0))]
    Invalid(Vec<Problem>),
    /// The password could not be read.
    #[error("could not read the password: {0}")]
    ReadPassword(#[source] std::io::Error),
    /// The password and its confirmation differ.
    #[error("password: the two entries differ; nothing was created")]
    PasswordMismatch,
    /// A blocking task panicked or was cancelled.
    #[error("internal error: {0}")]
    Task(#[from] tokio::task::JoinError),
}

fn list(problems: &[Problem]) -> String {
    domain::error::join_problems(problems)
}

/// Entry point of the binary: parses arguments, runs the command, prints a
/// one-line error and returns a failing exit code when it fails.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: could not start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    // Spans still queued go out before the process ends.
    telemetry::shutdown();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve { demo } => serve(demo).await,
        Command::Migrate => migrate().await,
        Command::Seed { organization } => seed(&organization).await,
        Command::User(UserCommand::Create(args)) => create_user(args).await,
        Command::Dev(DevCommand::Generate(args)) | Command::Generate(args) => generate(args).await,
        Command::Dev(DevCommand::BenchReports { organization, runs }) => {
            bench_reports(&organization, runs).await
        }
        Command::Retention { apply, .. } => retention(apply).await,
        Command::Rollups(RollupsCommand::Rebuild) => rebuild_rollups().await,
        Command::PrintSchema => {
            print!("{}", gateway::graphql::sdl());
            Ok(())
        }
    }
}

async fn serve(demo: bool) -> Result<(), CliError> {
    let settings = Settings::from_env()?;
    telemetry::init(&settings.log)?;
    let app = Application::build(settings).await?;
    if demo {
        tracing::info!("filling the empty database with the demo organization");
        let summary = fixtures::demo::populate(app.database(), DEMO_SEED).await?;
        print_demo(&summary, app.address());
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// Seed of the demo's random choices (passwords come from the OS).
const DEMO_SEED: u64 = 2026;

fn print_demo(summary: &fixtures::demo::DemoSummary, address: std::net::SocketAddr) {
    println!(
        "Demo organization \"{}\": {} candidates, {} submitted scorecards.",
        summary.organization, summary.candidates, summary.scorecards
    );
    println!("Passwords are shown only now; they are stored as hashes.\n");
    println!("{:<16} {:<30} password", "role", "email");
    for user in &summary.users {
        println!(
            "{:<16} {:<30} {}",
            user.role.as_str(),
            user.email,
            user.password
        );
    }
    println!(
        "\nA round that needs a panel: suggestPanel(roundId: \"{}\")",
        summary.open_round
    );
    println!("Web app: http://{address}/");
    println!("GraphiQL: http://{address}/graphql");
}

/// Logging and database settings, for the commands that only need those.
fn operator_settings() -> Result<DatabaseSettings, CliError> {
    telemetry::init(&LogSettings::from_env()?)?;
    Ok(DatabaseSettings::from_env()?)
}

async fn migrate() -> Result<(), CliError> {
    use migration::{Migrator, MigratorTrait};

    let settings = operator_settings()?;
    let db = domain::db::connect_with(settings.url(), settings.batch_options())
        .await
        .map_err(|source| StartupError::Connect {
            kind: settings.kind.as_str(),
            url: settings.redacted_url(),
            source,
        })?;
    let pending = Migrator::get_pending_migrations(&db)
        .await
        .map_err(|err| StartupError::Migrate {
            source: domain::Error::Database(err),
        })?
        .len();
    domain::db::migrate(&db)
        .await
        .map_err(|source| StartupError::Migrate { source })?;
    let target = format!("{} database {}", settings.kind, settings.redacted_url());
    if pending == 0 {
        println!("the {target} is up to date");
    } else {
        println!("applied {pending} migration(s) to the {target}");
    }
    close(db).await;
    Ok(())
}

async fn generate(args: Generate) -> Result<(), CliError> {
    let db = startup::open_database_for_batch(&operator_settings()?).await?;
    let size = fixtures::synthetic::Size {
        candidates: args.candidates,
        ratings: args.ratings,
        interviewers: args.interviewers,
        seed: args.seed,
    };
    let generated =
        fixtures::synthetic::generate(&db, &args.organization, size, |line| eprintln!("{line}"))
            .await?;
    println!(
        "created organization `{}`: {} candidates, {} scorecards, {} question ratings",
        args.organization, generated.candidates, generated.scorecards, generated.ratings
    );
    close(db).await;
    Ok(())
}

async fn bench_reports(organization: &str, runs: usize) -> Result<(), CliError> {
    let settings = operator_settings()?;
    let kind = settings.kind.as_str();
    let db = startup::open_database_for_batch(&settings).await?;
    let timings = fixtures::bench::reports(&db, organization, runs).await?;
    println!("{kind}: {runs} runs of each report on `{organization}`");
    println!("{:<28} {:>12} {:>12}", "report", "median ms", "max ms");
    for timing in timings {
        println!(
            "{:<28} {:>12.1} {:>12.1}",
            timing.name,
            timing.median.as_secs_f64() * 1000.0,
            timing.max.as_secs_f64() * 1000.0
        );
    }
    close(db).await;
    Ok(())
}

async fn retention(apply: bool) -> Result<(), CliError> {
    let db = startup::open_database_for_batch(&operator_settings()?).await?;
    let now = chrono::Utc::now();
    let listed = if apply {
        domain::candidate::apply_retention(&db, now).await?
    } else {
        domain::candidate::due_for_retention(&db, now).await?
    };
    let verb = if apply { "erased" } else { "would erase" };
    println!("{verb} {} candidate(s)", listed.len());
    if !listed.is_empty() {
        println!(
            "{:<36}  {:<36}  {:<10}  {:<10}  name",
            "organization", "candidate", "stage", "closed"
        );
    }
    for due in &listed {
        println!(
            "{:<36}  {:<36}  {:<10}  {:<10}  {}",
            due.organization_id,
            due.candidate.id,
            due.candidate.stage.as_str(),
            due.closed_at.format("%Y-%m-%d"),
            due.candidate.name
        );
    }
    close(db).await;
    Ok(())
}

async fn rebuild_rollups() -> Result<(), CliError> {
    let db = startup::open_database_for_batch(&operator_settings()?).await?;
    let started = std::time::Instant::now();
    let organizations = domain::rollup::rebuild_all(&db).await?;
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(organizations, seconds, "rebuilt the report rollups");
    println!("rebuilt the report rollups of {organizations} organization(s) in {seconds:.2}s");
    close(db).await;
    Ok(())
}

async fn seed(name: &str) -> Result<(), CliError> {
    let name = Text::parse("organization", name, NAME_MAX)
        .map_err(|problem| CliError::Invalid(vec![problem]))?;
    let db = startup::open_database_for_batch(&operator_settings()?).await?;
    let (organization, created) = user::ensure_organization(&db, name.as_str()).await?;
    if created {
        println!(
            "created organization `{}` (id {}) with {}",
            organization.name,
            organization.id,
            bank_summary()?
        );
    } else {
        println!(
            "organization `{}` already exists (id {}); nothing was changed",
            organization.name, organization.id
        );
    }
    close(db).await;
    Ok(())
}

async fn create_user(args: CreateUser) -> Result<(), CliError> {
    let password = tokio::task::spawn_blocking(read_password).await??;
    // Checked before anything is written, so a typo creates no organization.
    let problems = collect_problems((
        Text::parse("organization", &args.organization, NAME_MAX),
        Email::parse("email", &args.email),
        Text::parse("name", &args.name, NAME_MAX),
        Password::parse("password", &password),
    ));
    if !problems.is_empty() {
        return Err(CliError::Invalid(problems));
    }
    let db = startup::open_database_for_batch(&operator_settings()?).await?;
    let (organization, created) = user::ensure_organization(&db, &args.organization).await?;
    if created {
        println!(
            "created organization `{}` (id {}) with {}",
            organization.name,
            organization.id,
            bank_summary()?
        );
    }
    let created = user::create_user_as_operator(
        &db,
        organization.id,
        NewUser {
            email: args.email,
            display_name: args.name,
            role: args.role,
            password,
        },
    )
    .await?;
    println!(
        "created {} {} (id {}) in organization `{}`",
        created.role, created.email, created.id, organization.name
    );
    close(db).await;
    Ok(())
}

fn bank_summary() -> Result<String, CliError> {
    let bank = Bank::default_bank()?;
    Ok(format!(
        "the default question bank: {} categories, {} competencies, {} questions",
        bank.categories.len(),
        bank.competencies.len(),
        bank.questions.len()
    ))
}

async fn close(db: DatabaseConnection) {
    if let Err(err) = db.close().await {
        tracing::warn!(error = %err, "closing the database failed");
    }
}

/// One line from standard input when it is not a terminal (so scripts pipe
/// it); otherwise asked for twice on the terminal without echo. Never taken
/// from the command line, where other users could read it.
fn read_password() -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(CliError::ReadPassword)?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        return Ok(line.strip_suffix('\r').unwrap_or(line).to_owned());
    }
    let first = rpassword::prompt_password("Password: ").map_err(CliError::ReadPassword)?;
    let second =
        rpassword::prompt_password("Password (again): ").map_err(CliError::ReadPassword)?;
    if first == second {
        Ok(first)
    } else {
        Err(CliError::PasswordMismatch)
    }
}
