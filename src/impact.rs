//! Test impact (DESIGN §6): after a full test run under coverage, dod keeps
//! the map from each project file to the tests that executed it, in its
//! cache, with the commit it was measured at. `--affected` and `[hook]
//! pytest = "affected"` then run only the tests that executed a changed
//! file, plus the changed test files, and fall back to the full suite when
//! there is no map, when it is not of this branch's history or older than
//! the base, or when `conftest.py`, the pytest or coverage config, or a
//! non-Python input changed. The choice and its reason are reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::checks::external::coverage::CoverageData;
use crate::git::{Change, FileStatus};

/// Which tests ran which files, as measured at one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Map {
    pub commit: String,
    /// Project-relative file → the tests (pytest node ids) that ran it.
    pub files: BTreeMap<String, BTreeSet<String>>,
}

/// What the test run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These tests (node ids and test files), and why.
    Tests { tests: Vec<String>, why: String },
    /// The whole suite, and why.
    Full { why: String },
}

/// The map's file for a project, in dod's cache `cache`.
fn map_path(cache: &Path, root: &Path) -> PathBuf {
    let key = crate::environment::fnv1a(root.display().to_string().as_bytes());
    cache.join("impact").join(format!("{key:016x}.json"))
}

/// Keeps the map of a full run measured at `commit`.
pub fn save(cache: &Path, root: &Path, commit: &str, data: &CoverageData) -> Result<(), String> {
    let mut files: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, file) in &data.files {
        let tests: BTreeSet<String> = file.tests.values().flatten().cloned().collect();
        if !tests.is_empty() {
            files.insert(path.clone(), tests);
        }
    }
    let map = Map {
        commit: commit.to_owned(),
        files,
    };
    let path = map_path(cache, root);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|error| error.to_string())?;
    }
    let text = serde_json::to_string(&map).map_err(|error| error.to_string())?;
    std::fs::write(&path, text).map_err(|error| format!("{}: {error}", path.display()))
}

fn load(cache: &Path, root: &Path) -> Result<Option<Map>, String> {
    let path = map_path(cache, root);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| format!("the map `{}` is not readable ({error})", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("the map `{}`: {error}", path.display())),
    }
}

/// Files whose change can alter any test: the full suite runs.
fn changes_every_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let config = [
        "conftest.py",
        "pytest.ini",
        "pyproject.toml",
        "setup.cfg",
        "tox.ini",
        ".coveragerc",
        "setup.py",
    ];
    if config.contains(&name) || name.starts_with("requirements") {
        return true;
    }
    let is_python = crate::python::is_python(path);
    // Prose is no test's input.
    let is_prose = [".md", ".rst", ".txt"]
        .iter()
        .any(|ext| name.ends_with(ext))
        && !name.starts_with("requirements");
    !is_python && !is_prose
}

