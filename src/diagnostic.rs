//! The shared vocabulary: DoD items, statuses, findings and check outcomes.
//! Everything here is plain data; nothing here runs a check or prints.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A line of the Definition of Done. The ids are stable: they appear in JSON,
/// JUnit and config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Item {
    #[serde(rename = "code.acceptance")]
    CodeAcceptance,
    #[serde(rename = "code.tests-added")]
    CodeTestsAdded,
    #[serde(rename = "code.suite")]
    CodeSuite,
    #[serde(rename = "code.lint")]
    CodeLint,
    #[serde(rename = "code.types")]
    CodeTypes,
    #[serde(rename = "code.type-hints")]
    CodeTypeHints,
    #[serde(rename = "docs.api")]
    DocsApi,
    #[serde(rename = "docs.migrations")]
    DocsMigrations,
    #[serde(rename = "docs.comments")]
    DocsComments,
    #[serde(rename = "docs.readme")]
    DocsReadme,
    #[serde(rename = "handoff.e2e")]
    HandoffE2e,
    #[serde(rename = "handoff.breaking")]
    HandoffBreaking,
    #[serde(rename = "handoff.dependencies")]
    HandoffDependencies,
}

impl Item {
    pub const ALL: [Item; 13] = [
        Item::CodeAcceptance,
        Item::CodeTestsAdded,
        Item::CodeSuite,
        Item::CodeLint,
        Item::CodeTypes,
        Item::CodeTypeHints,
        Item::DocsApi,
        Item::DocsMigrations,
        Item::DocsComments,
        Item::DocsReadme,
        Item::HandoffE2e,
        Item::HandoffBreaking,
        Item::HandoffDependencies,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Item::CodeAcceptance => "code.acceptance",
            Item::CodeTestsAdded => "code.tests-added",
            Item::CodeSuite => "code.suite",
            Item::CodeLint => "code.lint",
            Item::CodeTypes => "code.types",
            Item::CodeTypeHints => "code.type-hints",
            Item::DocsApi => "docs.api",
            Item::DocsMigrations => "docs.migrations",
            Item::DocsComments => "docs.comments",
            Item::DocsReadme => "docs.readme",
            Item::HandoffE2e => "handoff.e2e",
            Item::HandoffBreaking => "handoff.breaking",
            Item::HandoffDependencies => "handoff.dependencies",
        }
    }

    /// The DoD line, as the checklist and the report print it.
    pub fn title(self) -> &'static str {
        match self {
            Item::CodeAcceptance => "Implementation complete: all acceptance criteria addressed",
            Item::CodeTestsAdded => "Unit/integration tests added and passing",
            Item::CodeSuite => "Existing test suite passes (no regressions)",
            Item::CodeLint => "Linting passes and the project's conventions hold",
            Item::CodeTypes => "Type checking passes",
            Item::CodeTypeHints => "Type annotations on all public functions",
            Item::DocsApi => "API documentation updated if endpoints added/changed",
            Item::DocsMigrations => "Migration instructions documented if schema changed",
            Item::DocsComments => "Inline comments for non-obvious logic",
            Item::DocsReadme => "README updated if setup, env vars or dependencies changed",
            Item::HandoffE2e => "E2E scenarios affected are listed",
            Item::HandoffBreaking => "Breaking changes flagged with a migration path",
            Item::HandoffDependencies => "Dependencies on other tasks verified complete",
        }
    }

    pub fn from_id(id: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|item| item.id() == id)
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// How a check or an item came out. The order is the severity order of
/// DESIGN section 2, so `max` gives an item's status from its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not run: not selected, not applicable, or nothing to check.
    Skip,
    Pass,
    /// Advice only: does not block.
    Warn,
    Fail,
    /// The check could not run (tool missing, timeout, crash).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skip => "skip",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context for another finding (mypy's notes); never changes a status.
    Note,
    Warning,
    Error,
}

