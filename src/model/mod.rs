//! The project model: what the Python project declares, built from the one
//! parse per file, at head and at base for the changed files, and the
//! delta between them. It knows no checks; checks read it.

pub mod analysis;
pub mod api;
pub mod delta;
pub mod imports;
pub mod routes;
