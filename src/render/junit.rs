//! `--junit`: JUnit XML for CI test reporters (GitLab, Jenkins, GitHub
//! actions such as action-junit-report), written with quick-junit. One
//! testsuite `dod` with a testcase per DoD item; one testsuite per check with
//! a testcase per finding (`RULE path:line`, classname `dod.<check>`, `file`
//! and 1-based `line` attributes) or one passing testcase when it is clean;
//! a check that ran tests (pytest) carries those tests over under their own
//! names. Names are unique within a suite, and there is no `package`
//! attribute (Jenkins would prefix it).

use std::collections::BTreeSet;
use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use crate::diagnostic::{Finding, Severity, Status, TestOutcome};
use crate::render::{finding_line, first_line};
use crate::report::{CheckReport, Report};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut junit = JunitReport::new("dod");
    junit.set_time(report.duration);
    junit.add_test_suite(items_suite(report));
    for check in &report.checks {
        junit.add_test_suite(check_suite(check));
    }
    junit.serialize(out).map_err(io::Error::other)
}

fn items_suite(report: &Report) -> TestSuite {
    let mut suite = TestSuite::new("dod");
    for item in &report.items {
        let findings: Vec<String> = report.error_findings(item.item).map(finding_line).collect();
        let summaries: Vec<String> = report
            .checks_of(item.item)
            .map(|check| {
                format!(
                    "{}: {}",
                    check.id,
                    first_line(&crate::render::summary(check))
                )
            })
            .collect();
        let status = match item.status {
            Status::Pass => TestCaseStatus::success(),
            // JUnit has no warning: a skip that says so, never a pass.
            Status::Warn => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(format!("warning: {}", summaries.join("; ")));
                status
            }
            Status::Skip => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(
                    item.note
                        .as_ref()
                        .map_or_else(|| summaries.join("; "), crate::render::item_note),
                );
                status
            }
            Status::Fail => non_success(
                NonSuccessKind::Failure,
                &summaries.join("; "),
                &findings.join("\n"),
            ),
            Status::Error => {
                let details: Vec<String> = report
                    .checks_of(item.item)
                    .map(crate::render::summary)
                    .collect();
                non_success(
                    NonSuccessKind::Error,
                    &summaries.join("; "),
                    &details.join("\n"),
                )
            }
        };
        let mut case = TestCase::new(item.item.id(), status);
        case.set_classname("dod.items");
        suite.add_test_case(case);
    }
    suite
}

fn check_suite(check: &CheckReport) -> TestSuite {
    let mut suite = TestSuite::new(check.id.as_str());
    suite.set_time(check.duration);
    let classname = format!("dod.{}", check.id);
    match check.status {
        Status::Skip => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(crate::render::summary(check).as_str());
            suite.add_test_case(named(check.id.as_str(), &classname, status));
            return suite;
        }
        Status::Error => {
            let status = non_success(
                NonSuccessKind::Error,
                first_line(&crate::render::summary(check)),
                &crate::render::summary(check),
            );
            suite.add_test_case(named(check.id.as_str(), &classname, status));
            return suite;
        }
        Status::Pass | Status::Warn | Status::Fail => {}
    }
    let mut names = BTreeSet::new();
    for test in &check.facts.tests {
        let status = match test.outcome {
            TestOutcome::Passed => TestCaseStatus::success(),
            TestOutcome::Skipped => {
                let mut status = TestCaseStatus::skipped();
                if let Some(message) = &test.message {
                    status.set_message(message.as_str());
                }
                status
            }
            TestOutcome::Failed | TestOutcome::Error => {
                let kind = if test.outcome == TestOutcome::Failed {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                non_success(
                    kind,
                    test.message.as_deref().unwrap_or("failed"),
                    test.details.as_deref().unwrap_or_default(),
                )
            }
        };
        let mut case = TestCase::new(test.name.as_str(), status);
        case.set_classname(test.classname.as_str());
        case.set_time(test.duration);
        if let Some(path) = &test.path {
            case.extra.insert("file".into(), path.as_str().into());
        }
        if let Some(line) = test.line {
            case.extra.insert("line".into(), line.to_string().into());
        }
        names.insert(format!("{}::{}", test.classname, test.name));
        suite.add_test_case(case);
    }
    let from_tests = !check.facts.tests.is_empty();
    for finding in &check.findings {
        // A failing test is already its own testcase above.
        if from_tests && finding.rule.starts_with("test-") {
            continue;
        }
        let name = unique(&mut names, finding_name(finding));
        let status = match finding.severity {
            Severity::Error => non_success(
                NonSuccessKind::Failure,
                first_line(&finding.message),
                &details(finding),
            ),
            Severity::Warning => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(format!("warning: {}", first_line(&finding.message)));
                status
            }
            Severity::Note => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(classname.as_str());
        if finding.severity != Severity::Error {
            case.set_system_out(finding_line(finding));
        }
        if let Some(path) = &finding.location.path {
            case.extra.insert("file".into(), path.as_str().into());
        }
        if let Some(line) = finding.location.line {
            case.extra.insert("line".into(), line.to_string().into());
        }
        suite.add_test_case(case);
    }
    if suite.test_cases.is_empty() {
        suite.add_test_case(named(
            check.id.as_str(),
            &classname,
            TestCaseStatus::success(),
        ));
    }
    suite
}

