//! The options a check accepts, as documentation and as a key list. Every
//! check takes the common keys; native and command checks add theirs; a
//! check with options of its own lists them in its `Meta` and keeps their
//! struct beside its code. `dod explain` and `dod init` are generated from
//! these lists, and config rejects any key a check does not list.

use crate::checks::external::ToolSpec;
use serde::Deserialize;

use crate::checks::{CheckId, Implementation, Kind, Meta};

/// One key of a `[checks.ID]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionDoc {
    pub key: &'static str,
    /// The default, or `None` when there is none to write.
    pub default: Option<Value>,
    pub doc: &'static str,
}

/// A default as the documentation writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// TOML, as written.
    Toml(&'static str),
    /// A list of strings (globs), the same list the check uses.
    Strings(&'static [&'static str]),
}

impl Value {
    pub fn to_toml(self) -> String {
        match self {
            Value::Toml(text) => text.to_owned(),
            Value::Strings(strings) => toml::Value::Array(
                strings
                    .iter()
                    .map(|text| toml::Value::String((*text).to_owned()))
                    .collect(),
            )
            .to_string(),
        }
    }
}

/// Keys every check takes (the filter's default is the check's own).
pub const COMMON: &[OptionDoc] = &[
    OptionDoc {
        key: "enabled",
        default: Some(Value::Toml("true")),
        doc: "run the check at all",
    },
    OptionDoc {
        key: "severity",
        default: Some(Value::Toml("\"error\"")),
        doc: "\"warn\" reports the findings without blocking",
    },
    OptionDoc {
        key: "filter",
        default: None,
        doc: "which findings count: \"changed-lines\", \"changed-files\" or \"all\"",
    },
    OptionDoc {
        key: "exclude",
        default: Some(Value::Toml("[]")),
        doc: "globs of project-relative paths the check neither reads nor reports (`*` never crosses `/`)",
    },
];

/// Keys of native checks.
pub const NATIVE: &[OptionDoc] = &[OptionDoc {
    key: "include_tests",
    default: None,
    doc: "whether test files are in scope",
}];

/// Keys of every command check.
pub const COMMAND: &[OptionDoc] = &[
    OptionDoc {
        key: "timeout",
        default: None,
        doc: "seconds before the whole process tree is killed",
    },
    OptionDoc {
        key: "command",
        default: None,
        doc: "the program to run instead of looking the tool up",
    },
    OptionDoc {
        key: "argv",
        default: None,
        doc: "the command line; placeholders `{tool}`, `{files}`, `{junit}`, `{python}`",
    },
];

/// The keys that declare a new command check (also accepted on the
/// built-in ones, to change them).
pub const DECLARE: &[OptionDoc] = &[
    OptionDoc {
        key: "title",
        default: None,
        doc: "what the checklist calls it",
    },
    OptionDoc {
        key: "item",
        default: None,
        doc: "the DoD item it serves (`code.lint`, ...)",
    },
    OptionDoc {
        key: "tool",
        default: None,
        doc: "the executable to look up",
    },
    OptionDoc {
        key: "package",
        default: None,
        doc: "the pinned pip requirement the managed environment installs",
    },
    OptionDoc {
        key: "parser",
        default: None,
        doc: "\"ruff-json\", \"mypy-json\", \"junit-xml\", \"regex\" or \"exit-code\"",
    },
    OptionDoc {
        key: "pattern",
        default: None,
        doc: "the `regex` parser's pattern, with named groups path, line, col, message, rule",
    },
    OptionDoc {
        key: "all_files",
        default: None,
        doc: "what `{files}` becomes when the whole project is checked",
    },
    OptionDoc {
        key: "ok_codes",
        default: None,
        doc: "exit codes that mean the tool ran (`regex`, `exit-code`)",
    },
    OptionDoc {
        key: "explain",
        default: None,
        doc: "the `dod explain` text",
    },
];

