//! Native checks: implemented in dod, run in-process on the files the Python
//! front end parsed once. Each check is one file; this module declares the
//! trait, the `declare_check!` macro that turns a check's doc comment into
//! its `dod explain` text, the suppression comments, and the pass that runs
//! every selected native check over every file in parallel.

mod bindings;
pub mod print_calls;
pub mod python_syntax;
pub mod secrets;
pub mod suppression;
pub mod type_hints;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::checks::Scope;
use crate::config::{CheckSettings, FilterMode, Settings};
use crate::diagnostic::{Facts, Finding, Item, Outcome, Ran};
use crate::python::{self, Source};

/// What `dod checks` and `dod explain` show of a native check.
pub struct Meta {
    pub id: &'static str,
    pub title: &'static str,
    pub item: Item,
    /// The doc comment: What it does / Why it matters / Example / How to fix / How to suppress.
    pub explanation: &'static str,
    /// Whether test files are out of scope unless config includes them.
    pub skips_tests: bool,
    /// The default filter against the change.
    pub filter: FilterMode,
}

/// Declares a native check: the struct with its doc comment, and a `META`
/// whose explanation is that same doc comment.
macro_rules! declare_check {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident;
        id: $id:literal,
        title: $title:literal,
        item: $item:expr,
        skips_tests: $skips_tests:literal,
        filter: $filter:expr $(,)?
    ) => {
        $(#[doc = $doc])*
        $vis struct $name;

        impl $name {
            pub const META: $crate::checks::native::Meta = $crate::checks::native::Meta {
                id: $id,
                title: $title,
                item: $item,
                explanation: concat!($($doc, "\n"),*),
                skips_tests: $skips_tests,
                filter: $filter,
            };
        }
    };
}
pub(crate) use declare_check;

/// A check implemented in dod itself, run on each file in scope.
pub trait NativeCheck: Sync {
    fn meta(&self) -> &'static Meta;

    /// The `# noqa` codes that suppress a rule of this check; a listed code
    /// matches every code it prefixes (`ANN` matches `ANN001`).
    fn noqa_codes(&self, rule: &str) -> &'static [&'static str];

    /// The findings of one Python file, before suppressions and filters.
    fn check(&self, source: &Source, settings: &CheckSettings) -> Vec<Finding>;

    /// Whether the check also reads this non-Python file (config files).
    fn reads_text(&self, _path: &str) -> bool {
        false
    }

    /// The findings of one non-Python text file.
    fn check_text(&self, _path: &str, _text: &str, _settings: &CheckSettings) -> Vec<Finding> {
        Vec::new()
    }
}

/// The outcome of each native check, with the time it took (summed over
/// the threads that ran it).
pub struct NativeResult {
    pub meta: &'static Meta,
    pub outcome: Outcome,
    pub duration: Duration,
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
                    meta: check.meta(),
                    outcome: Outcome::Errored(error.to_string()),
                    duration: Duration::ZERO,
                })
                .collect();
        }
        Scope::All => python::discover(&settings.root, settings.repository.is_some(), |path| {
            python::is_python(path) || checks.iter().any(|check| check.reads_text(path))
        }),
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
    let options: Vec<&CheckSettings> = checks
        .iter()
        .map(|check| settings.check(check.meta().id))
        .collect();
    let per_file = python::par_map(&jobs, settings.jobs, |(path, wanted)| {
        check_file(checks, &options, wanted, &settings.root, path)
    });

    let mut results: Vec<(Vec<Finding>, Duration, usize)> =
        vec![(Vec::new(), Duration::ZERO, 0); checks.len()];
    for file in per_file {
        for (index, findings, duration) in file {
            let (all, total, files) = &mut results[index];
            all.extend(findings);
            *total += duration;
            *files += 1;
        }
    }
    checks
        .iter()
        .zip(results)
        .map(|(check, (findings, duration, files))| {
            if files == 0 {
                let reason = match scope {
                    Scope::Change(_) => "no file it reads changed",
                    Scope::All | Scope::Broken(_) => "no file to check",
                };
                return NativeResult {
                    meta: check.meta(),
                    outcome: Outcome::Skipped(reason.to_owned()),
                    duration,
                };
            }
            let facts = Facts {
                files_checked: Some(files),
                ..Facts::default()
            };
            NativeResult {
                meta: check.meta(),
                outcome: Outcome::Ran(Ran {
                    findings,
                    summary: None,
                    facts,
                }),
                duration,
            }
        })
        .collect()
}

fn wants(check: &dyn NativeCheck, settings: &Settings, path: &str) -> bool {
    let meta = check.meta();
    let options = settings.check(meta.id);
    if !python::is_python(path) {
        return check.reads_text(path) && !options.is_excluded(path);
    }
    let tests_in_scope = options.include_tests.unwrap_or(!meta.skips_tests);
    !options.is_excluded(path) && (tests_in_scope || !python::is_test_file(path))
}

/// Loads one file and runs the checks that want it: `(check index, findings, time)`.
fn check_file(
    checks: &[&'static dyn NativeCheck],
    options: &[&CheckSettings],
    wanted: &[bool],
    root: &Path,
    path: &str,
) -> Vec<(usize, Vec<Finding>, Duration)> {
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
            let id = check.meta().id;
            let findings = match &input {
                Input::Python(source) => {
                    let mut findings = check.check(source, options[index]);
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
                    let mut findings = check.check_text(path, text, options[index]);
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
            // The one read and parse is shared; each check carries its part.
            (
                index,
                findings,
                started.elapsed() + load_time / u32::try_from(wanting).unwrap_or(1),
            )
        })
        .collect()
}

enum Input {
    Python(Source),
    Text(Option<String>),
}

/// The native checks, in id order.
pub const ALL: &[&dyn NativeCheck] = &[
    &secrets::HardcodedSecrets,
    &print_calls::PrintCalls,
    &python_syntax::PythonSyntax,
    &type_hints::TypeHints,
];

/// Drops the single leading space that `///` leaves on each doc line.
pub fn dedent(text: &str) -> String {
    text.lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Runs the fixture's check (named by its folder) the way a run does:
    /// load, check, suppress.
    fn findings(path: &Path) -> Vec<Finding> {
        let dir = path.parent().unwrap();
        let id = dir.file_name().unwrap().to_str().unwrap();
        let check = ALL.iter().find(|check| check.meta().id == id).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let options = CheckSettings::default();
        check_file(&[*check], &[&options], &[true], dir, name)
            .into_iter()
            .flat_map(|(_, findings, _)| findings)
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

    #[test]
    fn fixtures() {
        insta::glob!(
            "../../../tests/fixtures",
            "{print-calls,type-hints,python-syntax}/*.py",
            |path| {
                let mut findings = findings(path);
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
                let rendered: Vec<String> =
                    findings.iter().map(crate::render::finding_line).collect();
                insta::assert_snapshot!(rendered.join("\n"));
            }
        );
    }

    #[test]
    fn every_native_check_documents_itself() {
        for check in ALL {
            let text = dedent(check.meta().explanation);
            assert!(text.starts_with("## What it does"), "{}", check.meta().id);
            let stray = text
                .lines()
                .any(|line| line.starts_with(' ') && !line.starts_with("  "));
            assert!(
                !stray,
                "{}: doc lines keep the leading space of `///`",
                check.meta().id
            );
        }
    }
}
