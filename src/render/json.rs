//! `--json`: everything, for machines. The shape is documented in
//! `docs/json.md`; `version` bumps on any breaking change to it.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Finding, Severity, Status, TestOutcome};
use crate::report::{Report, ScopeSummary};

/// The version of this JSON shape.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    dod_version: &'a str,
    verdict: &'static str,
    /// `change`, `all` or `broken`.
    scope: &'static str,
    base: Option<BaseJson<'a>>,
    /// Why the change could not be measured, when `scope` is `broken`.
    scope_error: Option<String>,
    duration_ms: u128,
    items: Vec<ItemJson<'a>>,
    checks: Vec<CheckJson<'a>>,
    report: ReportJson<'a>,
}

#[derive(Serialize)]
struct BaseJson<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    commit: &'a str,
    source: &'static str,
}

#[derive(Serialize)]
struct ItemJson<'a> {
    id: &'static str,
    title: &'static str,
    status: Status,
    checks: Vec<&'a str>,
    note: Option<String>,
}

#[derive(Serialize)]
struct CheckJson<'a> {
    id: &'a str,
    title: &'a str,
    item: &'static str,
    kind: &'static str,
    status: Status,
    summary: String,
    duration_ms: u128,
    filter: &'static str,
    hidden_findings: usize,
    /// The program a command check ran; `null` for dod's own checks.
    tool: Option<ToolJson<'a>>,
    findings: Vec<FindingJson<'a>>,
}

#[derive(Serialize)]
struct ToolJson<'a> {
    program: &'a str,
    version: Option<&'a str>,
    source: &'static str,
    pinned_by: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'a str,
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    /// The last line of a finding that spans several (an uncovered range).
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    message: &'a str,
    severity: Severity,
    fix: Option<&'a str>,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    files: Vec<FileJson<'a>>,
    tests: Vec<TestJson<'a>>,
    tests_added: Vec<AddedTestJson<'a>>,
    /// Test files the change added or modified; `null` when not measured.
    test_files: Option<&'a [String]>,
    /// Alembic revisions the change added; `null` when not measured.
    migrations: Option<&'a [String]>,
}

#[derive(Serialize)]
struct AddedTestJson<'a> {
    node_id: &'a str,
    /// `null` when it did not run.
    outcome: Option<TestOutcome>,
}

#[derive(Serialize)]
struct FileJson<'a> {
    path: &'a str,
    status: &'static str,
    from: Option<&'a str>,
    /// Added or modified 1-based line ranges; `null` when every line is new.
    lines: Option<Vec<[u32; 2]>>,
}

#[derive(Serialize)]
struct TestJson<'a> {
    node_id: &'a str,
    outcome: TestOutcome,
    path: Option<&'a str>,
    line: Option<u32>,
    duration_ms: u128,
    message: Option<&'a str>,
}

fn finding(finding: &Finding) -> FindingJson<'_> {
    FindingJson {
        rule: &finding.rule,
        path: finding.location.path.as_deref(),
        line: finding.location.line,
        column: finding.location.column,
        end_line: finding.end_line,
        message: &finding.message,
        severity: finding.severity,
        fix: finding.fix.as_deref(),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let (scope, base, scope_error) = match &report.scope {
        ScopeSummary::All => ("all", None, None),
        ScopeSummary::Change { base, .. } => (
            "change",
            Some(BaseJson {
                reference: &base.reference,
                commit: &base.commit,
                source: base.source.describe(),
            }),
            None,
        ),
        ScopeSummary::Broken(error) => ("broken", None, Some(error.to_string())),
    };
    let document = Document {
        version: VERSION,
        dod_version: report.dod_version,
        verdict: report.verdict.as_str(),
        scope,
        base,
        scope_error,
        duration_ms: report.duration.as_millis(),
        items: report
            .items
            .iter()
            .map(|item| ItemJson {
                id: item.item.id(),
                title: item.item.title(),
                status: item.status,
                checks: item.checks.iter().map(|id| id.as_str()).collect(),
                note: item.note.as_ref().map(crate::render::item_note),
            })
            .collect(),
        checks: report
            .checks
            .iter()
            .map(|check| CheckJson {
                id: check.id.as_str(),
                title: &check.title,
                item: check.item.id(),
                kind: check.kind.as_str(),
                status: check.status,
                summary: crate::render::summary(check),
                duration_ms: check.duration.as_millis(),
                filter: check.filter.as_str(),
                hidden_findings: check.hidden,
                tool: check.facts.tool.as_ref().map(|tool| ToolJson {
                    program: &tool.program,
                    version: tool.version.as_deref(),
                    source: tool.source,
                    pinned_by: tool.pinned_by.as_deref(),
                }),
                findings: check.findings.iter().map(finding).collect(),
            })
            .collect(),
        report: ReportJson {
            files: report
                .changed_files()
                .iter()
                .map(|file| FileJson {
                    path: &file.path,
                    status: file.status.as_str(),
                    from: file.from.as_deref(),
                    lines: match &file.lines {
                        crate::git::ChangedLines::Whole => None,
                        crate::git::ChangedLines::Some(lines) => Some(
                            lines
                                .ranges()
                                .iter()
                                .map(|range| [*range.start(), *range.end()])
                                .collect(),
                        ),
                    },
                })
                .collect(),
            tests: report
                .tests()
                .map(|test| TestJson {
                    node_id: &test.node_id,
                    outcome: test.outcome,
                    path: test.path.as_deref(),
                    line: test.line,
                    duration_ms: test.duration.as_millis(),
                    message: test.message.as_deref(),
                })
                .collect(),
            tests_added: report
                .checks
                .iter()
                .flat_map(|check| check.facts.tests_added.iter())
                .map(|(node_id, outcome)| AddedTestJson {
                    node_id,
                    outcome: *outcome,
                })
                .collect(),
            test_files: report
                .inventory
                .as_ref()
                .map(|inventory| inventory.test_files.as_slice()),
            migrations: report
                .inventory
                .as_ref()
                .map(|inventory| inventory.migrations.as_slice()),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::sample_report;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        render(&sample_report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
