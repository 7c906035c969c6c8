//! One module per subcommand; `lib.rs` dispatches to them. They resolve
//! settings, call the runner and hand the report to the renderers.

pub mod check;
pub mod checks;
pub mod env;
pub mod explain;
pub mod hook;
pub mod init;

use std::path::{Path, PathBuf};

use crate::config::{self, Settings};
use crate::error::UsageError;

/// The project root, absolute.
pub fn project_root(path: &Path) -> Result<PathBuf, UsageError> {
    if !path.is_dir() {
        return Err(UsageError::NotADirectory {
            path: path.to_owned(),
        });
    }
    std::fs::canonicalize(path).map_err(|_| UsageError::NotADirectory {
        path: path.to_owned(),
    })
}

/// Settings for listing and explaining checks: the config without a run.
pub fn listing_settings(path: &Path) -> anyhow::Result<Settings> {
    let root = project_root(path)?;
    let (options, source) = config::load(&root)?;
    Ok(Settings::for_listing(root, options, source)?)
}
