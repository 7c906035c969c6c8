//! `readme`: README follows setup changes: dependencies, environment
//! variables and setup files.

use std::collections::BTreeSet;

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input};
use crate::checks::declare_check;
use crate::checks::options::{DocsSettings, Value};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran};
use crate::git::{ChangedFile, ChangedLines, FileStatus};
use crate::model::analysis;
use crate::python;
use serde::Deserialize;

declare_check! {
    /// ## What it does
    /// When the change (a) adds, removes or changes a dependency
    /// (`requirements*.txt`, `requirements/*.txt`, pyproject's
    /// `[project] dependencies` / `optional-dependencies` /
    /// `[dependency-groups]` / `[tool.poetry.*dependencies]`, setup.cfg
    /// `install_requires`, Pipfile), (b) reads a new environment variable
    /// (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`,
    /// `environ.get("X")`, the fields of a pydantic `BaseSettings`, Flask's
    /// `app.config.from_prefixed_env()`), or (c) changes a setup file
    /// (`.env.example`, `Dockerfile`, `docker-compose*.yml`, `Makefile`,
    /// `alembic.ini`), then README must be updated too; and for (b) every
    /// new variable's name must appear in README (or in a doc listed in
    /// `setup_docs`) after the change.
    ///
    /// ## Why it matters
    /// The next person to set the service up reads README, not the diff: a
    /// new variable nobody documented is an outage on the next deploy.
    ///
    /// ## Example
    /// ```python
    /// bucket = os.environ["UPLOAD_BUCKET"]   # README must say what UPLOAD_BUCKET is
    /// ```
    ///
    /// ## How to fix
    /// Update README: the new variable with its meaning and default, the new
    /// dependency, the new setup step.
    ///
    /// ## How to suppress
    /// `setup_docs = ["docs/setup.md"]` in `[checks.readme]` to document
    /// setup elsewhere, or `enabled = false` there.
    pub struct Readme;
    id: crate::checks::Builtin::Readme,
    title: "README follows setup changes",
    item: Item::DocsReadme,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: OPTIONS,
}

/// `[checks.readme]`: the check's own options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub setup_docs: Option<Vec<String>>,
}

pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "setup_docs",
    default: Some(Value::Toml("[]")),
    doc: "globs of docs besides README that document setup (env vars, dependencies)",
}];

/// README, wherever the setup docs are.
pub const README_GLOBS: &[&str] = &["README", "README.*", "readme.*"];

impl Options {
    /// README and the `setup_docs`.
    pub fn resolve(self) -> Result<DocsSettings, (&'static str, String)> {
        DocsSettings::of(
            "setup_docs",
            README_GLOBS,
            self.setup_docs.unwrap_or_default(),
        )
    }
}

/// Setup files whose change README should follow, by name.
fn is_setup_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == ".env.example"
        || name == "Dockerfile"
        || name == "Makefile"
        || name == "alembic.ini"
        || (name.starts_with("docker-compose")
            && (name.ends_with(".yml") || name.ends_with(".yaml")))
}

fn is_requirements(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".txt")
        && (name.starts_with("requirements") || path.starts_with("requirements/"))
}

impl ChangeCheck for Readme {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let change = input.change();
        let docs = &input.own.readme.docs;
        let is_doc = |path: &str| docs.is_match(path) || is_markup_doc(path);
        let doc_changed = input.changed(is_doc);
        let documentation = documentation_text(input, &is_doc);
        let lower_documentation = documentation.to_lowercase();
        let mut findings = Vec::new();
        for file in &change.files {
            let path = file.path.as_str();
            if is_setup_file(path) {
                if !doc_changed {
                    findings.push(not_updated(
                        first_line(file),
                        format!("setup file `{path}` changed"),
                    ));
                }
                continue;
            }
            // A dependency added or removed (a version bump is neither)
            // needs docs that name it.
            for (name, added) in dependencies_changed(input, file) {
                if !lower_documentation.contains(&name) {
                    let what = if added { "added to" } else { "removed from" };
                    findings.push(not_updated(
                        first_line(file),
                        format!("dependency `{name}` {what} `{path}`"),
                    ));
                }
            }
        }
        // Environment variables read after the change and not before.
        let before: BTreeSet<String> = input
            .python
            .iter()
            .filter_map(|versions| versions.base.as_ref())
            .flat_map(|file| analysis::env_vars(file).into_iter().map(|(name, _)| name))
            .collect();
        let mut new_vars: Vec<(String, Location)> = Vec::new();
        for versions in input.python {
            let Some(head) = &versions.head else { continue };
            if python::is_test_file(&versions.file.path) {
                continue;
            }
            for (name, offset) in analysis::env_vars(head) {
                if !before.contains(&name) && !new_vars.iter().any(|(known, _)| known == &name) {
                    let (line, column) = head.line_column(offset);
                    new_vars.push((
                        name,
                        Location::at(versions.file.path.clone(), line, Some(column)),
                    ));
                }
            }
        }
        for (name, location) in &new_vars {
            let mention = name.trim_end_matches('*');
            if !documentation.contains(mention) {
                findings.push(
                    Finding::new("undocumented-env-var", location.clone(), format!("new environment variable `{name}` is not in README"))
                        .with_fix(format!("document `{mention}` in README: what it is, its default, whether it is required")),
                );
            }
        }
        Outcome::Ran(Ran::findings(findings))
    }
}

fn not_updated(location: Location, what: String) -> Finding {
    Finding::new(
        "readme-not-updated",
        location,
        format!("{what}, but README was not updated"),
    )
    .with_fix("update README's setup instructions to match")
}

