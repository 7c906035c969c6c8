//! The report model: what a run found, as data. The runner builds it and the
//! renderers read it; it knows no output format.

use std::time::Duration;

use crate::checks::Kind;
use crate::config::FilterMode;
use crate::diagnostic::{Facts, Finding, Item, Severity, Status, TestCaseResult};
use crate::git::{Base, ChangedFile};

/// What the run was measured against.
#[derive(Debug, Clone)]
pub enum ScopeSummary {
    /// `--all`.
    All,
    Change {
        base: Base,
        files: Vec<ChangedFile>,
    },
    /// The change could not be worked out; the reason says how to fix it.
    Broken(String),
}

#[derive(Debug, Clone)]
pub struct CheckReport {
    pub id: String,
    pub title: String,
    pub item: Item,
    pub kind: Kind,
    pub status: Status,
    pub summary: String,
    pub duration: Duration,
    pub filter: FilterMode,
    /// After the filter, sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Findings the filter dropped because they are outside the change.
    pub hidden: usize,
    pub facts: Facts,
    /// The check's documentation (`dod explain`), for SARIF rules.
    pub explanation: String,
}

#[derive(Debug, Clone)]
pub struct ItemReport {
    pub item: Item,
    pub status: Status,
    /// The ids of the checks that served it in this run.
    pub checks: Vec<String>,
    /// Why the item was not checked, when no check served it.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Done,
    NotDone,
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Done => "done",
            Verdict::NotDone => "not-done",
            Verdict::Error => "error",
        }
    }

    pub fn of(items: &[ItemReport]) -> Verdict {
        match items.iter().map(|item| item.status).max() {
            Some(Status::Error) => Verdict::Error,
            Some(Status::Fail) => Verdict::NotDone,
            _ => Verdict::Done,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFile {
    pub path: String,
    pub exists: bool,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub dod_version: &'static str,
    /// The project root relative to the repository root (`services/api/`),
    /// empty when they are the same: CI annotations want repository paths.
    pub repo_prefix: String,
    /// Where the config came from (`dod.toml`, `[tool.dod]`, defaults).
    pub config: String,
    /// The task file, project-relative, and whether it exists.
    pub task: TaskFile,
    /// The task file's sections (lower-case heading, text), for the
    /// narrative parts of the Output Report.
    pub notes: Vec<(String, String)>,
    pub scope: ScopeSummary,
    /// Sorted by id.
    pub checks: Vec<CheckReport>,
    /// In DoD order.
    pub items: Vec<ItemReport>,
    pub verdict: Verdict,
    pub duration: Duration,
}

impl Report {
    pub fn check(&self, id: &str) -> Option<&CheckReport> {
        self.checks.iter().find(|check| check.id == id)
    }

    pub fn checks_of(&self, item: Item) -> impl Iterator<Item = &CheckReport> {
        self.checks.iter().filter(move |check| check.item == item)
    }

    /// The blocking (error) findings of the checks that serve an item.
    pub fn error_findings(&self, item: Item) -> impl Iterator<Item = &Finding> {
        self.checks_of(item).flat_map(|check| {
            check
                .findings
                .iter()
                .filter(|finding| finding.severity == Severity::Error)
        })
    }

    /// Every test that ran, from every check that ran tests.
    pub fn tests(&self) -> impl Iterator<Item = &TestCaseResult> {
        self.checks
            .iter()
            .flat_map(|check| check.facts.tests.iter())
    }

    /// The changed files, when the run had a change.
    pub fn changed_files(&self) -> &[ChangedFile] {
        match &self.scope {
            ScopeSummary::Change { files, .. } => files,
            ScopeSummary::All | ScopeSummary::Broken(_) => &[],
        }
    }

    /// The items, each with its status, built from the checks that ran.
    pub fn items_from(checks: &[CheckReport], unselected: &[(String, Item)]) -> Vec<ItemReport> {
        Item::ALL
            .into_iter()
            .map(|item| {
                let serving: Vec<&CheckReport> =
                    checks.iter().filter(|check| check.item == item).collect();
                let status = serving
                    .iter()
                    .map(|check| check.status)
                    .max()
                    .unwrap_or(Status::Skip);
                let note = if serving.is_empty() {
                    let skipped: Vec<&str> = unselected
                        .iter()
                        .filter(|(_, of)| *of == item)
                        .map(|(id, _)| id.as_str())
                        .collect();
                    Some(if skipped.is_empty() {
                        "no check for it in this run".to_owned()
                    } else {
                        format!("not run: {}", skipped.join(", "))
                    })
                } else {
                    None
                };
                ItemReport {
                    item,
                    status,
                    checks: serving.iter().map(|check| check.id.clone()).collect(),
                    note,
                }
            })
            .collect()
    }
}
