//! The Output Report: the hand-off text an author would otherwise write by
//! hand, in Markdown, built from what the run measured. Sections the run
//! cannot know say so instead of inventing anything.

use std::io::{self, Write};

use crate::diagnostic::{Severity, Status, TestOutcome};
use crate::git::{ChangedLines, FileStatus};
use crate::render::{first_line, scope_line};
use crate::report::{Report, Verdict};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let verdict = match report.verdict {
        Verdict::Done => "done",
        Verdict::NotDone => "not done",
        Verdict::Error => "could not be checked",
    };
    writeln!(out, "# Output Report\n")?;
    writeln!(
        out,
        "**Verdict: {verdict}** · dod {} · {}\n",
        report.dod_version,
        scope_line(report)
    )?;
    files(report, out)?;
    tests(report, out)?;
    diff_coverage(report, out)?;
    docs(report, out)?;
    for (heading, section) in [
        ("E2E scenarios affected", "e2e scenarios"),
        ("Breaking changes", "breaking changes"),
        ("Decisions made and why", "decisions"),
    ] {
        writeln!(out, "## {heading}\n")?;
        match note(report, section) {
            Some(text) => writeln!(out, "{text}\n")?,
            None => writeln!(
                out,
                "Not provided: {}\n",
                missing_notes(report, &title_case(section))
            )?,
        }
    }
    migrations(report, out)?;
    concerns(report, out)?;
    checklist(report, out)?;
    Ok(())
}

fn files(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Files created/modified\n")?;
    let files = report.changed_files();
    if files.is_empty() {
        let why = match &report.scope {
            crate::report::ScopeSummary::All => {
                "The whole project was checked (`--all`); no change was measured."
            }
            crate::report::ScopeSummary::Broken(_) => {
                "The change could not be measured (see the checklist)."
            }
            crate::report::ScopeSummary::Change { .. } => "No file changed since the base.",
        };
        return writeln!(out, "{why}\n");
    }
    writeln!(out, "| File | Change | Lines added or modified |")?;
    writeln!(out, "| --- | --- | --- |")?;
    for file in files {
        let change = match (&file.status, &file.from) {
            (FileStatus::Renamed, Some(from)) => format!("renamed from `{from}`"),
            (status, _) => status.as_str().to_owned(),
        };
        let lines = match (&file.lines, file.status) {
            (_, FileStatus::Deleted) => "-".to_owned(),
            (ChangedLines::Whole, _) => "all".to_owned(),
            (ChangedLines::Some(lines), _) => lines.count().to_string(),
        };
        writeln!(out, "| `{}` | {change} | {lines} |", escape(&file.path))?;
    }
    writeln!(out)
}

fn tests(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Tests added and their results\n")?;
    let tests: Vec<_> = report.tests().collect();
    // The inventory the change checks read: the report cannot disagree.
    let changed_tests: Vec<&str> = report
        .inventory
        .iter()
        .flat_map(|inventory| inventory.test_files.iter().map(String::as_str))
        .collect();
    if !changed_tests.is_empty() {
        let list: Vec<String> = changed_tests
            .iter()
            .map(|path| format!("`{path}`"))
            .collect();
        writeln!(out, "Test files added or modified: {}.\n", list.join(", "))?;
    }
    let added: Vec<&(String, Option<TestOutcome>)> = report
        .checks
        .iter()
        .flat_map(|check| check.facts.tests_added.iter())
        .collect();
    if !added.is_empty() {
        writeln!(out, "Tests added or changed by this change:\n")?;
        for (node_id, outcome) in added {
            let result = outcome.map_or("did not run", TestOutcome::as_str);
            writeln!(out, "- `{}`: {result}", escape(node_id))?;
        }
        writeln!(out)?;
    }
    for check in report.checks.iter().filter(|check| {
        !check.facts.tests.is_empty() || check.item == crate::diagnostic::Item::CodeSuite
    }) {
        writeln!(
            out,
            "{}: {} ({}).\n",
            check.id,
            crate::render::summary(check),
            check.status
        )?;
    }
    if tests.is_empty() {
        return writeln!(
            out,
            "No test results: no test run took part in this check.\n"
        );
    }
    writeln!(out, "| Test | Result | Time |")?;
    writeln!(out, "| --- | --- | --- |")?;
    for test in tests {
        let result = match (&test.outcome, &test.message) {
            (TestOutcome::Passed, _) | (_, None) => test.outcome.as_str().to_owned(),
            (outcome, Some(message)) => format!("{}: {}", outcome.as_str(), escape(message)),
        };
        writeln!(
            out,
            "| `{}` | {result} | {:.2}s |",
            escape(&test.node_id),
            test.duration.as_secs_f64()
        )?;
    }
    writeln!(out)
}