/// README files anywhere (`backend/README.md`) and Markdown or RST docs
/// (`deployment.md`, `docs/**`).
fn is_markup_doc(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.to_ascii_lowercase().starts_with("readme")
        || [".md", ".rst", ".markdown"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext))
}

/// The top-level README and every doc the change touched, after the change.
fn documentation_text(input: &Input<'_>, is_doc: &dyn Fn(&str) -> bool) -> String {
    let changed: BTreeSet<&str> = input
        .change()
        .present()
        .map(|file| file.path.as_str())
        .collect();
    input
        .contents
        .head
        .iter()
        .filter(|(path, _)| {
            crate::checks::change::READMES.contains(&path.as_str())
                || (changed.contains(path.as_str()) && is_doc(path))
        })
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn first_line(file: &ChangedFile) -> Location {
    match &file.lines {
        ChangedLines::Some(lines) if !lines.ranges().is_empty() => {
            Location::at(file.path.clone(), *lines.ranges()[0].start(), None)
        }
        _ => Location::file(file.path.clone()),
    }
}

/// The dependencies a file's change added (`true`) or removed (`false`),
/// by normalised name; a version change of a kept one is neither.
fn dependencies_changed(input: &Input<'_>, file: &ChangedFile) -> Vec<(String, bool)> {
    let path = file.path.as_str();
    let name = path.rsplit('/').next().unwrap_or(path);
    let kind = if is_requirements(path) {
        Kind::Requirements
    } else if name == "pyproject.toml" {
        Kind::Pyproject
    } else if name == "setup.cfg" {
        Kind::SetupCfg
    } else if name == "Pipfile" {
        Kind::Pipfile
    } else {
        return Vec::new();
    };
    let old = match file.status {
        FileStatus::Added => "",
        _ => input.base_text(file).unwrap_or_default(),
    };
    let new = match file.status {
        FileStatus::Deleted => "",
        _ => input.head_text(path).unwrap_or_default(),
    };
    let (before, after) = (declared(kind, old), declared(kind, new));
    after
        .difference(&before)
        .map(|name| (name.clone(), true))
        .chain(before.difference(&after).map(|name| (name.clone(), false)))
        .collect()
}

#[derive(Clone, Copy)]
enum Kind {
    Requirements,
    Pyproject,
    SetupCfg,
    Pipfile,
}

/// A requirement's project name, normalised (PEP 503): `Flask[async]>=3`
/// is `flask`, `typing_extensions` is `typing-extensions`.
fn requirement_name(requirement: &str) -> Option<String> {
    let requirement = requirement.trim();
    if requirement.is_empty() || requirement.starts_with(['#', '-']) {
        return None;
    }
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..end];
    (!name.is_empty()).then(|| name.to_ascii_lowercase().replace(['_', '.'], "-"))
}

/// The names of the dependencies a file declares.
fn declared(kind: Kind, text: &str) -> BTreeSet<String> {
    match kind {
        Kind::Requirements => text
            .lines()
            .map(|line| line.split(" #").next().unwrap_or_default())
            .filter_map(requirement_name)
            .collect(),
        Kind::SetupCfg => {
            let mut inside = false;
            let mut names = BTreeSet::new();
            for line in text.lines() {
                let trimmed = line.trim();
                if trimmed.starts_with("install_requires") {
                    inside = true;
                    if let Some((_, rest)) = trimmed.split_once('=') {
                        names.extend(requirement_name(rest));
                    }
                } else if inside
                    && (line.starts_with(' ') || line.starts_with('\t'))
                    && !trimmed.is_empty()
                {
                    names.extend(requirement_name(trimmed));
                } else if inside && !trimmed.is_empty() {
                    inside = false;
                }
            }
            names
        }
        Kind::Pyproject | Kind::Pipfile => {
            let Ok(table) = text.parse::<toml::Table>() else {
                return BTreeSet::new();
            };
            let mut names = BTreeSet::new();
            let mut add_list = |value: Option<&toml::Value>| {
                for item in value.and_then(toml::Value::as_array).into_iter().flatten() {
                    names.extend(item.as_str().and_then(requirement_name));
                }
            };
            let get = |path: &[&str]| -> Option<&toml::Value> {
                let mut value = table.get(path[0])?;
                for key in &path[1..] {
                    value = value.get(key)?;
                }
                Some(value)
            };
            add_list(get(&["project", "dependencies"]));
            let tables_of_lists = [
                get(&["project", "optional-dependencies"]),
                get(&["dependency-groups"]),
            ];
            for group in tables_of_lists.into_iter().flatten() {
                for (_, list) in group.as_table().into_iter().flatten() {
                    add_list(Some(list));
                }
            }
            // Poetry and Pipfile: tables keyed by name.
            let mut keyed: Vec<&toml::Value> = Vec::new();
            match kind {
                Kind::Pipfile => keyed.extend(
                    [get(&["packages"]), get(&["dev-packages"])]
                        .into_iter()
                        .flatten(),
                ),
                _ => {
                    keyed.extend(
                        [
                            get(&["tool", "poetry", "dependencies"]),
                            get(&["tool", "poetry", "dev-dependencies"]),
                        ]
                        .into_iter()
                        .flatten(),
                    );
                    for (_, group) in get(&["tool", "poetry", "group"])
                        .and_then(toml::Value::as_table)
                        .into_iter()
                        .flatten()
                    {
                        keyed.extend(group.get("dependencies"));
                    }
                }
            }
            for table in keyed {
                for (name, _) in table.as_table().into_iter().flatten() {
                    if name != "python" {
                        names.extend(requirement_name(name));
                    }
                }
            }
            names
        }
    }
}
