//! The output formats. Each renderer reads a `Report` and writes one shape;
//! no other code knows what the outputs look like.

pub mod env;
pub mod explain;
pub mod github;
pub mod hook;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod sarif;
pub mod terminal;

use crate::diagnostic::{Finding, Headline, SkipReason};
use crate::report::{CheckReport, ItemNote, Report, ScopeSummary};

/// A check's one-line summary (errors may add lines): why it was skipped,
/// why it could not run, or what it found.
pub fn summary(check: &CheckReport) -> String {
    if let Some(reason) = &check.skipped {
        return skip_reason(reason);
    }
    let errors: Vec<String> = check.errors.iter().map(ToString::to_string).collect();
    // A check that could not run at all has only its errors to say.
    let measured = crate::diagnostic::Facts {
        tool: None,
        ..check.facts.clone()
    };
    if !errors.is_empty() && check.findings.is_empty() && measured == Default::default() {
        return errors.join("\n");
    }
    let mut summary = match check.facts.headline {
        Some(headline) => headline_text(headline),
        None => match check.counted {
            0 => "no findings".to_owned(),
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        },
    };
    if let Some(files) = check.facts.files_checked {
        let plural = if files == 1 { "" } else { "s" };
        summary.push_str(&format!(" in {files} file{plural}"));
    }
    if check.hidden > 0 {
        summary.push_str(&format!(" ({} outside the change not shown)", check.hidden));
    }
    if let Some(selection) = &check.facts.selection {
        summary.push_str(&format!(" ({selection})"));
    }
    if errors.is_empty() {
        summary
    } else {
        format!("{}; {summary}", errors.join("; "))
    }
}

