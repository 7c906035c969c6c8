//! `dod init`: a commented starter config with every default spelled out,
//! written as `dod.toml` or as a `[tool.dod]` block in `pyproject.toml`. It
//! never overwrites an existing config.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::checks;
use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("`{}` exists already; dod init does not overwrite it", path.display())]
    Exists { path: PathBuf },
    #[error("`{}` has a `[tool.dod]` table already; dod init does not overwrite it", path.display())]
    HasToolDod { path: PathBuf },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `dod init`.
pub fn run(
    args: &crate::cli::InitArgs,
    stdout: &mut dyn std::io::Write,
) -> anyhow::Result<crate::ExitStatus> {
    let root = crate::commands::project_root(&args.path)?;
    let settings = Settings::for_listing(
        root.clone(),
        crate::config::Options::default(),
        crate::config::ConfigSource::Defaults,
    )?;
    let path = write(&root, &settings, args.pyproject)?;
    writeln!(stdout, "wrote {}", path.display())?;
    Ok(crate::ExitStatus::Done)
}

/// Writes the starter config; returns the file written.
pub fn write(root: &Path, settings: &Settings, pyproject: bool) -> Result<PathBuf, InitError> {
    if pyproject {
        let path = root.join("pyproject.toml");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        if existing
            .lines()
            .any(|line| line.trim_start().starts_with("[tool.dod"))
        {
            return Err(InitError::HasToolDod { path });
        }
        let separator = if existing.is_empty() || existing.ends_with("\n\n") {
            ""
        } else if existing.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        let text = format!("{existing}{separator}{}", starter(settings, "tool.dod"));
        std::fs::write(&path, text).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        return Ok(path);
    }
    let path = root.join("dod.toml");
    if path.exists() {
        return Err(InitError::Exists { path });
    }
    std::fs::write(&path, starter(settings, "")).map_err(|source| InitError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The starter text; `prefix` is `tool.dod` inside pyproject.
fn starter(settings: &Settings, prefix: &str) -> String {
    let table = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let mut text = String::new();
    if !prefix.is_empty() {
        let _ = writeln!(text, "[{prefix}]");
    }
    text.push_str(
        "# dod: the Definition-of-Done gate. Every key is optional; the values shown\n\
         # commented out are the defaults. `dod checks` lists the checks and\n\
         # `dod explain CHECK` documents each one.\n\n\
         # The base the change is measured from (default: GITHUB_BASE_REF or\n\
         # CI_MERGE_REQUEST_DIFF_BASE_SHA in CI, else origin/HEAD, origin/main, main, master).\n\
         # base = \"origin/main\"\n\n\
         # The task file with the acceptance criteria and hand-off notes.\n\
         # task = \"TASK.md\"\n\n\
         # Command checks run at once (default: the number of cores).\n\
         # jobs = 2\n\n\
         # May dod build its managed environment of pinned tools under ~/.cache/dod?\n\
         # provision = true\n\n\
         # Bytes beyond which a file is not read (python-syntax warns that it was skipped).\n\
         # max_file_size = 2097152\n",
    );
    let _ = write!(
        text,
        "\n# The coding-agent stop hook (`dod hook`).\n# [{}]\n# block_on = [\"code.lint\", \"code.types\", \"code.suite\"]  # default: every item\n# pytest = \"changed\"  # all | changed | skip\n",
        table("hook")
    );
    for check in checks::all(settings) {
        let _ = write!(
            text,
            "\n# {} ({}, item {}).\n# [{}]\n",
            check.title,
            check.kind.as_str(),
            check.item.id(),
            table(&format!("checks.{}", check.id)),
        );
        for key in &check.keys {
            let value = match (&key.default, key.key) {
                (Some(default), _) => default.clone(),
                // No default: an example of the form the key takes.
                (None, "command") => {
                    match settings.commands.iter().find(|spec| spec.id == check.id) {
                        Some(spec) => format!("\"{}\"", spec.tool),
                        None => continue,
                    }
                }
                (None, _) => continue,
            };
            let _ = writeln!(text, "# {} = {value}  # {}", key.key, key.doc);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigSource, Options};

    fn settings() -> Settings {
        Settings::for_listing(".".into(), Options::default(), ConfigSource::Defaults).unwrap()
    }

    #[test]
    fn the_starter_is_a_valid_config_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &settings(), false).unwrap();
        let (options, _) = crate::config::load(dir.path()).unwrap();
        assert!(options.checks.is_empty(), "everything is commented out");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# [checks.mypy]") && text.contains("# timeout = 300"),
            "{text}"
        );
        assert!(matches!(
            write(dir.path(), &settings(), false),
            Err(InitError::Exists { .. })
        ));
    }

    /// Uncommented, every key the starter writes is accepted back, and
    /// every check's every key with a default is written.
    #[test]
    fn every_key_the_starter_writes_is_accepted_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &settings(), false).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let uncommented: String = text
            .lines()
            .map(|line| {
                let line = line.strip_prefix("# ").unwrap_or(line);
                let is_setting = line.starts_with('[')
                    || line
                        .split_once(" = ")
                        .is_some_and(|(key, _)| !key.contains(' ') && !key.is_empty());
                if is_setting { line } else { "" }
            })
            .collect::<Vec<_>>()
            .join("\n");
        // The hook's example lists are examples, not defaults.
        std::fs::write(&path, &uncommented).unwrap();
        let (options, source) = crate::config::load(dir.path())
            .unwrap_or_else(|error| panic!("{error}\n{uncommented}"));
        let settings = Settings::for_listing(dir.path().to_owned(), options, source)
            .unwrap_or_else(|error| panic!("{error}\n{uncommented}"));
        for check in checks::all(&settings) {
            for key in check.keys.iter().filter(|key| key.default.is_some()) {
                assert!(
                    uncommented.contains(&format!("{} = ", key.key)),
                    "`{}` of `{}` is not written",
                    key.key,
                    check.id
                );
            }
        }
        let (options, _) = crate::config::load(dir.path()).unwrap();
        assert!(options.checks.contains_key("ruff"));
        assert!(options.own.contains_key("hardcoded-secrets"));
    }

    #[test]
    fn pyproject_gets_a_tool_dod_block_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"svc\"\n",
        )
        .unwrap();
        write(dir.path(), &settings(), true).unwrap();
        let text = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
        assert!(
            text.starts_with("[project]\nname = \"svc\"\n\n[tool.dod]\n"),
            "{text}"
        );
        assert!(text.contains("# [tool.dod.checks.ruff]"), "{text}");
        crate::config::load(dir.path()).unwrap();
        assert!(matches!(
            write(dir.path(), &settings(), true),
            Err(InitError::HasToolDod { .. })
        ));
    }
}