/// Where a finding points. Paths are project-relative with `/`; lines and
/// columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    pub path: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Location {
        Location {
            path: Some(path.into()),
            line: None,
            column: None,
        }
    }

    pub fn at(path: impl Into<String>, line: u32, column: Option<u32>) -> Location {
        Location {
            path: Some(path.into()),
            line: Some(line),
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(path) = &self.path else {
            return f.write_str("-");
        };
        f.write_str(path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The flagged pattern: a tool's code (`F401`, `arg-type`) or dod's rule name.
    pub rule: String,
    pub location: Location,
    pub message: String,
    pub severity: Severity,
    /// How to make it go away, when the check knows.
    pub fix: Option<String>,
    /// The last line, when the finding spans several (an uncovered range).
    pub end_line: Option<u32>,
    /// The raw value of a secret the check found, so that the report can be
    /// masked wherever it shows up (a test id, a tool's message). Taken out
    /// by the runner before anything renders; never shown.
    pub secret: Option<String>,
}

impl Finding {
    pub fn new(rule: impl Into<String>, location: Location, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.into(),
            location,
            message: message.into(),
            severity: Severity::Error,
            fix: None,
            end_line: None,
            secret: None,
        }
    }

    /// The finding spans lines up to `line`.
    pub fn with_end_line(mut self, line: u32) -> Finding {
        self.end_line = Some(line);
        self
    }

    /// Carries the secret's raw value to the redaction pass.
    pub fn with_secret(mut self, value: &str) -> Finding {
        self.secret = Some(value.to_owned());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }

    /// The order every output uses: path, line, column, rule.
    pub fn sort_key(&self) -> (&Location, &str, &str) {
        (&self.location, &self.rule, &self.message)
    }
}

/// The outcome of one test as pytest reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestOutcome {
    Passed,
    Failed,
    Error,
    Skipped,
}

impl TestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TestOutcome::Passed => "passed",
            TestOutcome::Failed => "failed",
            TestOutcome::Error => "error",
            TestOutcome::Skipped => "skipped",
        }
    }
}

/// A test that ran, keyed by its pytest node id (`tests/test_x.py::TestY::test_z[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCaseResult {
    pub node_id: String,
    /// The JUnit classname, kept so CI reporters see pytest's own names.
    pub classname: String,
    pub name: String,
    pub path: Option<String>,
    /// 1-based line of the test function.
    pub line: Option<u32>,
    pub outcome: TestOutcome,
    pub duration: Duration,
    /// The failure or skip message, first line.
    pub message: Option<String>,
    /// The full failure text (traceback).
    pub details: Option<String>,
}

/// What a check measured that the report states as fact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub tests: Vec<TestCaseResult>,
    /// The program that ran, with where it was found.
    pub tool: Option<Box<ToolFact>>,
    /// How many files a native check looked at.
    pub files_checked: Option<usize>,
    /// The tests the change added or modified, with this run's outcome
    /// (`None`: it did not run).
    pub tests_added: Vec<(String, Option<TestOutcome>)>,
    /// A headline the summary states instead of a count of findings.
    pub headline: Option<Headline>,
    /// Files outside the change whose findings count: they import a
    /// module the change touched (`changed-files-and-importers`).
    pub importers: Vec<String>,
    /// Which tests the test runner ran and why, when test impact chose.
    pub selection: Option<String>,
    /// `diff-coverage`: the changed line ranges no test ran, `(path, first, last)`.
    pub uncovered: Vec<(String, u32, u32)>,
    /// What the test run's coverage measured, when the runner is pytest.
    pub coverage: Option<Box<crate::checks::external::coverage::Coverage>>,
}

/// What a check's summary says when a count of findings is not the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    /// Acceptance criteria: how many of how many are met.
    Criteria {
        met: usize,
        total: usize,
    },
    NoSchemaChange,
    NoEndpointChanged,
    /// The test runner collected no test.
    NoTestsCollected,
    /// The test run's counts.
    Tests {
        passed: usize,
        failed: usize,
        errors: usize,
        skipped: usize,
    },
    /// No test runner ran, so the named tests' results are unknown.
    TestsNotRun,
    /// No library code changed.
    NoCodeChanged,
    /// The share of the change's executable lines the tests executed.
    DiffCoverage {
        covered: usize,
        total: usize,
        fail_under: u32,
    },
    /// Tests added or changed, all passing.
    TestsAdded {
        count: usize,
    },
    /// Tests added or changed; no test runner ran to say whether they pass.
    TestsAddedNotRun {
        count: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFact {
    pub program: String,
    /// Where it was found: `config`, `project virtualenv`, `PATH`, `managed environment`.
    pub source: &'static str,
    pub version: Option<String>,
    /// In the managed environment: whose pin it is (`dod's pin ruff==0.17.6`,
    /// `the project's requirements-dev.txt`).
    pub pinned_by: Option<String>,
}

/// What a check returns. A check that cannot run says why in `Errored`;
/// one with nothing to look at says why in `Skipped`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ran(Ran),
    Skipped(SkipReason),
    Errored(CheckError),
}

