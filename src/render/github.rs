//! GitHub Actions: workflow-command annotations (`::error file=...::msg`)
//! for the most important findings, within GitHub's budget of 10 of each
//! kind per step, and the job summary (checklist and Output Report) for
//! `$GITHUB_STEP_SUMMARY`, under GitHub's 1 MiB.

use std::io::{self, Write};

use crate::diagnostic::{Finding, Severity, Status};
use crate::report::Report;

/// Annotations GitHub shows per kind per step.
pub const PER_KIND: usize = 10;

/// GitHub's limit for one step's summary.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// `%`, CR and LF in a message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The same, plus `:` and `,` in a property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(report: &Report, check: &str, finding: &Finding) -> String {
    let command = if finding.severity == Severity::Error {
        "error"
    } else {
        "warning"
    };
    let mut properties = Vec::new();
    if let Some(path) = &finding.location.path {
        properties.push(format!(
            "file={}",
            escape_property(&format!("{}{path}", report.repo_prefix))
        ));
        if let Some(line) = finding.location.line {
            properties.push(format!("line={line}"));
            if let Some(end) = finding.end_line {
                properties.push(format!("endLine={end}"));
            }
            if let Some(column) = finding.location.column {
                properties.push(format!("col={column}"));
            }
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!("dod {check}: {}", finding.rule))
    ));
    let message = match &finding.fix {
        Some(fix) => format!("{}\nfix: {fix}", finding.message),
        None => finding.message.clone(),
    };
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// Writes the annotations: errors of blocking checks first, then warnings,
/// each capped at `PER_KIND`, with a notice of how many were left out.
pub fn annotations(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for check in &report.checks {
        for finding in &check.findings {
            match (finding.severity, check.status) {
                (Severity::Error, Status::Fail) => errors.push((check.id.as_str(), finding)),
                (Severity::Error | Severity::Warning, _) => {
                    warnings.push((check.id.as_str(), finding))
                }
                (Severity::Note, _) => {}
            }
        }
    }
    for (check, finding) in errors
        .iter()
        .take(PER_KIND)
        .chain(warnings.iter().take(PER_KIND))
    {
        writeln!(out, "{}", annotation(report, check, finding))?;
    }
    let left = errors.len().saturating_sub(PER_KIND) + warnings.len().saturating_sub(PER_KIND);
    if left > 0 {
        writeln!(
            out,
            "::notice title=dod::{}",
            escape_data(&format!(
                "{left} more findings were not annotated (GitHub shows {PER_KIND} of each kind per step); \
                 the job summary lists them all"
            ))
        )?;
    }
    Ok(())
}

/// The job summary: the checklist, then the Output Report, cut to fit.
pub fn summary(report: &Report) -> String {
    let mut text = String::from("## dod: the Definition of Done\n\n");
    let mut checklist = Vec::new();
    let _ = super::terminal::render(report, super::terminal::Style::default(), &mut checklist);
    text.push_str("```text\n");
    text.push_str(&String::from_utf8_lossy(&checklist));
    text.push_str("```\n\n");
    let mut markdown = Vec::new();
    let _ = super::markdown::render(report, &mut markdown);
    text.push_str(&String::from_utf8_lossy(&markdown));
    if text.len() > SUMMARY_LIMIT {
        let note = "\n\n… cut here: the summary is limited to 1 MiB; the JSON, JUnit or SARIF output has everything.\n";
        let mut end = SUMMARY_LIMIT - note.len();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(note);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Location;
    use crate::render::sample::sample_report;

    /// The sample report with `count` copies of ruff's first finding.
    fn with_ruff_findings(count: usize) -> Report {
        let mut report = sample_report();
        let ruff = report
            .checks
            .iter_mut()
            .find(|check| check.id == "ruff")
            .unwrap();
        let finding = ruff.findings[0].clone();
        ruff.findings = vec![finding; count];
        report
    }

    #[test]
    fn escapes_data_and_properties() {
        let mut report = sample_report();
        report.repo_prefix = "svc,api/".to_owned();
        let finding = Finding::new(
            "E1",
            Location::at("a:b.py", 3, Some(2)),
            "100% wrong,\nreally: yes",
        );
        assert_eq!(
            annotation(&report, "ruff", &finding),
            "::error file=svc%2Capi/a%3Ab.py,line=3,col=2,title=dod ruff%3A E1::100%25 wrong,%0Areally: yes"
        );
    }

    #[test]
    fn budget_is_ten_per_kind_with_a_notice() {
        let report = with_ruff_findings(15);
        let mut out = Vec::new();
        annotations(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines()
                .filter(|line| line.starts_with("::error"))
                .count(),
            10
        );
        assert!(text.contains("::notice title=dod::"), "{text}");
    }

    #[test]
    fn summary_is_cut_at_one_mebibyte() {
        let report = with_ruff_findings(40_000);
        let text = summary(&report);
        assert!(text.len() <= SUMMARY_LIMIT);
        assert!(text.ends_with("has everything.\n"));
    }
}
