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
pub fn run(
    stdin: impl io::Read + Send + 'static,
    stdout: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let event = match read_input(stdin, INPUT_TIMEOUT)
        .and_then(|input| serde_json::from_str::<hook::Event>(&input).map_err(anyhow::Error::from))
    {
        Ok(event) => event,
        Err(error) => {
            eprintln!(
                "dod hook: cannot read the stop-hook input as the expected JSON ({error}); not blocking"
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
    let args = CheckArgs::for_hook(project_root(&path));
    let (report, settings) = match gate(&args, Profile::Hook) {
        Ok(done) => done,
        Err(error) => {
            eprintln!("dod hook: dod could not run ({error:#}); not blocking");
            return Ok(ExitStatus::NotDone);
        }
    };
    let shown = report_path(settings.repository.as_deref()).and_then(|path| {
        write_file(&path, |file| render::markdown::render(&report, file))
            .ok()
            .map(|()| path.display().to_string())
    });
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

/// How long the hook waits for its input to end: an agent writes the
/// event at once and closes stdin.
const INPUT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads the whole of stdin, or fails when it is not closed in time (a
/// hook that waits forever would hang the agent).
fn read_input(
    mut stdin: impl io::Read + Send + 'static,
    timeout: std::time::Duration,
) -> anyhow::Result<String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut input = String::new();
        let read = stdin.read_to_string(&mut input).map(|_| input);
        let _ = sender.send(read);
    });
    match receiver.recv_timeout(timeout) {
        Ok(read) => Ok(read?),
        Err(_) => anyhow::bail!(
            "stdin was not closed within {} s; the hook reads one JSON event and needs its end",
            timeout.as_secs()
        ),
    }
}

/// The project the agent worked in, from its `cwd` upward (never above the
/// repository): the nearest folder with dod's config, else the nearest
/// Python project (`pyproject.toml`, `setup.py`, `setup.cfg`), else the
/// repository's root. An agent in `app/models/` is gated on its project.
fn project_root(cwd: &Path) -> PathBuf {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_owned());
    let top = crate::git::toplevel(&cwd)
        .ok()
        .flatten()
        .map(|top| std::fs::canonicalize(&top).unwrap_or(top));
    let Some(top) = top else {
        return cwd;
    };
    let upward = || {
        cwd.ancestors()
            .take_while(|dir| dir.starts_with(&top))
            .map(Path::to_path_buf)
    };
    let is_project = |dir: &PathBuf| {
        ["pyproject.toml", "setup.py", "setup.cfg"]
            .iter()
            .any(|name| dir.join(name).is_file())
    };
    upward()
        .find(|dir| crate::config::has_config(dir))
        .or_else(|| upward().find(is_project))
        .unwrap_or(top)
}

/// Where the hook writes the full report: in the checkout's own git
/// directory (a worktree's too), so it is never part of the change and no
/// other checkout shares it; outside a repository, a new private file in
/// the temp directory (created exclusively, mode 0600: no shared name, no
/// link followed).
fn report_path(repository: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = repository.and_then(crate::git::git_dir) {
        return Some(dir.join("dod-report.md"));
    }
    let file = tempfile::Builder::new()
        .prefix("dod-report-")
        .suffix(".md")
        .tempfile()
        .ok()?;
    file.keep().ok().map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_that_never_ends_is_given_up_on() {
        let (reader, writer) = std::io::pipe().unwrap();
        let started = std::time::Instant::now();
        let error = read_input(reader, std::time::Duration::from_millis(200)).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            error.to_string().contains("stdin was not closed"),
            "{error}"
        );
        drop(writer);
        let (reader, mut writer) = std::io::pipe().unwrap();
        std::io::Write::write_all(&mut writer, b"{}").unwrap();
        drop(writer);
        assert_eq!(read_input(reader, INPUT_TIMEOUT).unwrap(), "{}");
    }

    #[test]
    fn the_project_is_found_from_the_cwd_upward() {
        let repo = crate::git::test_support::repository("main");
        let root = repo.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("svc/app/models")).unwrap();
        std::fs::write(root.join("svc/pyproject.toml"), "[project]\nname='svc'\n").unwrap();
        let models = root.join("svc/app/models");
        assert_eq!(
            project_root(&models),
            root.join("svc"),
            "the nearest project"
        );
        std::fs::write(root.join("dod.toml"), "").unwrap();
        assert_eq!(project_root(&models), root, "the repository's config wins");
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::remove_file(root.join("dod.toml")).unwrap();
        assert_eq!(
            project_root(&root.join("docs")),
            root,
            "else the repository"
        );
    }

    #[test]
    fn each_worktree_has_its_own_report_and_outside_a_repository_it_is_private() {
        let repo = crate::git::test_support::repository("main");
        let other = repo.path().join("other");
        crate::git::test_support::git(
            repo.path(),
            &["worktree", "add", "-q", other.to_str().unwrap(), "-b", "b"],
        );
        let main = report_path(Some(repo.path())).unwrap();
        let worktree = report_path(Some(&other)).unwrap();
        assert!(
            main.starts_with(repo.path().canonicalize().unwrap().join(".git")),
            "{main:?}"
        );
        assert_ne!(main, worktree);
        assert!(
            worktree.to_string_lossy().contains("worktrees"),
            "{worktree:?}"
        );

        let first = report_path(None).unwrap();
        let second = report_path(None).unwrap();
        assert_ne!(first, second, "no shared name");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&first).unwrap().permissions(),
        );
        assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");
        std::fs::remove_file(first).unwrap();
        std::fs::remove_file(second).unwrap();
    }
}
