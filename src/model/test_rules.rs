//! What pytest collects in this project: its `python_files`,
//! `python_classes` and `python_functions`, read from the same file pytest
//! reads them from (`pytest.ini`, `pyproject.toml`'s
//! `[tool.pytest.ini_options]`, `tox.ini`'s `[pytest]`, `setup.cfg`'s
//! `[tool:pytest]`, the first that has the section), with pytest's defaults
//! where the project sets nothing.

use globset::{Glob, GlobMatcher};

/// pytest's collection rules for the project.
#[derive(Debug, Clone)]
pub struct TestRules {
    files: Vec<Pattern>,
    classes: Vec<Pattern>,
    functions: Vec<Pattern>,
}

/// One name pattern: pytest matches it as a prefix, or as a glob when it
/// has a wildcard.
#[derive(Debug, Clone)]
enum Pattern {
    Prefix(String),
    Glob(GlobMatcher),
}

impl Pattern {
    fn new(text: &str) -> Option<Pattern> {
        if text.contains(['*', '?', '[']) {
            Glob::new(text)
                .ok()
                .map(|glob| Pattern::Glob(glob.compile_matcher()))
        } else {
            Some(Pattern::Prefix(text.to_owned()))
        }
    }

    /// `python_files` entries are always globs.
    fn glob(text: &str) -> Option<Pattern> {
        Glob::new(text)
            .ok()
            .map(|glob| Pattern::Glob(glob.compile_matcher()))
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Prefix(prefix) => name.starts_with(prefix.as_str()),
            Pattern::Glob(glob) => glob.is_match(name),
        }
    }
}

impl Default for TestRules {
    fn default() -> TestRules {
        TestRules::from_values(None, None, None)
    }
}

impl TestRules {
    /// The project's rules; `read` gives a project-relative file's text.
    pub fn read(read: impl Fn(&str) -> Option<String>) -> TestRules {
        match config(read) {
            Some((_, options)) => {
                let get = |key: &str| {
                    options
                        .iter()
                        .find(|(name, _)| name == key)
                        .map(|(_, values)| values.clone())
                };
                TestRules::from_values(
                    get("python_files"),
                    get("python_classes"),
                    get("python_functions"),
                )
            }
            None => TestRules::default(),
        }
    }

    fn from_values(
        files: Option<Vec<String>>,
        classes: Option<Vec<String>>,
        functions: Option<Vec<String>>,
    ) -> TestRules {
        let or = |values: Option<Vec<String>>, default: &[&str]| {
            values.unwrap_or_else(|| default.iter().map(|value| value.to_string()).collect())
        };
        TestRules {
            files: or(files, &["test_*.py", "*_test.py"])
                .iter()
                .filter_map(|text| Pattern::glob(text))
                .collect(),
            classes: or(classes, &["Test"])
                .iter()
                .filter_map(|text| Pattern::new(text))
                .collect(),
            functions: or(functions, &["test"])
                .iter()
                .filter_map(|text| Pattern::new(text))
                .collect(),
        }
    }

    /// Whether pytest collects tests from this module; Django's `tests.py`
    /// too.
    pub fn is_test_module(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == "tests.py" || self.matches_python_files(path)
    }

    /// Whether `python_files` names the module (Django's `tests.py` aside).
    fn matches_python_files(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.files.iter().any(|pattern| match pattern {
            // A pattern with a directory matches the path, as pytest's
            // `fnmatch_ex` does.
            Pattern::Glob(glob) if glob.glob().glob().contains('/') => glob.is_match(path),
            pattern => pattern.matches(name),
        })
    }

    /// Whether pytest collects a class of this name (a `unittest.TestCase`
    /// subclass is collected whatever its name).
    pub fn is_test_class(&self, name: &str) -> bool {
        self.classes.iter().any(|pattern| pattern.matches(name))
    }

    /// Whether pytest collects a function or method of this name.
    pub fn is_test_function(&self, name: &str) -> bool {
        self.functions.iter().any(|pattern| pattern.matches(name))
    }
}

/// A config section's options with their values.
type Options = Vec<(String, Vec<String>)>;

