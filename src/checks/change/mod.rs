//! Change checks: the Definition-of-Done lines that depend on what the
//! change did and on the task file. Each is a pure function of an `Input`:
//! the change, the texts of the files it touched at base and head, their
//! parses, the task file and this run's test results. `prepare` builds the
//! input from git and the disk; the fixture harness builds it from two
//! trees. No check here reads a file or runs git.

pub mod acceptance;
pub mod api_docs;
pub mod comments;
pub mod diff_coverage;
pub mod handoff;
#[cfg(test)]
pub mod harness;
pub mod migrations;
pub mod readme;
pub mod tests_added;

use std::collections::BTreeMap;

use crate::checks::options::OwnSettings;
use crate::checks::{Described, Needs};
use crate::config::{CheckSettings, Settings};
use crate::diagnostic::{
    CheckError, Finding, Location, Outcome, Ran, SkipReason, TestCaseResult, TestOutcome,
};
use crate::git::{Change, ChangeError, ChangedFile, FileStatus};
use crate::python::{self, PythonFile, Source};
use crate::task::Task;

/// A check of the change or the task file.
pub trait ChangeCheck: Described + Sync {
    /// Judges the input. The runner has already answered for a check whose
    /// `Needs` are not met, so the change or the task it needs is there.
    fn run(&self, input: &Input<'_>) -> Outcome;
}

pub use crate::model::Versions;
use crate::model::dependencies::{self, Declaration};
use crate::model::inventory::Inventory;

/// The task file, found and parsed.
#[derive(Clone, Copy)]
pub struct TaskRef<'a> {
    /// Project-relative.
    pub path: &'a str,
    pub task: &'a Task,
}

/// This run's test results, as the change checks see them.
#[derive(Clone, Copy)]
pub enum TestResults<'a> {
    /// A test runner ran; these are its results.
    Ran(&'a [TestCaseResult]),
    /// No test runner ran (none selected, or it could not run): the checks
    /// judge what they can and say the results were not run.
    NotRun,
}

/// The texts the change checks read, by project-relative path.
#[derive(Debug, Default, Clone)]
pub struct Contents {
    /// Changed files before the change (by their old path for a rename).
    pub base: BTreeMap<String, String>,
    /// Changed files after the change, and README files whether changed or not.
    pub head: BTreeMap<String, String>,
    /// The task files named in `## Depends on`, by the entry as written.
    pub dependencies: BTreeMap<String, String>,
}

/// Everything a change check may read.
pub struct Input<'a> {
    /// `None` with `--all`; a check that `Needs::Change` always has one.
    pub change: Option<&'a Change>,
    pub contents: &'a Contents,
    pub python: &'a [Versions],
    /// Unchanged Python files the project model reads beside the changed
    /// ones (the same at base and head): the package `__init__` files above
    /// a changed module, and, when the change touches routing, the modules
    /// that create or mount blueprints and routers.
    pub context: &'a [PythonFile],
    /// The change's tests and migrations, as the report lists them.
    pub inventory: &'a Inventory,
    /// A check that `Needs::Task` always has one.
    pub task: Option<TaskRef<'a>>,
    pub tests: TestResults<'a>,
    /// What the test run's coverage measured; `None` when no test runner ran.
    pub coverage: Option<&'a crate::checks::external::coverage::Coverage>,
    /// The check's common settings (`exclude`).
    pub check: &'a CheckSettings,
    /// Every check's own options.
    pub own: &'a OwnSettings,
}

