//! `dod hook`: the coding-agent stop hook (Claude Code `Stop` and
//! `SubagentStop`; Codex uses the same shape). This module reads the event
//! and turns a report into the decision; running the gate is `commands::hook`'s.
//!
//! The agent is blocked only by a real Definition-of-Done failure, never
//! because dod itself could not run, and never when `stop_hook_active` says
//! the agent is already continuing because of this hook.

use std::path::PathBuf;

use serde::Deserialize;

use crate::diagnostic::{Item, Status};
use crate::render::finding_line;
use crate::report::{Report, Verdict};

/// The reason stays short enough for the agent to act on.
const MAX_LINES: usize = 40;
/// Findings shown per failing item.
const PER_ITEM: usize = 5;

/// The stop-hook event on stdin; other fields (`session_id`,
/// `transcript_path`, ...) are ignored.
#[derive(Debug, Deserialize)]
pub struct Event {
    pub cwd: Option<PathBuf>,
    pub hook_event_name: Option<String>,
    #[serde(default)]
    pub stop_hook_active: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Done: let the agent stop.
    Allow,
    /// Not done: the reason lists what is missing.
    Block(String),
    /// dod could not judge (a tool could not run): let the agent stop and
    /// say why on stderr.
    CannotJudge(String),
}

/// The `{"decision":"block","reason":...}` line.
pub fn block_json(reason: &str) -> String {
    serde_json::json!({ "decision": "block", "reason": reason }).to_string()
}

pub fn decide(report: &Report, block_on: &[Item], report_path: Option<&str>) -> Decision {
    let blocking: Vec<_> = report
        .items
        .iter()
        .filter(|item| {
            item.status == Status::Fail && (block_on.is_empty() || block_on.contains(&item.item))
        })
        .collect();
    let errored: Vec<String> = report
        .checks
        .iter()
        .filter(|check| check.status == Status::Error)
        .map(|check| {
            format!(
                "{}: {}",
                check.id,
                crate::render::first_line(&crate::render::summary(check))
            )
        })
        .collect();
    if blocking.is_empty() {
        return if report.verdict == Verdict::Error {
            Decision::CannotJudge(format!(
                "dod could not check everything: {}",
                errored.join("; ")
            ))
        } else {
            Decision::Allow
        };
    }
    let mut lines =
        vec!["The Definition of Done is not met yet. Fix these before stopping:".to_owned()];
    for item in blocking {
        lines.push(format!("- {} ({})", item.item.title(), item.item.id()));
        let findings: Vec<String> = report
            .error_findings(item.item)
            .map(|finding| format!("    {}", finding_line(finding)))
            .collect();
        let shown = findings.len().min(PER_ITEM);
        lines.extend(findings.iter().take(shown).cloned());
        if findings.len() > shown {
            lines.push(format!("    … and {} more", findings.len() - shown));
        }
    }
    if !errored.is_empty() {
        lines.push(format!("(not checked: {})", errored.join("; ")));
    }
    if lines.len() > MAX_LINES {
        let left = lines.len() - (MAX_LINES - 1);
        lines.truncate(MAX_LINES - 1);
        lines.push(format!("… {left} more lines"));
    }
    match report_path {
        Some(path) => lines.push(format!("Full report: {path}")),
        None => lines.push("Run `dod check` for the full report.".to_owned()),
    }
    Decision::Block(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::sample_report;

    #[test]
    fn blocks_on_failing_items_with_their_findings() {
        let mut report = sample_report();
        report.checks.retain(|check| check.id != "bandit");
        report.items = Report::items_from(&report.checks, &[]);
        report.verdict = Verdict::of(&report.items);
        let Decision::Block(reason) = decide(&report, &[], Some("/repo/.git/dod-report.md")) else {
            panic!()
        };
        assert!(
            reason.contains("- Existing test suite passes (no regressions) (code.suite)"),
            "{reason}"
        );
        assert!(
            reason.contains("    app/routes.py:3:8 F401 `os` imported but unused"),
            "{reason}"
        );
        assert!(
            reason.ends_with("Full report: /repo/.git/dod-report.md"),
            "{reason}"
        );
    }

    #[test]
    fn block_on_limits_the_items() {
        let mut report = sample_report();
        report.checks.retain(|check| check.id != "bandit");
        report.items = Report::items_from(&report.checks, &[]);
        report.verdict = Verdict::of(&report.items);
        assert_eq!(decide(&report, &[Item::CodeTypes], None), Decision::Allow);
    }

    #[test]
    fn tool_errors_alone_never_block() {
        let mut report = sample_report();
        report.checks.retain(|check| check.id == "bandit");
        report.items = Report::items_from(&report.checks, &[]);
        report.verdict = Verdict::of(&report.items);
        assert!(matches!(
            decide(&report, &[], None),
            Decision::CannotJudge(_)
        ));
    }

    #[test]
    fn json_escapes_the_reason() {
        assert_eq!(
            block_json("a \"b\"\nc"),
            r#"{"decision":"block","reason":"a \"b\"\nc"}"#
        );
    }
}
