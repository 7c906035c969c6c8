//! `dod check`: resolve the settings, work out the change, run the gate,
//! print the checklist and write every output asked for.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use crate::ExitStatus;
use crate::checks::Scope;
use crate::cli::{CheckArgs, ColorChoice};
use crate::commands::project_root;
use crate::config::{self, Settings};
use crate::error::UsageError;
use crate::git;
use crate::render;
use crate::report::Report;
use crate::runner;

pub fn run(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let (report, settings) = match gate(args, Profile::Check) {
        Ok(done) => done,
        Err(error) => {
            // No report for this run: the previous run's files must not
            // pass for this one's.
            for path in output_paths(args).into_iter().flatten() {
                let _ = std::fs::remove_file(path);
            }
            return Err(error);
        }
    };
    let style = render::terminal::Style {
        color: use_color(args.color, io::stdout().is_terminal()),
        quiet: settings.quiet,
    };
    render::terminal::render(&report, style, stdout)?;
    record_outputs(args, &settings.root);
    write_outputs(&report, args)?;
    if args.github || std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true") {
        github_outputs(&report, stdout)?;
    }
    Ok(report.verdict.into())
}

/// Whether to colour a stream: `--color`, then `NO_COLOR`, then whether it
/// is a terminal.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// Which run: `dod check` itself, or the stop hook with its `[hook]` profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Check,
    Hook,
}

/// Runs the gate and returns the report.
pub fn gate(args: &CheckArgs, profile: Profile) -> anyhow::Result<(Report, Settings)> {
    // Ctrl-C or SIGTERM, in any phase from here on: every child killed,
    // this run's outputs removed, exit 130.
    let outputs: Vec<PathBuf> = output_paths(args).into_iter().flatten().cloned().collect();
    crate::process::become_subreaper();
    crate::process::exit_on_shutdown(move || {
        for path in outputs {
            let _ = std::fs::remove_file(path);
        }
    });
    let root = project_root(&args.path)?;
    let (options, source) = config::load(&root)?;
    let mut settings = Settings::resolve(root, options, source, args)?;
    if profile == Profile::Hook {
        // The hook's profile: the test run on the changed tests only, or none.
        match settings.hook.pytest.unwrap_or_default() {
            config::HookPytest::All => {}
            config::HookPytest::Affected => settings.affected = true,
            config::HookPytest::Changed => settings.changed_tests_only = true,
            config::HookPytest::Skip => {
                let runners: Vec<String> = settings
                    .commands
                    .iter()
                    .filter(|spec| spec.produces_test_results())
                    .map(|spec| spec.id.to_string())
                    .collect();
                settings.selection.skip.extend(runners);
            }
        }
    }
    crate::python::set_max_file_size(settings.max_file_size);
    // Coverage of part of the suite (or of none) says nothing about the
    // change: diff-coverage runs only with the whole suite.
    let no_suite = profile == Profile::Hook
        && settings.hook.pytest.unwrap_or_default() == config::HookPytest::Skip;
    if settings.affected || settings.changed_tests_only || no_suite {
        settings
            .selection
            .skip
            .push(crate::checks::Builtin::DiffCoverage.as_str().to_owned());
    }
    let repository = git::toplevel(&settings.root);
    if let Ok(Some(top)) = &repository {
        let top = std::fs::canonicalize(top).unwrap_or_else(|_| top.clone());
        settings.repo_prefix = repo_prefix(&settings.root, &top);
        settings.repository = Some(top);
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
                if !settings.repo_prefix.is_empty()
                    && let Some(top) = &settings.repository
                    && git::is_ignored(top, &settings.repo_prefix)
                {
                    return Err(UsageError::ProjectIgnored {
                        top: top.clone(),
                        prefix: settings.repo_prefix.clone(),
                    }
                    .into());
                }
                match change {
                    Ok(mut change) => {
                        // dod's own outputs are never part of the change.
                        let own = own_outputs(args, &settings.root);
                        change.files.retain(|file| !own.contains(&file.path));
                        Scope::Change(change)
                    }
                    Err(error) => Scope::Broken(error),
                }
            }
        }
    };

    let progress = Arc::new(render::progress::Progress::new(
        settings.quiet,
        use_color(args.color, io::stderr().is_terminal()),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.jobs.clamp(1, 8))
        .thread_stack_size(crate::python::DEEP_STACK)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let printer = Arc::clone(&progress);
    let report = runtime.block_on(runner::run(
        &settings,
        scope,
        Arc::new(move |event| printer.event(&event)),
    ));
    progress.clear();
    crate::process::halt_if_shutting_down();
    let mut report = report?;
    // Before anything renders it: no secret, no raw control byte.
    crate::redact::report(&mut report);
    Ok((report, settings))
}

