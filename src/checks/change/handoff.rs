//! The hand-off checks: `handoff-e2e` (E2E scenarios affected are listed),
//! `handoff-breaking` (breaking changes are flagged with a migration path)
//! and `handoff-dependencies` (the tasks this one depends on are done).

use std::collections::{BTreeMap, BTreeSet};

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input, Side, TaskRef};
use crate::checks::declare_check;
use crate::checks::options::{Value, glob_set};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran, SkipReason};
use crate::model::analysis;
use crate::model::api::{self, ModuleApi, SignatureBreak};
use crate::model::delta::{self, ApiBreak};
use crate::model::routes::{self, Endpoint};
use crate::python::{self, PythonFile};
use crate::task;
use globset::GlobSet;
use serde::Deserialize;

declare_check! {
    /// ## What it does
    /// Checks that the task file's `## E2E scenarios` lists the end-to-end
    /// scenarios the change affects. With a scenario map in config
    /// (`[checks.handoff-e2e.scenarios]`, a scenario name = the path globs
    /// it covers), every
    /// scenario whose paths the change touched must be named in the section
    /// (case-insensitive). Without a map, the section must exist and say
    /// something ("None" is an answer).
    ///
    /// ## Why it matters
    /// Whoever tests the release needs to know which journeys to walk
    /// through again; the author of the change is the one who knows.
    ///
    /// ## Example
    /// ```toml
    /// [checks.handoff-e2e.scenarios]
    /// upload = ["app/uploads/**", "app/storage.py"]
    /// ```
    ///
    /// ## How to fix
    /// Add the scenario names under `## E2E scenarios` in the task file.
    ///
    /// ## How to suppress
    /// `enabled = false` in `[checks.handoff-e2e]`.
    pub struct E2eScenarios;
    id: crate::checks::Builtin::HandoffE2e,
    title: "E2E scenarios listed",
    item: Item::HandoffE2e,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Task,
    options: E2E_OPTIONS,
}

/// `[checks.handoff-e2e]`: the check's own options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct E2eOptions {
    /// A scenario name = the path globs it covers.
    pub scenarios: Option<BTreeMap<String, Vec<String>>>,
}

pub const E2E_OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "scenarios",
    default: Some(Value::Toml("{}")),
    doc: "E2E scenarios: a name = the path globs the scenario covers",
}];

/// The options, compiled.
#[derive(Debug, Clone, Default)]
pub struct E2eSettings {
    /// The scenarios and the paths each covers, in config order.
    pub scenarios: Vec<(String, GlobSet)>,
}

impl E2eOptions {
    pub fn resolve(self) -> Result<E2eSettings, (&'static str, String)> {
        let mut scenarios = Vec::new();
        for (name, patterns) in self.scenarios.unwrap_or_default() {
            let globs = glob_set(&patterns).map_err(|message| ("scenarios", message))?;
            scenarios.push((name, globs));
        }
        Ok(E2eSettings { scenarios })
    }
}

