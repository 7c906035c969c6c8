//! The checklist printed at the end of `dod check`: one line per DoD item,
//! the checks that served it, and under each item that is not done its
//! findings as `path:line:col rule message`.

use std::io::{self, Write};

use crate::diagnostic::{Severity, Status};
use crate::render::{finding_line, first_line, scope_line};
use crate::report::{Report, Verdict};

/// Findings shown per check before "N more".
const SHOWN: usize = 30;

#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
    /// Only the items that are not done, and the verdict.
    pub quiet: bool,
}

impl Style {
    fn paint(self, status: Status, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match status {
            Status::Pass => "32",
            Status::Warn => "33",
            Status::Fail | Status::Error => "31",
            Status::Skip => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn dim(self, text: &str) -> String {
        if self.color {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

pub fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
        Status::Error => "E",
        Status::Skip => "-",
    }
}

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "dod {} · {} · config: {}",
        report.dod_version,
        scope_line(report),
        report.config.describe()
    )?;
    writeln!(out)?;
    for item in &report.items {
        let blocking = matches!(item.status, Status::Fail | Status::Error | Status::Warn);
        if style.quiet && !blocking {
            continue;
        }
        let head = format!(
            "{} {:<6} {:<21}",
            mark(item.status),
            item.status.as_str(),
            item.item.id()
        );
        let note = item
            .note
            .as_ref()
            .map(|note| style.dim(&format!(" ({})", crate::render::item_note(note))))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}{note}",
            style.paint(item.status, &head),
            item.item.title()
        )?;
        for check in report.checks_of(item.item) {
            let line = format!(
                "{} {}: {} ({:.1}s)",
                mark(check.status),
                check.id,
                first_line(&crate::render::summary(check)),
                check.duration.as_secs_f64()
            );
            writeln!(out, "    {}", style.dim(&line))?;
            if check.status == Status::Error {
                for line in crate::render::summary(check).lines().skip(1) {
                    writeln!(out, "        {line}")?;
                }
            }
            if !blocking {
                continue;
            }
            let shown: Vec<_> = check
                .findings
                .iter()
                .filter(|finding| finding.severity > Severity::Note)
                .collect();
            for finding in shown.iter().take(SHOWN) {
                writeln!(out, "      {}", finding_line(finding))?;
                if let Some(fix) = &finding.fix {
                    writeln!(
                        out,
                        "        {}",
                        style.dim(&format!("fix: {}", first_line(fix)))
                    )?;
                }
            }
            if shown.len() > SHOWN {
                writeln!(
                    out,
                    "      … {} more (see --json or --report)",
                    shown.len() - SHOWN
                )?;
            }
        }
    }
    writeln!(out)?;
    if !style.quiet {
        for line in tool_lines(report) {
            writeln!(out, "{}", style.dim(&line))?;
        }
    }
    writeln!(out, "{}", verdict_line(report, style))?;
    Ok(())
}

/// One line per tool that ran: `tool ruff 0.17.6 · PATH · /usr/bin/ruff`.
fn tool_lines(report: &Report) -> Vec<String> {
    report
        .checks
        .iter()
        .filter_map(|check| {
            let tool = check.facts.tool.as_ref()?;
            let pinned = tool
                .pinned_by
                .as_ref()
                .map(|by| format!(" ({by})"))
                .unwrap_or_default();
            Some(format!(
                "tool {} {} · {}{pinned} · {}",
                check.id,
                tool.version.as_deref().unwrap_or("(version unknown)"),
                tool.source,
                tool.program
            ))
        })
        .collect()
}

fn verdict_line(report: &Report, style: Style) -> String {
    let ids = |status: Status| -> Vec<&str> {
        report
            .items
            .iter()
            .filter(|item| item.status == status)
            .map(|item| item.item.id())
            .collect()
    };
    let seconds = report.duration.as_secs_f64();
    match report.verdict {
        Verdict::Done => style.paint(
            Status::Pass,
            &format!("done: every required item holds ({seconds:.1}s)"),
        ),
        Verdict::NotDone => style.paint(
            Status::Fail,
            &format!("not done: {} ({seconds:.1}s)", ids(Status::Fail).join(", ")),
        ),
        Verdict::Error if Verdict::nothing_verified(&report.items) => style.paint(
            Status::Error,
            &format!(
                "error: nothing was verified: every item skipped (no file the selected checks \
                 read is in scope), and dod never calls that done ({seconds:.1}s)"
            ),
        ),
        Verdict::Error => style.paint(
            Status::Error,
            &format!(
                "error: could not check {}; fix the environment and run again ({seconds:.1}s)",
                ids(Status::Error).join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::sample_report;

    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        render(&sample_report(), Style::default(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn quiet_shows_only_what_blocks() {
        let mut out = Vec::new();
        render(
            &sample_report(),
            Style {
                color: false,
                quiet: true,
            },
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("code.lint"));
        assert!(!text.contains("code.types"));
    }
}
