//! dod: a Definition-of-Done gate for Python backend services.
//!
//! `run` is the whole program behind `main`: it resolves settings, works out
//! the change, runs the checks and writes the outputs. Only `run` and `main`
//! use `anyhow`; everything below returns typed errors.

mod checks;
pub mod cli;
mod config;
mod diagnostic;
mod error;
mod git;
mod hook;
mod init;
mod process;
mod python;
mod render;
mod report;
mod runner;
mod task;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;

use crate::checks::Scope;
use crate::checks::external::tool::ProvisionEvent;
use crate::cli::{CheckArgs, Cli, Command, ExplainArgs, ListArgs};
use crate::config::Settings;
use crate::diagnostic::Status;
use crate::error::UsageError;
use crate::report::{Report, Verdict};
use crate::runner::Event;

/// The process exit code: 0 done, 1 not done, 2 usage, config or environment error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Done = 0,
    NotDone = 1,
    Error = 2,
}

impl From<Verdict> for ExitStatus {
    fn from(verdict: Verdict) -> ExitStatus {
        match verdict {
            Verdict::Done => ExitStatus::Done,
            Verdict::NotDone => ExitStatus::NotDone,
            Verdict::Error => ExitStatus::Error,
        }
    }
}

/// Runs one command. Errors are usage, config or environment errors (exit 2).
pub fn run(cli: Cli, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => check(&args, stdout),
        Command::Checks(args) => list(&args, stdout),
        Command::Explain(args) => explain(&args, stdout),
        Command::Hook => run_hook(&mut io::stdin().lock(), stdout),
        Command::Init(args) => {
            let root = project_root(&args.path)?;
            let settings = Settings::for_listing(
                root.clone(),
                config::Options::default(),
                config::ConfigSource::Defaults,
            )?;
            let path = init::write(&root, &settings, args.pyproject)?;
            writeln!(stdout, "wrote {}", path.display())?;
            Ok(ExitStatus::Done)
        }
    }
}

/// Whether the run stopped because of Ctrl-C or SIGTERM (exit 130).
pub fn is_interrupted(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<UsageError>(),
        Some(UsageError::Interrupted)
    )
}

fn project_root(path: &Path) -> Result<PathBuf, UsageError> {
    if !path.is_dir() {
        return Err(UsageError::NotADirectory {
            path: path.to_owned(),
        });
    }
    std::fs::canonicalize(path).map_err(|_| UsageError::NotADirectory {
        path: path.to_owned(),
    })
}

fn listing_settings(path: &Path) -> anyhow::Result<Settings> {
    let root = project_root(path)?;
    let (options, source) = config::load(&root)?;
    Ok(Settings::for_listing(root, options, source)?)
}

fn list(args: &ListArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings = listing_settings(&args.path)?;
    let checks = checks::all(&settings);
    let width = checks.iter().map(|check| check.id.len()).max().unwrap_or(0);
    let items = checks
        .iter()
        .map(|check| check.item.id().len())
        .max()
        .unwrap_or(0);
    for check in checks {
        writeln!(
            out,
            "{:<width$}  {:<items$}  {:<7}  {}",
            check.id,
            check.item.id(),
            check.kind.as_str(),
            check.title
        )?;
    }
    Ok(ExitStatus::Done)
}

fn explain(args: &ExplainArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings = listing_settings(&args.path)?;
    let checks = checks::all(&settings);
    let Some(check) = checks.iter().find(|check| check.id == args.check) else {
        let known: Vec<&str> = checks.iter().map(|check| check.id.as_str()).collect();
        anyhow::bail!(
            "unknown check `{}`; the checks are: {}",
            args.check,
            known.join(", ")
        );
    };
    writeln!(
        out,
        "# {} ({}, item `{}`)\n",
        check.id,
        check.kind.as_str(),
        check.item.id()
    )?;
    writeln!(out, "{}", check.explanation)?;
    Ok(ExitStatus::Done)
}

fn check(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let (report, settings) = gate(args, false)?;
    let style = render::terminal::Style {
        color: io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()),
        quiet: settings.quiet,
    };
    render::terminal::render(&report, style, stdout)?;
    write_outputs(&report, args)?;
    if args.github || std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true") {
        github_outputs(&report, stdout)?;
    }
    Ok(report.verdict.into())
}

