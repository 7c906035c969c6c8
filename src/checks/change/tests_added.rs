//! `tests-added`: changed code comes with changed tests, and they pass.

use ruff_text_size::Ranged;

use crate::checks::change::{ChangeCheck, Input, Versions};
use crate::checks::declare_check;
use crate::config::FilterMode;
use crate::diagnostic::{
    Facts, Finding, Headline, Item, Location, Outcome, Ran, Severity, TestOutcome,
};
use crate::model::inventory::{changed_functions, code_changed};
use crate::python;

declare_check! {
    /// ## What it does
    /// When the change adds or modifies library code (a function, method,
    /// class or module body; comments and formatting do not count; test
    /// files, migrations, docs, examples and scripts are not library code),
    /// it must add or modify at least one test function (`test_*` in a test
    /// file, also in a `Test*` class or any `unittest.TestCase` subclass,
    /// Django's included; `tests.py` is a test file). Each added or changed
    /// test must have run and passed in this run's pytest results (matched
    /// by node id; every case of a parametrized test); when no test runner
    /// ran (pytest not selected), the tests are noted as not run and do not
    /// fail the check.
    /// The Output Report lists the tests added with their results.
    ///
    /// ## Why it matters
    /// Untested changes are where regressions come from, and a test that
    /// was written but never run proves nothing.
    ///
    /// ## Example
    /// ```text
    /// app/storage.py:12:5 no-tests `Storage.put` changed but no test was added or changed
    /// ```
    ///
    /// ## How to fix
    /// Add or extend a test for the changed behaviour and make it pass.
    ///
    /// ## How to suppress
    /// `exclude` globs in `[checks.tests-added]` for code that is tested
    /// elsewhere, or `enabled = false`.
    pub struct TestsAdded;
    id: crate::checks::Builtin::TestsAdded,
    title: "tests added and passing",
    item: Item::CodeTestsAdded,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: &[],
}

impl ChangeCheck for TestsAdded {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let options = input.check;
        let sources = input
            .python
            .iter()
            .filter(|versions| !python::is_test_file(&versions.file.path));
        // Library code: migrations, docs, examples and scripts do not count.
        let sources: Vec<&Versions> = sources
            .filter(|versions| crate::model::api::is_library_module(&versions.file.path))
            .filter(|versions| !options.is_excluded(&versions.file.path) && code_changed(versions))
            .collect();

        let added: Vec<(String, Location)> = input
            .inventory
            .tests
            .iter()
            .map(|test| {
                (
                    test.node_id.clone(),
                    Location::at(test.path.clone(), test.line, Some(test.column)),
                )
            })
            .collect();
        let mut findings = Vec::new();
        // The finding names a changed function where there is one, not a
        // module whose only change is, say, its `__version__`.
        let first = sources
            .iter()
            .find(|versions| !changed_functions(versions).is_empty())
            .or(sources.first());
        if let (Some(first), true) = (first, added.is_empty()) {
            let changed = changed_functions(first);
            let (location, what) = match (changed.first(), first.head.as_ref()) {
                (Some(function), Some(head)) => {
                    let (line, column) = head.line_column(function.node.start());
                    (
                        Location::at(first.file.path.clone(), line, Some(column)),
                        format!("`{}`", function.qualname),
                    )
                }
                _ => (
                    Location::file(first.file.path.clone()),
                    format!("`{}`", first.file.path),
                ),
            };
            let more = sources.len() - 1;
            let also = if more > 0 {
                format!(" (and {more} more changed files)")
            } else {
                String::new()
            };
            findings.push(
                Finding::new(
                    "no-tests",
                    location,
                    format!("{what} changed but no test was added or changed{also}"),
                )
                .with_fix("add or extend a test (`test_*` in tests/) for the changed behaviour"),
            );
        }
        let mut results = Vec::new();
        for (node_id, location) in &added {
            let outcome = input.test_outcome(node_id);
            results.push((node_id.clone(), outcome));
            if !input.tests_ran() {
                // Without a test run, judge what can be judged (a test was
                // added) and say that it was not run; never fail for it.
                findings.push(
                    Finding::new(
                        "test-not-run",
                        location.clone(),
                        format!("new or changed test `{node_id}` was not run: no test runner ran in this run"),
                    )
                    .with_severity(Severity::Note),
                );
                continue;
            }
            let problem = match outcome {
                Some(TestOutcome::Passed) => continue,
                Some(TestOutcome::Failed | TestOutcome::Error) => (
                    "test-failed",
                    format!("new or changed test `{node_id}` failed"),
                ),
                Some(TestOutcome::Skipped) => (
                    "test-skipped",
                    format!("new or changed test `{node_id}` was skipped"),
                ),
                None => (
                    "test-not-run",
                    format!("new or changed test `{node_id}` did not run"),
                ),
            };
            findings.push(
                Finding::new(problem.0, location.clone(), problem.1)
                    .with_fix(format!("run `pytest {node_id}` and make it pass")),
            );
        }
        let blocking = findings
            .iter()
            .any(|finding| finding.severity > Severity::Note);
        let headline = match (sources.is_empty(), added.len()) {
            (true, 0) => Some(Headline::NoCodeChanged),
            (_, count) if !blocking && !input.tests_ran() => {
                Some(Headline::TestsAddedNotRun { count })
            }
            (_, count) if findings.is_empty() => Some(Headline::TestsAdded { count }),
            _ => None,
        };
        Outcome::Ran(Ran {
            findings,
            facts: Facts {
                tests_added: results,
                headline,
                ..Facts::default()
            },
            ..Ran::default()
        })
    }
}
