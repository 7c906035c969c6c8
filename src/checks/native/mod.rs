//! Native checks: implemented in dod, run in-process on the files the Python
//! front end parsed once. Each check is one file; this module declares the
//! trait, the suppression comments, and the pass that runs every selected
//! native check over every file in parallel. A panic in a check or on a
//! file is caught there, so it costs only that file's result for that
//! check, which becomes an error naming the file.

mod bindings;
mod compile_errors;
pub mod print_calls;
pub mod python_syntax;
pub mod secrets;
pub mod suppression;
pub mod type_hints;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::checks::options::OwnSettings;
use crate::checks::{Described, Scope};
use crate::config::{CheckSettings, Settings};
use crate::diagnostic::{CheckError, Facts, Finding, Outcome, Ran, SkipReason};
use crate::python::{self, Source};

/// A check implemented in dod itself, run on each file in scope.
pub trait NativeCheck: Described + Sync {
    /// The `# noqa` codes that suppress a rule of this check; a listed code
    /// matches every code it prefixes (`ANN` matches `ANN001`).
    fn noqa_codes(&self, rule: &str) -> &'static [&'static str];

    /// The findings of one Python file, before suppressions and filters.
    fn check(&self, source: &Source, own: &OwnSettings) -> Vec<Finding>;

    /// Whether the check also reads this non-Python file (config files).
    fn reads_text(&self, _path: &str) -> bool {
        false
    }

    /// The findings of one non-Python text file.
    fn check_text(&self, _path: &str, _text: &str, _own: &OwnSettings) -> Vec<Finding> {
        Vec::new()
    }
}

