//! The change-check fixture harness (test builds only). A case is a folder
//! `tests/fixtures/change/<case>/` with two trees, `base/` and `head/`, and
//! optionally a `TASK.md`, a `dod.toml` (check options), a `TESTS` file
//! (this run's test results, `node_id outcome` per line) and a `CHECKS`
//! file (the check ids the case is about; default: every change check).
//!
//! The change is computed from the two trees (added, deleted and modified
//! files with their changed lines), with no git and no Python tools, and
//! every change check the case is about runs on it. The findings expected
//! are marked where they point: `# expect: <check-id> <rule>` (or
//! `<!-- expect: ... -->` in Markdown) on the line of the finding, in a head
//! file, a base file (a finding about what was removed) or `TASK.md`;
//! `expect-file:` for a finding about a whole file; or in an `EXPECT` file
//! (`check rule path[:line]` per line) where a marker cannot go. A case
//! passes when the findings (notes aside) are exactly the marked ones.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::checks::change::{self, Contents, Input, TaskFile, TestResults};
use crate::checks::{Builtin, Implementation};
use crate::config::{self, Settings};
use crate::diagnostic::{Finding, Outcome, Severity, TestCaseResult, TestOutcome};
use crate::git::{Base, BaseSource, Change, ChangedFile, ChangedLines, FileStatus, LineSet};

/// One expected or actual finding: check, rule, path, line.
pub type Expect = (String, String, String, Option<u32>);

pub struct Case {
    pub name: String,
    pub expected: BTreeSet<Expect>,
    /// Each check the case ran, with its outcome.
    pub outcomes: BTreeMap<&'static str, Outcome>,
}

impl Case {
    /// Whether the case expects a finding of the check.
    pub fn expects(&self, id: &str) -> bool {
        self.expected.iter().any(|(check, ..)| check == id)
    }

    /// Whether the check ran (was not skipped) in this case.
    pub fn runs(&self, id: &str) -> bool {
        matches!(self.outcomes.get(id), Some(Outcome::Ran(_)))
    }

    /// The findings that count (notes aside), as expectations.
    pub fn actual(&self) -> BTreeSet<Expect> {
        self.outcomes
            .iter()
            .filter_map(|(id, outcome)| match outcome {
                Outcome::Ran(ran) => Some((id, &ran.findings)),
                Outcome::Skipped(_) | Outcome::Errored(_) => None,
            })
            .flat_map(|(id, findings)| {
                findings
                    .iter()
                    .filter(|finding| finding.severity > Severity::Note)
                    .map(|finding| expect_of(id, finding))
            })
            .collect()
    }
}

fn expect_of(id: &str, finding: &Finding) -> Expect {
    (
        id.to_owned(),
        finding.rule.clone(),
        finding.location.path.clone().unwrap_or_default(),
        finding.location.line,
    )
}

/// Every case under `dir`, run.
pub fn cases(dir: &Path) -> Vec<Case> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.iter().map(|path| run_case(path)).collect()
}

/// Every file of a tree, by relative path, with its text.
fn tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, files);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let relative = crate::python::relative_path(&path, root);
                files.insert(relative, text);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    files
}

/// The lines of `new` that the diff from `old` adds or modifies.
fn changed_lines(old: &str, new: &str) -> LineSet {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut lines = LineSet::default();
    for op in diff.ops() {
        let range = op.new_range();
        if op.tag() != similar::DiffTag::Equal && !range.is_empty() {
            let start = u32::try_from(range.start + 1).unwrap_or(u32::MAX);
            let end = u32::try_from(range.end).unwrap_or(u32::MAX);
            lines.push(start..=end);
        }
    }
    lines
}

/// The change from one tree to the other.
fn change_between(base: &BTreeMap<String, String>, head: &BTreeMap<String, String>) -> Change {
    let paths: BTreeSet<&String> = base.keys().chain(head.keys()).collect();
    let files = paths
        .into_iter()
        .filter_map(|path| {
            let (status, lines) = match (base.get(path), head.get(path)) {
                (None, Some(_)) => (FileStatus::Added, ChangedLines::Whole),
                (Some(_), None) => (FileStatus::Deleted, ChangedLines::Some(LineSet::default())),
                (Some(old), Some(new)) if old != new => (
                    FileStatus::Modified,
                    ChangedLines::Some(changed_lines(old, new)),
                ),
                _ => return None,
            };
            Some(ChangedFile {
                path: path.clone(),
                status,
                from: None,
                lines,
            })
        })
        .collect();
    Change {
        base: Base {
            reference: "base".to_owned(),
            commit: "base".to_owned(),
            source: BaseSource::Flag,
        },
        files,
    }
}

