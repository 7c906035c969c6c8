//! The report model: what a run found, as data. The runner builds it and the
//! renderers read it; it knows no output format.

use std::time::Duration;

use crate::checks::{CheckId, Kind};
use crate::config::FilterMode;
use crate::diagnostic::{
    CheckError, Facts, Finding, Item, Severity, SkipReason, Status, TestCaseResult,
};
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
    /// The change could not be worked out; the error says how to fix it.
    Broken(crate::git::ChangeError),
}

#[derive(Debug, Clone)]
pub struct CheckReport {
    pub id: CheckId,
    pub title: String,
    pub item: Item,
    pub kind: Kind,
    pub status: Status,
    /// Why the check had nothing to judge (status `skip`).
    pub skipped: Option<SkipReason>,
    /// Why the check could not judge, in whole or in part (status `error`).
    pub errors: Vec<CheckError>,
    /// The findings that count towards the status (notes do not).
    pub counted: usize,
    pub duration: Duration,
    pub filter: FilterMode,
    /// After the filter, sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Findings the filter dropped because they are outside the change.
    pub hidden: usize,
    pub facts: Facts,
    /// The check's documentation (`dod explain`), for SARIF rules.
    pub explanation: String,
    /// The raw values of the secrets the check found, in or outside the
    /// change: the redaction pass masks them everywhere, then empties this.
    pub secrets: Vec<String>,
}

/// Why an item was not checked, when no check served it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemNote {
    /// These checks serve it but were not selected or are disabled.
    NotRun(Vec<CheckId>),
    /// No check serves it in this configuration.
    NoCheck,
}

#[derive(Debug, Clone)]
pub struct ItemReport {
    pub item: Item,
    pub status: Status,
    /// The ids of the checks that served it in this run.
    pub checks: Vec<CheckId>,
    /// Why the item was not checked, when no check served it.
    pub note: Option<ItemNote>,
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

    /// A run in which every item skipped verified nothing: never done.
    pub fn of(items: &[ItemReport]) -> Verdict {
        match items.iter().map(|item| item.status).max() {
            Some(Status::Error) => Verdict::Error,
            Some(Status::Fail) => Verdict::NotDone,
            None | Some(Status::Skip) => Verdict::Error,
            Some(Status::Pass | Status::Warn) => Verdict::Done,
        }
    }

    /// Whether the verdict is an error only because nothing was verified.
    pub fn nothing_verified(items: &[ItemReport]) -> bool {
        items.iter().all(|item| item.status == Status::Skip)
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
    pub config: crate::config::ConfigSource,
    /// The task file, project-relative, and whether it exists.
    pub task: TaskFile,
    /// The task file's sections (lower-case heading, text), for the
    /// narrative parts of the Output Report.
    pub notes: Vec<(String, String)>,
    pub scope: ScopeSummary,
    /// The change's tests and migrations, as the change checks read them;
    /// `None` when no change was measured or no change check ran.
    pub inventory: Option<crate::model::inventory::Inventory>,
    /// Sorted by id.
    pub checks: Vec<CheckReport>,
    /// In DoD order.
    pub items: Vec<ItemReport>,
    pub verdict: Verdict,
    pub duration: Duration,
}

impl Report {
    pub fn check(&self, id: &CheckId) -> Option<&CheckReport> {
        self.checks.iter().find(|check| &check.id == id)
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
    pub fn items_from(checks: &[CheckReport], unselected: &[(CheckId, Item)]) -> Vec<ItemReport> {
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
                let note = serving.is_empty().then(|| {
                    let skipped: Vec<CheckId> = unselected
                        .iter()
                        .filter(|(_, of)| *of == item)
                        .map(|(id, _)| id.clone())
                        .collect();
                    if skipped.is_empty() {
                        ItemNote::NoCheck
                    } else {
                        ItemNote::NotRun(skipped)
                    }
                });
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
