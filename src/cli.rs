//! The command line: clap derive types only. Turning them into settings is
//! `config`'s job and running them is `commands`'.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A Definition-of-Done gate for Python backend services.
///
/// `dod check` works out what changed since the base branch, runs the
/// Definition of Done (ruff, mypy, pytest and dod's own checks), prints a
/// checklist, writes the hand-off report, and exits 0 only when the task is
/// done.
#[derive(Debug, Parser)]
#[command(name = "dod", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Definition of Done on the change (or, with --all, the project).
    Check(CheckArgs),
    /// List every check with the DoD item it serves.
    Checks(ListArgs),
    /// Print a check's documentation.
    Explain(ExplainArgs),
    /// The coding-agent stop hook: reads the hook event on stdin, runs the
    /// gate in its `cwd`, and blocks the agent while the task is not done.
    Hook,
    /// Write a commented starter `dod.toml` (never overwriting one).
    Init(InitArgs),
    /// Show dod's managed environment for the project: its path,
    /// interpreter, size and the tools `dod check` runs, with versions and
    /// where they come from. `--clean` removes it.
    Env(EnvArgs),
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// The project root.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Remove the project's managed environment (the next `dod check`
    /// that needs a tool builds it again), and every stale one.
    #[arg(long)]
    pub clean: bool,

    /// With `--clean`: remove every managed environment in dod's cache.
    #[arg(long, requires = "clean")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project root.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Add a `[tool.dod]` block to `pyproject.toml` instead.
    #[arg(long)]
    pub pyproject: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The project root: config is read there and paths are reported
    /// relative to it. It may sit below the git repository's root.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Compare against the merge-base of REF and HEAD.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    /// Check the whole project as if every file were new.
    #[arg(long, conflicts_with = "staged")]
    pub all: bool,

    /// Check only what is staged, against HEAD (for pre-commit).
    #[arg(long, conflicts_with = "base")]
    pub staged: bool,

    /// Run only the tests that ran the changed files (from the map of the
    /// last full run under coverage), plus the changed test files; the full
    /// suite when there is no map or it cannot be trusted.
    #[arg(long, conflicts_with = "all")]
    pub affected: bool,

    /// Run only these checks (comma-separated ids).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Do not run these checks (comma-separated ids).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// The task file with acceptance criteria and hand-off notes [default: TASK.md];
    /// a file named here must exist.
    #[arg(long, value_name = "FILE")]
    pub task: Option<PathBuf>,

    /// Write the Output Report (Markdown) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Write the full result as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a JUnit XML file for CI test reporters to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write SARIF 2.1.0 (GitHub code scanning) to FILE.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,

    /// Emit GitHub Actions annotations and the job summary (on by default
    /// when `GITHUB_ACTIONS=true`).
    #[arg(long)]
    pub github: bool,

    /// How many command checks run at once [default: the number of cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Never create the managed environment: use only tools that are installed.
    #[arg(long)]
    pub no_provision: bool,

    /// Print only the verdict and the failing items.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// When to colour the output (`NO_COLOR` is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The project root, whose config may declare more command checks.
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check id, as `dod checks` lists it.
    pub check: String,

    /// The project root, whose config may declare more command checks.
    #[arg(long, default_value = ".")]
    pub path: PathBuf,
}

impl CheckArgs {
    /// What `dod hook` runs: `dod check --quiet` in the agent's directory.
    pub fn for_hook(path: PathBuf) -> CheckArgs {
        CheckArgs {
            path,
            base: None,
            all: false,
            staged: false,
            affected: false,
            only: Vec::new(),
            skip: Vec::new(),
            task: None,
            report: None,
            json: None,
            junit: None,
            sarif: None,
            github: false,
            jobs: None,
            no_provision: false,
            quiet: true,
            color: ColorChoice::Never,
        }
    }
}