impl Input<'_> {
    /// The task file; an empty one for a check that does not need it and
    /// has none (a check that `Needs::Task` always has one).
    pub fn task(&self) -> TaskRef<'_> {
        static EMPTY_TASK: std::sync::LazyLock<Task> = std::sync::LazyLock::new(Task::default);
        self.task.unwrap_or_else(|| TaskRef {
            path: "",
            task: &EMPTY_TASK,
        })
    }

    /// The change; empty for a check that does not need one and has none.
    pub fn change(&self) -> &Change {
        self.change.unwrap_or(&EMPTY_CHANGE)
    }

    /// Every changed file, deleted ones included.
    pub fn changed_files(&self) -> &[ChangedFile] {
        &self.change().files
    }

    /// Whether a changed file (present after the change) matches.
    pub fn changed(&self, matches: impl Fn(&str) -> bool) -> bool {
        self.change().present().any(|file| matches(&file.path))
    }

    /// A file's text after the change, when the input holds it.
    pub fn head_text(&self, path: &str) -> Option<&str> {
        self.contents.head.get(path).map(String::as_str)
    }

    /// A changed file's text before the change.
    pub fn base_text(&self, file: &ChangedFile) -> Option<&str> {
        let path = file.from.as_deref().unwrap_or(&file.path);
        self.contents.base.get(path).map(String::as_str)
    }

    /// The outcome of a test by node id (a parametrized test's cases all
    /// count: the worst one wins); `None` when it did not run.
    pub fn test_outcome(&self, node_id: &str) -> Option<TestOutcome> {
        let TestResults::Ran(tests) = self.tests else {
            return None;
        };
        let prefix = format!("{node_id}[");
        let matching: Vec<TestOutcome> = tests
            .iter()
            .filter(|test| test.node_id == node_id || test.node_id.starts_with(&prefix))
            .map(|test| test.outcome)
            .collect();
        let failed = matching
            .iter()
            .find(|outcome| matches!(outcome, TestOutcome::Failed | TestOutcome::Error));
        failed.or(matching.first()).copied()
    }

    pub fn tests_ran(&self) -> bool {
        matches!(self.tests, TestResults::Ran(_))
    }

    /// The project's modules as the model sees them on one side of the
    /// change: each changed file's version there, and the unchanged context.
    pub fn modules(&self, side: Side) -> Vec<&PythonFile> {
        crate::model::modules(self.python, self.context, side)
    }

    /// A Python file as it is after the change, changed or context.
    pub fn head_file(&self, path: &str) -> Option<&PythonFile> {
        self.modules(Side::Head)
            .into_iter()
            .find(|file| file.path == path)
    }
}

pub use crate::model::Side;

static EMPTY_CHANGE: Change = Change {
    base: crate::git::Base::NONE,
    files: Vec::new(),
};

/// The task file as looked for.
pub enum TaskFile {
    Missing { path: String },
    Found { path: String, task: Task },
}

impl TaskFile {
    pub fn found(&self) -> Option<TaskRef<'_>> {
        match self {
            TaskFile::Found { path, task } => Some(TaskRef { path, task }),
            TaskFile::Missing { .. } => None,
        }
    }
}

/// The input of the change checks, read once.
pub struct Prepared {
    pub task: TaskFile,
    pub contents: Contents,
    pub python: Vec<Versions>,
    pub context: Vec<PythonFile>,
    pub inventory: Inventory,
}

/// README files, read whether the change touched them or not.
pub const READMES: [&str; 4] = ["README.md", "README.rst", "README.txt", "README"];

/// Reads and parses the task file.
pub fn read_task(settings: &Settings) -> TaskFile {
    let path = python::relative_path(&settings.task, &settings.root);
    match std::fs::read_to_string(&settings.task) {
        Ok(text) => TaskFile::Found {
            path,
            task: crate::task::parse(&text),
        },
        Err(_) => TaskFile::Missing { path },
    }
}