/// The file pytest reads its options from, with them: the first of
/// `pytest.ini`, `pyproject.toml`, `tox.ini`, `setup.cfg` that has the section.
fn config(read: impl Fn(&str) -> Option<String>) -> Option<(&'static str, Options)> {
    let candidates: [(&str, Section); 4] = [
        ("pytest.ini", Section::Ini("pytest")),
        ("pyproject.toml", Section::Pyproject),
        ("tox.ini", Section::Ini("pytest")),
        ("setup.cfg", Section::Ini("tool:pytest")),
    ];
    candidates.into_iter().find_map(|(path, section)| {
        let text = read(path)?;
        section.options(&text).map(|options| (path, options))
    })
}

/// What to do when pytest collected no test, for this project: which of
/// its files pytest's `python_files` and `testpaths` leave out, or that
/// the files it collects define no test.
pub fn no_tests_hint(root: &std::path::Path) -> String {
    let read = |path: &str| std::fs::read_to_string(root.join(path)).ok();
    let found = config(read);
    let (file, options) = match &found {
        Some((file, options)) => (Some(*file), options.as_slice()),
        None => (None, &[][..]),
    };
    let get = |key: &str| {
        options
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, values)| values.clone())
    };
    let patterns =
        get("python_files").unwrap_or_else(|| vec!["test_*.py".into(), "*_test.py".into()]);
    let origin = match (file, get("python_files").is_some()) {
        (Some(file), true) => format!("from {file}"),
        _ => "pytest's default".to_owned(),
    };
    let rules = TestRules::from_values(Some(patterns.clone()), None, None);
    let python =
        crate::python::discover(root, root.join(".git").exists(), crate::python::is_python);
    let matching: Vec<&String> = python
        .iter()
        .filter(|path| rules.matches_python_files(path))
        .collect();
    let quoted = patterns
        .iter()
        .map(|pattern| format!("`{pattern}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let config_place = file.map_or_else(
        || "`[tool.pytest.ini_options]` of pyproject.toml".to_owned(),
        |file| format!("the pytest section of {file}"),
    );
    if matching.is_empty() {
        let unmatched: Vec<&String> = python
            .iter()
            .filter(|path| {
                let name = path.rsplit('/').next().unwrap_or(path);
                name == "tests.py" || name.starts_with("test") || path.contains("tests/")
            })
            .filter(|path| !path.ends_with("conftest.py") && !path.ends_with("__init__.py"))
            .collect();
        return match unmatched.first() {
            Some(example) => format!(
                "pytest collects files matching {quoted} ({origin}), and none of the project's \
                 does; its tests look like `{example}`: add its name pattern to `python_files` in \
                 {config_place}"
            ),
            None => format!(
                "the project has no test file: add tests in files matching {quoted} ({origin}), \
                 e.g. `tests/test_app.py`"
            ),
        };
    }
    if let Some(testpaths) = get("testpaths") {
        let inside = |path: &str| {
            testpaths.iter().any(|dir| {
                let dir = dir.trim_end_matches('/');
                dir == "." || path.starts_with(&format!("{dir}/")) || path == dir
            })
        };
        if !matching.iter().any(|path| inside(path)) {
            return format!(
                "`testpaths` in {} ({}) holds none of the project's {} test file{} (e.g. \
                 `{}`): add its folder to `testpaths`",
                file.unwrap_or("the config"),
                testpaths.join(", "),
                matching.len(),
                if matching.len() == 1 { "" } else { "s" },
                matching[0]
            );
        }
    }
    format!(
        "{} file{} match{} {quoted} (e.g. `{}`) but define no test pytest collects: test \
         functions must be named like `python_functions` (`test*` by default), test classes \
         like `python_classes` (`Test*`) and have no `__init__`",
        matching.len(),
        if matching.len() == 1 { "" } else { "s" },
        if matching.len() == 1 { "es" } else { "" },
        matching[0]
    )
}

