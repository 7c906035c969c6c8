//! The check interface and the registry. A check turns the project and the
//! change into an `Outcome`; it never prints. Native checks run in-process
//! on the shared parsed files; command checks (`external`) are tools declared
//! as data in `checks/*.toml`. No check logic lives here.

pub mod external;

use crate::config::{CheckSettings, Settings};
use crate::diagnostic::{Item, Outcome};
use crate::git::{Change, ChangeError};

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

/// What a native check is given. The parsed Python files join it with the
/// Python front end.
#[expect(
    dead_code,
    reason = "the first native checks arrive with the Python front end (#3)"
)]
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub check: &'a CheckSettings,
    pub scope: &'a Scope,
}

/// A check implemented in dod itself. Its documentation is its
/// `EXPLANATION`, collected from the doc comment of the type.
#[expect(
    dead_code,
    reason = "the first native checks arrive with the Python front end (#3)"
)]
pub trait NativeCheck: Sync {
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    fn item(&self) -> Item;
    fn explanation(&self) -> &'static str;
    fn run(&self, context: &Context<'_>) -> Outcome;
}

/// The native checks, in id order.
const NATIVE: &[&dyn NativeCheck] = &[];

pub fn native() -> impl Iterator<Item = &'static dyn NativeCheck> {
    NATIVE.iter().copied()
}

pub fn native_ids() -> impl Iterator<Item = &'static str> {
    native().map(|check| check.id())
}

pub fn is_native(id: &str) -> bool {
    native_ids().any(|native| native == id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Native,
    Command,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Native => "native",
            Kind::Command => "command",
        }
    }
}

/// A check as `dod checks` and `dod explain` show it.
#[derive(Debug, Clone)]
pub struct CheckInfo {
    pub id: String,
    pub title: String,
    pub item: Item,
    pub kind: Kind,
    pub explanation: String,
}

/// Every check the settings know, sorted by id.
pub fn all(settings: &Settings) -> Vec<CheckInfo> {
    let mut checks: Vec<CheckInfo> = native()
        .map(|check| CheckInfo {
            id: check.id().to_owned(),
            title: check.title().to_owned(),
            item: check.item(),
            kind: Kind::Native,
            explanation: check.explanation().to_owned(),
        })
        .chain(settings.commands.iter().map(|spec| CheckInfo {
            id: spec.id.clone(),
            title: spec.title.clone(),
            item: spec.item,
            kind: Kind::Command,
            explanation: spec.explain.trim().to_owned(),
        }))
        .collect();
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigSource, Options};

    #[test]
    fn every_check_documents_every_heading() {
        let settings =
            Settings::for_listing(".".into(), Options::default(), ConfigSource::Defaults).unwrap();
        let checks = all(&settings);
        assert!(!checks.is_empty());
        for check in checks {
            for heading in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## How to fix",
                "## How to suppress",
            ] {
                assert!(
                    check.explanation.contains(heading),
                    "`{}` lacks `{heading}`",
                    check.id
                );
            }
        }
    }
}
