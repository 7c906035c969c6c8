//! `ToolSpec`: a command check declared as data. The built-in ones live in
//! the repository's `checks/*.toml` and are compiled in; a project's config
//! can override their argv, timeout and filter, or declare new ones.

use std::time::Duration;

use serde::Deserialize;

use crate::checks::{Builtin, CheckId, Implementation};
use crate::config::{CheckOptions, FilterMode};
use crate::diagnostic::Item;
use crate::error::ConfigError;

/// How the tool's output becomes findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParserKind {
    /// `ruff check --output-format json`.
    RuffJson,
    /// `mypy -O json`: JSON Lines, tolerating plain-text lines.
    MypyJson,
    /// A JUnit XML file written to `{junit}` (pytest `--junitxml`).
    JunitXml,
    /// One finding per line matching `pattern`, whose named groups are
    /// `path`, `line`, `col`, `message` and `rule`.
    Regex,
    /// Only the exit code counts: outside `ok_codes` is one finding.
    ExitCode,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSpec {
    pub id: CheckId,
    pub title: String,
    pub item: Item,
    /// The executable to look up (project venv, PATH, managed environment).
    pub tool: String,
    /// The pip requirement the managed environment installs, pinned.
    pub package: Option<String>,
    /// More pinned requirements installed beside it (pytest's coverage
    /// plugin); the project's own pins win, as for `package`.
    #[serde(default)]
    pub extra_packages: Vec<String>,
    /// pytest: run under coverage.py with per-test contexts when
    /// `pytest-cov` is installed beside it, and read the data back.
    #[serde(default)]
    pub coverage: bool,
    /// The command. Placeholders: `{tool}` the resolved program, `{files}`
    /// the Python files in scope (expands to several arguments), `{junit}` a
    /// temporary JUnit path, `{python}` the project's interpreter.
    pub argv: Vec<String>,
    /// What `{files}` becomes when the whole project is checked.
    #[serde(default = "default_all_files")]
    pub all_files: Vec<String>,
    pub parser: ParserKind,
    /// The regex for the `regex` parser.
    pub pattern: Option<String>,
    /// Seconds before the whole process tree is killed.
    pub timeout: u64,
    pub filter: FilterMode,
    /// Exit codes that mean "the tool ran" (for `regex` and `exit-code`).
    pub ok_codes: Option<Vec<i32>>,
    /// The tool imports the project (mypy, pytest), so it needs the
    /// project's dependencies next to it.
    #[serde(default)]
    pub imports_project: bool,
    /// On a change too, the tool runs over the project with its own file
    /// discovery and excludes (`all_files`); the change decides whether it
    /// runs and which findings count.
    #[serde(default)]
    pub whole_project: bool,
    /// The `dod explain` text.
    pub explain: String,
    /// The program to run instead of looking `tool` up (from config).
    #[serde(skip)]
    pub command: Option<std::path::PathBuf>,
}

fn default_all_files() -> Vec<String> {
    vec![".".to_owned()]
}

impl ToolSpec {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout)
    }

    /// Whether the check reports test results (a JUnit report): the
    /// change checks read them, and the hook's profile narrows them.
    pub fn produces_test_results(&self) -> bool {
        self.parser == ParserKind::JunitXml
    }

    /// Whether the command names `{files}`: such a check has nothing to do
    /// when no Python file changed.
    pub fn takes_files(&self) -> bool {
        self.argv.iter().any(|arg| arg == "{files}")
    }

    /// Applies a project's `[checks.ID]` table to a built-in declaration.
    pub fn apply(&mut self, options: &CheckOptions) {
        if let Some(argv) = &options.argv {
            self.argv.clone_from(argv);
        }
        if let Some(timeout) = options.timeout {
            self.timeout = timeout;
        }
        if let Some(filter) = options.filter {
            self.filter = filter;
        }
        if let Some(command) = &options.command {
            self.command = Some(command.clone());
        }
        if let Some(title) = &options.title {
            self.title.clone_from(title);
        }
        if let Some(item) = options.item {
            self.item = item;
        }
        if let Some(tool) = &options.tool {
            self.tool.clone_from(tool);
        }
        if let Some(package) = &options.package {
            self.package = Some(package.clone());
        }
        if let Some(parser) = options.parser {
            self.parser = parser;
        }
        if let Some(pattern) = &options.pattern {
            self.pattern = Some(pattern.clone());
        }
        if let Some(all_files) = &options.all_files {
            self.all_files.clone_from(all_files);
        }
        if let Some(ok_codes) = &options.ok_codes {
            self.ok_codes = Some(ok_codes.clone());
        }
        if let Some(explain) = &options.explain {
            self.explain.clone_from(explain);
        }
    }

    /// A command check declared only in a project's config.
    pub fn declared(id: &str, options: &CheckOptions) -> Result<ToolSpec, String> {
        let missing: Vec<&str> = [
            ("argv", options.argv.is_none()),
            ("parser", options.parser.is_none()),
            ("item", options.item.is_none()),
        ]
        .into_iter()
        .filter_map(|(key, missing)| missing.then_some(key))
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "unknown check `{id}`; to declare a command check, give {}",
                missing
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let argv = options.argv.clone().unwrap_or_default();
        let tool = options
            .tool
            .clone()
            .or_else(|| {
                argv.first()
                    .filter(|first| !first.starts_with('{'))
                    .cloned()
            })
            .unwrap_or_else(|| id.to_owned());
        let mut spec = ToolSpec {
            id: CheckId::parse(id),
            title: id.to_owned(),
            item: Item::CodeLint,
            tool,
            package: None,
            extra_packages: Vec::new(),
            coverage: false,
            argv,
            all_files: default_all_files(),
            parser: ParserKind::ExitCode,
            pattern: None,
            timeout: 300,
            filter: FilterMode::ChangedLines,
            ok_codes: None,
            imports_project: false,
            whole_project: false,
            explain: format!(
                "## What it does\nRuns `{id}`, declared in the project's config.\n\
                 ## Why it matters\nThe project made it part of its Definition of Done.\n\
                 ## Example\nSee the project's `[checks.{id}]` table.\n\
                 ## How to fix\nFix what `{id}` reports.\n\
                 ## How to suppress\n`enabled = false` in `[checks.{id}]`, or `exclude` globs.\n"
            ),
            command: None,
        };
        spec.apply(options);
        spec.validate()?;
        Ok(spec)
    }

    fn validate(&self) -> Result<(), String> {
        if self.argv.is_empty() {
            return Err("`argv` is empty".to_owned());
        }
        if self.timeout == 0 {
            return Err("`timeout` must be at least 1 second".to_owned());
        }
        if self.parser == ParserKind::Regex {
            let Some(pattern) = &self.pattern else {
                return Err("the `regex` parser needs a `pattern`".to_owned());
            };
            let regex =
                regex::Regex::new(pattern).map_err(|error| format!("`pattern`: {error}"))?;
            if !regex
                .capture_names()
                .flatten()
                .any(|name| name == "message")
            {
                return Err("`pattern` needs a named group `message`".to_owned());
            }
        }
        if self.parser == ParserKind::JunitXml && !self.argv.iter().any(|arg| arg == "{junit}") {
            return Err("the `junit-xml` parser needs `{junit}` in `argv`".to_owned());
        }
        Ok(())
    }
}