/// Where a config file keeps pytest's options.
#[derive(Clone, Copy)]
enum Section {
    Ini(&'static str),
    Pyproject,
}

impl Section {
    /// The section's options with their whitespace-separated values, or
    /// `None` when the file has no such section.
    fn options(self, text: &str) -> Option<Vec<(String, Vec<String>)>> {
        match self {
            Section::Pyproject => {
                let table: toml::Table = text.parse().ok()?;
                let options = table
                    .get("tool")?
                    .get("pytest")?
                    .get("ini_options")?
                    .as_table()?;
                Some(
                    options
                        .iter()
                        .map(|(key, value)| {
                            let values = match value {
                                toml::Value::Array(items) => items
                                    .iter()
                                    .filter_map(|item| item.as_str().map(str::to_owned))
                                    .collect(),
                                toml::Value::String(text) => {
                                    text.split_whitespace().map(str::to_owned).collect()
                                }
                                _ => Vec::new(),
                            };
                            (key.clone(), values)
                        })
                        .collect(),
                )
            }
            Section::Ini(wanted) => ini_section(text, wanted),
        }
    }
}

/// An INI section's options as configparser reads them: `key = value` or
/// `key: value`, continuation lines indented, `#` and `;` comment lines.
fn ini_section(text: &str, wanted: &str) -> Option<Vec<(String, Vec<String>)>> {
    let mut options: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    let mut found = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            inside = name.trim() == wanted;
            found |= inside;
            continue;
        }
        if !inside || trimmed.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, values)) = options.last_mut() {
                values.extend(trimmed.split_whitespace().map(str::to_owned));
            }
        } else if let Some(split) = trimmed.find(['=', ':']) {
            let (key, value) = trimmed.split_at(split);
            options.push((
                key.trim().to_owned(),
                value[1..].split_whitespace().map(str::to_owned).collect(),
            ));
        }
    }
    found.then_some(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(files: &[(&str, &str)]) -> TestRules {
        TestRules::read(|path| {
            files
                .iter()
                .find(|(name, _)| *name == path)
                .map(|(_, text)| text.to_string())
        })
    }

    #[test]
    fn without_config_pytest_defaults_apply() {
        let rules = rules(&[]);
        assert!(rules.is_test_module("tests/test_api.py"));
        assert!(rules.is_test_module("app/api_test.py"));
        assert!(rules.is_test_module("app/tests.py"));
        assert!(!rules.is_test_module("tests/conftest.py"));
        assert!(!rules.is_test_module("tests/helpers.py"));
        assert!(rules.is_test_class("TestApi"));
        assert!(!rules.is_test_class("ApiTest"));
        assert!(rules.is_test_function("test_upload"));
        assert!(!rules.is_test_function("check_upload"));
    }

    #[test]
    fn setup_cfg_globs_replace_the_defaults() {
        let rules = rules(&[(
            "setup.cfg",
            "[metadata]\nname = x\n\n[tool:pytest]\ntestpaths = tests\npython_files = test_*.py bench_*.py\npython_functions = test_* bench_*\npython_classes = *Test *Benchmark\n",
        )]);
        assert!(rules.is_test_class("ErrorsTest"));
        assert!(rules.is_test_class("ParserBenchmark"));
        assert!(!rules.is_test_class("TestErrors"));
        assert!(rules.is_test_module("tests/bench_api.py"));
        assert!(!rules.is_test_module("tests/api_test.py"));
        assert!(rules.is_test_function("bench_parse"));
    }

    #[test]
    fn pytest_ini_wins_and_pyproject_lists_are_read() {
        let pyproject = "[tool.pytest.ini_options]\npython_classes = [\"Check\", \"*Suite\"]\n";
        let both = rules(&[
            ("pytest.ini", "[pytest]\npython_functions =\n    should_*\n"),
            ("pyproject.toml", pyproject),
        ]);
        assert!(both.is_test_function("should_upload"));
        assert!(both.is_test_class("TestX"));
        let only = rules(&[("pyproject.toml", pyproject)]);
        assert!(only.is_test_class("CheckUpload"));
        assert!(only.is_test_class("UploadSuite"));
        assert!(!only.is_test_class("TestUpload"));
    }

    #[test]
    fn a_file_without_the_section_is_passed_over() {
        let rules = rules(&[
            ("tox.ini", "[tox]\nenvlist = py311\n"),
            ("setup.cfg", "[tool:pytest]\npython_classes = Check\n"),
        ]);
        assert!(rules.is_test_class("CheckApi"));
    }
}
