//! The registry. A check turns the project and the change into an
//! `Outcome`; it never prints. Three kinds: command checks (`external`) are
//! tools declared as data in `checks/*.toml`; native checks (`native`) run
//! in-process on each file of the shared parse; change checks (`change`)
//! compare both versions of the change and read the task file. No check
//! logic lives here.

pub mod change;
pub mod external;
pub mod native;

use crate::config::Settings;
use crate::diagnostic::Item;
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

/// The native checks, in id order.
pub fn native() -> impl Iterator<Item = &'static dyn native::NativeCheck> {
    native::ALL.iter().copied()
}

/// Every check that runs inside dod (per-file and change checks).
pub fn in_process() -> impl Iterator<Item = &'static native::Meta> {
    native()
        .map(|check| check.meta())
        .chain(change::ALL.iter().map(|check| check.meta()))
}

pub fn native_ids() -> impl Iterator<Item = &'static str> {
    in_process().map(|meta| meta.id)
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
    pub fn is_command(self) -> bool {
        self == Kind::Command
    }

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
    let mut checks: Vec<CheckInfo> = in_process()
        .map(|meta| CheckInfo {
            id: meta.id.to_owned(),
            title: meta.title.to_owned(),
            item: meta.item,
            kind: Kind::Native,
            explanation: native::dedent(meta.explanation),
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
