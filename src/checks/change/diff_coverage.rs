//! `diff-coverage`: the share of the change's executable lines of library
//! code that this run's tests executed, against `fail_under`.

use serde::Deserialize;

use crate::checks::change::{ChangeCheck, Input};
use crate::checks::declare_check;
use crate::checks::external::coverage::{Coverage, CoverageData};
use crate::checks::options::{OptionDoc, Value};
use crate::config::FilterMode;
use crate::diagnostic::{
    CheckError, Facts, Finding, Headline, Item, Location, Outcome, Ran, Severity, SkipReason,
};
use crate::model::Versions;
use crate::python::{self, PythonFile};

declare_check! {
    /// ## What it does
    /// Reads the coverage of this run's pytest suite (pytest-cov with
    /// per-test contexts, which dod adds to the pytest run) and measures the
    /// lines the change added or modified in library code (not tests, not
    /// migrations, docs, examples or scripts): the share of those that are
    /// executable and that some test executed, against `fail_under`
    /// (default 80 %). Lines the project's coverage config excludes
    /// (`# pragma: no cover`, `exclude_lines`) do not count; a changed
    /// module the test run never imported counts every changed statement as
    /// not covered. Each range of uncovered changed lines is a finding.
    /// With `--all` there is no change to measure: it skips.
    ///
    /// ## Why it matters
    /// A test that was added proves nothing about the branch it does not
    /// reach. Coverage of the changed lines is the measured answer to
    /// "tests added"; 80 % is the usual threshold for new code.
    ///
    /// ## Example
    /// ```text
    /// app/pricing.py:14 uncovered lines 14-16 of the change are not executed by any test (diff coverage 62.5 % < 80 %)
    /// ```
    ///
    /// ## How to fix
    /// Add a test that reaches the uncovered lines, or mark code that needs
    /// no test with `# pragma: no cover`.
    ///
    /// ## How to suppress
    /// `fail_under = 0` or `exclude` globs in `[checks.diff-coverage]`, or
    /// `enabled = false`.
    pub struct DiffCoverage;
    id: crate::checks::Builtin::DiffCoverage,
    title: "diff coverage",
    item: Item::CodeTestsAdded,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: OPTIONS,
}

pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "fail_under",
    default: Some(Value::Toml("80")),
    doc: "the lowest share (percent) of changed executable lines the tests must execute",
}];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub fail_under: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub fail_under: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { fail_under: 80.0 }
    }
}

impl Options {
    pub fn resolve(self) -> Result<Settings, (&'static str, String)> {
        let fail_under = self.fail_under.unwrap_or(80.0);
        if !(0.0..=100.0).contains(&fail_under) {
            return Err((
                "fail_under",
                format!("{fail_under} is not a percentage from 0 to 100"),
            ));
        }
        Ok(Settings { fail_under })
    }
}

/// One changed line's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Covered,
    Uncovered,
}

impl ChangeCheck for DiffCoverage {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let settings = input.own.diff_coverage;
        let library: Vec<&Versions> = input
            .python
            .iter()
            .filter(|versions| versions.head.is_some())
            .filter(|versions| !python::is_test_file(&versions.file.path))
            .filter(|versions| crate::model::api::is_library_module(&versions.file.path))
            .filter(|versions| !input.check.is_excluded(&versions.file.path))
            .collect();
        if library.is_empty() {
            return Outcome::Ran(Ran {
                facts: Facts {
                    headline: Some(Headline::NoCodeChanged),
                    ..Facts::default()
                },
                ..Ran::default()
            });
        }
        let data = match input.coverage {
            // Not measured is never a pass: a skip that says why.
            None => {
                return Outcome::Skipped(SkipReason::NoCoverage(
                    "no test runner ran (pytest not selected, or it could not run)".to_owned(),
                ));
            }
            Some(Coverage::NotMeasured(why)) => {
                return Outcome::Skipped(SkipReason::NoCoverage(why.clone()));
            }
            Some(Coverage::Unavailable(reason)) => {
                return Outcome::Errored(CheckError::Tool(reason.clone()));
            }
            Some(Coverage::Measured(data)) => data,
        };
        let mut lines: Vec<(&str, u32, Standing, bool)> = Vec::new();
        for versions in &library {
            let Some(head) = &versions.head else { continue };
            for (line, standing, imported) in standings(versions, head, data) {
                lines.push((&versions.file.path, line, standing, imported));
            }
        }
        let total = lines.len();
        let covered = lines
            .iter()
            .filter(|(_, _, standing, _)| *standing == Standing::Covered)
            .count();
        let headline = Headline::DiffCoverage {
            covered,
            total,
            fail_under: settings.fail_under.round() as u32,
        };
        let percent = if total == 0 {
            100.0
        } else {
            covered as f64 * 100.0 / total as f64
        };
        let failing = percent < settings.fail_under;
        let severity = if failing {
            Severity::Error
        } else {
            Severity::Note
        };
        let mut findings = Vec::new();
        let ranges = uncovered_ranges(&lines);
        let uncovered = ranges
            .iter()
            .map(|(path, first, last, _)| ((*path).to_owned(), *first, *last))
            .collect();
        for (path, first, last, imported) in ranges {
            let spans = last > first;
            let what = if first == last {
                format!("line {first}")
            } else {
                format!("lines {first}-{last}")
            };
            let why = if imported {
                "not executed by any test"
            } else {
                "in a module the test run never imported"
            };
            let finding = Finding::new(
                    "uncovered",
                    Location::at(path.to_owned(), first, None),
                    format!(
                        "changed {what} {why} (diff coverage {percent:.1} % {} {} %)",
                        if failing { "<" } else { ">=" },
                        settings.fail_under
                    ),
                )
                .with_severity(severity)
                .with_fix(format!("add a test that runs `{path}` {what}, or mark code that needs none `# pragma: no cover`"));
            findings.push(if spans {
                finding.with_end_line(last)
            } else {
                finding
            });
        }
        Outcome::Ran(Ran {
            findings,
            facts: Facts {
                headline: Some(headline),
                uncovered,
                ..Facts::default()
            },
            ..Ran::default()
        })
    }
}

