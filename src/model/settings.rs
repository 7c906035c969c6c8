//! The environment variables the project reads (`os.environ[...]`,
//! `.get`, `os.getenv`, `in os.environ`, pydantic `BaseSettings` fields,
//! Flask's `from_prefixed_env`), with names given through string
//! constants resolved, and which of them a change makes new: read by the
//! changed code now, and by no code of the project before.

use std::collections::BTreeSet;

use crate::model::analysis::{self, Constants};
use crate::model::{Side, Versions, modules};
use crate::python::{self, PythonFile};

/// An environment variable the change starts reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// `UPLOAD_BUCKET`, or `FLASK_*` for a prefix.
    pub name: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// The variables the changed library code reads after the change that no
/// code read before it: not the changed files at base, nor an unchanged
/// file. `elsewhere` gives the unchanged Python files that mention any of
/// the names (a text search), which are parsed to tell a read from a
/// mention.
pub fn new_env_vars(
    python: &[Versions],
    context: &[PythonFile],
    elsewhere: impl FnOnce(&[&str]) -> Vec<PythonFile>,
) -> Vec<EnvVar> {
    let (constants_before, constants_after) = (
        Constants::of(&modules(python, context, Side::Base)),
        Constants::of(&modules(python, context, Side::Head)),
    );
    let before: BTreeSet<String> = python
        .iter()
        .filter_map(|versions| versions.base.as_ref())
        .flat_map(|file| analysis::env_vars(file, &constants_before))
        .map(|(name, _)| name)
        .collect();
    let mut found: Vec<EnvVar> = Vec::new();
    for versions in python {
        let Some(head) = &versions.head else { continue };
        if python::is_test_file(&versions.file.path) {
            continue;
        }
        for (name, offset) in analysis::env_vars(head, &constants_after) {
            if !before.contains(&name) && !found.iter().any(|known| known.name == name) {
                let (line, column) = head.line_column(offset);
                found.push(EnvVar {
                    name,
                    path: versions.file.path.clone(),
                    line,
                    column,
                });
            }
        }
    }
    if found.is_empty() {
        return found;
    }
    let names: Vec<&str> = found
        .iter()
        .map(|var| var.name.trim_end_matches('*'))
        .collect();
    let others = elsewhere(&names);
    let mut with_others: Vec<&PythonFile> = modules(python, context, Side::Head);
    with_others.extend(others.iter());
    let constants = Constants::of(&with_others);
    let read_elsewhere: BTreeSet<String> = others
        .iter()
        .filter(|file| !python::is_test_file(&file.path))
        .flat_map(|file| analysis::env_vars(file, &constants))
        .map(|(name, _)| name)
        .collect();
    found.retain(|var| !read_elsewhere.contains(&var.name));
    found
}
