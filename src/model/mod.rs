//! The project model: what the Python project declares, built from the one
//! parse per file, at head and at base for the changed files, and the
//! delta between them. It knows no checks; checks read it.

pub mod analysis;
pub mod api;
pub mod delta;
pub mod dependencies;
pub mod imports;
pub mod inventory;
pub mod routes;
pub mod settings;
pub mod test_rules;

use crate::git::ChangedFile;
use crate::python::PythonFile;

/// Both versions of a changed Python file, each parsed once.
pub struct Versions {
    pub file: ChangedFile,
    pub base: Option<PythonFile>,
    pub head: Option<PythonFile>,
}

/// One side of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Base,
    Head,
}

/// Every module of one side the model reads: the changed files as they
/// were (or are) and the unchanged context files, the same on both sides.
pub fn modules<'a>(
    python: &'a [Versions],
    context: &'a [PythonFile],
    side: Side,
) -> Vec<&'a PythonFile> {
    python
        .iter()
        .filter_map(|versions| match side {
            Side::Base => versions.base.as_ref(),
            Side::Head => versions.head.as_ref(),
        })
        .chain(context)
        .collect()
}
