//! dod: a Definition-of-Done gate for Python backend services.
//!
//! `run` is the whole program behind `main`: it dispatches to the
//! subcommand in `commands/`. The data goes one way: config, the change,
//! the parse, the checks (run by `runner`), the `report`, and the
//! renderers, the only code that writes English. Only `commands`, `run`
//! and `main` use `anyhow`; everything below returns typed errors.

mod checks;
pub mod cli;
mod commands;
mod config;
mod diagnostic;
mod environment;
mod error;
mod git;
mod impact;
mod model;
mod process;
mod python;
mod redact;
mod render;
mod report;
mod runner;
mod task;

use std::io::{self, Write};

use crate::cli::{Cli, Command};
use crate::report::Verdict;

/// The process exit code: 0 done, 1 not done, 2 usage, config or
/// environment error (130, interrupted, is `process::exit_on_shutdown`'s).
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

/// Waits, when a shutdown signal arrived, for its handler to end the
/// process with exit 130: nothing of an interrupted run is printed.
pub fn halt_if_interrupted() {
    process::halt_if_shutting_down();
}

/// Runs one command. Errors are usage, config or environment errors (exit 2).
pub fn run(cli: Cli, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => commands::check::run(&args, stdout),
        Command::Checks(args) => commands::checks::run(&args, stdout),
        Command::Explain(args) => commands::explain::run(&args, stdout),
        Command::Hook => commands::hook::run(io::stdin(), stdout),
        Command::Init(args) => commands::init::run(&args, stdout),
        Command::Env(args) => commands::env::run(&args, stdout),
    }
}
