//! Configuration: `options` is the raw TOML as written, `settings` the
//! resolved form that every check sees.

mod options;
mod settings;

pub use options::{CheckOptions, ConfigSource, HookOptions, HookPytest, Options, has_config, load};
pub use settings::{CheckSettings, FilterMode, Settings};