/// Runs the gate and returns the report. `hook` applies the `[hook]`
/// profile (pytest on the changed tests only, or not at all).
fn gate(args: &CheckArgs, hook: bool) -> anyhow::Result<(Report, Settings)> {
    let root = project_root(&args.path)?;
    let (options, source) = config::load(&root)?;
    let mut settings = Settings::resolve(root, options, source, args)?;
    let repository = git::toplevel(&settings.root);
    if let Ok(Some(top)) = &repository {
        let top = std::fs::canonicalize(top).unwrap_or_else(|_| top.clone());
        settings.repo_prefix = repo_prefix(&settings.root, &top);
        settings.repository = Some(top);
    }
    if hook {
        match settings.hook.pytest.unwrap_or_default() {
            config::HookPytest::All => {}
            config::HookPytest::Changed => settings.changed_tests_only = true,
            config::HookPytest::Skip => settings.selection.skip.push("pytest".to_owned()),
        }
    }

    let scope = if settings.all {
        Scope::All
    } else {
        match repository {
            Err(git::GitMissing) => return Err(UsageError::GitMissing.into()),
            Ok(None) => {
                return Err(UsageError::NotARepository {
                    path: settings.root.clone(),
                }
                .into());
            }
            Ok(Some(_)) => {
                let ci = git::CiEnv::from_process();
                let change = if args.staged {
                    git::staged(&settings.root)
                } else {
                    git::change(
                        &settings.root,
                        settings.base.as_deref(),
                        settings.config_base.as_deref(),
                        &ci,
                    )
                };
                match change {
                    Ok(change) => Scope::Change(change),
                    Err(error) => Scope::Broken(error),
                }
            }
        }
    };

    let progress = Arc::new(ProgressPrinter::new(settings.quiet));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.jobs.clamp(1, 8))
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let printer = Arc::clone(&progress);
    let report = runtime.block_on(runner::run(
        &settings,
        scope,
        Arc::new(move |event| printer.event(&event)),
    ))?;
    progress.clear();
    Ok((report, settings))
}

/// `dod hook`: see `hook.rs`. Exit 0 lets the agent stop (with a block
/// decision on stdout when the task is not done); exit 1 is a non-blocking
/// error, explained on stderr.
#[expect(
    clippy::print_stderr,
    reason = "the hook protocol reads its errors from stderr"
)]
fn run_hook(stdin: &mut dyn io::Read, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut input = String::new();
    let event = match stdin
        .read_to_string(&mut input)
        .map_err(anyhow::Error::from)
        .and_then(|_| serde_json::from_str::<hook::Event>(&input).map_err(anyhow::Error::from))
    {
        Ok(event) => event,
        Err(error) => {
            eprintln!(
                "dod hook: the stop-hook input is not the expected JSON ({error}); not blocking"
            );
            return Ok(ExitStatus::NotDone);
        }
    };
    // Already continuing because of this hook, or wired to another event.
    let is_stop = event
        .hook_event_name
        .as_deref()
        .is_none_or(|name| matches!(name, "Stop" | "SubagentStop"));
    if event.stop_hook_active || !is_stop {
        return Ok(ExitStatus::Done);
    }
    let path = match event.cwd {
        Some(cwd) => cwd,
        None => std::env::current_dir()
            .context("no `cwd` in the hook input and no current directory")?,
    };
    let args = CheckArgs::for_hook(path);
    let (report, settings) = match gate(&args, true) {
        Ok(done) => done,
        Err(error) => {
            eprintln!("dod hook: dod could not run ({error:#}); not blocking");
            return Ok(ExitStatus::NotDone);
        }
    };
    let report_path = hook_report_path(settings.repository.as_deref());
    let write = || -> io::Result<()> {
        let mut file = BufWriter::new(File::create(&report_path)?);
        render::markdown::render(&report, &mut file)?;
        file.flush()
    };
    let shown = match write() {
        Ok(()) => Some(report_path.display().to_string()),
        Err(_) => None,
    };
    match hook::decide(
        &report,
        settings.hook.block_on.as_deref().unwrap_or_default(),
        shown.as_deref(),
    ) {
        hook::Decision::Allow => Ok(ExitStatus::Done),
        hook::Decision::Block(reason) => {
            writeln!(stdout, "{}", hook::block_json(&reason))?;
            Ok(ExitStatus::Done)
        }
        hook::Decision::CannotJudge(reason) => {
            eprintln!("dod hook: {reason}; not blocking");
            Ok(ExitStatus::NotDone)
        }
    }
}