/// Each changed executable line of a file with whether a test ran it, and
/// whether the test run imported the module at all.
fn standings(
    versions: &Versions,
    head: &PythonFile,
    data: &CoverageData,
) -> Vec<(u32, Standing, bool)> {
    let changed = |line: u32| versions.file.lines.contains(line);
    match data.files.get(&versions.file.path) {
        Some(file) => {
            let mut lines: Vec<u32> = file
                .executed
                .iter()
                .chain(&file.missing)
                .copied()
                .filter(|line| changed(*line) && !file.excluded.contains(line))
                .collect();
            lines.sort_unstable();
            lines.dedup();
            lines
                .into_iter()
                .map(|line| {
                    let standing = if file.executed.contains(&line) {
                        Standing::Covered
                    } else {
                        Standing::Uncovered
                    };
                    (line, standing, true)
                })
                .collect()
        }
        // Never imported: every changed statement is uncovered.
        None => statement_lines(head)
            .into_iter()
            .filter(|line| changed(*line))
            .map(|line| (line, Standing::Uncovered, false))
            .collect(),
    }
}

/// The first line of every statement (docstrings aside), as coverage
/// counts statements.
fn statement_lines(file: &PythonFile) -> Vec<u32> {
    let mut lines = Vec::new();
    python::walk_statements(file.suite(), &mut |stmt, _| {
        let is_docstring = matches!(
            stmt,
            ruff_python_ast::Stmt::Expr(expr) if expr.value.is_string_literal_expr()
        );
        if !is_docstring {
            use ruff_text_size::Ranged;
            lines.push(file.line_column(stmt.start()).0);
        }
    });
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// Consecutive uncovered lines (among the executable ones) of one file as
/// `(path, first, last, imported)`.
fn uncovered_ranges<'a>(
    lines: &[(&'a str, u32, Standing, bool)],
) -> Vec<(&'a str, u32, u32, bool)> {
    let mut ranges: Vec<(&str, u32, u32, bool)> = Vec::new();
    let mut previous: Option<(&str, Standing)> = None;
    for &(path, line, standing, imported) in lines {
        let continues = previous == Some((path, Standing::Uncovered));
        previous = Some((path, standing));
        if standing != Standing::Uncovered {
            continue;
        }
        match ranges.last_mut() {
            Some(last) if continues && last.0 == path => last.2 = line,
            _ => ranges.push((path, line, line, imported)),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncovered_lines_group_into_ranges_broken_by_covered_ones() {
        use Standing::{Covered, Uncovered};
        let lines = [
            ("a.py", 3, Uncovered, true),
            ("a.py", 4, Uncovered, true),
            ("a.py", 6, Covered, true),
            ("a.py", 8, Uncovered, true),
            ("b.py", 1, Uncovered, false),
        ];
        assert_eq!(
            uncovered_ranges(&lines),
            [
                ("a.py", 3, 4, true),
                ("a.py", 8, 8, true),
                ("b.py", 1, 1, false)
            ]
        );
    }
}