/// The share of the changed lines the tests ran, and the ranges they did
/// not, per file; only when `diff-coverage` ran.
fn diff_coverage(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(check) = report
        .checks
        .iter()
        .find(|check| check.id.as_str() == crate::checks::Builtin::DiffCoverage.as_str())
    else {
        return Ok(());
    };
    writeln!(out, "## Diff coverage\n")?;
    writeln!(out, "{}\n", escape(&crate::render::summary(check)))?;
    let mut files: Vec<&str> = check
        .facts
        .uncovered
        .iter()
        .map(|(path, _, _)| path.as_str())
        .collect();
    files.dedup();
    if files.is_empty() {
        return Ok(());
    }
    writeln!(out, "| File | Changed lines no test ran |\n| --- | --- |")?;
    for file in files {
        let ranges: Vec<String> = check
            .facts
            .uncovered
            .iter()
            .filter(|(path, _, _)| path == file)
            .map(|(_, first, last)| {
                if first == last {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                }
            })
            .collect();
        writeln!(out, "| `{}` | {} |", escape(file), ranges.join(", "))?;
    }
    writeln!(out)
}

fn docs(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Documentation updated\n")?;
    let docs: Vec<_> = report
        .changed_files()
        .iter()
        .filter(|file| {
            file.status != FileStatus::Deleted
                && is_doc(&file.path)
                && file.path != report.task.path
        })
        .collect();
    if docs.is_empty() {
        return match &report.scope {
            crate::report::ScopeSummary::Change { .. } => {
                writeln!(out, "None: the change touches no documentation file.\n")
            }
            crate::report::ScopeSummary::All | crate::report::ScopeSummary::Broken(_) => {
                writeln!(out, "Unknown: no change was measured.\n")
            }
        };
    }
    for file in docs {
        writeln!(out, "- `{}` ({})", escape(&file.path), file.status.as_str())?;
    }
    writeln!(out)
}

/// The migrations the change adds, and the author's migration notes.
fn migrations(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let added: &[String] = report
        .inventory
        .as_ref()
        .map_or(&[], |inventory| inventory.migrations.as_slice());
    let text = note(report, "migration");
    if added.is_empty() && text.is_none() {
        return Ok(());
    }
    writeln!(out, "## Migration\n")?;
    if !added.is_empty() {
        let list: Vec<String> = added
            .iter()
            .map(|path| format!("`{}`", escape(path)))
            .collect();
        writeln!(out, "Migrations added: {}.\n", list.join(", "))?;
    }
    if let Some(text) = text {
        writeln!(out, "{text}\n")?;
    }
    Ok(())
}

fn concerns(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Any remaining concerns or risks\n")?;
    match note(report, "concerns") {
        Some(text) => writeln!(out, "{text}\n")?,
        None => writeln!(
            out,
            "Not provided by the author: {}\n",
            missing_notes(report, "Concerns")
        )?,
    }
    let measured: Vec<String> = report
        .checks
        .iter()
        .filter(|check| matches!(check.status, Status::Error | Status::Warn))
        .map(|check| {
            format!(
                "- `{}` {}: {}",
                check.id,
                check.status,
                first_line(&crate::render::summary(check))
            )
        })
        .collect();
    if !measured.is_empty() {
        writeln!(out, "Measured by dod:\n")?;
        for line in measured {
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn checklist(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Definition of Done\n")?;
    for item in &report.items {
        // Only a pass is ticked: a warning (no test collected, advice) is
        // not a passing item, and says so with its own mark.
        let tick = match item.status {
            Status::Pass => "[x]",
            Status::Warn => "[ ] ⚠️",
            Status::Fail | Status::Error | Status::Skip => "[ ]",
        };
        let served = if item.checks.is_empty() {
            item.note
                .as_ref()
                .map(crate::render::item_note)
                .unwrap_or_default()
        } else {
            item.checks
                .iter()
                .filter_map(|id| report.check(id))
                .map(|check| {
                    format!(
                        "{}: {}",
                        check.id,
                        first_line(&crate::render::summary(check))
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        writeln!(
            out,
            "- {tick} **{}** `{}`: {} ({})",
            item.item.title(),
            item.item.id(),
            item.status,
            escape(&served)
        )?;
        for check in report.checks_of(item.item) {
            for finding in check
                .findings
                .iter()
                .filter(|finding| finding.severity > Severity::Note)
            {
                writeln!(
                    out,
                    "  - `{}` {} {}",
                    escape(&finding.location.to_string()),
                    finding.rule,
                    escape(first_line(&finding.message))
                )?;
            }
        }
    }
    Ok(())
}

/// A non-empty section of the task file.
fn note<'a>(report: &'a Report, section: &str) -> Option<&'a str> {
    report
        .notes
        .iter()
        .find(|(heading, text)| heading == section && !text.trim().is_empty())
        .map(|(_, text)| text.as_str())
}

/// `e2e scenarios` as the task file's heading would be written.
fn title_case(section: &str) -> String {
    match section {
        "e2e scenarios" => "E2E scenarios".to_owned(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// Says where the author's notes would have come from.
fn missing_notes(report: &Report, section: &str) -> String {
    if report.task.exists {
        format!("`{}` has no `## {section}` section.", report.task.path)
    } else {
        format!(
            "there is no task file (`{}`) with a `## {section}` section.",
            report.task.path
        )
    }
}

fn is_doc(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".md", ".rst", ".adoc", ".txt"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        && !lower.contains("requirements")
        || lower.starts_with("docs/")
        || lower.contains("/docs/")
}

/// Keeps a table cell a cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
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
