//! `dod hook`: the coding-agent stop hook. Exit 0 lets the agent stop (with
//! a block decision on stdout when the task is not done); exit 1 is a
//! non-blocking error, explained on stderr. The decision itself is
//! `render::hook`'s.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::ExitStatus;
use crate::cli::CheckArgs;
use crate::commands::check::{Profile, gate, write_file};
use crate::render::{self, hook};

#[expect(
    clippy::print_stderr,
    reason = "the hook protocol reads its errors from stderr"
)]
pub fn run(stdin: &mut dyn io::Read, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
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
    let (report, settings) = match gate(&args, Profile::Hook) {
        Ok(done) => done,
        Err(error) => {
            eprintln!("dod hook: dod could not run ({error:#}); not blocking");
            return Ok(ExitStatus::NotDone);
        }
    };
    let report_path = report_path(settings.repository.as_deref());
    let shown = write_file(&report_path, |file| render::markdown::render(&report, file))
        .ok()
        .map(|()| report_path.display().to_string());
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
fn report_path(repository: Option<&Path>) -> PathBuf {
    match repository
        .map(|top| top.join(".git"))
        .filter(|git| git.is_dir())
    {
        Some(git) => git.join("dod-report.md"),
        None => std::env::temp_dir().join("dod-report.md"),
    }
}
