//! The check model: `CheckId`, the registry, what a check declares about
//! itself (`Meta`, `declare_check!`) and the options each check accepts.
//! A check turns the project and the change into an `Outcome`; it never
//! prints. Three kinds share one registry: command checks (`external`) are
//! tools declared as data in `checks/*.toml`; native checks (`native`) run
//! in-process on each file of the shared parse; change checks (`change`)
//! are pure functions of the change and the task file. No check logic
//! lives here.

pub mod change;
pub mod external;
#[cfg(test)]
pub mod fault;
pub mod native;
pub mod options;

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};

use crate::config::{FilterMode, Settings};
use crate::diagnostic::Item;
use crate::git::{Change, ChangeError};

pub use options::OptionDoc;

/// What a check is measured against.
#[derive(Debug, Clone)]
pub enum Scope {
    /// `--all`: every file counts as new.
    All,
    /// The change since the base.
    Change(Change),
    /// The change could not be worked out; checks that need it report this
    /// error, the others still run.
    Broken(ChangeError),
}

/// Declares the built-in checks: one line each, id and implementation.
/// The match arms it generates are exhaustive, so a check cannot be half
/// registered.
macro_rules! registry {
    ($($variant:ident = $id:literal => $kind:ident($implementation:expr),)*) => {
        /// A check that ships with dod.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Builtin {
            $($variant,)*
        }

        impl Builtin {
            pub const ALL: &[Builtin] = &[$(Builtin::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Builtin::$variant => $id,)*
                }
            }

            pub fn implementation(self) -> Implementation {
                match self {
                    $(Builtin::$variant => Implementation::$kind($implementation),)*
                }
            }
        }
    };
}

registry! {
    AcceptanceCriteria = "acceptance-criteria" => Change(&change::acceptance::AcceptanceCriteria),
    ApiDocs = "api-docs" => Change(&change::api_docs::ApiDocs),
    Comments = "comments" => Change(&change::comments::Comments),
    DiffCoverage = "diff-coverage" => Change(&change::diff_coverage::DiffCoverage),
    HandoffBreaking = "handoff-breaking" => Change(&change::handoff::BreakingChanges),
    HandoffDependencies = "handoff-dependencies" => Change(&change::handoff::Dependencies),
    HandoffE2e = "handoff-e2e" => Change(&change::handoff::E2eScenarios),
    HardcodedSecrets = "hardcoded-secrets" => Native(&native::secrets::HardcodedSecrets),
    MigrationDocs = "migration-docs" => Change(&change::migrations::MigrationDocs),
    Mypy = "mypy" => Command(include_str!("../../checks/mypy.toml")),
    PrintCalls = "print-calls" => Native(&native::print_calls::PrintCalls),
    Pytest = "pytest" => Command(include_str!("../../checks/pytest.toml")),
    PythonSyntax = "python-syntax" => Native(&native::python_syntax::PythonSyntax),
    Readme = "readme" => Change(&change::readme::Readme),
    Ruff = "ruff" => Command(include_str!("../../checks/ruff.toml")),
    TestsAdded = "tests-added" => Change(&change::tests_added::TestsAdded),
    TypeHints = "type-hints" => Native(&native::type_hints::TypeHints),
}

/// How a built-in check is implemented.
#[derive(Clone, Copy)]
pub enum Implementation {
    Native(&'static dyn native::NativeCheck),
    Change(&'static dyn change::ChangeCheck),
    /// The TOML declaration of a command check (`checks/*.toml`).
    Command(&'static str),
}

impl Implementation {
    pub fn kind(self) -> Kind {
        match self {
            Implementation::Native(_) => Kind::Native,
            Implementation::Change(_) => Kind::Change,
            Implementation::Command(_) => Kind::Command,
        }
    }

    /// The in-process check's self-description; command checks describe
    /// themselves in their `ToolSpec`.
    pub fn meta(self) -> Option<&'static Meta> {
        match self {
            Implementation::Native(check) => Some(check.meta()),
            Implementation::Change(check) => Some(check.meta()),
            Implementation::Command(_) => None,
        }
    }
}

/// A check's id: a built-in one, or a command check a project declares in
/// its config.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckId {
    Builtin(Builtin),
    Declared(Arc<str>),
}

impl CheckId {
    /// The id for a name: built-in when dod knows it, else declared.
    pub fn parse(name: &str) -> CheckId {
        Builtin::ALL
            .iter()
            .find(|builtin| builtin.as_str() == name)
            .map_or_else(|| CheckId::Declared(name.into()), |&builtin| builtin.into())
    }

