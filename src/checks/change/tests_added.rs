//! `tests-added`: changed code comes with changed tests, and they pass.

use std::collections::BTreeMap;

use ruff_python_ast::comparable::ComparableStmt;
use ruff_text_size::Ranged;

use crate::checks::change::{ChangeCheck, Input, Versions};
use crate::checks::declare_check;
use crate::config::FilterMode;
use crate::diagnostic::{
    Facts, Finding, Headline, Item, Location, Outcome, Ran, Severity, TestOutcome,
};
use crate::model::analysis::{self, Function};
use crate::python::{self, PythonFile};

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

/// The functions of a file by qualified name.
fn by_name(file: Option<&PythonFile>) -> BTreeMap<String, Function<'_>> {
    file.map(analysis::functions)
        .unwrap_or_default()
        .into_iter()
        .map(|function| (function.qualname.clone(), function))
        .collect()
}

/// The classes of a test module that derive from a `TestCase`
/// (`unittest.TestCase`, Django's `TestCase`, `IsolatedAsyncioTestCase`,
/// ...), directly or through another class of the module.
fn unittest_classes(file: &PythonFile) -> std::collections::BTreeSet<String> {
    let classes = analysis::classes(file);
    let mut found = std::collections::BTreeSet::new();
    loop {
        let before = found.len();
        for class in &classes {
            let derives = class.bases().iter().any(|base| {
                analysis::name_of(base)
                    .is_some_and(|name| name.ends_with("TestCase") || found.contains(name))
            });
            if derives {
                found.insert(class.name.to_string());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Functions added or changed (not only in comments or formatting).
fn changed_functions<'a>(versions: &'a Versions) -> Vec<Function<'a>> {
    let before = by_name(versions.base.as_ref());
    by_name(versions.head.as_ref())
        .into_values()
        .filter(|function| {
            before
                .get(&function.qualname)
                .is_none_or(|old| old.key() != function.key())
        })
        .collect()
}

fn code_changed(versions: &Versions) -> bool {
    let Some(head) = &versions.head else {
        return false;
    };
    versions
        .base
        .as_ref()
        .is_none_or(|base| statements(base) != statements(head))
        && !head.suite().is_empty()
}

/// A module's statements, compared without comments and formatting.
fn statements(file: &PythonFile) -> Vec<ComparableStmt<'_>> {
    file.suite().iter().map(ComparableStmt::from).collect()
}

impl ChangeCheck for TestsAdded {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let options = input.check;
        let (tests, sources): (Vec<&Versions>, Vec<&Versions>) = input
            .python
            .iter()
            .partition(|versions| python::is_test_file(&versions.file.path));
        // Library code: migrations, docs, examples and scripts do not count.
        let sources: Vec<&Versions> = sources
            .into_iter()
            .filter(|versions| crate::model::api::is_library_module(&versions.file.path))
            .filter(|versions| !options.is_excluded(&versions.file.path) && code_changed(versions))
            .collect();

        let mut added: Vec<(String, Location)> = Vec::new();
        for versions in &tests {
            let Some(head) = &versions.head else { continue };
            let test_cases = unittest_classes(head);
            for function in changed_functions(versions) {
                let parts: Vec<&str> = function.qualname.split('.').collect();
                // pytest's default rules, and any `unittest.TestCase`
                // subclass (Django's `TestCase` too), whatever its name.
                let is_test = match parts.as_slice() {
                    [name] => name.starts_with("test"),
                    [class, name] => {
                        (class.starts_with("Test") || test_cases.contains(*class))
                            && name.starts_with("test")
                    }
                    _ => false,
                };
                if is_test {
                    let (line, column) = head.line_column(head.def_keyword(function.node));
                    let node_id = format!("{}::{}", versions.file.path, parts.join("::"));
                    added.push((
                        node_id,
                        Location::at(versions.file.path.clone(), line, Some(column)),
                    ));
                }
            }
        }
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