pub fn skip_reason(reason: &SkipReason) -> String {
    match reason {
        SkipReason::WholeProject => "--all: no change to compare".to_owned(),
        SkipReason::FilesUnchanged => "no file it reads changed".to_owned(),
        SkipReason::NothingToRead => "no file to check".to_owned(),
        SkipReason::TaskFileMissing { path } => format!("no task file `{path}`"),
        SkipReason::PythonUnchanged => "no Python file changed".to_owned(),
        SkipReason::DjangoModels => {
            "not applicable: Django models are outside dod's stack".to_owned()
        }
        SkipReason::NoCoverage(why) => format!("no coverage measured: {why}"),
        SkipReason::NoAffectedTests => {
            "no test ran the changed files and no test changed (--affected)".to_owned()
        }
        SkipReason::TestsUnchanged => {
            "no test file changed (hook: pytest = \"changed\")".to_owned()
        }
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

pub fn headline_text(headline: Headline) -> String {
    match headline {
        Headline::Criteria { met, total } => format!("{met} of {total} criteria met"),
        Headline::NoSchemaChange => "no schema change".to_owned(),
        Headline::NoEndpointChanged => "no endpoint changed".to_owned(),
        Headline::NoTestsCollected => "no tests collected".to_owned(),
        Headline::Tests {
            passed,
            failed,
            errors,
            skipped,
        } => format!("{passed} passed, {failed} failed, {errors} errors, {skipped} skipped"),
        Headline::TestsNotRun => {
            "criteria checked; the tests they name were not run (no test runner ran)".to_owned()
        }
        Headline::NoCodeChanged => "no code changed".to_owned(),
        Headline::DiffCoverage { total: 0, .. } => "no executable line changed".to_owned(),
        Headline::DiffCoverage {
            covered,
            total,
            fail_under,
        } => format!(
            "{:.1} % of {total} changed executable lines covered ({covered}; fail_under {fail_under} %)",
            covered as f64 * 100.0 / total as f64
        ),
        Headline::TestsAdded { count } => format!(
            "{} added or changed, passing",
            plural(count, "test", "tests")
        ),
        Headline::TestsAddedNotRun { count } => format!(
            "{} added or changed; not run (no test runner ran)",
            plural(count, "test", "tests")
        ),
    }
}

/// Why an item was not checked.
pub fn item_note(note: &ItemNote) -> String {
    match note {
        ItemNote::NoCheck => "no check for it in this run".to_owned(),
        ItemNote::NotRun(ids) => {
            let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
            format!("not run: {}", ids.join(", "))
        }
    }
}

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

    use crate::checks::{CheckId, Kind};
    use crate::config::FilterMode;
    use crate::diagnostic::{
        CheckError, Facts, Finding, Headline, Location, Severity, Status, TestCaseResult,
        TestOutcome,
    };
    use crate::git::{Base, BaseSource, ChangedFile, ChangedLines, FileStatus, LineSet};
    use crate::report::{CheckReport, Report, ScopeSummary, Verdict};

    fn check(
        id: &str,
        item: crate::diagnostic::Item,
        status: Status,
        findings: Vec<Finding>,
    ) -> CheckReport {
        CheckReport {
            id: CheckId::parse(id),
            title: format!("{id} title"),
            item,
            kind: Kind::Command,
            status,
            skipped: None,
            errors: Vec::new(),
            counted: findings.len(),
            duration: Duration::from_millis(120),
            filter: FilterMode::ChangedLines,
            findings,
            hidden: 0,
            facts: Facts::default(),
            explanation: format!(
                "## What it does\nRuns {id}.\n\n## How to fix\nFix what {id} reports."
            ),
            secrets: Vec::new(),
        }
    }

    pub fn sample_report() -> Report {
        use crate::diagnostic::Item;
        let ruff = check(
            "ruff",
            Item::CodeLint,
            Status::Fail,
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
        let mypy = check("mypy", Item::CodeTypes, Status::Pass, Vec::new());
        let mut pytest = check(
            "pytest",
            Item::CodeSuite,
            Status::Fail,
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
        pytest.facts.headline = Some(Headline::Tests {
            passed: 1,
            failed: 1,
            errors: 0,
            skipped: 1,
        });
        pytest.facts.tests = vec![
            test("test_upload_returns_201", TestOutcome::Passed, 5),
            test("test_upload_rejects_empty", TestOutcome::Failed, 12),
            test("test_upload_large", TestOutcome::Skipped, 20),
        ];
        let mut bandit = check("bandit", Item::CodeLint, Status::Error, Vec::new());
        bandit.errors = vec![CheckError::Tool(
            "timed out after 5s and was stopped".to_owned(),
        )];
        let warn = check(
            "docs",
            Item::DocsComments,
            Status::Warn,
            vec![
                Finding::new(
                    "complex",
                    Location::at("app/storage.py", 40, Some(1)),
                    "complex function without a comment",
                )
                .with_severity(Severity::Warning),
            ],
        );
        let mut ruff = ruff;
        ruff.facts.tool = Some(Box::new(crate::diagnostic::ToolFact {
            program: "/home/dev/.cache/dod/envs/app-1f2e3d4c5b6a7988/bin/ruff".to_owned(),
            source: "managed environment",
            version: Some("0.17.6".to_owned()),
            pinned_by: Some("dod's pin ruff==0.17.6".to_owned()),
        }));
        let checks = vec![bandit, warn, mypy, pytest, ruff];
        let items = Report::items_from(&checks, &[]);
        Report {
            dod_version: "0.0.0",
            repo_prefix: String::new(),
            notes: Vec::new(),
            config: crate::config::ConfigSource::Defaults,
            task: crate::report::TaskFile {
                path: "TASK.md".to_owned(),
                exists: false,
            },
            inventory: Some(crate::model::inventory::Inventory {
                test_files: vec!["tests/test_uploads.py".to_owned()],
                tests: Vec::new(),
                migrations: vec!["migrations/versions/0002_add_key.py".to_owned()],
                dependencies: Vec::new(),
                env_vars: Vec::new(),
            }),
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