declare_check! {
    /// ## What it does
    /// Compares the public API of each changed module at base and at head
    /// (the project model) and reports what breaks an importer or caller
    /// of the old version: a public module, class, function, method,
    /// property or attribute removed or renamed; a callable whose
    /// parameters changed incompatibly (a parameter removed or renamed, a
    /// new required one, a default removed, a positional parameter moved,
    /// a parameter that can no longer be passed as before, a static method
    /// made an instance method); a property that lost its setter; a class
    /// that lost a base class (`isinstance` checks and inherited members
    /// break) or became a function or a value; a name moved to another
    /// module without a re-export. A private module's names that a public
    /// package re-exports (`from ._client import Client`, or
    /// `from ._api import *` with `__all__`, through private packages too)
    /// are public, reported under the public name. Also an HTTP endpoint
    /// removed or its path or methods changed, and a model column removed,
    /// renamed or given another type (`Mapped[int]` → `Mapped[uuid.UUID]`,
    /// `Integer` → `Uuid`; a longer `String(...)` is the same type).
    ///
    /// Not breaking: a property with its setter, or an `@overload` set
    /// with its implementation, that did not change; private names and
    /// private modules (`_x`, `pkg/_impl.py`); test files, migrations,
    /// docs, examples and scripts; a name still importable from its old
    /// place (re-exported by an import, listed in `__all__`, assigned as an
    /// alias, or answered by a module `__getattr__`); a member the class now
    /// inherits from a base class; a base class replaced by one that
    /// derives from it, or an outside base replaced by another outside
    /// one (a library's rename, which the model cannot see through); the
    /// Python signature of a click or typer command; renamed parameters of operator methods
    /// (`__getitem__`, ...) and of positional-only parameters. A `.pyi`
    /// stub and its `.py` are one module, the source's definitions winning.
    ///
    /// Each breaking change is flagged when the task file's
    /// `## Breaking changes` section, or a changelog the change touched
    /// (`CHANGES*`, `CHANGELOG*`, `HISTORY*`, `NEWS*`, `docs/changelog*`),
    /// names it. Without a task file and a changelog entry it is still a
    /// finding.
    ///
    /// ## Why it matters
    /// Callers, clients and data outlive the change: a breaking change that
    /// is not flagged breaks them silently at deploy time.
    ///
    /// ## Example
    /// ```markdown
    /// ## Breaking changes
    /// `DELETE /uploads/<id>` is gone: clients call `POST /uploads/<id>/archive`.
    /// ```
    ///
    /// ## How to fix
    /// Name each breaking change under `## Breaking changes` with what
    /// callers must do instead, or keep the old name as a deprecated alias.
    ///
    /// ## How to suppress
    /// `enabled = false` in `[checks.handoff-breaking]`.
    pub struct BreakingChanges;
    id: crate::checks::Builtin::HandoffBreaking,
    title: "breaking changes flagged",
    item: Item::HandoffBreaking,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: &[],
}

declare_check! {
    /// ## What it does
    /// Each entry of the task file's `## Depends on` is the path of another
    /// task file (relative to the project root or to this task file); it
    /// must exist and say `Status: done`.
    ///
    /// ## Why it matters
    /// A task built on unfinished work is not done either: it ships with a
    /// hole where the other task should be.
    ///
    /// ## Example
    /// ```markdown
    /// ## Depends on
    /// - tasks/0007-auth-tokens.md
    /// ```
    ///
    /// ## How to fix
    /// Finish the other task (and mark it `Status: done`), or remove the
    /// dependency if it is no longer one.
    ///
    /// ## How to suppress
    /// `enabled = false` in `[checks.handoff-dependencies]`.
    pub struct Dependencies;
    id: crate::checks::Builtin::HandoffDependencies,
    title: "dependencies done",
    item: Item::HandoffDependencies,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Task,
    options: &[],
}

impl ChangeCheck for E2eScenarios {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let TaskRef { path, task } = input.task();
        let section = task.section_text("e2e scenarios");
        let at = Location::at(path, task.heading_line("e2e scenarios").unwrap_or(1), None);
        let scenarios = &input.own.e2e.scenarios;
        if scenarios.is_empty() {
            return match section {
                Some(text) if !text.trim().is_empty() => Outcome::Ran(Ran::default()),
                _ => Outcome::Ran(Ran::findings(vec![
                    Finding::new(
                        "no-scenarios",
                        Location::file(path),
                        "the task file does not say which E2E scenarios the change affects",
                    )
                    .with_fix("add `## E2E scenarios` listing them, or saying `None`"),
                ])),
            };
        }
        // The scenarios the change touched: with no change (`--all`), none.
        if input.change.is_none() {
            return Outcome::Skipped(SkipReason::WholeProject);
        }
        let listed = section.unwrap_or_default().to_lowercase();
        let findings: Vec<Finding> = scenarios
            .iter()
            .filter(|(_, globs)| input.changed(|path| globs.is_match(path)))
            .filter(|(name, _)| !listed.contains(&name.to_lowercase()))
            .map(|(name, _)| {
                Finding::new(
                    "scenario-not-listed",
                    at.clone(),
                    format!("the change touches scenario `{name}`, which is not listed"),
                )
                .with_fix(format!(
                    "add `{name}` under `## E2E scenarios` in the task file"
                ))
            })
            .collect();
        Outcome::Ran(Ran::findings(findings))
    }
}

