//! The resolved configuration: defaults applied, command-line flags merged,
//! globs compiled. Checks see only this.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use globset::GlobSet;
use serde::Deserialize;

use crate::checks::CheckId;
use crate::checks::external::{self, ToolSpec};
use crate::checks::options::{OwnSettings, glob_set};
use crate::cli::CheckArgs;
use crate::config::options::SeverityOption;
use crate::config::{ConfigSource, HookOptions, Options};
use crate::error::ConfigError;

/// Which findings of a check count, measured against the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilterMode {
    /// Only findings on lines the change added or modified.
    ChangedLines,
    /// Every finding in a file the change touched.
    ChangedFiles,
    /// Every finding in a file the change touched or in a module that
    /// imports one it touched (a changed signature breaks its callers).
    ChangedFilesAndImporters,
    /// Every finding.
    All,
}

impl FilterMode {
    pub fn as_str(self) -> &'static str {
        match self {
            FilterMode::ChangedLines => "changed-lines",
            FilterMode::ChangedFiles => "changed-files",
            FilterMode::ChangedFilesAndImporters => "changed-files-and-importers",
            FilterMode::All => "all",
        }
    }
}

/// The settings of one check, whatever its kind.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub enabled: bool,
    /// Failures become warnings (`severity = "warn"`).
    pub warn_only: bool,
    pub filter: FilterMode,
    pub exclude: GlobSet,
    /// Whether test files are in scope (native checks); `None`: the check's default.
    pub include_tests: Option<bool>,
}

impl Default for CheckSettings {
    fn default() -> CheckSettings {
        CheckSettings {
            enabled: true,
            warn_only: false,
            filter: FilterMode::ChangedLines,
            exclude: GlobSet::empty(),
            include_tests: None,
        }
    }
}

impl CheckSettings {
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude.is_match(path)
    }
}

/// `--only` and `--skip`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    pub fn selects(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|only| only == id))
            && !self.skip.iter().any(|skip| skip == id)
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// The project root, absolute.
    pub root: PathBuf,
    /// The git repository that holds the project, if any.
    pub repository: Option<PathBuf>,
    /// The project root relative to its repository's root, with a trailing
    /// `/` (empty at the root or outside git): CI wants repository paths.
    pub repo_prefix: String,
    /// Where the config came from, for the header.
    pub source: ConfigSource,
    /// `--base`.
    pub base: Option<String>,
    /// The config's `base`.
    pub config_base: Option<String>,
    /// `[hook]`: what `dod hook` blocks on and how it runs pytest.
    pub hook: HookOptions,
    /// Run pytest on the changed test files only (the hook's fast profile).
    pub changed_tests_only: bool,
    /// Run only the tests that ran the changed files (`--affected`, `[hook]
    /// pytest = "affected"`), from the test-impact map.
    pub affected: bool,
    /// Task-based checks fail instead of skipping without a task file.
    pub require_task: bool,
    /// The options of the checks that have their own.
    pub own: OwnSettings,
    /// `--all`: every file counts as new and every filter is `all`.
    pub all: bool,
    /// The task file, absolute.
    pub task: PathBuf,
    pub jobs: usize,
    pub provision: bool,
    /// Bytes beyond which a file is skipped with a warning, not read.
    pub max_file_size: u64,
    pub quiet: bool,
    pub selection: Selection,
    /// The command checks: built-ins with the project's overrides, then the
    /// project's own.
    pub commands: Vec<ToolSpec>,
    checks: BTreeMap<CheckId, CheckSettings>,
}

impl Settings {
    /// Settings for listing and explaining checks: the config without a run.
    pub fn for_listing(
        root: PathBuf,
        options: Options,
        source: ConfigSource,
    ) -> Result<Settings, ConfigError> {
        Settings::build(root, options, source, None)
    }

    pub fn resolve(
        root: PathBuf,
        options: Options,
        source: ConfigSource,
        args: &CheckArgs,
    ) -> Result<Settings, ConfigError> {
        Settings::build(root, options, source, Some(args))
    }

    fn build(
        root: PathBuf,
        options: Options,
        source: ConfigSource,
        args: Option<&CheckArgs>,
    ) -> Result<Settings, ConfigError> {
        let source_name = source.describe();
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            source_name: source_name.clone(),
            key: key.to_owned(),
            message,
        };
        let commands = external::spec::resolve(&options.checks, &source_name)?;