/// The tests to run for `change`: the affected ones, or the full suite
/// with the reason.
pub fn select(
    cache: &Path,
    root: &Path,
    change: &Change,
    is_ancestor: impl Fn(&str, &str) -> bool,
) -> Selection {
    let map = match load(cache, root) {
        Ok(Some(map)) => map,
        Ok(None) => {
            return Selection::Full {
                why: "no map of which test runs which file yet (a full run under coverage makes \
                      one)"
                    .to_owned(),
            };
        }
        Err(error) => return Selection::Full { why: error },
    };
    if !is_ancestor(&map.commit, "HEAD") {
        return Selection::Full {
            why: format!(
                "the map was measured at {}, which is not in this branch's history",
                short(&map.commit)
            ),
        };
    }
    if !is_ancestor(&change.base.commit, &map.commit) {
        return Selection::Full {
            why: format!(
                "the map ({}) is older than the base {}",
                short(&map.commit),
                short(&change.base.commit)
            ),
        };
    }
    if let Some(file) = change
        .files
        .iter()
        .find(|file| changes_every_test(&file.path))
    {
        return Selection::Full {
            why: format!("`{}` changed, which any test may read", file.path),
        };
    }
    let mut tests: BTreeSet<String> = BTreeSet::new();
    let mut changed_tests = 0;
    for file in &change.files {
        if crate::python::is_test_file(&file.path) {
            if file.status != FileStatus::Deleted {
                tests.insert(file.path.clone());
                changed_tests += 1;
            }
            continue;
        }
        for path in std::iter::once(&file.path).chain(file.from.as_ref()) {
            if let Some(ran) = map.files.get(path) {
                tests.extend(ran.iter().cloned());
            }
        }
    }
    // A test in a changed test file is run with its file.
    let files: Vec<String> = tests
        .iter()
        .filter(|test| !test.contains("::"))
        .cloned()
        .collect();
    tests.retain(|test| {
        !files
            .iter()
            .any(|file| test.starts_with(&format!("{file}::")))
    });
    let by_map = tests.len() - changed_tests.min(tests.len());
    Selection::Tests {
        why: format!(
            "{by_map} test{} that ran the changed files (map of {}) and {changed_tests} changed \
             test file{}",
            if by_map == 1 { "" } else { "s" },
            short(&map.commit),
            if changed_tests == 1 { "" } else { "s" }
        ),
        tests: tests.into_iter().collect(),
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::external::coverage::FileCoverage;
    use crate::git::{Base, BaseSource, ChangedFile, ChangedLines};

    fn change(paths: &[&str]) -> Change {
        Change {
            base: Base {
                reference: "main".to_owned(),
                commit: "base".to_owned(),
                source: BaseSource::DefaultBranch,
            },
            files: paths
                .iter()
                .map(|path| ChangedFile {
                    path: (*path).to_owned(),
                    status: FileStatus::Modified,
                    from: None,
                    lines: ChangedLines::Whole,
                })
                .collect(),
        }
    }

    fn saved(cache: &Path, root: &Path) {
        let mut data = CoverageData::default();
        let mut file = FileCoverage::default();
        file.tests
            .insert(4, vec!["tests/test_calc.py::test_add".to_owned()]);
        data.files.insert("app/calc.py".to_owned(), file);
        let mut other = FileCoverage::default();
        other
            .tests
            .insert(2, vec!["tests/test_io.py::test_read".to_owned()]);
        data.files.insert("app/io.py".to_owned(), other);
        save(cache, root, "measured", &data).unwrap();
    }

    #[test]
    fn the_tests_that_ran_the_changed_files_and_the_changed_test_files() {
        let cache = tempfile::tempdir().unwrap();
        let (cache, root) = (cache.path(), Path::new("/work/project"));
        saved(cache, root);
        let pick = |paths: &[&str]| select(cache, root, &change(paths), |_, _| true);
        let Selection::Tests { tests, why } = pick(&["app/calc.py", "tests/test_new.py"]) else {
            panic!("the map selects");
        };
        assert_eq!(tests, ["tests/test_calc.py::test_add", "tests/test_new.py"]);
        assert!(
            why.starts_with("1 test that ran the changed files"),
            "{why}"
        );
        for (changed, reason) in [
            ("tests/conftest.py", "conftest.py"),
            ("app/templates/index.html", "index.html"),
            ("pyproject.toml", "pyproject.toml"),
        ] {
            let Selection::Full { why } = pick(&[changed]) else {
                panic!("{changed} runs the full suite");
            };
            assert!(why.contains(reason), "{why}");
        }
        let off_branch = select(cache, root, &change(&["app/calc.py"]), |a, _| {
            a != "measured"
        });
        let Selection::Full { why } = off_branch else {
            panic!("a map off this branch");
        };
        assert!(why.contains("not in this branch's history"), "{why}");
        std::fs::write(map_path(cache, root), "{not json").unwrap();
        let Selection::Full { why } = pick(&["app/calc.py"]) else {
            panic!("a corrupt map runs the full suite");
        };
        assert!(why.contains("not readable"), "{why}");
    }
}
