//! The task file (`TASK.md`): acceptance criteria, the tasks this one
//! depends on, and the hand-off notes the author fills in. Headings match
//! case-insensitively. Parsing only; the checks judge.

use std::sync::LazyLock;

use regex::Regex;

/// One `- [ ]` / `- [x]` line under `## Acceptance criteria`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// 1-based line in the task file.
    pub line: u32,
    pub checked: bool,
    pub text: String,
    /// The tests it names: `(tests: path::name, ...)`.
    pub tests: Vec<String>,
}

/// A line of a section, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub line: u32,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Task {
    pub criteria: Vec<Criterion>,
    /// Whether there is an `## Acceptance criteria` heading at all.
    pub has_criteria: bool,
    pub depends_on: Vec<Line>,
    /// `Status: done` somewhere in the file.
    pub done: bool,
    /// The other sections, by lower-case heading, without blank lines.
    pub sections: Vec<(String, u32, Vec<Line>)>,
}

impl Task {
    /// The non-blank lines of a section, `None` when the heading is absent.
    pub fn section(&self, name: &str) -> Option<&[Line]> {
        self.sections
            .iter()
            .find(|(heading, _, _)| heading == name)
            .map(|(_, _, lines)| lines.as_slice())
    }

    /// The section's text, blank when it only says "none" or "n/a".
    pub fn section_text(&self, name: &str) -> Option<String> {
        self.section(name).map(|lines| {
            lines
                .iter()
                .map(|line| line.text.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// The line of a section's heading.
    pub fn heading_line(&self, name: &str) -> Option<u32> {
        self.sections
            .iter()
            .find(|(heading, _, _)| heading == name)
            .map(|(_, line, _)| *line)
    }
}

static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^#{2,3}\s+(.*?)\s*#*\s*$").expect("valid heading"));
static CHECKBOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<text>.*)$").expect("valid checkbox")
});
static TESTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\(tests?:\s*(?P<list>[^)]*)\)").expect("valid tests"));
static STATUS_DONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*status\s*:\s*done\b").expect("valid status"));

pub fn parse(text: &str) -> Task {
    // `**Status:** done` in bold counts too.
    let done = text
        .lines()
        .any(|line| STATUS_DONE.is_match(&line.replace('*', "")));
    let mut task = Task {
        done,
        ..Task::default()
    };
    let mut current: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Some(captures) = HEADING.captures(raw) {
            let name = captures[1].trim().to_lowercase();
            if name == "acceptance criteria" {
                task.has_criteria = true;
            }
            task.sections.push((name.clone(), number, Vec::new()));
            current = Some(name);
            continue;
        }
        let Some(section) = &current else { continue };
        if raw.trim().is_empty() {
            continue;
        }
        match section.as_str() {
            "acceptance criteria" => {
                if let Some(captures) = CHECKBOX.captures(raw) {
                    let text = captures["text"].trim().to_owned();
                    let tests = TESTS
                        .captures(&text)
                        .map(|tests| {
                            tests["list"]
                                .split([',', ' '])
                                .map(str::trim)
                                .filter(|test| !test.is_empty())
                                .map(|test| test.trim_matches('`').to_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                    task.criteria.push(Criterion {
                        line: number,
                        checked: &captures["mark"] != " ",
                        text,
                        tests,
                    });
                }
            }
            "depends on" => {
                let entry = raw
                    .trim()
                    .trim_start_matches(['-', '*', '+'])
                    .trim()
                    .trim_matches('`');
                if !entry.is_empty() {
                    task.depends_on.push(Line {
                        line: number,
                        text: entry.to_owned(),
                    });
                }
            }
            _ => {}
        }
        if let Some((_, _, lines)) = task.sections.last_mut() {
            lines.push(Line {
                line: number,
                text: raw.trim().to_owned(),
            });
        }
    }
    task
}

/// Whether a section's text says there is nothing (`None`, `n/a`, `-`).
pub fn says_none(text: &str) -> bool {
    let normalized: String = text
        .trim()
        .trim_start_matches(['-', '*'])
        .trim()
        .trim_end_matches('.')
        .to_lowercase();
    matches!(
        normalized.as_str(),
        "none" | "n/a" | "na" | "-" | "nothing" | "no"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = "# Task: uploads\nStatus: in progress\n\n## Acceptance Criteria\n\
        - [x] Uploads return 201 (tests: tests/test_upload.py::test_upload_returns_201)\n\
        - [ ] Large files are rejected\n\n## Depends on\n- tasks/0001-auth.md\n\n\
        ## E2E scenarios\nupload\n\n## Breaking changes\nNone\n";

    #[test]
    fn parses_the_sections() {
        let task = parse(TASK);
        assert!(!task.done);
        assert_eq!(task.criteria.len(), 2);
        assert_eq!(task.criteria[0].line, 5);
        assert!(task.criteria[0].checked && !task.criteria[1].checked);
        assert_eq!(
            task.criteria[0].tests,
            ["tests/test_upload.py::test_upload_returns_201"]
        );
        assert_eq!(task.depends_on[0].text, "tasks/0001-auth.md");
        assert_eq!(
            task.section_text("e2e scenarios").as_deref(),
            Some("upload")
        );
        assert!(says_none(&task.section_text("breaking changes").unwrap()));
        assert_eq!(task.section("decisions"), None);
    }

    #[test]
    fn status_done() {
        assert!(parse("# T\n\nStatus: done\n").done);
        assert!(parse("**Status:** Done\n").done);
    }
}