    pub fn as_str(&self) -> &str {
        match self {
            CheckId::Builtin(builtin) => builtin.as_str(),
            CheckId::Declared(name) => name,
        }
    }

    pub fn builtin(&self) -> Option<Builtin> {
        match self {
            CheckId::Builtin(builtin) => Some(*builtin),
            CheckId::Declared(_) => None,
        }
    }

    pub fn implementation(&self) -> Option<Implementation> {
        self.builtin().map(Builtin::implementation)
    }
}

impl From<Builtin> for CheckId {
    fn from(builtin: Builtin) -> CheckId {
        CheckId::Builtin(builtin)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Checks sort by their id as written, in every output.
impl Ord for CheckId {
    fn cmp(&self, other: &CheckId) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for CheckId {
    fn partial_cmp(&self, other: &CheckId) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CheckId, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(CheckId::parse(&name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Native,
    Change,
    Command,
}

impl Kind {
    pub fn is_command(self) -> bool {
        self == Kind::Command
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Native => "native",
            Kind::Change => "change",
            Kind::Command => "command",
        }
    }
}

/// What an in-process check needs before it can judge anything. The runner
/// answers for a check whose need is not met (skip or error, with the
/// reason), so no check repeats that prologue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Files to read (native checks).
    Files,
    /// A change to compare (not `--all`, not a broken change).
    Change,
    /// The task file.
    Task,
}

/// What `dod checks` and `dod explain` show of an in-process check, and
/// what the runner needs to know to run it.
pub struct Meta {
    pub id: Builtin,
    pub title: &'static str,
    pub item: Item,
    /// The doc comment: What it does / Why it matters / Example / How to fix / How to suppress.
    pub explanation: &'static str,
    /// Whether test files are out of scope unless config includes them.
    pub skips_tests: bool,
    /// The default filter against the change.
    pub filter: FilterMode,
    pub needs: Needs,
    /// The check's own options, beside the common ones.
    pub options: &'static [OptionDoc],
}

/// Declares an in-process check: the struct with its doc comment, a `META`
/// whose explanation is that same doc comment, and `Described::meta`.
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident;
        id: $id:expr,
        title: $title:literal,
        item: $item:expr,
        skips_tests: $skips_tests:literal,
        filter: $filter:expr,
        needs: $needs:expr,
        options: $options:expr $(,)?
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;

        impl $name {
            pub const META: $crate::checks::Meta = $crate::checks::Meta {
                id: $id,
                title: $title,
                item: $item,
                explanation: concat!($($doc, "\n"),*),
                skips_tests: $skips_tests,
                filter: $filter,
                needs: $needs,
                options: $options,
            };
        }

        impl $crate::checks::Described for $name {
            fn meta(&self) -> &'static $crate::checks::Meta {
                &Self::META
            }
        }
    };
}
pub(crate) use declare_check;

/// An in-process check's self-description, generated by `declare_check!`.
pub trait Described {
    fn meta(&self) -> &'static Meta;
}

/// A check as `dod checks` and `dod explain` show it, and as the report
/// names it.
#[derive(Debug, Clone)]
pub struct CheckInfo {
    pub id: CheckId,
    pub title: String,
    pub item: Item,
    pub kind: Kind,
    /// The documentation: What it does / Why it matters / Example / How
    /// to fix / How to suppress.
    pub doc: String,
    /// The keys of its `[checks.ID]` table.
    pub keys: Vec<options::Key>,
}

/// Every check the settings know, sorted by id.
pub fn all(settings: &Settings) -> Vec<CheckInfo> {
    let mut checks: Vec<CheckInfo> = Builtin::ALL
        .iter()
        .filter_map(|builtin| {
            let implementation = builtin.implementation();
            let meta = implementation.meta()?;
            Some(CheckInfo {
                id: (*builtin).into(),
                title: meta.title.to_owned(),
                item: meta.item,
                kind: implementation.kind(),
                doc: dedent(meta.explanation),
                keys: options::keys_of(implementation.kind(), meta),
            })
        })
        .chain(settings.commands.iter().map(|spec| CheckInfo {
            id: spec.id.clone(),
            title: spec.title.clone(),
            item: spec.item,
            kind: Kind::Command,
            doc: spec.explain.trim().to_owned(),
            keys: options::command_keys(spec),
        }))
        .collect();
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    checks
}

/// Every in-process check, in id order.
pub fn in_process() -> impl Iterator<Item = &'static Meta> {
    Builtin::ALL
        .iter()
        .filter_map(|builtin| builtin.implementation().meta())
}