/// The output files a run was asked for.
/// Where dod records the outputs it wrote in this repository, so that a
/// later run leaves them out of the change: a file in the git directory,
/// one absolute path per line.
fn outputs_record(root: &Path) -> Option<PathBuf> {
    git::git_dir(root).map(|dir| dir.join("dod-outputs"))
}

/// The output files of this run and of earlier runs in this repository,
/// project-relative: never part of the change, never documentation.
fn own_outputs(args: &CheckArgs, root: &Path) -> Vec<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut paths: Vec<PathBuf> = output_paths(args)
        .into_iter()
        .flatten()
        .map(|path| cwd.join(path))
        .collect();
    if let Some(text) = outputs_record(root).and_then(|file| std::fs::read_to_string(file).ok()) {
        paths.extend(
            text.lines()
                .filter(|line| !line.is_empty())
                .map(PathBuf::from),
        );
    }
    paths
        .iter()
        .filter_map(|path| {
            let path = absolute(path);
            path.strip_prefix(root)
                .ok()
                .map(|relative| relative.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// A path with `.` and `..` folded and its folder's links resolved.
fn absolute(path: &Path) -> PathBuf {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map_or_else(|_| path.to_owned(), |parent| parent.join(name)),
        _ => path.to_owned(),
    }
}

/// Adds this run's outputs to the record (see `outputs_record`).
fn record_outputs(args: &CheckArgs, root: &Path) {
    let Some(record) = outputs_record(root) else {
        return;
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut known: Vec<String> = std::fs::read_to_string(&record)
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default();
    let before = known.len();
    for path in output_paths(args).into_iter().flatten() {
        let path = absolute(&cwd.join(path)).display().to_string();
        if !known.contains(&path) {
            known.push(path);
        }
    }
    if known.len() != before {
        let _ = std::fs::write(&record, known.join("\n") + "\n");
    }
}

fn output_paths(args: &CheckArgs) -> [Option<&PathBuf>; 4] {
    [
        args.report.as_ref(),
        args.json.as_ref(),
        args.junit.as_ref(),
        args.sarif.as_ref(),
    ]
}

/// Writes every output asked for: each one is attempted whatever happened
/// to the others, and a failure names every file that could not be
/// written.
fn write_outputs(report: &Report, args: &CheckArgs) -> anyhow::Result<()> {
    type Renderer = fn(&Report, &mut dyn Write) -> io::Result<()>;
    let renderers: [Renderer; 4] = [
        render::markdown::render,
        render::json::render,
        render::junit::render,
        render::sarif::render,
    ];
    let mut failed: Vec<UsageError> = Vec::new();
    for (path, render) in output_paths(args).into_iter().zip(renderers) {
        let Some(path) = path else { continue };
        if let Err(error) = write_file(path, |file| render(report, file)) {
            failed.push(error);
        }
    }
    match failed.len() {
        0 => Ok(()),
        1 => Err(failed.remove(0).into()),
        _ => {
            let all: Vec<String> = failed
                .iter()
                .map(|error| {
                    format!(
                        "{error:#}: {}",
                        std::error::Error::source(error)
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    )
                })
                .collect();
            Err(anyhow::anyhow!(
                "cannot write {} outputs:\n  {}",
                all.len(),
                all.join("\n  ")
            ))
        }
    }
}

/// Writes one output file atomically: into a new file beside it, renamed
/// over it when complete, so a reader never sees half a report and a
/// failed write leaves no truncated file.
pub fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), UsageError> {
    let write = || -> io::Result<()> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".dod-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        {
            let mut file = BufWriter::new(temp.as_file_mut());
            render(&mut file)?;
            file.flush()?;
        }
        // A new file is readable as any file the user writes would be.
        std::fs::set_permissions(
            temp.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )?;
        temp.persist(path).map_err(|error| error.error)?;
        Ok(())
    };
    write().map_err(|source| UsageError::Write {
        path: path.to_owned(),
        source,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Builtin, CheckId};
    use crate::diagnostic::Status;

    fn args(path: &Path, extra: &[&str]) -> CheckArgs {
        use clap::Parser as _;
        let mut argv = vec!["dod", "check"];
        argv.extend_from_slice(extra);
        let path = path.to_str().unwrap();
        argv.push(path);
        match crate::cli::Cli::parse_from(argv).command {
            crate::cli::Command::Check(args) => args,
            _ => unreachable!(),
        }
    }

    /// A check that panics (fault injection, test builds only) is an
    /// error of that check, exit 2; the other checks keep their results,
    /// and the crashed check keeps its findings on the other six files.
    #[test]
    fn a_panicking_check_is_an_error_and_loses_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for index in 0..7 {
            let marker = if index == 2 {
                "# dod-test: panic[print-calls]\n"
            } else {
                ""
            };
            std::fs::write(
                dir.path().join(format!("m{index}.py")),
                format!("{marker}def f{index}(x):\n    print(x)\n"),
            )
            .unwrap();
        }
        let args = args(
            dir.path(),
            &[
                "--all",
                "--only",
                "print-calls,type-hints",
                "--no-provision",
                "-q",
            ],
        );
        let (report, _) = gate(&args, Profile::Check).unwrap();
        let print_calls = report.check(&CheckId::from(Builtin::PrintCalls)).unwrap();
        assert_eq!(print_calls.status, Status::Error);
        assert!(
            print_calls.errors[0].to_string().contains("m2.py"),
            "{:?}",
            print_calls.errors
        );
        assert_eq!(
            print_calls.findings.len(),
            6,
            "the six other files keep theirs"
        );
        let type_hints = report.check(&CheckId::from(Builtin::TypeHints)).unwrap();
        assert_eq!(type_hints.status, Status::Fail);
        assert_eq!(type_hints.findings.len(), 14, "every file's missing hints");
        let item = report
            .items
            .iter()
            .find(|item| item.item == crate::diagnostic::Item::CodeLint)
            .unwrap();
        assert_eq!(item.status, Status::Error);
        assert_eq!(ExitStatus::from(report.verdict), ExitStatus::Error);
    }

    /// A change check that panics is an error; the other change checks
    /// still report.
    #[test]
    fn a_panicking_change_check_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let status = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@t")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@t")
                .output()
                .unwrap();
            assert!(status.status.success(), "{status:?}");
        };
        git(&["init", "-q", "-b", "main"]);
        std::fs::write(dir.path().join("app.py"), "X = 1\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "base"]);
        std::fs::write(
            dir.path().join("app.py"),
            "# dod-test: panic[readme]\nimport os\nX = os.environ[\"NEW_VAR\"]\n",
        )
        .unwrap();
        let args = args(
            dir.path(),
            &[
                "--base",
                "main",
                "--only",
                "readme,comments",
                "--no-provision",
                "-q",
            ],
        );
        let (report, _) = gate(&args, Profile::Check).unwrap();
        let readme = report.check(&CheckId::from(Builtin::Readme)).unwrap();
        assert_eq!(readme.status, Status::Error);
        let comments = report.check(&CheckId::from(Builtin::Comments)).unwrap();
        assert_eq!(comments.status, Status::Pass);
        assert_eq!(ExitStatus::from(report.verdict), ExitStatus::Error);
    }

    #[test]
    fn an_empty_selection_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let args = args(dir.path(), &["--all", "--only", "ruff", "--skip", "ruff"]);
        let error = gate(&args, Profile::Check).unwrap_err().to_string();
        assert!(error.contains("selects no check"), "{error}");
    }
}