fn named(name: &str, classname: &str, status: TestCaseStatus) -> TestCase {
    let mut case = TestCase::new(name, status);
    case.set_classname(classname);
    case
}

fn non_success(kind: NonSuccessKind, message: &str, description: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(message);
    if !description.is_empty() {
        status.set_description(description);
    }
    status
}

/// `RULE path:line`, the testcase name of a finding.
fn finding_name(finding: &Finding) -> String {
    match (&finding.location.path, finding.location.line) {
        (Some(path), Some(line)) => format!("{} {path}:{line}", finding.rule),
        (Some(path), None) => format!("{} {path}", finding.rule),
        (None, _) => finding.rule.clone(),
    }
}

fn details(finding: &Finding) -> String {
    match &finding.fix {
        Some(fix) => format!("{}\n{}\nfix: {fix}", finding_line(finding), finding.message),
        None => format!("{}\n{}", finding_line(finding), finding.message),
    }
}

/// GitLab keeps only the first of duplicate names, so two findings of one
/// rule on one line get `#2`, `#3`.
fn unique(names: &mut BTreeSet<String>, name: String) -> String {
    if names.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|n| format!("{name} #{n}"))
        .find(|candidate| names.insert(candidate.clone()))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::sample_report;

    fn xml() -> String {
        let mut out = Vec::new();
        render(&sample_report(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(xml());
    }

    #[test]
    fn parses_back_with_the_expected_counts() {
        let parsed = JunitReport::deserialize_from_str(&xml()).unwrap();
        let suites: Vec<(&str, usize, usize, usize)> = parsed
            .test_suites
            .iter()
            .map(|suite| {
                (
                    suite.name.as_str(),
                    suite.tests,
                    suite.failures,
                    suite.errors,
                )
            })
            .collect();
        assert_eq!(
            suites,
            [
                ("dod", 13, 1, 1),
                ("bandit", 1, 0, 1),
                ("docs", 1, 0, 0),
                ("mypy", 1, 0, 0),
                ("pytest", 3, 1, 0),
                ("ruff", 2, 2, 0),
            ]
        );
        let ruff = &parsed.test_suites[5].test_cases[0];
        assert_eq!(ruff.name.as_str(), "F401 app/routes.py:3");
        assert_eq!(ruff.extra.get("line").map(|line| line.as_str()), Some("3"));
        assert!(!xml().contains("package="));
    }

    #[test]
    fn duplicate_names_are_numbered() {
        let mut names = BTreeSet::new();
        assert_eq!(unique(&mut names, "E501 a.py:1".into()), "E501 a.py:1");
        assert_eq!(unique(&mut names, "E501 a.py:1".into()), "E501 a.py:1 #2");
    }
}
