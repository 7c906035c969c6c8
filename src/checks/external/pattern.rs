//! The `regex` parser, for tools without a structured format: one finding
//! per output line that matches the declared pattern, whose named groups are
//! `path`, `line`, `col`, `message` and `rule` (only `message` is required).

use std::path::Path;

use regex::Regex;

use crate::checks::external::relative_path;
use crate::diagnostic::{Finding, Location, Severity};

pub fn parse(output: &str, pattern: &Regex, check_id: &str, root: &Path) -> Vec<Finding> {
    output
        .lines()
        .filter_map(|line| {
            let captures = pattern.captures(line)?;
            let message = captures.name("message")?.as_str().trim().to_owned();
            let path = captures
                .name("path")
                .map(|path| relative_path(path.as_str(), root));
            let line_number = captures
                .name("line")
                .and_then(|line| line.as_str().parse().ok());
            let column = captures
                .name("col")
                .and_then(|col| col.as_str().parse().ok());
            let location = Location {
                path,
                line: line_number,
                column,
            };
            let rule = captures.name("rule").map_or(check_id, |rule| rule.as_str());
            let severity = match captures
                .name("severity")
                .map(|severity| severity.as_str().to_ascii_lowercase())
            {
                Some(severity) if severity.starts_with("warn") => Severity::Warning,
                Some(severity) if severity.starts_with("note") || severity.starts_with("info") => {
                    Severity::Note
                }
                _ => Severity::Error,
            };
            Some(Finding::new(rule, location, message).with_severity(severity))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_groups_make_findings() {
        let pattern = Regex::new(
            r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>[A-Z]+\d+) (?P<message>.+)$",
        )
        .unwrap();
        let output = "src/a.py:3:1: B101 Use of assert detected\nnoise\n";
        let findings = parse(output, &pattern, "bandit", Path::new("/repo"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].location, Location::at("src/a.py", 3, Some(1)));
        assert_eq!(findings[0].rule, "B101");
    }
}