/// The outcome of each native check, with the time it took (summed over
/// the threads that ran it).
pub struct NativeResult {
    pub check: &'static dyn NativeCheck,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// What one check made of one file.
struct FileResult {
    index: usize,
    findings: Result<Vec<Finding>, CheckError>,
    duration: Duration,
}

/// Reads the files in scope once and runs every given check on each.
pub fn run(
    checks: &[&'static dyn NativeCheck],
    settings: &Settings,
    scope: &Scope,
) -> Vec<NativeResult> {
    let paths = match scope {
        Scope::Broken(error) => {
            return checks
                .iter()
                .map(|check| NativeResult {
                    check: *check,
                    outcome: Outcome::Errored(CheckError::Change(error.clone())),
                    duration: Duration::ZERO,
                })
                .collect();
        }
        Scope::All => {
            let in_git = settings.repository.is_some();
            let paths = python::discover(&settings.root, in_git, |path| {
                python::is_python(path) || checks.iter().any(|check| check.reads_text(path))
            });
            // No file in git's view while the directory holds Python: a
            // project that an enclosing repository ignores. Never a pass.
            if in_git && !paths.iter().any(|path| python::is_python(path)) {
                let on_disk = python::discover(&settings.root, false, python::is_python);
                if let Some(example) = on_disk.first() {
                    let error = CheckError::AllIgnored {
                        count: on_disk.len(),
                        example: example.clone(),
                    };
                    return checks
                        .iter()
                        .map(|check| NativeResult {
                            check: *check,
                            outcome: Outcome::Errored(error.clone()),
                            duration: Duration::ZERO,
                        })
                        .collect();
                }
            }
            paths
        }
        // Diff mode reads only the files the change touched.
        Scope::Change(change) => change.present().map(|file| file.path.clone()).collect(),
    };
    // Which check looks at which file, decided once per path.
    let wanted: Vec<Vec<bool>> = paths
        .iter()
        .map(|path| {
            checks
                .iter()
                .map(|check| wants(*check, settings, path))
                .collect()
        })
        .collect();
    let jobs: Vec<(&String, &Vec<bool>)> = paths
        .iter()
        .zip(&wanted)
        .filter(|(_, wanted)| wanted.contains(&true))
        .collect();
    let per_file = python::par_map(&jobs, settings.jobs, |(path, wanted)| {
        check_file(checks, &settings.own, wanted, &settings.root, path)
    });

    let mut results: Vec<(Ran, Duration, usize)> =
        (0..checks.len()).map(|_| Default::default()).collect();
    for ((path, wanted), file) in jobs.iter().zip(per_file) {
        // A panic outside any one check (reading or parsing the file) is
        // an error of every check that wanted the file.
        let file = file.unwrap_or_else(|panic| {
            let error = CheckError::crashed(Some(path), panic.as_ref());
            wanted
                .iter()
                .enumerate()
                .filter(|(_, wanted)| **wanted)
                .map(|(index, _)| FileResult {
                    index,
                    findings: Err(error.clone()),
                    duration: Duration::ZERO,
                })
                .collect()
        });
        for result in file {
            let (ran, total, files) = &mut results[result.index];
            match result.findings {
                Ok(findings) => ran.findings.extend(findings),
                Err(error) => ran.errors.push(error),
            }
            *total += result.duration;
            *files += 1;
        }
    }
    checks
        .iter()
        .zip(results)
        .map(|(check, (mut ran, duration, files))| {
            let outcome = if files == 0 {
                Outcome::Skipped(match scope {
                    Scope::Change(_) => SkipReason::FilesUnchanged,
                    Scope::All | Scope::Broken(_) => SkipReason::NothingToRead,
                })
            } else {
                ran.facts = Facts {
                    files_checked: Some(files),
                    ..Facts::default()
                };
                Outcome::Ran(ran)
            };
            NativeResult {
                check: *check,
                outcome,
                duration,
            }
        })
        .collect()
}

fn wants(check: &dyn NativeCheck, settings: &Settings, path: &str) -> bool {
    let meta = check.meta();
    let options: &CheckSettings = settings.check(&meta.id.into());
    if !python::is_python(path) {
        return check.reads_text(path) && !options.is_excluded(path);
    }
    let tests_in_scope = options.include_tests.unwrap_or(!meta.skips_tests);
    !options.is_excluded(path) && (tests_in_scope || !python::is_test_file(path))
}

/// Loads one file and runs the checks that want it, each on its own: a
/// panic in one check is that check's error on this file alone.
fn check_file(
    checks: &[&'static dyn NativeCheck],
    own: &OwnSettings,
    wanted: &[bool],
    root: &Path,
    path: &str,
) -> Vec<FileResult> {
    let started = Instant::now();
    let input = if python::is_python(path) {
        Input::Python(python::load(root, path))
    } else {
        Input::Text(python::read_text(root, path))
    };
    let load_time = started.elapsed();
    let wanting = wanted.iter().filter(|wanted| **wanted).count().max(1);
    checks
        .iter()
        .enumerate()
        .filter(|(index, _)| wanted[*index])
        .map(|(index, check)| {
            let started = Instant::now();
            let id = check.meta().id.as_str();
            let run = || match &input {
                Input::Python(source) => {
                    #[cfg(test)]
                    if let Source::Parsed(file) = source {
                        crate::checks::fault::inject(id, std::iter::once(&file.source));
                    }
                    let mut findings = check.check(source, own);
                    if let Source::Parsed(file) = source {
                        findings.retain(|finding| {
                            !suppression::is_suppressed(
                                file,
                                finding,
                                id,
                                check.noqa_codes(&finding.rule),
                            )
                        });
                    }
                    findings
                }
                Input::Text(Some(text)) => {
                    let mut findings = check.check_text(path, text, own);
                    findings.retain(|finding| {
                        !suppression::is_suppressed_in_text(
                            text,
                            finding,
                            id,
                            check.noqa_codes(&finding.rule),
                        )
                    });
                    findings
                }
                // Binary or unreadable: nothing a text check can say.
                Input::Text(None) => Vec::new(),
            };
            let findings = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
                .map_err(|panic| CheckError::crashed(Some(path), panic.as_ref()));
            // The one read and parse is shared; each check carries its part.
            FileResult {
                index,
                findings,
                duration: started.elapsed() + load_time / u32::try_from(wanting).unwrap_or(1),
            }
        })
        .collect()
}

enum Input {
    Python(Source),
    Text(Option<String>),
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::checks::{Builtin, Implementation};

    /// The native check a fixture folder is named after.
    fn native(id: &str) -> Option<&'static dyn NativeCheck> {
        Builtin::ALL
            .iter()
            .find(|builtin| builtin.as_str() == id)
            .and_then(|builtin| match builtin.implementation() {
                Implementation::Native(check) => Some(check),
                Implementation::Change(_) | Implementation::Command(_) => None,
            })
    }

    /// Runs the fixture's check the way a run does: load, check, suppress.
    fn findings(check: &'static dyn NativeCheck, path: &Path) -> Vec<Finding> {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        check_file(&[check], &OwnSettings::default(), &[true], dir, name)
            .into_iter()
            .flat_map(|result| result.findings.unwrap())
            .collect()
    }

    /// The lines a fixture marks with a trailing `# error` comment.
    fn marked(path: &Path) -> Vec<u32> {
        let bytes = std::fs::read(path).unwrap();
        String::from_utf8_lossy(&bytes)
            .lines()
            .enumerate()
            .filter(|(_, line)| line.contains("# error"))
            .map(|(index, _)| u32::try_from(index + 1).unwrap())
            .collect()
    }

    /// Every `tests/fixtures/<native-check-id>/*.py`: the findings fall on
    /// exactly the lines marked `# error`, and are snapshotted.
    #[test]
    fn fixtures() {
        insta::glob!("../../../tests/fixtures", "*/*.py", |path| {
            let id = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap();
            let Some(check) = native(id) else { return };
            let mut findings = findings(check, path);
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let mut lines: Vec<u32> = findings
                .iter()
                .filter_map(|finding| finding.location.line)
                .collect();
            lines.dedup();
            assert_eq!(
                lines,
                marked(path),
                "{}: findings on other lines than marked `# error`",
                path.display()
            );
            let rendered: Vec<String> = findings.iter().map(crate::render::finding_line).collect();
            insta::assert_snapshot!(rendered.join("\n"));
        });
    }

    #[test]
    fn a_panic_on_one_file_costs_only_that_file() {
        let dir = tempfile::tempdir().unwrap();
        for index in 0..7 {
            let marker = if index == 3 {
                "# dod-test: panic[print-calls]\n"
            } else {
                ""
            };
            std::fs::write(
                dir.path().join(format!("m{index}.py")),
                format!("{marker}print({index})\n"),
            )
            .unwrap();
        }
        let check = native("print-calls").unwrap();
        let results: Vec<FileResult> = (0..7)
            .flat_map(|index| {
                check_file(
                    &[check],
                    &OwnSettings::default(),
                    &[true],
                    dir.path(),
                    &format!("m{index}.py"),
                )
            })
            .collect();
        let crashed: Vec<&FileResult> = results.iter().filter(|r| r.findings.is_err()).collect();
        assert_eq!(crashed.len(), 1);
        assert!(
            crashed[0]
                .findings
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("m3.py"),
            "the error names the file"
        );
        let found: usize = results
            .iter()
            .filter_map(|result| result.findings.as_ref().ok())
            .map(Vec::len)
            .sum();
        assert_eq!(found, 6, "the six other files keep their findings");
    }
}
