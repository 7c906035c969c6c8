//! Change checks: the Definition-of-Done lines that depend on what the
//! change did (both versions of each changed file) and on the task file.
//! They run after the tools, because some read this run's test results.
//! Each check is one file; this module holds the context they share.

mod acceptance;
pub mod analysis;
mod api_docs;
mod comments;
mod handoff;
mod migrations;
mod readme;
mod tests_added;

use crate::checks::Scope;
use crate::checks::native::Meta;
use crate::config::Settings;
use crate::diagnostic::{Finding, Location, Outcome, Ran, TestCaseResult, TestOutcome};
use crate::git::{Change, ChangedFile, FileStatus};
use crate::python::{self, PythonFile, Source};
use crate::task::Task;

/// A check of the change or the task file.
pub trait ChangeCheck: Sync {
    fn meta(&self) -> &'static Meta;
    fn run(&self, context: &Context<'_>) -> Outcome;
}

/// The change checks, in id order.
pub const ALL: &[&dyn ChangeCheck] = &[
    &acceptance::AcceptanceCriteria,
    &api_docs::ApiDocs,
    &comments::Comments,
    &handoff::BreakingChanges,
    &handoff::Dependencies,
    &handoff::E2eScenarios,
    &migrations::MigrationDocs,
    &readme::Readme,
    &tests_added::TestsAdded,
];

/// The task file as found.
pub enum TaskFile {
    Missing { path: String },
    Found { path: String, task: Task },
}

/// Both versions of a changed Python file.
pub struct Versions {
    pub file: ChangedFile,
    pub base: Option<PythonFile>,
    pub head: Option<PythonFile>,
}

pub struct Context<'a> {
    pub settings: &'a Settings,
    pub scope: &'a Scope,
    pub task: &'a TaskFile,
    /// The tests this run's pytest reported; `None` when pytest did not run.
    pub tests: Option<&'a [TestCaseResult]>,
    /// The changed Python files, both versions parsed once.
    pub python: &'a [Versions],
}

impl Context<'_> {
    pub fn change(&self) -> Option<&Change> {
        match self.scope {
            Scope::Change(change) => Some(change),
            Scope::All | Scope::Broken(_) => None,
        }
    }

    /// The outcome for a check that needs the change when there is none.
    pub fn without_change(&self) -> Outcome {
        match self.scope {
            Scope::Broken(error) => Outcome::Errored(error.to_string()),
            Scope::All | Scope::Change(_) => {
                Outcome::Skipped("--all: no change to compare".to_owned())
            }
        }
    }

    /// The task, or the outcome of a task-based check without one.
    pub fn task(&self, id: &str) -> Result<(&str, &Task), Box<Outcome>> {
        match self.task {
            TaskFile::Found { path, task } => Ok((path, task)),
            TaskFile::Missing { path } if self.settings.require_task => {
                Err(Box::new(Outcome::Ran(Ran::findings(vec![
                    Finding::new(
                        "missing-task-file",
                        Location::file(path.clone()),
                        format!("no task file `{path}`"),
                    )
                    .with_fix(format!(
                        "write `{path}` (see `dod explain {id}`), or pass --task FILE"
                    )),
                ]))))
            }
            TaskFile::Missing { path } => {
                Err(Box::new(Outcome::Skipped(format!("no task file `{path}`"))))
            }
        }
    }

    /// Whether a changed file (present after the change) matches.
    pub fn changed(&self, matches: impl Fn(&str) -> bool) -> bool {
        self.change()
            .is_some_and(|change| change.present().any(|file| matches(&file.path)))
    }

    /// Every changed file, deleted ones included.
    pub fn changed_files(&self) -> &[ChangedFile] {
        self.change().map_or(&[], |change| change.files.as_slice())
    }

    /// The text of a project file after the change.
    pub fn head_text(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.settings.root.join(path)).ok()
    }

    /// The outcome of a test by node id (a parametrized test's cases all
    /// count: the worst one wins); `None` when it did not run.
    pub fn test_outcome(&self, node_id: &str) -> Option<TestOutcome> {
        let tests = self.tests?;
        let prefix = format!("{node_id}[");
        let matching: Vec<TestOutcome> = tests
            .iter()
            .filter(|test| test.node_id == node_id || test.node_id.starts_with(&prefix))
            .map(|test| test.outcome)
            .collect();
        if matching.is_empty() {
            return None;
        }
        let failed = matching
            .iter()
            .find(|outcome| matches!(outcome, TestOutcome::Failed | TestOutcome::Error));
        Some(*failed.unwrap_or(&matching[0]))
    }
}

/// Reads the task file and parses both versions of each changed Python file.
pub fn prepare(settings: &Settings, scope: &Scope) -> (TaskFile, Vec<Versions>) {
    let path =
        crate::checks::external::relative_path(&settings.task.to_string_lossy(), &settings.root);
    let task = match std::fs::read_to_string(&settings.task) {
        Ok(text) => TaskFile::Found {
            path,
            task: crate::task::parse(&text),
        },
        Err(_) => TaskFile::Missing { path },
    };
    let Scope::Change(change) = scope else {
        return (task, Vec::new());
    };
    let parsed = |path: &str, text: Option<String>| -> Option<PythonFile> {
        match python::parse_text(path, text?) {
            Source::Parsed(file) => Some(*file),
            Source::Invalid { .. } => None,
        }
    };
    let versions = change
        .files
        .iter()
        .filter(|file| python::is_python(&file.path))
        .map(|file| {
            let base_path = file.from.as_deref().unwrap_or(&file.path);
            let base_text = match file.status {
                FileStatus::Added => None,
                _ => crate::git::show(&settings.root, &change.base.commit, base_path),
            };
            let head_text = match file.status {
                FileStatus::Deleted => None,
                _ => std::fs::read_to_string(settings.root.join(&file.path)).ok(),
            };
            Versions {
                file: file.clone(),
                base: parsed(base_path, base_text),
                head: parsed(&file.path, head_text),
            }
        })
        .collect();
    (task, versions)
}