/// Where the hook writes the full report: inside `.git`, so it is never
/// part of the change; elsewhere the temp directory.
fn hook_report_path(repository: Option<&Path>) -> PathBuf {
    match repository
        .map(|top| top.join(".git"))
        .filter(|git| git.is_dir())
    {
        Some(git) => git.join("dod-report.md"),
        None => std::env::temp_dir().join("dod-report.md"),
    }
}

fn write_outputs(report: &Report, args: &CheckArgs) -> anyhow::Result<()> {
    type Renderer = fn(&Report, &mut dyn Write) -> io::Result<()>;
    let outputs: [(Option<&PathBuf>, Renderer); 4] = [
        (args.report.as_ref(), render::markdown::render),
        (args.json.as_ref(), render::json::render),
        (args.junit.as_ref(), render::junit::render),
        (args.sarif.as_ref(), render::sarif::render),
    ];
    for (path, render) in outputs {
        let Some(path) = path else { continue };
        let write = || -> io::Result<()> {
            let mut file = BufWriter::new(File::create(path)?);
            render(report, &mut file)?;
            file.flush()
        };
        write().map_err(|source| UsageError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// In GitHub Actions: annotations on stdout and the job summary appended to
/// `$GITHUB_STEP_SUMMARY`.
fn github_outputs(report: &Report, stdout: &mut dyn Write) -> anyhow::Result<()> {
    render::github::annotations(report, stdout)?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        let append = || -> io::Result<()> {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            file.write_all(render::github::summary(report).as_bytes())
        };
        append().map_err(|source| UsageError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// The project root relative to its repository's root, with a trailing `/`.
fn repo_prefix(root: &Path, top: &Path) -> String {
    match root.strip_prefix(top) {
        Ok(relative) if !relative.as_os_str().is_empty() => {
            format!("{}/", relative.to_string_lossy())
        }
        _ => String::new(),
    }
}

/// Progress on stderr: on a terminal one live line naming the running
/// checks; elsewhere (CI logs) a line as each check finishes.
struct ProgressPrinter {
    tty: bool,
    quiet: bool,
    running: Mutex<Vec<String>>,
}

impl ProgressPrinter {
    fn new(quiet: bool) -> ProgressPrinter {
        ProgressPrinter {
            tty: io::stderr().is_terminal(),
            quiet,
            running: Mutex::new(Vec::new()),
        }
    }

    #[expect(clippy::print_stderr, reason = "progress goes to stderr by design")]
    fn event(&self, event: &Event) {
        let Ok(mut running) = self.running.lock() else {
            return;
        };
        match event {
            Event::Provision(ProvisionEvent::Started { dir, what }) => {
                eprintln!(
                    "dod: installing {what} into `{}` (first run only; later runs reuse it)…",
                    dir.display()
                );
            }
            Event::Provision(ProvisionEvent::Finished { elapsed }) => {
                eprintln!(
                    "dod: managed environment ready ({:.1}s)",
                    elapsed.as_secs_f64()
                );
            }
            Event::Started { id } => running.push(id.clone()),
            Event::Finished {
                id,
                status,
                duration,
            } => {
                running.retain(|running| running != id);
                if !self.tty && !self.quiet {
                    eprintln!("dod: {id} {status} ({:.1}s)", duration.as_secs_f64());
                } else if self.tty && matches!(status, Status::Fail | Status::Error) {
                    eprint!("\r\x1b[2K");
                    eprintln!("{} {id} {status}", render::terminal::mark(*status));
                }
            }
        }
        if self.tty {
            if running.is_empty() {
                eprint!("\r\x1b[2K");
            } else {
                eprint!("\r\x1b[2K⠿ running {}…", running.join(", "));
            }
        }
    }

    #[expect(clippy::print_stderr, reason = "progress goes to stderr by design")]
    fn clear(&self) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
    }
}
