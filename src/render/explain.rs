//! `dod checks` and `dod explain`: the check list and a check's
//! documentation with its options.

use std::io::{self, Write};

use crate::checks::CheckInfo;
use crate::checks::options::Key;

pub fn list(checks: &[CheckInfo], out: &mut dyn Write) -> io::Result<()> {
    let width = checks
        .iter()
        .map(|check| check.id.as_str().len())
        .max()
        .unwrap_or(0);
    let items = checks
        .iter()
        .map(|check| check.item.id().len())
        .max()
        .unwrap_or(0);
    for check in checks {
        writeln!(
            out,
            "{:<width$}  {:<items$}  {:<7}  {}",
            check.id.as_str(),
            check.item.id(),
            check.kind.as_str(),
            check.title
        )?;
    }
    Ok(())
}

pub fn explain(check: &CheckInfo, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "# {} ({}, item `{}`)\n",
        check.id,
        check.kind.as_str(),
        check.item.id()
    )?;
    writeln!(out, "{}\n", check.doc.trim_end())?;
    options(check.id.as_str(), &check.keys, out)
}

/// The `## Options` section: every key with its default and where it goes.
pub fn options(id: &str, keys: &[Key], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "## Options\nIn `[checks.{id}]` of `dod.toml`, or `[tool.dod.checks.{id}]` of `pyproject.toml`:\n"
    )?;
    for key in keys {
        match &key.default {
            Some(default) => writeln!(out, "- `{} = {default}`: {}", key.key, key.doc)?,
            None => writeln!(out, "- `{}`: {}", key.key, key.doc)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigSource, Options, Settings};

    #[test]
    fn explain_names_the_options_and_where_they_go() {
        let settings =
            Settings::for_listing(".".into(), Options::default(), ConfigSource::Defaults).unwrap();
        let checks = crate::checks::all(&settings);
        let readme = checks.iter().find(|check| check.id == "readme").unwrap();
        let mut out = Vec::new();
        explain(readme, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("## Options"), "{text}");
        assert!(text.contains("`[checks.readme]`"), "{text}");
        assert!(text.contains("- `setup_docs = []`"), "{text}");
        let secrets = checks
            .iter()
            .find(|check| check.id == "hardcoded-secrets")
            .unwrap();
        let mut out = Vec::new();
        explain(secrets, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("- `secret_names = []`"), "{text}");
        assert!(text.contains("- `include_tests = true`"), "{text}");
    }
}
