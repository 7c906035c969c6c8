//! The hand-off checks: `handoff-e2e` (E2E scenarios affected are listed),
//! `handoff-breaking` (breaking changes are flagged with a migration path)
//! and `handoff-dependencies` (the tasks this one depends on are done).

use std::collections::{BTreeMap, BTreeSet};

use ruff_text_size::Ranged;

use crate::checks::OptionDoc;
use crate::checks::change::analysis::{self, Function};
use crate::checks::change::{ChangeCheck, Input, TaskRef};
use crate::checks::declare_check;
use crate::checks::options::{Value, glob_set};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran, SkipReason};
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
    /// Detects breaking changes between the base and the working tree: a
    /// public top-level function, class or method removed or renamed; a
    /// public function that gained a required parameter or lost one; an
    /// HTTP endpoint removed or its path or methods changed; a model column
    /// removed or renamed. Each must be named in the task file's
    /// `## Breaking changes` section, which gives the migration path.
    /// Test files and private names (`_x`) do not count; a file renamed
    /// without other changes breaks nothing here.
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
        let mut breaking = Vec::new();
        for versions in input.python {
            if python::is_test_file(&versions.file.path) {
                continue;
            }
            let Some(base) = &versions.base else { continue };
            let head = versions.head.as_ref();
            breaking.extend(functions(base, head, &versions.file.path));
            breaking.extend(endpoints(base, head, &versions.file.path));
            breaking.extend(columns(base, head, &versions.file.path));
        }
        if breaking.is_empty() {
            return Outcome::Ran(Ran::default());
        }
        let section = input
            .task
            .and_then(|found| found.task.section_text("breaking changes"))
            .unwrap_or_default();
        let flagged = !section.trim().is_empty() && !task::says_none(&section);
        let findings = breaking
            .into_iter()
            .filter(|change| !(flagged && section.contains(&change.name)))
            .map(|change| {
                Finding::new("unflagged-breaking-change", change.location, change.message).with_fix(format!(
                    "name `{}` under `## Breaking changes` in the task file, with the migration path",
                    change.name
                ))
            })
            .collect();
        Outcome::Ran(Ran::findings(findings))
    }
}

fn at(file: &PythonFile, path: &str, offset: ruff_text_size::TextSize) -> Location {
    let (line, column) = file.line_column(offset);
    Location::at(path, line, Some(column))
}

/// A public function as callers see it.
struct Interface {
    name: String,
    required: Vec<String>,
    accepted: Vec<String>,
    at: ruff_text_size::TextSize,
}

fn interface(file: &PythonFile) -> Vec<Interface> {
    analysis::functions(file)
        .into_iter()
        // Nested functions are not part of the module's interface.
        .filter(|function: &Function<'_>| {
            function.public
                && function.qualname.matches('.').count() <= usize::from(function.in_class)
        })
        .map(|function| Interface {
            name: function.qualname.clone(),
            required: function.required(),
            accepted: function.accepted(),
            at: function.node.start(),
        })
        .collect()
}

fn functions(base: &PythonFile, head: Option<&PythonFile>, path: &str) -> Vec<Breaking> {
    let before = interface(base);
    let after = head.map(interface).unwrap_or_default();
    let mut found = Vec::new();
    for old in &before {
        let name = &old.name;
        match after.iter().find(|new| &new.name == name) {
            None => found.push(Breaking {
                name: name.clone(),
                location: at(base, path, old.at),
                message: format!("public `{name}` was removed or renamed"),
            }),
            Some(new) => {
                let gained: Vec<&String> = new
                    .required
                    .iter()
                    .filter(|parameter| !old.required.contains(parameter))
                    .collect();
                let lost: Vec<&String> = old
                    .accepted
                    .iter()
                    .filter(|parameter| !new.accepted.contains(parameter))
                    .collect();
                if !gained.is_empty() || !lost.is_empty() {
                    let mut what = Vec::new();
                    if !gained.is_empty() {
                        what.push(format!("new required parameter {}", quote(&gained)));
                    }
                    if !lost.is_empty() {
                        what.push(format!("parameter {} removed", quote(&lost)));
                    }
                    found.push(Breaking {
                        name: name.clone(),
                        location: at(head.unwrap_or(base), path, new.at),
                        message: format!(
                            "public `{name}` changed its signature: {}",
                            what.join(", ")
                        ),
                    });
                }
            }
        }
    }
    // A class removed takes its methods with it: report the class once.
    let removed_classes: BTreeSet<String> = analysis::classes(base)
        .iter()
        .map(|class| class.name.to_string())
        .filter(|name| !name.starts_with('_'))
        .collect();
    let kept_classes: BTreeSet<String> = head
        .map(|head| {
            analysis::classes(head)
                .iter()
                .map(|class| class.name.to_string())
                .collect()
        })
        .unwrap_or_default();
    for class in analysis::classes(base) {
        let name = class.name.to_string();
        if removed_classes.contains(&name) && !kept_classes.contains(&name) {
            found.retain(|change| !change.name.starts_with(&format!("{name}.")));
            found.push(Breaking {
                name: name.clone(),
                location: at(base, path, class.start()),
                message: format!("public class `{name}` was removed or renamed"),
            });
        }
    }
    found
}

fn quote(names: &[&String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn endpoints(base: &PythonFile, head: Option<&PythonFile>, path: &str) -> Vec<Breaking> {
    let after: BTreeSet<(String, String)> = head
        .map(|head| {
            analysis::endpoints(head)
                .iter()
                .map(analysis::Endpoint::key)
                .collect()
        })
        .unwrap_or_default();
    analysis::endpoints(base)
        .into_iter()
        .filter(|endpoint| !after.contains(&endpoint.key()))
        .map(|endpoint| Breaking {
            name: endpoint.path.clone(),
            location: at(base, path, endpoint.at),
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
    }
    found
}