/// Drops the single leading space that `///` leaves on each doc line.
pub fn dedent(text: &str) -> String {
    text.lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{ConfigSource, Options};

    fn settings() -> Settings {
        Settings::for_listing(".".into(), Options::default(), ConfigSource::Defaults).unwrap()
    }

    #[test]
    fn every_check_documents_every_heading() {
        let checks = all(&settings());
        assert_eq!(checks.len(), Builtin::ALL.len());
        for check in checks {
            for heading in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## How to fix",
                "## How to suppress",
            ] {
                assert!(
                    check.doc.contains(heading),
                    "`{}` lacks `{heading}`",
                    check.id
                );
            }
            assert!(!check.keys.is_empty(), "`{}` lists no options", check.id);
            let stray = check
                .doc
                .lines()
                .any(|line| line.starts_with(' ') && !line.starts_with("  "));
            assert!(
                !stray,
                "{}: doc lines keep the leading space of `///`",
                check.id
            );
        }
    }

    #[test]
    fn ids_round_trip_and_metas_agree_with_the_registry() {
        for builtin in Builtin::ALL {
            assert_eq!(CheckId::parse(builtin.as_str()), CheckId::from(*builtin));
            if let Some(meta) = builtin.implementation().meta() {
                assert_eq!(meta.id, *builtin);
            }
        }
        assert_eq!(CheckId::parse("bandit"), CheckId::Declared("bandit".into()));
    }

    /// Every check has fixtures: a native check `tests/fixtures/<id>/*.py`
    /// with `# error` marks, a change check at least one case of
    /// `tests/fixtures/change/` that expects a finding of it and one that
    /// expects none, a command check saved real output in
    /// `tests/fixtures/tools/<id>*`.
    #[test]
    fn every_check_has_fixtures() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let listing = |dir: &Path| -> Vec<std::path::PathBuf> {
            std::fs::read_dir(dir)
                .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
                .unwrap_or_default()
        };
        let cases = change::harness::cases(&fixtures.join("change"));
        for builtin in Builtin::ALL {
            let id = builtin.as_str();
            match builtin.implementation() {
                Implementation::Native(_) => {
                    let files = listing(&fixtures.join(id));
                    assert!(
                        files
                            .iter()
                            .any(|file| file.extension().is_some_and(|ext| ext == "py")),
                        "native check `{id}` has no fixture in tests/fixtures/{id}/"
                    );
                }
                Implementation::Change(_) => {
                    let failing = cases.iter().filter(|case| case.expects(id)).count();
                    let passing = cases
                        .iter()
                        .filter(|case| case.runs(id) && !case.expects(id))
                        .count();
                    assert!(
                        failing > 0 && passing > 0,
                        "change check `{id}` needs a failing and a passing case in \
                         tests/fixtures/change/ ({failing} failing, {passing} passing)"
                    );
                }
                Implementation::Command(_) => {
                    let saved = listing(&fixtures.join("tools")).iter().any(|file| {
                        file.file_name()
                            .is_some_and(|name| name.to_string_lossy().starts_with(id))
                    });
                    assert!(
                        saved,
                        "command check `{id}` has no saved output in tests/fixtures/tools/"
                    );
                }
            }
        }
    }
}