/// Reads the task file, the changed files at head (from disk) and at base
/// (one `git cat-file --batch`), the README files and the task files the
/// task depends on, and parses the Python files once.
pub fn prepare(settings: &Settings, change: Option<&Change>) -> Result<Prepared, ChangeError> {
    let root = &settings.root;
    let task = read_task(settings);
    let mut contents = Contents::default();
    for name in READMES {
        if let Some(text) = python::read_text(root, name) {
            contents.head.insert(name.to_owned(), text);
        }
    }
    if let TaskFile::Found { task, .. } = &task {
        let task_dir = settings.task.parent().unwrap_or(root);
        for entry in &task.depends_on {
            let text = [root.join(&entry.text), task_dir.join(&entry.text)]
                .iter()
                .find_map(|candidate| std::fs::read_to_string(candidate).ok());
            if let Some(text) = text {
                contents.dependencies.insert(entry.text.clone(), text);
            }
        }
    }
    let Some(change) = change else {
        return Ok(Prepared {
            task,
            contents,
            python: Vec::new(),
            context: Vec::new(),
            inventory: Inventory::default(),
        });
    };
    for file in change.present() {
        if let Some(text) = python::read_text(root, &file.path) {
            contents.head.insert(file.path.clone(), text);
        }
    }
    let before: Vec<&str> = change
        .files
        .iter()
        .filter(|file| file.status != FileStatus::Added)
        .map(|file| file.from.as_deref().unwrap_or(&file.path))
        .collect();
    let base = crate::git::contents_at(root, &settings.repo_prefix, &change.base.commit, &before)?;
    for (path, bytes) in base {
        if !bytes.contains(&0) {
            contents
                .base
                .insert(path, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let python = parse_versions(change, &contents);
    let context: Vec<PythonFile> = context_paths(root, change, &contents)?
        .into_iter()
        .filter_map(|path| {
            let text = python::read_text(root, &path)?;
            match python::parse_text(&path, text) {
                Source::Parsed(file) => Some(*file),
                Source::Invalid { .. } => None,
            }
        })
        .collect();
    let rules = crate::model::test_rules::TestRules::read(|path| python::read_text(root, path));
    let unchanged = unchanged_declarations(root, change);
    let declarations = declarations(change, &contents, &unchanged);
    let mut inventory = crate::model::inventory::inventory(change, &python, &rules, &declarations);
    inventory.env_vars = crate::model::settings::new_env_vars(&python, &context, |names| {
        // A failed search finds nothing: every candidate stays reported.
        let found = crate::git::python_files_mentioning(root, names).unwrap_or_default();
        found
            .into_iter()
            .filter(|path| !change.files.iter().any(|file| &file.path == path))
            .filter_map(|path| {
                let text = python::read_text(root, &path)?;
                match python::parse_text(&path, text) {
                    Source::Parsed(file) => Some(*file),
                    Source::Invalid { .. } => None,
                }
            })
            .collect()
    });
    Ok(Prepared {
        task,
        contents,
        python,
        context,
        inventory,
    })
}

/// The dependency declarations on both sides: each changed one, and the
/// unchanged ones given (the same text on both sides).
pub fn declarations<'a>(
    change: &'a Change,
    contents: &'a Contents,
    unchanged: &'a [(String, String)],
) -> Vec<Declaration<'a>> {
    let changed = change
        .files
        .iter()
        .filter(|file| {
            dependencies::is_declaration(&file.path)
                || file
                    .from
                    .as_deref()
                    .is_some_and(dependencies::is_declaration)
        })
        .map(|file| Declaration {
            path: &file.path,
            base: contents
                .base
                .get(file.from.as_deref().unwrap_or(&file.path))
                .map(String::as_str),
            head: contents.head.get(&file.path).map(String::as_str),
        });
    let same = unchanged.iter().map(|(path, text)| Declaration {
        path,
        base: Some(text),
        head: Some(text),
    });
    changed.chain(same).collect()
}

/// When the change touches a dependency declaration, the unchanged ones at
/// the root, beside the changed ones and in their `requirements/`
/// directories: a dependency moved from `setup.py` to `pyproject.toml` is
/// then neither added nor removed.
fn unchanged_declarations(root: &std::path::Path, change: &Change) -> Vec<(String, String)> {
    let changed: std::collections::BTreeSet<&str> = change
        .files
        .iter()
        .flat_map(|file| std::iter::once(file.path.as_str()).chain(file.from.as_deref()))
        .collect();
    let mut dirs = std::collections::BTreeSet::new();
    for path in changed
        .iter()
        .filter(|path| dependencies::is_declaration(path))
    {
        let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let dir = dir
            .strip_suffix("requirements")
            .unwrap_or(dir)
            .trim_end_matches('/');
        dirs.insert(String::new());
        dirs.insert(dir.to_owned());
    }
    let mut found = Vec::new();
    for dir in &dirs {
        for sub in ["", "requirements"] {
            let relative = [dir.as_str(), sub]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("/");
            let Ok(entries) = std::fs::read_dir(root.join(&relative)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = if relative.is_empty() {
                    name
                } else {
                    format!("{relative}/{name}")
                };
                if dependencies::is_declaration(&path)
                    && !changed.contains(path.as_str())
                    && let Some(text) = python::read_text(root, &path)
                {
                    found.push((path, text));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether `text` names `word` on its own: the character before it does
/// not continue a name (`continues_before`), nor the one after it
/// (`continues_after`).
pub fn names_alone(
    text: &str,
    word: &str,
    continues_before: impl Fn(char) -> bool,
    continues_after: impl Fn(char) -> bool,
) -> bool {
    text.match_indices(word).any(|(at, _)| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(&continues_before)
            && !text[at + word.len()..]
                .chars()
                .next()
                .is_some_and(&continues_after)
    })
}

/// `CHANGES*`, `CHANGELOG*`, `HISTORY*`, `NEWS*`, `docs/changelog*`,
/// `docs/changes*`.
pub fn is_changelog(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let top = !lower.contains('/') || lower.starts_with("docs/");
    top && ["changes", "changelog", "history", "news"]
        .iter()
        .any(|stem| name.starts_with(stem))
}

/// What a module says when it creates, mounts or fills routing objects
/// (a `git grep -E` pattern): a blueprint's views may live in a module
/// that only imports it (`@bp.get(...)`), and their full paths change when
/// the mount does.
pub const ROUTING: &str = r"register_blueprint|include_router|Blueprint\(|APIRouter\(|add_url_rule|\.route\(|@[A-Za-z_][A-Za-z0-9_.]*\.(get|post|put|patch|delete|head|options|api_route|websocket)\(";

/// Whether a changed file's text may declare routes or mount them.
fn touches_routing(text: &str) -> bool {
    static ROUTING_RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(ROUTING).expect("ROUTING is a valid pattern")
    });
    text.contains("fastapi") || ROUTING_RE.is_match(text)
}

/// The unchanged Python files the model reads beside the changed ones:
/// the package `__init__` files above each changed module (re-exports),
/// and, only when a changed Python file touches routing, the files that
/// create or mount blueprints and routers (one `git grep`).
fn context_paths(
    root: &std::path::Path,
    change: &Change,
    contents: &Contents,
) -> Result<Vec<String>, ChangeError> {
    let changed: std::collections::BTreeSet<&str> = change
        .files
        .iter()
        .flat_map(|file| std::iter::once(file.path.as_str()).chain(file.from.as_deref()))
        .collect();
    let mut wanted = std::collections::BTreeSet::new();
    for file in change
        .files
        .iter()
        .filter(|file| python::is_python(&file.path))
    {
        let mut dir = file.path.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            for name in ["__init__.py", "__init__.pyi"] {
                let candidate = format!("{parent}/{name}");
                if !changed.contains(candidate.as_str()) && root.join(&candidate).is_file() {
                    wanted.insert(candidate);
                }
            }
            dir = parent;
        }
    }
    let routing = change
        .files
        .iter()
        .filter(|file| python::is_python(&file.path))
        .flat_map(|file| {
            [
                contents.head.get(&file.path),
                contents
                    .base
                    .get(file.from.as_deref().unwrap_or(&file.path)),
            ]
        })
        .flatten()
        .any(|text| touches_routing(text));
    if routing {
        for path in crate::git::python_files_matching(root, ROUTING)? {
            if !changed.contains(path.as_str()) {
                wanted.insert(path);
            }
        }
    }
    Ok(wanted.into_iter().collect())
}

/// Parses both versions of each changed Python file.
pub fn parse_versions(change: &Change, contents: &Contents) -> Vec<Versions> {
    let parsed = |path: &str, text: Option<&String>| -> Option<PythonFile> {
        match python::parse_text(path, text?.clone()) {
            Source::Parsed(file) => Some(*file),
            Source::Invalid { .. } => None,
        }
    };
    change
        .files
        .iter()
        .filter(|file| python::is_python(&file.path))
        .map(|file| {
            let base_path = file.from.as_deref().unwrap_or(&file.path);
            Versions {
                file: file.clone(),
                base: match file.status {
                    FileStatus::Added => None,
                    _ => parsed(base_path, contents.base.get(base_path)),
                },
                head: match file.status {
                    FileStatus::Deleted => None,
                    _ => parsed(&file.path, contents.head.get(&file.path)),
                },
            }
        })
        .collect()
}

/// Runs one change check: answers for its needs, then runs it, turning a
/// panic into an error that names the check.
pub fn run(
    check: &dyn ChangeCheck,
    input: &Input<'_>,
    task: &TaskFile,
    broken: Option<&ChangeError>,
    require_task: bool,
) -> Outcome {
    let meta = check.meta();
    match meta.needs {
        Needs::Files => {}
        Needs::Change => {
            if let Some(error) = broken {
                return Outcome::Errored(CheckError::Change(error.clone()));
            }
            if input.change.is_none() {
                return Outcome::Skipped(SkipReason::WholeProject);
            }
        }
        Needs::Task => {
            if let TaskFile::Missing { path } = task {
                return missing_task(path, meta.id.as_str(), require_task);
            }
        }
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        #[cfg(test)]
        crate::checks::fault::inject(meta.id.as_str(), input.contents.head.values());
        check.run(input)
    })) {
        Ok(outcome) => outcome,
        Err(panic) => Outcome::Errored(CheckError::crashed(None, &panic)),
    }
}

/// The outcome of a check that needs the task file when there is none.
fn missing_task(path: &str, id: &str, require_task: bool) -> Outcome {
    if !require_task {
        return Outcome::Skipped(SkipReason::TaskFileMissing {
            path: path.to_owned(),
        });
    }
    Outcome::Ran(Ran::findings(vec![
        Finding::new(
            "missing-task-file",
            Location::file(path),
            format!("no task file `{path}`"),
        )
        .with_fix(format!(
            "write `{path}` (see `dod explain {id}`), or pass --task FILE"
        )),
    ]))
}