/// The built-in declarations, parsed. They are compiled in and covered by
/// tests, so a failure here is a bug in dod, reported like a config error.
pub fn builtin() -> Result<Vec<ToolSpec>, ConfigError> {
    Builtin::ALL
        .iter()
        .filter_map(|builtin| match builtin.implementation() {
            Implementation::Command(text) => {
                Some((format!("checks/{}.toml", builtin.as_str()), text))
            }
            Implementation::Native(_) | Implementation::Change(_) => None,
        })
        .map(|(path, text)| {
            let spec: ToolSpec = toml::from_str(text).map_err(|error| ConfigError::Parse {
                path: path.clone().into(),
                message: error.to_string(),
            })?;
            spec.validate().map_err(|message| ConfigError::Invalid {
                source_name: format!("`{path}`"),
                key: spec.id.to_string(),
                message,
            })?;
            Ok(spec)
        })
        .collect()
}

/// Applies a project's check options to the built-ins and adds the checks it
/// declares.
pub fn resolve(
    options: &std::collections::BTreeMap<String, CheckOptions>,
    source_name: &str,
) -> Result<Vec<ToolSpec>, ConfigError> {
    let mut specs = builtin()?;
    for (id, check) in options {
        let in_process = matches!(
            CheckId::parse(id).implementation(),
            Some(Implementation::Native(_) | Implementation::Change(_))
        );
        if let Some(spec) = specs.iter_mut().find(|spec| spec.id == id.as_str()) {
            spec.apply(check);
            spec.validate().map_err(|message| ConfigError::Invalid {
                source_name: source_name.to_owned(),
                key: format!("checks.{id}"),
                message,
            })?;
        } else if !in_process {
            let spec = ToolSpec::declared(id, check).map_err(|message| ConfigError::Invalid {
                source_name: source_name.to_owned(),
                key: format!("checks.{id}"),
                message,
            })?;
            specs.push(spec);
        }
    }
    specs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_declarations_parse_and_pin_versions() {
        let specs = builtin().unwrap();
        let ids: Vec<&str> = specs.iter().map(|spec| spec.id.as_str()).collect();
        assert_eq!(ids, ["mypy", "pytest", "ruff"]);
        for spec in &specs {
            let package = spec.package.as_deref().unwrap();
            assert!(
                package.contains("=="),
                "{} is not pinned: {package}",
                spec.id
            );
        }
    }

    #[test]
    fn declared_check_needs_argv_parser_and_item() {
        let options = CheckOptions {
            argv: Some(vec!["bandit".into()]),
            ..CheckOptions::default()
        };
        let error = ToolSpec::declared("bandit", &options).unwrap_err();
        assert!(
            error.contains("`parser`") && error.contains("`item`"),
            "{error}"
        );
    }

    #[test]
    fn regex_pattern_is_validated() {
        let options = CheckOptions {
            argv: Some(vec!["tool".into(), "{files}".into()]),
            parser: Some(ParserKind::Regex),
            item: Some(Item::CodeLint),
            pattern: Some("(?P<path>[^:]+):(?P<line>\\d+)".into()),
            ..CheckOptions::default()
        };
        let error = ToolSpec::declared("tool", &options).unwrap_err();
        assert!(error.contains("message"), "{error}");
    }
}