/// The keys a `[checks.ID]` table may hold.
pub fn accepted_keys(id: &str) -> Vec<&'static str> {
    let docs: Vec<&[OptionDoc]> = match CheckId::parse(id).implementation() {
        Some(Implementation::Native(check)) => vec![COMMON, NATIVE, check.meta().options],
        Some(Implementation::Change(check)) => vec![COMMON, check.meta().options],
        // A built-in command check, or one the project declares.
        Some(Implementation::Command(_)) | None => vec![COMMON, COMMAND, DECLARE],
    };
    docs.into_iter().flatten().map(|doc| doc.key).collect()
}

/// The keys that are the check's own (they go to its options struct).
pub fn own_keys(id: &str) -> Vec<&'static str> {
    CheckId::parse(id)
        .implementation()
        .and_then(Implementation::meta)
        .map(|meta| meta.options.iter().map(|doc| doc.key).collect())
        .unwrap_or_default()
}

/// A key with its default filled in for one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: &'static str,
    pub default: Option<String>,
    pub doc: &'static str,
}

fn keys(docs: &[OptionDoc]) -> impl Iterator<Item = Key> + '_ {
    docs.iter().map(|doc| Key {
        key: doc.key,
        default: doc.default.map(Value::to_toml),
        doc: doc.doc,
    })
}

fn with_default(mut key: Key, name: &str, default: String) -> Key {
    if key.key == name {
        key.default = Some(default);
    }
    key
}

/// Every key an in-process check accepts, with its defaults.
pub fn keys_of(kind: Kind, meta: &Meta) -> Vec<Key> {
    let filter = format!("\"{}\"", meta.filter.as_str());
    let include_tests = (!meta.skips_tests).to_string();
    let kind_keys = match kind {
        Kind::Native => NATIVE,
        Kind::Change | Kind::Command => &[],
    };
    keys(COMMON)
        .chain(keys(kind_keys))
        .chain(keys(meta.options))
        .map(|key| with_default(key, "filter", filter.clone()))
        .map(|key| with_default(key, "include_tests", include_tests.clone()))
        .collect()
}

/// Every key a command check accepts, with its defaults.
pub fn command_keys(spec: &ToolSpec) -> Vec<Key> {
    let filter = format!("\"{}\"", spec.filter.as_str());
    let argv = toml::Value::Array(
        spec.argv
            .iter()
            .map(|arg| toml::Value::String(arg.clone()))
            .collect(),
    )
    .to_string();
    keys(COMMON)
        .chain(keys(COMMAND))
        .map(|key| with_default(key, "filter", filter.clone()))
        .map(|key| with_default(key, "timeout", spec.timeout.to_string()))
        .map(|key| with_default(key, "argv", argv.clone()))
        .collect()
}

/// The options of every check that has its own, resolved: globs and
/// regexes compiled. Each check's struct lives beside its code.
#[derive(Debug, Clone)]
pub struct OwnSettings {
    pub secrets: crate::checks::native::secrets::Settings,
    /// README and the `setup_docs`.
    pub readme: DocsSettings,
    pub api_docs: DocsSettings,
    pub migration_docs: DocsSettings,
    pub e2e: crate::checks::change::handoff::E2eSettings,
    pub diff_coverage: crate::checks::change::diff_coverage::Settings,
}

impl Default for OwnSettings {
    /// Every check's defaults (which always resolve: a unit test says so).
    fn default() -> OwnSettings {
        OwnSettings::resolve(&std::collections::BTreeMap::new()).unwrap_or_else(|_| OwnSettings {
            secrets: Default::default(),
            readme: DocsSettings::empty(),
            api_docs: DocsSettings::empty(),
            migration_docs: DocsSettings::empty(),
            e2e: Default::default(),
            diff_coverage: Default::default(),
        })
    }
}

/// The `docs` option of `api-docs` and `migration-docs`: globs of where
/// their documentation lives, each with its own default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocsOptions {
    pub docs: Option<Vec<String>>,
}

/// Doc globs, compiled.
#[derive(Debug, Clone)]
pub struct DocsSettings {
    pub docs: globset::GlobSet,
}

impl DocsSettings {
    fn empty() -> DocsSettings {
        DocsSettings {
            docs: globset::GlobSet::empty(),
        }
    }

