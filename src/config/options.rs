//! The raw configuration, exactly as written in `dod.toml` or in
//! `[tool.dod]` of `pyproject.toml`. Every field is optional and unknown keys
//! are errors, so a typo cannot silently turn a check off. Defaults are
//! applied in `settings.rs`, not here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::checks::external::ParserKind;
use crate::config::FilterMode;
use crate::diagnostic::Item;
use crate::error::ConfigError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The base ref the change is measured from.
    pub base: Option<String>,
    /// The task file, relative to the project root.
    pub task: Option<PathBuf>,
    /// How many command checks run at once.
    pub jobs: Option<usize>,
    /// Whether dod may build its managed environment of tools.
    pub provision: Option<bool>,
    /// Fail the task-based checks when there is no task file.
    pub require_task: Option<bool>,
    /// Globs of the API documentation (`docs.api`).
    pub api_docs: Option<Vec<String>>,
    /// Globs of the migration instructions (`docs.migrations`).
    pub migration_docs: Option<Vec<String>>,
    /// Docs besides README that may document setup (env vars).
    pub setup_docs: Option<Vec<String>>,
    /// E2E scenarios: name = path globs the scenario covers.
    pub scenarios: Option<BTreeMap<String, Vec<String>>>,
    /// `dod hook`, the coding-agent stop hook.
    pub hook: Option<HookOptions>,
    /// Per-check settings, keyed by check id; an unknown id with `argv`,
    /// `parser` and `item` declares a new command check.
    #[serde(default)]
    pub checks: BTreeMap<String, CheckOptions>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOptions {
    pub enabled: Option<bool>,
    /// `warn` turns the check's failures into warnings that do not block.
    pub severity: Option<SeverityOption>,
    pub filter: Option<FilterMode>,
    /// Globs (project-relative) whose files this check neither reads nor reports.
    pub exclude: Option<Vec<String>>,
    /// Native checks: whether test files are in scope.
    pub include_tests: Option<bool>,
    /// `hardcoded-secrets`: regexes of values that are not secrets.
    pub allow: Option<Vec<String>>,
    /// `hardcoded-secrets`: more words that make a name secret-like.
    pub secret_names: Option<Vec<String>>,
    /// Seconds before the tool is killed.
    pub timeout: Option<u64>,
    /// The program to run instead of looking the tool up.
    pub command: Option<PathBuf>,
    pub argv: Option<Vec<String>>,
    // The rest declares a new command check, as in `checks/*.toml`.
    pub title: Option<String>,
    pub item: Option<Item>,
    pub tool: Option<String>,
    pub package: Option<String>,
    pub parser: Option<ParserKind>,
    pub pattern: Option<String>,
    pub all_files: Option<Vec<String>>,
    pub ok_codes: Option<Vec<i32>>,
    pub explain: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookOptions {
    /// The items whose failure blocks the agent (default: every item).
    pub block_on: Option<Vec<Item>>,
    /// `all` runs the whole suite, `changed` only the test files the change
    /// touched, `skip` no pytest at all.
    pub pytest: Option<HookPytest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HookPytest {
    #[default]
    All,
    Changed,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOption {
    Error,
    Warn,
}

/// Where the options came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    DodToml(PathBuf),
    Pyproject(PathBuf),
    Defaults,
}

impl ConfigSource {
    /// How a message names the place a key lives.
    pub fn describe(&self) -> String {
        match self {
            ConfigSource::DodToml(path) => format!("`{}`", file_name(path)),
            ConfigSource::Pyproject(path) => format!("`[tool.dod]` in `{}`", file_name(path)),
            ConfigSource::Defaults => "the defaults".to_owned(),
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<PyprojectTool>,
}

#[derive(Deserialize)]
struct PyprojectTool {
    dod: Option<Options>,
}

/// Reads `dod.toml`, else `[tool.dod]` in `pyproject.toml`, else defaults.
pub fn load(root: &Path) -> Result<(Options, ConfigSource), ConfigError> {
    let dod_toml = root.join("dod.toml");
    if dod_toml.is_file() {
        let text = read(&dod_toml)?;
        let options = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: dod_toml.clone(),
            message: source.to_string(),
        })?;
        return Ok((options, ConfigSource::DodToml(dod_toml)));
    }
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file() {
        let text = read(&pyproject)?;
        let parsed: Pyproject = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: pyproject.clone(),
            message: source.to_string(),
        })?;
        if let Some(options) = parsed.tool.and_then(|tool| tool.dod) {
            return Ok((options, ConfigSource::Pyproject(pyproject)));
        }
    }
    Ok((Options::default(), ConfigSource::Defaults))
}

fn read(path: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
        path: path.to_owned(),
        message: "the file is not UTF-8; save it as UTF-8".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn unknown_key_names_the_key_and_the_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "dod.toml",
            "base = \"main\"\n\n[checks.ruff]\ntimout = 5\n",
        );
        let error = load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("dod.toml"), "{error}");
        assert!(error.contains("timout"), "{error}");
        assert!(error.contains("line 4"), "{error}");
    }

    #[test]
    fn pyproject_tool_dod_is_read_and_other_tables_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n[tool.dod]\nbase = \"develop\"\n",
        );
        let (options, source) = load(dir.path()).unwrap();
        assert_eq!(options.base.as_deref(), Some("develop"));
        assert!(matches!(source, ConfigSource::Pyproject(_)));
    }

    #[test]
    fn dod_toml_wins_over_pyproject() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "pyproject.toml",
            "[tool.dod]\nbase = \"develop\"\n",
        );
        write(dir.path(), "dod.toml", "base = \"trunk\"\n");
        let (options, _) = load(dir.path()).unwrap();
        assert_eq!(options.base.as_deref(), Some("trunk"));
    }

    #[test]
    fn bad_value_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "dod.toml",
            "[checks.mypy]\nfilter = \"lines\"\n",
        );
        let error = load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("lines"), "{error}");
    }
}