impl ChangeCheck for Dependencies {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let TaskRef { path, task } = input.task();
        let findings = task
            .depends_on
            .iter()
            .filter_map(|entry| {
                let at = Location::at(path, entry.line, None);
                let Some(text) = input.contents.dependencies.get(&entry.text) else {
                    return Some(
                        Finding::new(
                            "dependency-missing",
                            at,
                            format!("`{}` does not exist", entry.text),
                        )
                        .with_fix("fix the path of the task file this task depends on"),
                    );
                };
                (!task::parse(text).done).then(|| {
                    Finding::new(
                        "dependency-not-done",
                        at,
                        format!("`{}` is not done", entry.text),
                    )
                    .with_fix("finish that task first (it must say `Status: done`)")
                })
            })
            .collect();
        Outcome::Ran(Ran::findings(findings))
    }
}

/// One breaking change, with the name the task file must mention.
struct Breaking {
    name: String,
    location: Location,
    message: String,
}

impl ChangeCheck for BreakingChanges {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let mut breaking = api_breaks(input);
        breaking.extend(endpoints(input));
        for versions in input.python {
            // Models in tests, docs and examples are not the schema.
            if !crate::model::api::is_library_module(&versions.file.path) {
                continue;
            }
            let Some(base) = &versions.base else { continue };
            let head = versions.head.as_ref();
            breaking.extend(columns(base, head, &versions.file.path));
        }
        if breaking.is_empty() {
            return Outcome::Ran(Ran::default());
        }
        let section = input
            .task
            .and_then(|found| found.task.section_text("breaking changes"))
            .filter(|section| !section.trim().is_empty() && !task::says_none(section))
            .unwrap_or_default();
        // A changelog entry in the change flags a breaking change too.
        let changelogs: Vec<&str> = input
            .change()
            .present()
            .filter(|file| crate::checks::change::is_changelog(&file.path))
            .filter_map(|file| input.head_text(&file.path))
            .collect();
        let flagged = |name: &str| {
            names_symbol(&section, name) || changelogs.iter().any(|text| names_symbol(text, name))
        };
        let findings = breaking
            .into_iter()
            .filter(|change| !flagged(&change.name))
            .map(|change| {
                Finding::new("unflagged-breaking-change", change.location, change.message).with_fix(format!(
                    "name `{}` under `## Breaking changes` in the task file or in the changelog, with the migration path",
                    change.name
                ))
            })
            .collect();
        Outcome::Ran(Ran::findings(findings))
    }
}

/// Whether a text names a symbol: its qualified name as a word, or for a
/// member `Class.member` written that way.
fn names_symbol(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    crate::checks::change::names_alone(text, name, word, word)
}

fn at(file: &PythonFile, path: &str, offset: ruff_text_size::TextSize) -> Location {
    let (line, column) = file.line_column(offset);
    Location::at(path, line, Some(column))
}

/// The public-API breaks of the changed modules, from the project model.
fn api_breaks(input: &Input<'_>) -> Vec<Breaking> {
    let model = |side: Side| -> Vec<ModuleApi> {
        let mut apis = api::merge_stubs(
            input
                .modules(side)
                .into_iter()
                .filter(|file| api::is_library_module(&file.path))
                .map(api::module_api)
                .collect(),
        );
        api::resolve_reexports(&mut apis);
        apis
    };
    let (base, head) = (model(Side::Base), model(Side::Head));
    delta::api_breaks(&base, &head)
        .into_iter()
        .map(|located| {
            let file = input.python.iter().find_map(|versions| {
                let version = if located.in_base {
                    versions.base.as_ref()
                } else {
                    versions.head.as_ref()
                };
                version.filter(|file| file.path == located.path)
            });
            let location = match (file, located.at) {
                (Some(file), Some(offset)) => at(file, &located.path, offset),
                _ => Location::file(located.path.clone()),
            };
            let mut message = describe(&located.module, &located.change);
            // A private module's name that a package re-exports: say where
            // importers reach it.
            if located.module != api::module_name(&located.path) {
                let top = located.change.name().split('.').next().unwrap_or_default();
                message.push_str(&format!(" (public as `{}.{top}`)", located.module));
            }
            Breaking {
                name: located.change.name().to_owned(),
                location,
                message,
            }
        })
        .collect()
}