    /// Compiles the defaults followed by the configured globs.
    pub fn of(
        key: &'static str,
        default: &[&str],
        configured: Vec<String>,
    ) -> Result<DocsSettings, (&'static str, String)> {
        let mut patterns: Vec<String> = default.iter().map(|glob| (*glob).to_owned()).collect();
        patterns.extend(configured);
        let docs = glob_set(&patterns).map_err(|message| (key, message))?;
        Ok(DocsSettings { docs })
    }
}

impl DocsOptions {
    /// The configured globs, or else the check's default ones.
    pub fn resolve(self, default: &[&str]) -> Result<DocsSettings, (&'static str, String)> {
        match self.docs {
            Some(docs) => DocsSettings::of("docs", &[], docs),
            None => DocsSettings::of("docs", default, Vec::new()),
        }
    }
}

/// A config error in one check's own options: the key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub check: &'static str,
    pub key: &'static str,
    pub message: String,
}

impl OwnSettings {
    /// Reads each check's own table (its keys already validated) into its
    /// typed options and resolves them.
    pub fn resolve(
        tables: &std::collections::BTreeMap<String, toml::Table>,
    ) -> Result<OwnSettings, OptionError> {
        use crate::checks::Builtin;
        use crate::checks::change::{api_docs, diff_coverage, handoff, migrations, readme};
        use crate::checks::native::secrets;

        fn parse<T: serde::de::DeserializeOwned + Default>(
            tables: &std::collections::BTreeMap<String, toml::Table>,
            builtin: Builtin,
        ) -> Result<T, OptionError> {
            match tables.get(builtin.as_str()) {
                None => Ok(T::default()),
                Some(table) => {
                    T::deserialize(toml::Value::Table(table.clone())).map_err(|error| OptionError {
                        check: builtin.as_str(),
                        key: "",
                        message: error.to_string().trim().to_owned(),
                    })
                }
            }
        }
        let named = |builtin: Builtin| {
            move |(key, message): (&'static str, String)| OptionError {
                check: builtin.as_str(),
                key,
                message,
            }
        };
        Ok(OwnSettings {
            secrets: parse::<secrets::Options>(tables, Builtin::HardcodedSecrets)?
                .resolve()
                .map_err(named(Builtin::HardcodedSecrets))?,
            readme: parse::<readme::Options>(tables, Builtin::Readme)?
                .resolve()
                .map_err(named(Builtin::Readme))?,
            api_docs: parse::<DocsOptions>(tables, Builtin::ApiDocs)?
                .resolve(api_docs::DEFAULT_DOCS)
                .map_err(named(Builtin::ApiDocs))?,
            migration_docs: parse::<DocsOptions>(tables, Builtin::MigrationDocs)?
                .resolve(migrations::DEFAULT_DOCS)
                .map_err(named(Builtin::MigrationDocs))?,
            e2e: parse::<handoff::E2eOptions>(tables, Builtin::HandoffE2e)?
                .resolve()
                .map_err(named(Builtin::HandoffE2e))?,
            diff_coverage: parse::<diff_coverage::Options>(tables, Builtin::DiffCoverage)?
                .resolve()
                .map_err(named(Builtin::DiffCoverage))?,
        })
    }
}

/// Compiles globs the way every option does: `*` never crosses `/`.
pub fn glob_set(patterns: &[String]) -> Result<globset::GlobSet, String> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|error| error.to_string())?;
        builder.add(glob);
    }
    builder.build().map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_in_a_glob_never_crosses_a_slash() {
        let globs = glob_set(&["app/*.py".to_owned()]).unwrap();
        assert!(globs.is_match("app/x.py"));
        assert!(!globs.is_match("app/sub/x.py"));
        let deep = glob_set(&["app/**/*.py".to_owned()]).unwrap();
        assert!(deep.is_match("app/x.py") && deep.is_match("app/sub/x.py"));
    }

    #[test]
    fn every_default_resolves() {
        OwnSettings::resolve(&std::collections::BTreeMap::new()).unwrap();
    }
}