/// The markers of one file: `expect:` on a line, `expect-file:` for the file.
/// Several may share a line.
fn markers(path: &str, text: &str, found: &mut BTreeSet<Expect>) {
    for (index, line) in text.lines().enumerate() {
        for (marker, whole_file) in [("expect-file:", true), ("expect:", false)] {
            for (at, _) in line.match_indices(marker) {
                let mut words = line[at + marker.len()..]
                    .split(|c: char| c.is_whitespace() || c == ';')
                    .filter(|word| !word.is_empty() && *word != "-->");
                if let (Some(check), Some(rule)) = (words.next(), words.next()) {
                    let line = (!whole_file).then(|| u32::try_from(index + 1).unwrap_or(u32::MAX));
                    found.insert((check.to_owned(), rule.to_owned(), path.to_owned(), line));
                }
            }
        }
    }
}

/// The `EXPECT` file: `check rule path[:line]` per line, for findings in
/// files that cannot carry a marker (a task file's headings).
fn expect_file(text: &str, found: &mut BTreeSet<Expect>) {
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [check, rule, at] = words.as_slice() {
            let (path, line) = match at.rsplit_once(':') {
                Some((path, line)) if line.parse::<u32>().is_ok() => (path, line.parse().ok()),
                _ => (*at, None),
            };
            found.insert((
                (*check).to_owned(),
                (*rule).to_owned(),
                path.to_owned(),
                line,
            ));
        }
    }
}

fn tests_of(text: &str) -> Vec<TestCaseResult> {
    text.lines()
        .filter_map(|line| {
            let (node_id, outcome) = line.trim().rsplit_once(' ')?;
            let outcome = match outcome {
                "passed" => TestOutcome::Passed,
                "failed" => TestOutcome::Failed,
                "error" => TestOutcome::Error,
                "skipped" => TestOutcome::Skipped,
                _ => return None,
            };
            Some(TestCaseResult {
                node_id: node_id.to_owned(),
                classname: String::new(),
                name: node_id.rsplit("::").next().unwrap_or(node_id).to_owned(),
                path: None,
                line: None,
                outcome,
                duration: std::time::Duration::ZERO,
                message: None,
                details: None,
            })
        })
        .collect()
}

