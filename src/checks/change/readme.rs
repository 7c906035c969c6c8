//! `readme`: README follows setup changes: dependencies, environment
//! variables and setup files.

use std::collections::BTreeSet;

use crate::checks::change::{ChangeCheck, Context, analysis};
use crate::checks::native::{Meta, declare_check};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran};
use crate::git::{ChangedFile, ChangedLines, FileStatus};
use crate::python;

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
    /// `setup_docs = ["docs/setup.md"]` to document setup elsewhere, or
    /// `enabled = false` in `[checks.readme]`.
    pub struct Readme;
    id: "readme",
    title: "README follows setup changes",
    item: Item::DocsReadme,
    skips_tests: false,
    filter: FilterMode::All,
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
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, context: &Context<'_>) -> Outcome {
        let Some(change) = context.change() else {
            return context.without_change();
        };
        let docs = &context.settings.docs.setup;
        let readme_changed = context.changed(|path| docs.is_match(path));
        let mut triggers: Vec<(Location, String)> = Vec::new();
        for file in &change.files {
            let path = file.path.as_str();
            if is_setup_file(path) {
                triggers.push((first_line(file), format!("setup file `{path}` changed")));
            } else if let Some(what) = dependencies_changed(context, file, &change.base.commit) {
                triggers.push((first_line(file), what));
            }
        }
        // Environment variables read after the change and not before.
        let before: BTreeSet<String> = context
            .python
            .iter()
            .filter_map(|versions| versions.base.as_ref())
            .flat_map(|file| analysis::env_vars(file).into_iter().map(|(name, _)| name))
            .collect();
        let mut new_vars: Vec<(String, Location)> = Vec::new();
        for versions in context.python {
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
        let documentation: String = documentation_text(context);
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

/// README and the `setup_docs`, after the change.
fn documentation_text(context: &Context<'_>) -> String {
    let root = &context.settings.root;
    let mut text = String::new();
    let mut candidates: Vec<String> = ["README.md", "README.rst", "README.txt", "README"]
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    candidates.extend(context.changed_files().iter().map(|file| file.path.clone()));
    for path in candidates {
        if context.settings.docs.setup.is_match(&path) && root.join(&path).is_file() {
            text.push_str(&std::fs::read_to_string(root.join(&path)).unwrap_or_default());
        }
    }
    text
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
fn dependencies_changed(context: &Context<'_>, file: &ChangedFile, base: &str) -> Option<String> {
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
        FileStatus::Added => String::new(),
        _ => crate::git::show(
            &context.settings.root,
            base,
            file.from.as_deref().unwrap_or(path),
        )
        .unwrap_or_default(),
    };
    let new = match file.status {
        FileStatus::Deleted => String::new(),
        _ => context.head_text(path).unwrap_or_default(),
    };
    (declared(kind, &old) != declared(kind, &new))
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
