//! `readme`: README follows setup changes: dependencies, environment
//! variables and setup files.

use std::collections::BTreeSet;

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input, analysis};
use crate::checks::declare_check;
use crate::checks::options::{DocsSettings, Value};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran};
use crate::git::{ChangedFile, ChangedLines, FileStatus};
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
        let readme_changed = input.changed(|path| docs.is_match(path));
        let mut triggers: Vec<(Location, String)> = Vec::new();
        for file in &change.files {
            let path = file.path.as_str();
            if is_setup_file(path) {
                triggers.push((first_line(file), format!("setup file `{path}` changed")));
            } else if let Some(what) = dependencies_changed(input, file) {
                triggers.push((first_line(file), what));
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
        let documentation: String = documentation_text(input);
        let mut findings = Vec::new();
        for (name, location) in &new_vars {
            let mention = name.trim_end_matches('*');
            if !documentation.contains(mention) {
                findings.push(
                    Finding::new("undocumented-env-var", location.clone(), format!("new environment variable `{name}` is not in README"))
                        .with_fix(format!("document `{mention}` in README: what it is, its default, whether it is required")),
                );
            }
        }
        if !readme_changed {
            for (location, what) in triggers {
                findings.push(
                    Finding::new(
                        "readme-not-updated",
                        location,
                        format!("{what}, but README was not updated"),
                    )
                    .with_fix("update README's setup instructions to match"),
                );
            }
        }
        Outcome::Ran(Ran::findings(findings))
    }
}

/// README and the changed `setup_docs`, after the change.
fn documentation_text(input: &Input<'_>) -> String {
    let docs = &input.own.readme.docs;
    input
        .contents
        .head
        .iter()
        .filter(|(path, _)| docs.is_match(path.as_str()))
        .map(|(_, text)| text.as_str())
        .collect()
}

fn first_line(file: &ChangedFile) -> Location {
    match &file.lines {
        ChangedLines::Some(lines) if !lines.ranges().is_empty() => {
            Location::at(file.path.clone(), *lines.ranges()[0].start(), None)
        }
        _ => Location::file(file.path.clone()),
    }
}

/// What changed in the declared dependencies of a file, if anything.
fn dependencies_changed(input: &Input<'_>, file: &ChangedFile) -> Option<String> {
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
        return None;
    };
    let old = match file.status {
        FileStatus::Added => "",
        _ => input.base_text(file).unwrap_or_default(),
    };
    let new = match file.status {
        FileStatus::Deleted => "",
        _ => input.head_text(path).unwrap_or_default(),
    };
    (declared(kind, old) != declared(kind, new))
        .then(|| format!("dependencies in `{path}` changed"))
}

#[derive(Clone, Copy)]
enum Kind {
    Requirements,
    Pyproject,
    SetupCfg,
    Pipfile,
}

/// The declared dependencies, normalised for comparison.
fn declared(kind: Kind, text: &str) -> Vec<String> {
    let mut found: Vec<String> = match kind {
        Kind::Requirements => text
            .lines()
            .map(|line| line.split(" #").next().unwrap_or_default().trim())
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| line.replace(' ', ""))
            .collect(),
        Kind::SetupCfg => {
            let mut inside = false;
            let mut lines = Vec::new();
            for line in text.lines() {
                let trimmed = line.trim();
                if trimmed.starts_with("install_requires") {
                    inside = true;
                    if let Some((_, rest)) = trimmed.split_once('=')
                        && !rest.trim().is_empty()
                    {
                        lines.push(rest.trim().to_owned());
                    }
                } else if inside
                    && (line.starts_with(' ') || line.starts_with('\t'))
                    && !trimmed.is_empty()
                {
                    lines.push(trimmed.to_owned());
                } else if inside && !trimmed.is_empty() {
                    inside = false;
                }
            }
            lines
        }
        Kind::Pyproject | Kind::Pipfile => {
            let Ok(table) = text.parse::<toml::Table>() else {
                return vec![text.to_owned()];
            };
            let paths: &[&[&str]] = match kind {
                Kind::Pipfile => &[&["packages"], &["dev-packages"]],
                _ => &[
                    &["project", "dependencies"],
                    &["project", "optional-dependencies"],
                    &["dependency-groups"],
                    &["tool", "poetry", "dependencies"],
                    &["tool", "poetry", "dev-dependencies"],
                    &["tool", "poetry", "group"],
                ],
            };
            paths
                .iter()
                .filter_map(|path| {
                    let mut value = table.get(path[0])?;
                    for key in &path[1..] {
                        value = value.get(key)?;
                    }
                    Some(format!("{}={value}", path.join(".")))
                })
                .collect()
        }
    };
    found.sort();
    found
}
