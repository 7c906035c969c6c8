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

/// The top level of the config, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    base: Option<String>,
    task: Option<PathBuf>,
    jobs: Option<usize>,
    provision: Option<bool>,
    require_task: Option<bool>,
    max_file_size: Option<u64>,
    hook: Option<HookOptions>,
    #[serde(default)]
    checks: BTreeMap<String, toml::Spanned<toml::Table>>,
}

/// The config, with each `[checks.ID]` table checked against what that
/// check accepts.
#[derive(Debug, Default)]
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
    /// Bytes beyond which a file is not read (skipped with a warning).
    pub max_file_size: Option<u64>,
    /// `dod hook`, the coding-agent stop hook.
    pub hook: Option<HookOptions>,
    /// Per-check settings, keyed by check id; an unknown id with `argv`,
    /// `parser` and `item` declares a new command check.
    pub checks: BTreeMap<String, CheckOptions>,
    /// Each check's own keys (beside the common ones), by check id.
    pub own: BTreeMap<String, toml::Table>,
}

/// The keys every check shares, and those of command checks.
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
    /// The tests that ran the changed files (test impact).
    Affected,
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
    dod: Option<RawOptions>,
}

/// Whether `dir` holds dod's config: `dod.toml`, or `[tool.dod]` in
/// `pyproject.toml`.
pub fn has_config(dir: &Path) -> bool {
    dir.join("dod.toml").is_file()
        || std::fs::read_to_string(dir.join("pyproject.toml"))
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .is_some_and(|table| table.get("tool").and_then(|tool| tool.get("dod")).is_some())
}

/// Reads `dod.toml`, else `[tool.dod]` in `pyproject.toml`, else defaults.
pub fn load(root: &Path) -> Result<(Options, ConfigSource), ConfigError> {
    let dod_toml = root.join("dod.toml");
    if dod_toml.is_file() {
        let text = read(&dod_toml)?;
        let raw: RawOptions = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: dod_toml.clone(),
            message: source.to_string(),
        })?;
        let source = ConfigSource::DodToml(dod_toml);
        return Ok((checked(raw, &text, &source)?, source));
    }
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file() {
        let text = read(&pyproject)?;
        let parsed: Pyproject = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: pyproject.clone(),
            message: source.to_string(),
        })?;
        if let Some(raw) = parsed.tool.and_then(|tool| tool.dod) {
            let source = ConfigSource::Pyproject(pyproject);
            return Ok((checked(raw, &text, &source)?, source));
        }
    }
    Ok((Options::default(), ConfigSource::Defaults))
}

/// Checks every `[checks.ID]` table against the keys that check accepts,
/// and splits it into the shared keys and the check's own.
fn checked(raw: RawOptions, text: &str, source: &ConfigSource) -> Result<Options, ConfigError> {
    let mut checks = BTreeMap::new();
    let mut own = BTreeMap::new();
    for (id, table) in raw.checks {
        let span = table.span();
        let table = table.into_inner();
        let accepted = crate::checks::options::accepted_keys(&id);
        let own_keys = crate::checks::options::own_keys(&id);
        if let Some(key) = table.keys().find(|key| !accepted.contains(&key.as_str())) {
            return Err(ConfigError::UnknownOption {
                source_name: source.describe(),
                line: line_of_key(text, span, key),
                check: id.clone(),
                key: key.clone(),
                accepted: accepted.join(", "),
            });
        }
        let (mine, shared): (toml::Table, toml::Table) = table
            .into_iter()
            .partition(|(key, _)| own_keys.contains(&key.as_str()));
        let options = CheckOptions::deserialize(toml::Value::Table(shared)).map_err(|error| {
            ConfigError::Invalid {
                source_name: source.describe(),
                key: format!("checks.{id}"),
                message: error.to_string().trim().to_owned(),
            }
        })?;
        checks.insert(id.clone(), options);
        if !mine.is_empty() {
            own.insert(id, mine);
        }
    }
    Ok(Options {
        base: raw.base,
        task: raw.task,
        jobs: raw.jobs,
        max_file_size: raw.max_file_size,
        provision: raw.provision,
        require_task: raw.require_task,
        hook: raw.hook,
        checks,
        own,
    })
}

/// The 1-based line where a key is written in the table that starts at
/// `span`, for messages; the table's first line when it cannot be found.
fn line_of_key(text: &str, span: std::ops::Range<usize>, key: &str) -> usize {
    let start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |newline| newline + 1);
    let first = text[..start].matches('\n').count() + 1;
    for (index, line) in text[start..].lines().enumerate() {
        let trimmed = line.trim_start();
        if index > 0 && trimmed.starts_with('[') {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return first + index;
        }
    }
    first
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
    fn a_key_on_the_wrong_check_names_the_key_the_check_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "dod.toml",
            "[checks.ruff]\ntimeout = 60\nsecret_names = [\"pin\"]\n",
        );
        let error = load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("`secret_names`"), "{error}");
        assert!(error.contains("`ruff`"), "{error}");
        assert!(error.contains("dod.toml"), "{error}");
        assert!(error.contains("line 3"), "{error}");
        write(
            dir.path(),
            "dod.toml",
            "[checks.hardcoded-secrets]\nsecret_names = [\"pin\"]\n",
        );
        let (options, _) = load(dir.path()).unwrap();
        assert!(options.own.contains_key("hardcoded-secrets"));
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