fn describe(module: &str, change: &ApiBreak) -> String {
    match change {
        ApiBreak::ModuleRemoved { module, moved_to } => match moved_to {
            Some(to) => format!("public module `{module}` was removed; its names moved to `{to}`"),
            None => format!("public module `{module}` was removed or renamed"),
        },
        ApiBreak::Removed { qualname, class } => {
            let what = if *class { "public class" } else { "public" };
            format!("{what} `{qualname}` was removed or renamed")
        }
        ApiBreak::Moved { qualname, to } => format!(
            "public `{qualname}` moved from `{module}` to `{to}`; `from {module} import {qualname}` breaks"
        ),
        ApiBreak::Signature { qualname, breaks } => {
            let what: Vec<String> = breaks
                .iter()
                .map(|change| match change {
                    SignatureBreak::NewRequired(name) => format!("new required parameter `{name}`"),
                    SignatureBreak::Removed(name) => format!("parameter `{name}` removed"),
                    SignatureBreak::KindChanged(name) => {
                        format!("parameter `{name}` can no longer be passed as before")
                    }
                    SignatureBreak::DefaultRemoved(name) => {
                        format!("parameter `{name}` lost its default")
                    }
                    SignatureBreak::Moved(name) => format!("parameter `{name}` moved"),
                    SignatureBreak::NoLongerStatic => {
                        "no longer a static method (calls on the class break)".to_owned()
                    }
                })
                .collect();
            format!(
                "public `{qualname}` changed its signature: {}",
                what.join(", ")
            )
        }
        ApiBreak::NoLongerSettable { qualname } => {
            format!("property `{qualname}` lost its setter")
        }
        ApiBreak::KindChanged { qualname } => {
            format!("`{qualname}` changed between a property and a method")
        }
        ApiBreak::BaseRemoved { qualname, base } => {
            format!("public class `{qualname}` no longer derives from `{base}`")
        }
        ApiBreak::NoLongerClass { qualname } => {
            format!(
                "public class `{qualname}` is no longer a class: subclasses, `isinstance` checks and its members break"
            )
        }
    }
}

/// Endpoints served before the change and not after (by method and full
/// path, across the model: a handler that moved is not removed).
fn endpoints(input: &Input<'_>) -> Vec<Breaking> {
    let after: BTreeSet<(String, String)> = routes::endpoints(&input.modules(Side::Head))
        .iter()
        .map(Endpoint::key)
        .collect();
    routes::endpoints(&input.modules(Side::Base))
        .into_iter()
        .filter(|endpoint| !python::is_test_file(&endpoint.file))
        .filter(|endpoint| !after.contains(&endpoint.key()))
        .map(|endpoint| Breaking {
            name: endpoint.path.clone(),
            location: Location::file(endpoint.file.clone()),
            message: format!(
                "endpoint `{} {}` was removed or its path or method changed",
                endpoint.method, endpoint.path
            ),
        })
        .collect()
}

fn columns(base: &PythonFile, head: Option<&PythonFile>, path: &str) -> Vec<Breaking> {
    let Some(head) = head else { return Vec::new() };
    let after = analysis::models(head);
    let mut found = Vec::new();
    for model in analysis::models(base) {
        let Some(new) = after.iter().find(|other| other.name == model.name) else {
            continue;
        };
        for column in model
            .columns
            .keys()
            .filter(|column| !new.columns.contains_key(*column))
        {
            found.push(Breaking {
                name: column.clone(),
                location: at(head, path, new.at),
                message: format!("column `{}.{column}` was removed or renamed", model.name),
            });
        }
        // A column whose type changed (`int` → `UUID`): stored data and
        // every client of the value break.
        for (column, before) in &model.types {
            if let Some(after) = new.types.get(column)
                && before.differs(after)
            {
                // Name the side that says different types.
                let (from, to) = match (&before.python, &after.python) {
                    (Some(from), Some(to)) if from != to => (from, to),
                    _ => match (&before.sql, &after.sql) {
                        (Some(from), Some(to)) => (from, to),
                        _ => continue,
                    },
                };
                found.push(Breaking {
                    name: column.clone(),
                    location: at(head, path, new.at),
                    message: format!(
                        "column `{}.{column}` changed its type: `{from}` → `{to}`",
                        model.name
                    ),
                });
            }
        }
    }
    found
}
