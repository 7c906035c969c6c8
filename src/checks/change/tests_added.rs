//! `tests-added`: changed code comes with changed tests, and they pass.

use ruff_text_size::Ranged;

use crate::checks::change::{ChangeCheck, Input, Versions};
use crate::checks::declare_check;
use crate::checks::external::coverage::{Coverage, CoverageData};
use crate::config::FilterMode;
use crate::diagnostic::{
    Facts, Finding, Headline, Item, Location, Outcome, Ran, Severity, TestOutcome,
};
use crate::model::inventory::{behaviour_changed_functions, changed_functions, code_changed};
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
    /// When the test run measured coverage (pytest under pytest-cov, which
    /// dod arranges), each changed public function or method must have been
    /// run by a test the change added or changed, and that test passed: a
    /// Flask route reached only through `app.test_client()` counts, and a
    /// function only old tests run is a finding that names them.
    /// The Output Report lists the tests added with their results.
    ///
    /// ## Why it matters
    /// Untested changes are where regressions come from, and a test that
    /// was written but never run proves nothing.
    ///
    /// ## Example
    /// ```text
    /// app/storage.py:12:5 no-tests `Storage.put` changed but no test was added or changed
    /// app/calc.py:4:1 untested-change `add` changed and only tests this change did not add or change ran it: `tests/test_calc.py::test_add`
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
        // With coverage, each changed public function must have been run
        // by a test the change added or changed, and that test passed.
        let measured = match input.coverage {
            Some(Coverage::Measured(data)) => Some(data),
            _ => None,
        };
        let added_ids: Vec<&str> = added.iter().map(|(id, _)| id.as_str()).collect();
        if let Some(data) = measured {
            for versions in &sources {
                findings.extend(untested_functions(versions, data, &added_ids));
            }
        }
        // The finding names a changed function where there is one, not a
        // module whose only change is, say, its `__version__`.
        let first = sources
            .iter()
            .find(|versions| !changed_functions(versions).is_empty())
            .or(sources.first());
        let judged_by_coverage = measured.is_some()
            && sources
                .iter()
                .any(|versions| !changed_functions(versions).is_empty());
        if let (Some(first), true, false) = (first, added.is_empty(), judged_by_coverage) {
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

/// The changed public functions of a file that no test added or changed in
/// this change ran, by this run's coverage: each a finding that names the
/// tests that did run it, if any. (Whether the new tests passed is each
/// test's own finding.)
fn untested_functions(versions: &Versions, data: &CoverageData, added: &[&str]) -> Vec<Finding> {
    let Some(head) = &versions.head else {
        return Vec::new();
    };
    let file = data.files.get(&versions.file.path);
    let is_added = |test: &str| {
        added
            .iter()
            .any(|id| test == *id || test.starts_with(&format!("{id}[")))
    };
    let mut findings = Vec::new();
    // A function whose annotations or docstring alone changed does nothing
    // new that a test could see.
    for function in behaviour_changed_functions(versions) {
        if function
            .qualname
            .split('.')
            .any(|part| part.starts_with('_'))
        {
            continue;
        }
        let (Some(first), Some(last)) = (function.node.body.first(), function.node.body.last())
        else {
            continue;
        };
        let from = head.line_column(first.start()).0;
        let to = head.line_column(last.end()).0;
        let mut ran: Vec<&str> = file
            .map(|file| {
                file.tests
                    .range(from..=to)
                    .flat_map(|(_, tests)| tests.iter().map(String::as_str))
                    .collect()
            })
            .unwrap_or_default();
        ran.sort_unstable();
        ran.dedup();
        // A new test that ran it and failed is its own finding (`test-failed`).
        if ran.iter().any(|test| is_added(test)) {
            continue;
        }
        let (line, column) = head.line_column(head.def_keyword(function.node));
        let location = Location::at(versions.file.path.clone(), line, Some(column));
        let message = match ran.is_empty() {
            true => format!("`{}` changed and no test ran it", function.qualname),
            false => {
                let shown: Vec<String> =
                    ran.iter().take(3).map(|test| format!("`{test}`")).collect();
                let more = ran.len().saturating_sub(3);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!(
                    "`{}` changed and only tests this change did not add or change ran it: {}{more}",
                    function.qualname,
                    shown.join(", ")
                )
            }
        };
        findings.push(
            Finding::new("untested-change", location, message).with_fix(format!(
                "add or extend a test that calls `{}` and checks the new behaviour",
                function.qualname
            )),
        );
    }
    findings
}
