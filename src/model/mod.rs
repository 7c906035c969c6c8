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