        let mut checks = BTreeMap::new();
        let all = args.is_some_and(|args| args.all);
        let defaults = commands
            .iter()
            .map(|spec| (spec.id.clone(), spec.filter))
            .chain(crate::checks::in_process().map(|meta| (meta.id.into(), meta.filter)));
        for (id, default_filter) in defaults {
            let check = options.checks.get(id.as_str()).cloned().unwrap_or_default();
            let exclude = glob_set(&check.exclude.clone().unwrap_or_default())
                .map_err(|message| invalid(&format!("checks.{id}.exclude"), message))?;
            let filter = if all {
                FilterMode::All
            } else {
                check.filter.unwrap_or(default_filter)
            };
            let settings = CheckSettings {
                enabled: check.enabled.unwrap_or(true),
                warn_only: check.severity == Some(SeverityOption::Warn),
                filter,
                exclude,
                include_tests: check.include_tests,
            };
            checks.insert(id, settings);
        }
        let own =
            OwnSettings::resolve(&options.own).map_err(|error| ConfigError::InvalidOption {
                source_name: source_name.clone(),
                check: error.check.to_owned(),
                key: error.key.to_owned(),
                message: error.message,
            })?;

        if args.and_then(|args| args.jobs) == Some(0) {
            return Err(ConfigError::ZeroJobs);
        }
        if options.jobs == Some(0) {
            return Err(invalid("jobs", "must be at least 1".to_owned()));
        }
        if options.max_file_size == Some(0) {
            return Err(invalid(
                "max_file_size",
                "must be at least 1 (bytes)".to_owned(),
            ));
        }
        let jobs = args.and_then(|args| args.jobs).or(options.jobs);
        let jobs =
            jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));

        // A task file named on purpose (`--task`, config `task =`) must
        // exist: skipping it would skip its acceptance criteria silently.
        // The default `TASK.md` may be absent, and listing the checks needs
        // no task file.
        let (task, named_by) = match (args.and_then(|args| args.task.clone()), &options.task) {
            (Some(task), _) => (
                std::env::current_dir()
                    .map(|cwd| cwd.join(task))
                    .unwrap_or_default(),
                Some("`--task`".to_owned()),
            ),
            (None, Some(task)) => (root.join(task), Some(format!("`task` in {}", source_name))),
            (None, None) => (root.join("TASK.md"), None),
        };
        if let Some(named_by) = named_by
            && args.is_some()
            && !task.is_file()
        {
            return Err(ConfigError::MissingTask {
                path: task,
                named_by,
            });
        }

        let selection = Selection {
            only: args.map(|args| args.only.clone()).unwrap_or_default(),
            skip: args.map(|args| args.skip.clone()).unwrap_or_default(),
        };
        for id in selection.only.iter().chain(&selection.skip) {
            if !checks.contains_key(&CheckId::parse(id)) {
                return Err(ConfigError::UnknownCheck { id: id.clone() });
            }
        }
        let selected = checks
            .iter()
            .any(|(id, check)| check.enabled && selection.selects(id.as_str()));
        if args.is_some() && !selected {
            return Err(ConfigError::EmptySelection {
                only: selection.only.clone(),
                skip: selection.skip.clone(),
            });
        }

        Ok(Settings {
            require_task: options.require_task.unwrap_or(false),
            own,
            base: args.and_then(|args| args.base.clone()),
            config_base: options.base,
            hook: options.hook.unwrap_or_default(),
            changed_tests_only: false,
            affected: args.is_some_and(|args| args.affected),
            all,
            task,
            jobs,
            provision: !args.is_some_and(|args| args.no_provision)
                && options.provision.unwrap_or(true),
            max_file_size: options
                .max_file_size
                .unwrap_or(crate::python::DEFAULT_MAX_FILE_SIZE),
            quiet: args.is_some_and(|args| args.quiet),
            selection,
            commands,
            checks,
            root,
            repository: None,
            repo_prefix: String::new(),
            source,
        })
    }

    /// A check's settings; the defaults for an id the config does not know
    /// (which `build` never leaves out for a registered check).
    pub fn check(&self, id: &CheckId) -> &CheckSettings {
        static DEFAULT: LazyLock<CheckSettings> = LazyLock::new(CheckSettings::default);
        self.checks.get(id).unwrap_or(&DEFAULT)
    }

    /// Whether a check runs in this run: enabled in config and selected.
    pub fn runs(&self, id: &CheckId) -> bool {
        self.checks.get(id).is_some_and(|check| check.enabled)
            && self.selection.selects(id.as_str())
    }
}
