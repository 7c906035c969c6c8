//! `readme`: README follows setup changes: dependencies, environment
//! variables and setup files.

use std::collections::BTreeSet;

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input};
use crate::checks::declare_check;
use crate::checks::options::{DocsSettings, Value};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran};
use crate::git::{ChangedFile, ChangedLines};
use serde::Deserialize;

declare_check! {
    /// ## What it does
    /// Asks README (or a doc listed in `setup_docs`, or any README or
    /// Markdown/RST doc the change touched) to follow three kinds of setup
    /// change:
    ///
    /// - a dependency a user of the project installs, added or removed
    ///   (`requirements*.txt`, `requirements/*.txt`, pyproject's
    ///   `[project] dependencies` and extras, Poetry's main group,
    ///   setup.cfg and setup.py `install_requires` / `extras_require`,
    ///   Pipfile `[packages]`). Compared project-wide, so a version bump
    ///   or a move from `setup.py` to `pyproject.toml` is neither;
    ///   development groups (`tests`, `docs`, `lint`, `ci-*`,
    ///   `requirements-dev.txt`, `[dependency-groups]`, files under
    ///   `docs/` or `tests/`) and the transitive pins of a pip-compile
    ///   output do not count. An added one must be named in the docs; a
    ///   removed one only matters while README still names it.
    /// - an environment variable the change starts reading
    ///   (`os.environ["X"]`, `.get`, `os.getenv`, `"X" in os.environ`,
    ///   the name given directly or through a string constant such as
    ///   `ConfigKey.DB_USER`; the fields of a pydantic `BaseSettings`;
    ///   Flask's `app.config.from_prefixed_env()`) that no code of the
    ///   project read before: its name must appear in the docs.
    /// - a setup file changed (`.env.example`, `Dockerfile`,
    ///   `docker-compose*.yml`, `Makefile`, `alembic.ini`): some doc must
    ///   change with it.
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

impl ChangeCheck for Readme {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let change = input.change();
        let docs = &input.own.readme.docs;
        let is_doc = |path: &str| docs.is_match(path) || is_markup_doc(path);
        let doc_changed = input.changed(is_doc);
        let documentation = documentation_text(input, &is_doc);
        let lower_documentation = documentation.to_lowercase();
        let mut findings = Vec::new();
        if !doc_changed {
            for file in change.files.iter().filter(|file| is_setup_file(&file.path)) {
                findings.push(not_updated(
                    first_line(file),
                    format!("setup file `{}` changed", file.path),
                ));
            }
        }
        // A dependency a user installs, added or removed project-wide (a
        // version bump, a move between files and a development group are
        // none of these). An added one needs docs that name it; a removed
        // one needs README to stop naming it (if it never did, there is
        // nothing to update).
        for dependency in &input.inventory.dependencies {
            // A removed one's line is in the old version: name the file.
            let location = match dependency.line {
                Some(line) if dependency.added => Location::at(dependency.path.clone(), line, None),
                _ => Location::file(dependency.path.clone()),
            };
            let name = &dependency.name;
            if dependency.added && !lower_documentation.contains(name.as_str()) {
                findings.push(not_updated(
                    location,
                    format!("dependency `{name}` added to `{}`", dependency.path),
                ));
            } else if !dependency.added && names_word(&lower_documentation, name) {
                findings.push(
                    Finding::new(
                        "readme-not-updated",
                        location,
                        format!(
                            "dependency `{name}` removed from `{}`, but README still names it",
                            dependency.path
                        ),
                    )
                    .with_fix(format!("take `{name}` out of README's setup instructions")),
                );
            }
        }
        // Environment variables the change starts reading (the model
        // resolves names given through string constants, and leaves out
        // what other code of the project already read).
        let new_vars: Vec<(&str, Location)> = input
            .inventory
            .env_vars
            .iter()
            .map(|var| {
                (
                    var.name.as_str(),
                    Location::at(var.path.clone(), var.line, Some(var.column)),
                )
            })
            .collect();
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

/// Whether `text` (lower case) names `word` on its own, not inside a
/// longer name (`redis` is not in `hiredis`).
fn names_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    // A full stop after the name ends a sentence.
    crate::checks::change::names_alone(text, word, is_name, |c| is_name(c) && c != '.')
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
