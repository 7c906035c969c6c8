//! Reads `ruff check --output-format json`: an array of diagnostics with
//! 1-based `location` (DESIGN section 9). Since ruff 0.16 `filename` and
//! `location` may be null; such a diagnostic is a file-less finding.

use std::path::Path;

use serde::Deserialize;

use crate::checks::external::relative_path;
use crate::diagnostic::{Finding, Location};

#[derive(Deserialize)]
struct Diagnostic {
    code: Option<String>,
    message: String,
    filename: Option<String>,
    location: Option<Position>,
    fix: Option<Fix>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct Position {
    row: u32,
    column: u32,
}

#[derive(Deserialize)]
struct Fix {
    message: Option<String>,
}

pub fn parse(stdout: &str, root: &Path) -> Result<Vec<Finding>, String> {
    let trimmed = stdout.trim();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let diagnostics: Vec<Diagnostic> = serde_json::from_str(trimmed).map_err(|error| {
        let first = trimmed.lines().next().unwrap_or_default();
        format!("ruff printed output that is not its JSON format ({error}); it began: {first:.120}")
    })?;
    Ok(diagnostics
        .into_iter()
        .map(|diagnostic| {
            let location = match (&diagnostic.filename, &diagnostic.location) {
                (Some(file), Some(position)) => Location::at(
                    relative_path(file, root),
                    position.row,
                    Some(position.column),
                ),
                (Some(file), None) => Location::file(relative_path(file, root)),
                (None, _) => Location::default(),
            };
            let rule = diagnostic.code.unwrap_or_else(|| "ruff".to_owned());
            let fix = match (diagnostic.fix.and_then(|fix| fix.message), diagnostic.url) {
                (Some(fix), _) => Some(format!("{fix} (`ruff check --fix`)")),
                (None, Some(url)) => Some(format!("see {url}")),
                (None, None) => None,
            };
            let finding = Finding::new(rule, location, diagnostic.message);
            match fix {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_saved_ruff_output() {
        let output = include_str!("../../../tests/fixtures/tools/ruff.json");
        let findings = parse(output, Path::new("/tmp/pp")).unwrap();
        let shown: Vec<String> = findings
            .iter()
            .map(|finding| format!("{} {} {}", finding.location, finding.rule, finding.message))
            .collect();
        assert_eq!(
            shown,
            [
                "app.py:1:1 I001 Import block is un-sorted or un-formatted",
                "app.py:1:8 F401 `os` imported but unused",
                "bad.py:1:7 invalid-syntax Expected a parameter or the end of the parameter list",
                "bad.py:2:1 invalid-syntax unexpected EOF while parsing",
            ]
        );
    }

    #[test]
    fn null_location_is_a_fileless_finding() {
        let output = r#"[{"code":"E902","message":"No such file","filename":null,"location":null,"fix":null,"url":null}]"#;
        let findings = parse(output, Path::new("/")).unwrap();
        assert_eq!(findings[0].location, Location::default());
    }

    #[test]
    fn garbage_is_an_error_that_quotes_it() {
        let error = parse("error: unexpected argument '--bogus'", Path::new("/")).unwrap_err();
        assert!(error.contains("not its JSON format"), "{error}");
        assert!(error.contains("--bogus"), "{error}");
    }
}
