//! The hand-off checks: `handoff-e2e` (E2E scenarios affected are listed),
//! `handoff-breaking` (breaking changes are flagged with a migration path)
//! and `handoff-dependencies` (the tasks this one depends on are done).

use std::collections::BTreeSet;

use ruff_text_size::Ranged;

use crate::checks::change::analysis::{self, Function};
use crate::checks::change::{ChangeCheck, Context};
use crate::checks::native::{Meta, declare_check};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran};
use crate::python::{self, PythonFile};
use crate::task;

declare_check! {
    /// ## What it does
    /// Checks that the task file's `## E2E scenarios` lists the end-to-end
    /// scenarios the change affects. With a scenario map in config
    /// (`[scenarios]`, a scenario name = the path globs it covers), every
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
    /// [scenarios]
    /// upload = ["app/uploads/**", "app/storage.py"]
    /// ```
    ///
    /// ## How to fix
    /// Add the scenario names under `## E2E scenarios` in the task file.
    ///
    /// ## How to suppress
    /// `enabled = false` in `[checks.handoff-e2e]`.
    pub struct E2eScenarios;
    id: "handoff-e2e",
    title: "E2E scenarios listed",
    item: Item::HandoffE2e,
    skips_tests: false,
    filter: FilterMode::All,
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
    id: "handoff-breaking",
    title: "breaking changes flagged",
    item: Item::HandoffBreaking,
    skips_tests: false,
    filter: FilterMode::All,
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
    id: "handoff-dependencies",
    title: "dependencies done",
    item: Item::HandoffDependencies,
    skips_tests: false,
    filter: FilterMode::All,
}

impl ChangeCheck for E2eScenarios {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, context: &Context<'_>) -> Outcome {
        let (path, task) = match context.task(Self::META.id) {
            Ok(found) => found,
            Err(outcome) => return *outcome,
        };
        let section = task.section_text("e2e scenarios");
        let at = Location::at(path, task.heading_line("e2e scenarios").unwrap_or(1), None);
        if context.settings.scenarios.is_empty() {
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
        if context.change().is_none() {
            return context.without_change();
        }
        let listed = section.unwrap_or_default().to_lowercase();
        let findings: Vec<Finding> = context
            .settings
            .scenarios
            .iter()
            .filter(|(_, globs)| context.changed(|path| globs.is_match(path)))
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
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, context: &Context<'_>) -> Outcome {
        let (path, task) = match context.task(Self::META.id) {
            Ok(found) => found,
            Err(outcome) => return *outcome,
        };
        let task_dir = context
            .settings
            .task
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let findings = task
            .depends_on
            .iter()
            .filter_map(|entry| {
                let candidates = [
                    context.settings.root.join(&entry.text),
                    task_dir.join(&entry.text),
                ];
                let at = Location::at(path, entry.line, None);
                let Some(text) = candidates
                    .iter()
                    .find_map(|candidate| std::fs::read_to_string(candidate).ok())
                else {
                    return Some(
                        Finding::new(
                            "dependency-missing",
                            at,
                            format!("`{}` does not exist", entry.text),
                        )
                        .with_fix("fix the path of the task file this task depends on"),
                    );
                };
                (!task::parse(&text).done).then(|| {
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
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, context: &Context<'_>) -> Outcome {
        if context.change().is_none() {
            return context.without_change();
        }
        let mut breaking = Vec::new();
        for versions in context.python {
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
        let section = match context.task {
            crate::checks::change::TaskFile::Found { task, .. } => {
                task.section_text("breaking changes")
            }
            crate::checks::change::TaskFile::Missing { .. } => None,
        }
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