fn run_case(dir: &Path) -> Case {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = tree(&dir.join("base"));
    let head = tree(&dir.join("head"));
    let change = change_between(&base, &head);

    let mut expected = BTreeSet::new();
    for (path, text) in base.iter().chain(&head) {
        markers(path, text, &mut expected);
    }
    let task_text = std::fs::read_to_string(dir.join("TASK.md")).ok();
    if let Some(text) = &task_text {
        markers("TASK.md", text, &mut expected);
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("EXPECT")) {
        expect_file(&text, &mut expected);
    }

    let (options, source) =
        config::load(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    let settings = Settings::for_listing(dir.to_owned(), options, source)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()));

    let task = match task_text {
        Some(text) => TaskFile::Found {
            path: "TASK.md".to_owned(),
            task: crate::task::parse(&text),
        },
        None => TaskFile::Missing {
            path: "TASK.md".to_owned(),
        },
    };
    let mut contents = Contents::default();
    for file in &change.files {
        if let Some(text) = base.get(&file.path) {
            contents.base.insert(file.path.clone(), text.clone());
        }
        if let Some(text) = head.get(&file.path) {
            contents.head.insert(file.path.clone(), text.clone());
        }
    }
    for readme in change::READMES {
        if let Some(text) = head.get(readme) {
            contents.head.insert(readme.to_owned(), text.clone());
        }
    }
    if let TaskFile::Found { task, .. } = &task {
        for entry in &task.depends_on {
            let text = head
                .get(&entry.text)
                .cloned()
                .or_else(|| std::fs::read_to_string(dir.join(&entry.text)).ok());
            if let Some(text) = text {
                contents.dependencies.insert(entry.text.clone(), text);
            }
        }
    }
    let python = change::parse_versions(&change, &contents);
    let rules = crate::model::test_rules::TestRules::read(|path| head.get(path).cloned());
    let unchanged: Vec<(String, String)> = head
        .iter()
        .filter(|(path, text)| {
            crate::model::dependencies::is_declaration(path) && base.get(*path) == Some(*text)
        })
        .map(|(path, text)| (path.clone(), text.clone()))
        .collect();
    let declarations = change::declarations(&change, &contents, &unchanged);
    let mut inventory = crate::model::inventory::inventory(&change, &python, &rules, &declarations);
    // The model's context: every unchanged Python file of the case.
    let context: Vec<crate::python::PythonFile> = head
        .iter()
        .filter(|(path, text)| crate::python::is_python(path) && base.get(*path) == Some(*text))
        .filter_map(
            |(path, text)| match crate::python::parse_text(path, text.clone()) {
                crate::python::Source::Parsed(file) => Some(*file),
                crate::python::Source::Invalid { .. } => None,
            },
        )
        .collect();
    inventory.env_vars = crate::model::settings::new_env_vars(&python, &context, |names| {
        context
            .iter()
            .filter(|file| names.iter().any(|name| file.source.contains(name)))
            .filter_map(
                |file| match crate::python::parse_text(&file.path, file.source.clone()) {
                    crate::python::Source::Parsed(file) => Some(*file),
                    crate::python::Source::Invalid { .. } => None,
                },
            )
            .collect()
    });
    let tests = std::fs::read_to_string(dir.join("TESTS"))
        .ok()
        .map(|text| tests_of(&text));
    let only: Option<Vec<String>> = std::fs::read_to_string(dir.join("CHECKS"))
        .ok()
        .map(|text| text.split_whitespace().map(str::to_owned).collect());

    // The coverage a test run measured, in coverage's own JSON; a case
    // without one runs no `diff-coverage`, which needs it.
    let coverage = std::fs::read_to_string(dir.join("COVERAGE.json"))
        .ok()
        .map(|json| crate::checks::external::coverage::parse(&json, dir))
        .map(|parsed| {
            crate::checks::external::coverage::Coverage::Measured(
                parsed.unwrap_or_else(|error| panic!("{}: {error}", dir.display())),
            )
        });
    let mut outcomes = BTreeMap::new();
    for builtin in Builtin::ALL {
        let Implementation::Change(check) = builtin.implementation() else {
            continue;
        };
        let id = builtin.as_str();
        if only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|wanted| wanted == id))
            || (*builtin == Builtin::DiffCoverage && coverage.is_none())
        {
            continue;
        }
        let input = Input {
            change: Some(&change),
            contents: &contents,
            python: &python,
            context: &context,
            inventory: &inventory,
            task: task.found(),
            tests: tests
                .as_deref()
                .map_or(TestResults::NotRun, TestResults::Ran),
            coverage: coverage.as_ref(),
            check: settings.check(&(*builtin).into()),
            own: &settings.own,
        };
        outcomes.insert(id, change::run(check, &input, &task, None, false));
    }
    Case {
        name,
        expected,
        outcomes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/change")
    }

    /// Every case: the findings are exactly the marked ones, and the
    /// findings of each case are snapshotted.
    #[test]
    fn every_case_finds_what_it_marks() {
        let cases = cases(&fixtures());
        assert!(!cases.is_empty());
        let mut failures = Vec::new();
        for case in &cases {
            let actual = case.actual();
            if actual != case.expected {
                let missing: Vec<_> = case.expected.difference(&actual).collect();
                let extra: Vec<_> = actual.difference(&case.expected).collect();
                failures.push(format!(
                    "{}:\n  expected, not found: {missing:?}\n  found, not expected: {extra:?}",
                    case.name
                ));
            }
            for (id, outcome) in &case.outcomes {
                assert!(
                    !matches!(outcome, Outcome::Errored(_)),
                    "{}: {id} errored: {outcome:?}",
                    case.name
                );
            }
            let rendered: Vec<String> = case
                .outcomes
                .iter()
                .flat_map(|(id, outcome)| match outcome {
                    Outcome::Ran(ran) => ran
                        .findings
                        .iter()
                        .map(|finding| format!("{id}: {}", crate::render::finding_line(finding)))
                        .collect(),
                    Outcome::Skipped(reason) => {
                        vec![format!(
                            "{id}: skip ({})",
                            crate::render::skip_reason(reason)
                        )]
                    }
                    Outcome::Errored(error) => vec![format!("{id}: error ({error})")],
                })
                .collect();
            insta::assert_snapshot!(format!("change__{}", case.name), rendered.join("\n"));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn changed_lines_are_the_new_side_of_the_diff() {
        let lines = changed_lines("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!(lines.ranges(), &[2..=2, 4..=4]);
    }
}
