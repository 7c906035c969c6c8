//! coverage.py's data, as `coverage json --show-contexts` writes it
//! (DESIGN §12): per file the executed, missing and excluded lines, and per
//! executed line the test contexts (`tests/test_x.py::test_y|run`) that ran
//! it; lines run at import have the context `""`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

/// What the test run measured, by project-relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageData {
    pub files: BTreeMap<String, FileCoverage>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    pub executed: BTreeSet<u32>,
    pub missing: BTreeSet<u32>,
    /// Lines the project's coverage config excludes (`pragma: no cover`).
    pub excluded: BTreeSet<u32>,
    /// The tests (pytest node ids) that executed each line.
    pub tests: BTreeMap<u32, Vec<String>>,
}

impl FileCoverage {
    /// Whether coverage counts the line as a statement.
    pub fn is_executable(&self, line: u32) -> bool {
        self.executed.contains(&line) || self.missing.contains(&line)
    }
}

/// Whether coverage ran with the test run, and what it measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    Measured(CoverageData),
    /// The tools to measure it are missing: why, and the fix (an error).
    Unavailable(String),
    /// The run measured nothing (it ran no test): why (a skip).
    NotMeasured(String),
}

#[derive(Deserialize)]
struct Report {
    files: BTreeMap<String, File>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    executed_lines: Vec<u32>,
    #[serde(default)]
    missing_lines: Vec<u32>,
    #[serde(default)]
    excluded_lines: Vec<u32>,
    #[serde(default)]
    contexts: BTreeMap<String, Vec<String>>,
}

/// Reads `coverage json --show-contexts` output; paths are made
/// project-relative.
pub fn parse(json: &str, root: &Path) -> Result<CoverageData, String> {
    let report: Report = serde_json::from_str(json)
        .map_err(|error| format!("coverage's JSON report is not valid: {error}"))?;
    let mut data = CoverageData::default();
    for (path, file) in report.files {
        let path = super::relative_path(&path, root);
        let mut tests: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (line, contexts) in file.contexts {
            let Ok(line) = line.parse::<u32>() else {
                continue;
            };
            let ids: Vec<String> = contexts
                .iter()
                .filter(|context| !context.is_empty())
                .map(|context| {
                    context
                        .rsplit_once('|')
                        .map_or(context.as_str(), |(id, _phase)| id)
                        .to_owned()
                })
                .collect();
            if !ids.is_empty() {
                let entry = tests.entry(line).or_default();
                entry.extend(ids);
                entry.sort();
                entry.dedup();
            }
        }
        data.files.insert(
            path,
            FileCoverage {
                executed: file.executed_lines.into_iter().collect(),
                missing: file.missing_lines.into_iter().collect(),
                excluded: file.excluded_lines.into_iter().collect(),
                tests,
            },
        );
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_the_tests_that_ran_them_are_read() {
        let json = r#"{"meta": {"version": "7.17.3", "show_contexts": true},
          "files": {"/repo/app/calc.py": {
            "executed_lines": [1, 4, 5], "missing_lines": [7], "excluded_lines": [9],
            "contexts": {"1": [""], "5": ["tests/test_calc.py::test_add|run", "tests/test_calc.py::test_add|setup"]},
            "summary": {"covered_lines": 3}}},
          "totals": {"percent_covered": 75.0}}"#;
        let data = parse(json, Path::new("/repo")).unwrap();
        let file = &data.files["app/calc.py"];
        assert!(file.is_executable(7) && !file.is_executable(9));
        assert_eq!(file.tests[&5], ["tests/test_calc.py::test_add"]);
        assert!(!file.tests.contains_key(&1), "import time is no test");
        assert!(parse("{", Path::new("/repo")).is_err());
    }
}
