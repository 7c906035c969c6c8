//! `--sarif FILE`: SARIF 2.1.0 for GitHub code scanning. One run; a rule per
//! `check/rule` that fired, described from the check's documentation; one
//! result per finding with a repository-relative location and a
//! `primaryLocationLineHash`. At most 25,000 results, as GitHub accepts.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Finding, Severity};
use crate::report::{CheckReport, Report};

/// GitHub rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
    invocations: [Invocation; 1],
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    full_description: Text,
    help: Help,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<ResultLocation<'a>>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fingerprints {
    primary_location_line_hash: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: String,
    #[serde(skip)]
    _path: std::marker::PhantomData<&'a ()>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

/// A section of a check's `## Heading` documentation.
fn section(explanation: &str, heading: &str) -> String {
    let mut lines = explanation
        .lines()
        .skip_while(|line| !line.starts_with(&format!("## {heading}")));
    lines.next();
    lines
        .take_while(|line| !line.starts_with("## "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

fn rule_for(check: &CheckReport, rule: &str) -> Rule {
    let what = section(&check.explanation, "What it does");
    let fix = section(&check.explanation, "How to fix");
    let first = what
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace('\n', " ");
    Rule {
        id: format!("{}/{rule}", check.id),
        short_description: Text {
            text: format!("{}: {rule}", check.title),
        },
        full_description: Text {
            text: if first.is_empty() {
                check.title.clone()
            } else {
                first
            },
        },
        help: Help {
            text: if fix.is_empty() {
                format!("See `dod explain {}`.", check.id)
            } else {
                fix.clone()
            },
            markdown: format!(
                "{what}\n\n**How to fix**\n\n{fix}\n\n`dod explain {}`",
                check.id
            ),
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A stable fingerprint of a finding that survives line moves: its rule,
/// file and message, and which occurrence of those it is.
fn fingerprint(rule: &str, finding: &Finding, seen: &mut BTreeMap<u64, usize>) -> String {
    let text = format!(
        "{rule}\0{}\0{}",
        finding.location.path.as_deref().unwrap_or_default(),
        finding.message
    );
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let count = seen.entry(hash).or_insert(0);
    *count += 1;
    format!("{hash:016x}:{count}")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::new();
    let mut seen = BTreeMap::new();
    let total: usize = report.checks.iter().map(|check| check.findings.len()).sum();
    'checks: for check in &report.checks {
        for finding in &check.findings {
            if results.len() == MAX_RESULTS {
                break 'checks;
            }
            let id = format!("{}/{}", check.id, finding.rule);
            let rule_index = *index.entry(id.clone()).or_insert_with(|| {
                rules.push(rule_for(check, &finding.rule));
                rules.len() - 1
            });
            let message = match &finding.fix {
                Some(fix) => format!("{} (fix: {fix})", finding.message),
                None => finding.message.clone(),
            };
            let locations = finding
                .location
                .path
                .iter()
                .map(|path| ResultLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: format!("{}{path}", report.repo_prefix),
                            _path: std::marker::PhantomData,
                        },
                        region: finding.location.line.map(|line| Region {
                            start_line: line,
                            start_column: finding.location.column,
                            end_line: finding.end_line,
                        }),
                    },
                })
                .collect();
            results.push(SarifResult {
                partial_fingerprints: Fingerprints {
                    primary_location_line_hash: fingerprint(&id, finding, &mut seen),
                },
                rule_id: id,
                rule_index,
                level: level(finding.severity),
                message: Text { text: message },
                locations,
            });
        }
    }
    let mut notifications = Vec::new();
    if total > MAX_RESULTS {
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{} of {total} findings left out: SARIF uploads take at most {MAX_RESULTS}",
                    total - MAX_RESULTS
                ),
            },
        });
    }
    for check in report
        .checks
        .iter()
        .filter(|check| check.status == crate::diagnostic::Status::Error)
    {
        notifications.push(Notification {
            level: "error",
            message: Text {
                text: format!(
                    "{} could not run: {}",
                    check.id,
                    crate::render::summary(check)
                ),
            },
        });
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "dod",
                    version: report.dod_version,
                    information_uri: "https://crates.io/crates/dod",
                    rules,
                },
            },
            results,
            invocations: [Invocation {
                execution_successful: report.verdict != crate::report::Verdict::Error,
                tool_execution_notifications: notifications,
            }],
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample::sample_report;

    fn sarif(report: &Report) -> serde_json::Value {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn validates_against_the_sarif_schema() {
        // The published schema's `run.language` pattern has a stray `]`
        // that no regex engine accepts; use the pattern it means.
        let text = include_str!("../../tests/fixtures/sarif/sarif-2.1.0-rtm.5.json").replace(
            "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
            "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
        );
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let validator = jsonschema::draft4::new(&schema).unwrap();
        let log = sarif(&sample_report());
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn round_trips_the_findings() {
        let report = sample_report();
        let log = sarif(&report);
        let results = log["runs"][0]["results"].as_array().unwrap();
        let expected: Vec<(String, String, Option<u64>)> = report
            .checks
            .iter()
            .flat_map(|check| check.findings.iter().map(move |finding| (check, finding)))
            .map(|(check, finding)| {
                (
                    format!("{}/{}", check.id, finding.rule),
                    finding.location.path.clone().unwrap_or_default(),
                    finding.location.line.map(u64::from),
                )
            })
            .collect();
        let actual: Vec<(String, String, Option<u64>)> = results
            .iter()
            .map(|result| {
                let location = &result["locations"][0]["physicalLocation"];
                (
                    result["ruleId"].as_str().unwrap().to_owned(),
                    location["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    location["region"]["startLine"].as_u64(),
                )
            })
            .collect();
        assert_eq!(actual, expected);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        for result in results {
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
        assert!(
            results
                .iter()
                .all(|result| result["partialFingerprints"]["primaryLocationLineHash"].is_string())
        );
    }

    #[test]
    fn caps_the_results_with_a_note() {
        let mut report = sample_report();
        let finding = report.checks[4].findings[0].clone();
        report.checks[4].findings = vec![finding; MAX_RESULTS + 7];
        let log = sarif(&report);
        assert_eq!(
            log["runs"][0]["results"].as_array().unwrap().len(),
            MAX_RESULTS
        );
        let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
        assert!(
            notes.contains("findings left out: SARIF uploads take at most 25000"),
            "{notes}"
        );
    }
}
