//! The output formats. Each renderer reads a `Report` and writes one shape;
//! no other code knows what the outputs look like.

pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod terminal;

use crate::diagnostic::Finding;
use crate::report::{Report, ScopeSummary};

/// `path:line:col rule message`, the one-line form every text output uses.
pub fn finding_line(finding: &Finding) -> String {
    format!(
        "{} {} {}",
        finding.location,
        finding.rule,
        first_line(&finding.message)
    )
}

pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The base line every human-readable output starts with.
pub fn scope_line(report: &Report) -> String {
    match &report.scope {
        ScopeSummary::All => "whole project (--all)".to_owned(),
        ScopeSummary::Change { base, files } => {
            let short = &base.commit[..base.commit.len().min(10)];
            let count = files.len();
            let plural = if count == 1 { "" } else { "s" };
            format!(
                "base {} ({short}, from {}) · {count} file{plural} changed",
                base.reference,
                base.source.describe()
            )
        }
        ScopeSummary::Broken(error) => format!("no change: {error}"),
    }
}

#[cfg(test)]
pub mod sample {
    //! One shared report that every renderer snapshots.

    use std::time::Duration;

    use crate::checks::Kind;
    use crate::config::FilterMode;
    use crate::diagnostic::{
        Facts, Finding, Location, Severity, Status, TestCaseResult, TestOutcome,
    };
    use crate::git::{Base, BaseSource, ChangedFile, ChangedLines, FileStatus, LineSet};
    use crate::report::{CheckReport, Report, ScopeSummary, Verdict};

    fn check(
        id: &str,
        item: crate::diagnostic::Item,
        status: Status,
        summary: &str,
        findings: Vec<Finding>,
    ) -> CheckReport {
        CheckReport {
            id: id.to_owned(),
            title: format!("{id} title"),
            item,
            kind: Kind::Command,
            status,
            summary: summary.to_owned(),
            duration: Duration::from_millis(120),
            filter: FilterMode::ChangedLines,
            findings,
            hidden: 0,
            facts: Facts::default(),
            explanation: format!(
                "## What it does\nRuns {id}.\n\n## How to fix\nFix what {id} reports."
            ),
        }
    }

    pub fn sample_report() -> Report {
        use crate::diagnostic::Item;
        let ruff = check(
            "ruff",
            Item::CodeLint,
            Status::Fail,
            "2 findings",
            vec![
                Finding::new(
                    "F401",
                    Location::at("app/routes.py", 3, Some(8)),
                    "`os` imported but unused",
                )
                .with_fix("Remove unused import: `os`"),
                Finding::new(
                    "E711",
                    Location::at("app/routes.py", 14, Some(12)),
                    "Comparison to `None` should be `cond is None`, 100% \"sure\" <really>",
                ),
            ],
        );
        let mypy = check(
            "mypy",
            Item::CodeTypes,
            Status::Pass,
            "no findings",
            Vec::new(),
        );
        let mut pytest = check(
            "pytest",
            Item::CodeSuite,
            Status::Fail,
            "1 passed, 1 failed, 0 errors, 1 skipped",
            vec![Finding::new(
                "test-failed",
                Location::at("tests/test_upload.py", 12, None),
                "tests/test_upload.py::test_upload_rejects_empty failed: assert 201 == 400",
            )],
        );
        let test = |name: &str, outcome, line| TestCaseResult {
            node_id: format!("tests/test_upload.py::{name}"),
            classname: "tests.test_upload".to_owned(),
            name: name.to_owned(),
            path: Some("tests/test_upload.py".to_owned()),
            line: Some(line),
            outcome,
            duration: Duration::from_millis(15),
            message: match outcome {
                TestOutcome::Passed => None,
                TestOutcome::Skipped => Some("needs S3".to_owned()),
                TestOutcome::Failed | TestOutcome::Error => Some("assert 201 == 400".to_owned()),
            },
            details: None,
        };
        pytest.facts.tests = vec![
            test("test_upload_returns_201", TestOutcome::Passed, 5),
            test("test_upload_rejects_empty", TestOutcome::Failed, 12),
            test("test_upload_large", TestOutcome::Skipped, 20),
        ];
        let mut bandit = check(
            "bandit",
            Item::CodeLint,
            Status::Error,
            "timed out after 5s and was stopped",
            Vec::new(),
        );
        bandit.findings.clear();
        let warn = check(
            "docs",
            Item::DocsComments,
            Status::Warn,
            "1 finding",
            vec![
                Finding::new(
                    "complex",
                    Location::at("app/storage.py", 40, Some(1)),
                    "complex function without a comment",
                )
                .with_severity(Severity::Warning),
            ],
        );
        let checks = vec![bandit, warn, mypy, pytest, ruff];
        let items = Report::items_from(&checks, &[]);
        Report {
            dod_version: "0.0.0",
            repo_prefix: String::new(),
            notes: Vec::new(),
            config: "the defaults".to_owned(),
            task: crate::report::TaskFile {
                path: "TASK.md".to_owned(),
                exists: false,
            },
            scope: ScopeSummary::Change {
                base: Base {
                    reference: "origin/main".to_owned(),
                    commit: "0123456789abcdef".to_owned(),
                    source: BaseSource::DefaultBranch,
                },
                files: vec![
                    ChangedFile {
                        path: "README.md".to_owned(),
                        status: FileStatus::Modified,
                        from: None,
                        lines: ChangedLines::Some(LineSet::default()),
                    },
                    ChangedFile {
                        path: "app/routes.py".to_owned(),
                        status: FileStatus::Modified,
                        from: None,
                        lines: ChangedLines::Whole,
                    },
                    ChangedFile {
                        path: "app/store.py".to_owned(),
                        status: FileStatus::Renamed,
                        from: Some("app/storage_old.py".to_owned()),
                        lines: ChangedLines::Whole,
                    },
                    ChangedFile {
                        path: "tests/test_upload.py".to_owned(),
                        status: FileStatus::Added,
                        from: None,
                        lines: ChangedLines::Whole,
                    },
                ],
            },
            verdict: Verdict::of(&items),
            checks,
            items,
            duration: Duration::from_millis(1500),
        }
    }
}
