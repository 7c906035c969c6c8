//! Reads `mypy -O json`: JSON Lines with a **0-based** `column` (-1 when
//! unknown). Some errors (syntax errors in old releases, crashes, config
//! warnings) still come as plain text, so text lines in mypy's own format are
//! read too and anything else is ignored.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::checks::external::relative_path;
use crate::diagnostic::{Finding, Location, Severity};

#[derive(Deserialize)]
struct Diagnostic {
    file: String,
    line: i64,
    column: i64,
    message: String,
    hint: Option<String>,
    code: Option<String>,
    severity: String,
}

/// `path:line[:col]: error: message  [code]`, mypy's text format.
static TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<path>[^:\n]+\.pyi?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<severity>error|note|warning): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$")
        .expect("the mypy text pattern is valid")
});

/// Whether the project's mypy config names the files to check (`files =`
/// in `mypy.ini`, `.mypy.ini`, `[tool.mypy]` of pyproject.toml or
/// `setup.cfg`'s `[mypy]`): then mypy runs with no path, as `mypy` alone.
/// mypy reads the first of these files that exists.
pub fn configures_files(root: &Path) -> bool {
    for name in ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"] {
        let Ok(text) = std::fs::read_to_string(root.join(name)) else {
            continue;
        };
        if name == "pyproject.toml" {
            let Ok(table) = text.parse::<toml::Table>() else {
                continue;
            };
            match table.get("tool").and_then(|tool| tool.get("mypy")) {
                Some(mypy) => return mypy.get("files").is_some(),
                None => continue,
            }
        }
        let mut inside = false;
        let mut has_section = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                inside = line == "[mypy]";
                has_section |= inside;
            } else if inside
                && line
                    .split(['=', ':'])
                    .next()
                    .is_some_and(|key| key.trim() == "files")
            {
                return true;
            }
        }
        if has_section {
            return false;
        }
    }
    false
}

pub fn parse(stdout: &str, root: &Path) -> Vec<Finding> {
    stdout
        .lines()
        .filter_map(|line| {
            let line = line.trim_end();
            if line.starts_with('{') {
                serde_json::from_str::<Diagnostic>(line)
                    .ok()
                    .map(|diagnostic| from_json(diagnostic, root))
            } else {
                from_text(line, root)
            }
        })
        .collect()
}

fn from_json(diagnostic: Diagnostic, root: &Path) -> Finding {
    let line = u32::try_from(diagnostic.line).ok().filter(|line| *line > 0);
    // mypy's JSON columns are 0-based; -1 means unknown.
    let column = u32::try_from(diagnostic.column)
        .ok()
        .map(|column| column + 1);
    let path = relative_path(&diagnostic.file, root);
    let location = match line {
        Some(line) => Location::at(path, line, column),
        None => Location::file(path),
    };
    let finding = Finding::new(
        diagnostic.code.unwrap_or_else(|| "mypy".to_owned()),
        location,
        diagnostic.message,
    )
    .with_severity(severity(&diagnostic.severity));
    match diagnostic.hint {
        Some(hint) if !hint.is_empty() => finding.with_fix(hint),
        _ => finding,
    }
}

fn from_text(line: &str, root: &Path) -> Option<Finding> {
    let captures = TEXT.captures(line)?;
    let path = relative_path(&captures["path"], root);
    let line_number = captures["line"].parse().ok()?;
    let column = captures
        .name("col")
        .and_then(|col| col.as_str().parse().ok());
    let rule = captures.name("code").map_or("mypy", |code| code.as_str());
    Some(
        Finding::new(
            rule,
            Location::at(path, line_number, column),
            &captures["message"],
        )
        .with_severity(severity(&captures["severity"])),
    )
}

fn severity(text: &str) -> Severity {
    match text {
        "note" => Severity::Note,
        "warning" => Severity::Warning,
        _ => Severity::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_columns_become_one_based() {
        let output = include_str!("../../../tests/fixtures/tools/mypy.jsonl");
        let findings = parse(output, Path::new("/tmp/pp"));
        let shown: Vec<String> = findings
            .iter()
            .map(|finding| {
                format!(
                    "{} {} {:?}",
                    finding.location, finding.rule, finding.severity
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "app.py:4:10 assignment Error",
                "bad.py:1:8 syntax Error",
                "bad.py:2:2 syntax Error"
            ]
        );
    }

    #[test]
    fn text_lines_are_read_and_summaries_ignored() {
        let output = "app/x.py:3: error: Name \"y\" is not defined  [name-defined]\n\
                      app/x.py:3: note: See docs\nFound 1 error in 1 file (checked 2 source files)\n";
        let findings = parse(output, Path::new("/"));
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].rule, "name-defined");
        assert_eq!(findings[0].location, Location::at("app/x.py", 3, None));
        assert_eq!(findings[1].severity, Severity::Note);
    }

    #[test]
    fn unknown_column_is_none() {
        let output = r#"{"file": "a.py", "line": 1, "column": -1, "message": "m", "hint": null, "code": "misc", "severity": "error"}"#;
        assert_eq!(
            parse(output, Path::new("/"))[0].location,
            Location::at("a.py", 1, None)
        );
    }
}