/// Why a check had nothing to judge. The renderers word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// `--all`: there is no change to compare.
    WholeProject,
    /// Diff mode: none of the files the check reads changed.
    FilesUnchanged,
    /// `--all`: the project has no file the check reads.
    NothingToRead,
    /// The check reads the task file and there is none.
    TaskFileMissing { path: String },
    /// The command takes the changed Python files and none changed.
    PythonUnchanged,
    /// The hook's fast profile runs the changed tests and none changed.
    TestsUnchanged,
    /// The change's models are Django's, which dod does not judge.
    DjangoModels,
    /// No test run measured coverage: why.
    NoCoverage(String),
    /// Test impact: no test ran the changed files and no test changed.
    NoAffectedTests,
}

/// Why a check could not judge. Shown as `error`: never a pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The change could not be worked out.
    #[error("{0}")]
    Change(crate::git::ChangeError),
    /// dod itself crashed in the check (a bug in dod).
    #[error(
        "crashed inside dod{}: {message}; the other checks still ran; please report it",
        path.as_ref().map(|path| format!(" on `{path}`")).unwrap_or_default()
    )]
    Crashed {
        path: Option<String>,
        message: String,
    },
    /// The tool could not be run or did not finish; the message says why
    /// and how to fix it.
    #[error("{0}")]
    Tool(String),
    /// Every Python file of the project is ignored by git, so there is
    /// nothing dod may check; saying "no findings" would be a false pass.
    #[error(
        "git ignores every Python file here ({count} found, e.g. `{example}`); dod checks the \
         files git tracks or would track: `git check-ignore -v {example}` says which rule \
         ignores it, and `git add -f` or a `!pattern` in .gitignore brings the project back"
    )]
    AllIgnored { count: usize, example: String },
    /// No program was found for the tool (a bug in dod: every selected
    /// tool is resolved or has its error).
    #[error("`{tool}` was not resolved; please report it")]
    Unresolved { tool: String },
}

impl CheckError {
    /// The error for a caught panic.
    pub fn crashed(path: Option<&str>, panic: &(dyn std::any::Any + Send)) -> CheckError {
        let message = panic
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        CheckError::Crashed {
            path: path.map(str::to_owned),
            message,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ran {
    pub findings: Vec<Finding>,
    /// What the check measured, for the summary and the report.
    pub facts: Facts,
    /// Parts the check could not judge (a file it crashed on): the check is
    /// `error`, and its findings elsewhere still stand.
    pub errors: Vec<CheckError>,
}

impl Ran {
    pub fn findings(findings: Vec<Finding>) -> Ran {
        Ran {
            findings,
            ..Ran::default()
        }
    }
}

/// The status findings add up to: any error fails, any warning warns.
pub fn status_of(findings: &[Finding]) -> Status {
    match findings.iter().map(|finding| finding.severity).max() {
        Some(Severity::Error) => Status::Fail,
        Some(Severity::Warning) => Status::Warn,
        Some(Severity::Note) | None => Status::Pass,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_round_trip() {
        for item in Item::ALL {
            assert_eq!(Item::from_id(item.id()), Some(item));
        }
    }

    #[test]
    fn status_order_follows_the_design() {
        assert!(Status::Error > Status::Fail);
        assert!(Status::Fail > Status::Warn);
        assert!(Status::Warn > Status::Pass);
        assert!(Status::Pass > Status::Skip);
    }

    #[test]
    fn notes_never_fail() {
        let note =
            Finding::new("note", Location::default(), "context").with_severity(Severity::Note);
        assert_eq!(status_of(&[note]), Status::Pass);
    }
}
