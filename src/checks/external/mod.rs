//! Command checks: a tool declared in `checks/*.toml` (or the project's
//! config) run as a child process, its output read by one parser per format.
//! This module turns a run into an `Outcome`; it never prints, and it spawns
//! only through `process`.

pub mod coverage;
mod junit;
mod missing;
mod mypy;
mod pattern;
mod ruff;
pub mod spec;
pub mod tool;

use std::path::Path;

pub use spec::{ParserKind, ToolSpec};
pub use tool::ResolvedTool;

use crate::checks::Scope;
use crate::config::{CheckSettings, FilterMode};
use crate::diagnostic::{
    CheckError, Facts, Finding, Headline, Location, Outcome, Ran, Severity, SkipReason,
};
use crate::process::{self, Exit, ProcessOutput, ProcessSpec, SpawnError};

/// Runs one command check with the tool already resolved.
pub async fn run(
    spec: &ToolSpec,
    tool: &ResolvedTool,
    check: &CheckSettings,
    root: &Path,
    scope: &Scope,
    suite: &TestRun,
) -> Outcome {
    let files = match files_argument(spec, check, scope, root) {
        Ok(files) => files,
        Err(NothingToRun::Skipped(reason)) => return Outcome::Skipped(reason),
        Err(NothingToRun::Errored(reason)) => return Outcome::Errored(reason),
    };
    // The hook's fast profile: the test run covers the tests the change
    // touched; with test impact, the tests that ran the changed files.
    let runs_tests = spec.parser == ParserKind::JunitXml;
    let tests: Vec<String> = match (runs_tests, suite, scope) {
        (
            true,
            TestRun::Affected(crate::impact::Selection::Tests { tests, .. }),
            Scope::Change(_),
        ) => {
            if tests.is_empty() {
                return Outcome::Skipped(SkipReason::NoAffectedTests);
            }
            tests.clone()
        }
        (true, TestRun::ChangedFiles, Scope::Change(change)) => {
            let tests: Vec<String> = change
                .present()
                .map(|file| file.path.clone())
                .filter(|path| crate::python::is_python(path) && crate::python::is_test_file(path))
                .filter(|path| crate::python::refusal(root, path).is_none())
                .filter(|path| !path.ends_with("conftest.py"))
                .collect();
            if tests.is_empty() {
                return Outcome::Skipped(SkipReason::TestsUnchanged);
            }
            tests
        }
        _ => Vec::new(),
    };
    // The JUnit report goes to a private directory of its own (mode 0700,
    // a random name), removed with everything in it when the check ends.
    // pytest under coverage when pytest-cov and coverage are beside it, and
    // the whole suite runs: coverage of some tests is no measure of the
    // change, and a partial run keeps no test-impact map.
    let partial = matches!(
        suite,
        TestRun::ChangedFiles | TestRun::Affected(crate::impact::Selection::Tests { .. })
    );
    let measure = spec.coverage && !partial && coverage_installed(tool);
    let junit_dir = if measure || spec.argv.iter().any(|arg| arg == "{junit}") {
        match tempfile::Builder::new().prefix("dod-").tempdir() {
            Ok(dir) => Some(dir),
            Err(error) => {
                return Outcome::Errored(CheckError::Tool(format!(
                    "no temp directory for `{}`'s JUnit report: {error}",
                    spec.tool
                )));
            }
        }
    } else {
        None
    };
    let junit = junit_dir
        .as_ref()
        .map(|dir| dir.path().join(format!("{}.xml", spec.id)));
    let mut args = expand_args(spec, tool, &files, junit.as_deref());
    let data_file = junit_dir.as_ref().map(|dir| dir.path().join(".coverage"));
    if measure {
        args.extend(["--cov", "--cov-context=test", "--cov-report="].map(str::to_owned));
    }
    args.extend(tests);
    // Python tools must not leave `__pycache__` folders in the change they check.
    let mut process = ProcessSpec::new(&tool.program, root)
        .args(args)
        .timeout(spec.timeout())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if let (true, Some(data_file)) = (measure, &data_file) {
        process = process.env("COVERAGE_FILE", data_file);
    }
    let output = process::run(&process).await;
    let measured = match (spec.coverage, measure, &data_file) {
        (false, _, _) => None,
        (true, false, _) if partial => Some(coverage::Coverage::NotMeasured(
            "only some of the tests ran".to_owned(),
        )),
        (true, false, _) => Some(coverage::Coverage::Unavailable(format!(
            "`pytest-cov` and `coverage` are not installed beside `{}`, so the changed lines' \
             coverage was not measured; install them there (`python -m pip install \
             pytest-cov coverage`), declare them in the project's development dependencies, \
             or let dod provision pytest",
            tool.program.display()
        ))),
        (true, true, Some(data_file)) => Some(read_coverage(tool, data_file, root).await),
        (true, true, None) => None,
    };
    let junit_text = junit
        .as_ref()
        .and_then(|path| std::fs::read_to_string(path).ok());
    drop(junit_dir);
    let output = match output {
        Ok(output) => output,
        Err(SpawnError::NotFound { program }) => {
            return Outcome::Errored(CheckError::Tool(format!(
                "`{}` was not found; {}",
                program.display(),
                install_hint(spec)
            )));
        }
        Err(error @ SpawnError::Io { .. }) => {
            return Outcome::Errored(CheckError::Tool(format!(
                "{error}: {}",
                std::error::Error::source(&error)
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )));
        }
    };
    let code = match output.exit {
        Exit::Code(code) => code,
        Exit::TimedOut => {
            return Outcome::Errored(CheckError::Tool(format!(
                "timed out after {}s and was stopped; raise `timeout` in `[checks.{}]` of dod.toml, or make it faster",
                spec.timeout, spec.id
            )));
        }
        Exit::Signal(signal) => {
            return Outcome::Errored(CheckError::Tool(format!(
                "`{}` was killed by signal {signal}:\n{}",
                spec.tool,
                output.tail(10)
            )));
        }
    };
    // Reading the output may read the project (git, files): off the
    // async workers.
    let mut outcome = tokio::task::block_in_place(|| {
        let mut outcome = interpret(spec, tool, code, &output, junit_text.as_deref(), root);
        if let Outcome::Ran(ran) = &mut outcome {
            // A tool that discovers files itself (mypy over `.`) may follow
            // a link out of the project: nothing it says of one is shown.
            ran.findings.retain(|finding| {
                finding
                    .location
                    .path
                    .as_deref()
                    .is_none_or(|path| crate::python::refusal(root, path).is_none())
            });
            match importers(check, scope, root) {
                Ok(found) => ran.facts.importers = found,
                Err(error) => ran.errors.push(error),
            }
        }
        outcome
    });
    if let (Outcome::Ran(ran), true, TestRun::Affected(selection)) =
        (&mut outcome, runs_tests, suite)
    {
        ran.facts.selection = Some(match selection {
            crate::impact::Selection::Tests { why, .. } => format!("affected tests only: {why}"),
            crate::impact::Selection::Full { why } => format!("the full suite: {why}"),
        });
    }
    if let (Outcome::Ran(ran), Some(measured)) = (&mut outcome, measured) {
        // No test ran: nothing was measured, whatever the data file holds.
        let measured = if ran.facts.headline == Some(Headline::NoTestsCollected) {
            coverage::Coverage::NotMeasured("pytest collected no tests".to_owned())
        } else {
            measured
        };
        ran.facts.coverage = Some(Box::new(measured));
    }
    if let Outcome::Ran(ran) = &mut outcome
        && output.truncated
    {
        let message = format!(
            "`{}` printed more than dod keeps; some findings may be missing",
            spec.tool
        );
        ran.findings.push(
            Finding::new("output-truncated", Location::default(), message)
                .with_severity(Severity::Warning),
        );
    }
    outcome
}

/// Whether pytest-cov and coverage are installed in the environment of
/// the tool's program.
fn coverage_installed(tool: &ResolvedTool) -> bool {
    ["pytest-cov", "coverage"]
        .iter()
        .all(|name| crate::environment::installed_version(&tool.program, name).is_some())
}

/// `coverage json --show-contexts` on the run's data file, read back.
async fn read_coverage(tool: &ResolvedTool, data_file: &Path, root: &Path) -> coverage::Coverage {
    if !data_file.exists() {
        return coverage::Coverage::NotMeasured(
            "the test run wrote no coverage data (it ran no test, or the project's pytest \
             config turns pytest-cov off with `-p no:cov`)"
                .to_owned(),
        );
    }
    let json = data_file.with_extension("json");
    let spec = ProcessSpec::new(&tool.python, root)
        .args(["-m", "coverage", "json", "--show-contexts", "-q"])
        .args([std::ffi::OsString::from("--data-file"), data_file.into()])
        .args([std::ffi::OsString::from("-o"), json.clone().into()])
        .timeout(std::time::Duration::from_secs(300))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let failed = |why: String| {
        coverage::Coverage::Unavailable(format!(
            "`coverage json` could not read the test run's coverage data: {why}"
        ))
    };
    match process::run(&spec).await {
        Ok(output) if output.exit == Exit::Code(0) => match std::fs::read_to_string(&json) {
            Ok(text) => match coverage::parse(&text, root) {
                Ok(data) => coverage::Coverage::Measured(data),
                Err(message) => failed(message),
            },
            Err(error) => failed(error.to_string()),
        },
        Ok(output) => failed(output.tail(8)),
        Err(error) => failed(error.to_string()),
    }
}

/// Which tests a test runner runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestRun {
    /// The whole suite.
    Suite,
    /// The changed test files (the hook's `pytest = "changed"`).
    ChangedFiles,
    /// What test impact selected (`--affected`).
    Affected(crate::impact::Selection),
}

/// Why a command check does not run.
enum NothingToRun {
    Skipped(SkipReason),
    Errored(CheckError),
}

/// What `{files}` expands to, or why the check has nothing to do.
fn files_argument(
    spec: &ToolSpec,
    check: &CheckSettings,
    scope: &Scope,
    root: &Path,
) -> Result<Vec<String>, NothingToRun> {
    // The project's own discovery: mypy's `files` setting when it has one.
    let project = || {
        if spec.parser == ParserKind::MypyJson && mypy::configures_files(root) {
            Vec::new()
        } else {
            spec.all_files.clone()
        }
    };
    match scope {
        Scope::Broken(error) if check.filter != FilterMode::All || spec.takes_files() => {
            Err(NothingToRun::Errored(CheckError::Change(error.clone())))
        }
        Scope::All | Scope::Broken(_) => Ok(project()),
        Scope::Change(change) => {
            if !spec.takes_files() {
                return Ok(Vec::new());
            }
            // A file dod refuses to read (a link out of the project, a
            // FIFO) is not handed to a tool either; `python-syntax` warns.
            let files: Vec<String> = change
                .present()
                .map(|file| file.path.clone())
                .filter(|path| crate::python::is_python(path) && !check.is_excluded(path))
                .filter(|path| crate::python::refusal(root, path).is_none())
                .collect();
            if files.is_empty() {
                Err(NothingToRun::Skipped(SkipReason::PythonUnchanged))
            } else if spec.whole_project {
                Ok(project())
            } else {
                Ok(files)
            }
        }
    }
}

/// The files outside the change that import a module it touched, for
/// `changed-files-and-importers`.
fn importers(check: &CheckSettings, scope: &Scope, root: &Path) -> Result<Vec<String>, CheckError> {
    let Scope::Change(change) = scope else {
        return Ok(Vec::new());
    };
    if check.filter != FilterMode::ChangedFilesAndImporters {
        return Ok(Vec::new());
    }
    let changed: Vec<String> = change.files.iter().map(|file| file.path.clone()).collect();
    crate::model::imports::importers(root, &changed).map_err(CheckError::Change)
}

fn expand_args(
    spec: &ToolSpec,
    tool: &ResolvedTool,
    files: &[String],
    junit: Option<&Path>,
) -> Vec<String> {
    // The first word names the program, which runs as resolved.
    let junit = junit
        .map(|path| path.display().to_string())
        .unwrap_or_default();
    let mut args = Vec::new();
    for arg in spec.argv.iter().skip(1) {
        if arg == "{files}" {
            // A file named `--exclude=*.py` or `-rf.py` is a file, not an
            // option, for any tool: `./` in front says so.
            args.extend(files.iter().map(|file| {
                if file.starts_with('-') {
                    format!("./{file}")
                } else {
                    file.clone()
                }
            }));
        } else {
            args.push(
                arg.replace("{tool}", &tool.program.display().to_string())
                    .replace("{python}", &tool.python.display().to_string())
                    .replace("{junit}", &junit),
            );
        }
    }
    args
}

/// How to install the tool by hand.
pub fn install_hint(spec: &ToolSpec) -> String {
    match &spec.package {
        Some(package) => format!(
            "install it into the project's virtualenv (`python3 -m pip install '{package}'`), \
             or let dod provision it (run without `--no-provision`)"
        ),
        None => format!(
            "install `{}`, or set `command` in `[checks.{}]` of dod.toml",
            spec.tool, spec.id
        ),
    }
}

/// Reads the tool's exit code and output into an outcome, per parser.
fn interpret(
    spec: &ToolSpec,
    tool: &ResolvedTool,
    code: i32,
    output: &ProcessOutput,
    junit: Option<&str>,
    root: &Path,
) -> Outcome {
    let stdout = output.stdout_text();
    let crashed = |what: &str| {
        Outcome::Errored(CheckError::Tool(format!(
            "`{}` {what} (exit {code}):\n{}",
            spec.tool,
            output.tail(12)
        )))
    };
    if matches!(code, 126 | 127) {
        return crashed("could not be executed");
    }
    match spec.parser {
        ParserKind::RuffJson => match code {
            0 | 1 => match ruff::parse(&stdout, root) {
                // Exit 1 says ruff found something: nothing read is not a pass.
                Ok(findings) if code == 1 && findings.is_empty() => {
                    crashed("reported failure but no finding dod could read")
                }
                Ok(findings) => Outcome::Ran(Ran::findings(findings)),
                Err(message) => Outcome::Errored(CheckError::Tool(message)),
            },
            _ => crashed("failed"),
        },
        ParserKind::MypyJson => {
            let findings = mypy::parse(&stdout, root);
            let outcome = match code {
                0 => Outcome::Ran(Ran::findings(findings)),
                // mypy exits 1 for errors and 2 for syntax errors, both
                // reported as JSON; with nothing to read it crashed.
                1 | 2 if !findings.is_empty() => Outcome::Ran(Ran::findings(findings)),
                1 => return crashed("reported errors but printed none dod could read"),
                _ => return crashed("failed"),
            };
            missing_stubs(outcome, tool, root)
        }
        ParserKind::JunitXml => interpret_junit(spec, tool, code, output, junit, root),
        ParserKind::Regex => {
            let ok = spec.ok_codes.clone().unwrap_or_else(|| vec![0, 1]);
            if !ok.contains(&code) {
                return crashed("failed");
            }
            let Some(regex) = spec
                .pattern
                .as_deref()
                .and_then(|pattern| regex::Regex::new(pattern).ok())
            else {
                return Outcome::Errored(CheckError::Tool(format!(
                    "`[checks.{}]` has no valid `pattern`",
                    spec.id
                )));
            };
            let text = format!("{stdout}\n{}", output.stderr_text());
            let findings = pattern::parse(&text, &regex, spec.id.as_str(), root);
            // A failing exit with nothing the pattern reads is a crash, not
            // a pass.
            if code != 0 && findings.is_empty() {
                return crashed("exited with a failure but printed nothing `pattern` matches");
            }
            Outcome::Ran(Ran::findings(findings))
        }
        ParserKind::ExitCode => {
            let ok = spec.ok_codes.clone().unwrap_or_else(|| vec![0]);
            if ok.contains(&code) {
                Outcome::Ran(Ran::default())
            } else {
                let message = format!("`{}` exited with {code}:\n{}", spec.tool, output.tail(12));
                Outcome::Ran(Ran::findings(vec![Finding::new(
                    "exit-code",
                    Location::default(),
                    message,
                )]))
            }
        }
    }
}

/// mypy's `import-not-found` on a dependency the project declares is an
/// environment that lacks it, not a type error: the check is `error`, with
/// the module and the fix.
fn missing_stubs(outcome: Outcome, tool: &ResolvedTool, root: &Path) -> Outcome {
    let Outcome::Ran(mut ran) = outcome else {
        return outcome;
    };
    let mut missing: Vec<String> = Vec::new();
    ran.findings.retain(|finding| {
        if finding.rule != "import-not-found" {
            return true;
        }
        let Some(module) = missing::module_in_mypy_message(&finding.message) else {
            return true;
        };
        let owner = missing::owner(&module, root);
        if !matches!(owner, missing::Owner::Declared { .. }) {
            return true;
        }
        if !missing.contains(&module) {
            ran.errors.push(CheckError::Tool(missing::explain(
                &module, &owner, tool, "mypy",
            )));
            missing.push(module);
        }
        false
    });
    Outcome::Ran(ran)
}

/// pytest's exit codes: 0 passed, 1 some failed, 2 interrupted (collection
/// errors, still reported in the XML), 3 internal error, 4 usage error,
/// 5 no tests collected. A module the tests cannot import is the
/// environment's failure (`error`), never the code's.
fn interpret_junit(
    spec: &ToolSpec,
    tool: &ResolvedTool,
    code: i32,
    output: &ProcessOutput,
    junit: Option<&str>,
    root: &Path,
) -> Outcome {
    let all_output = format!("{}\n{}", output.stdout_text(), output.stderr_text());
    let missing_module = |text: &str| -> Option<CheckError> {
        let module = missing::module_in_traceback(text)?;
        let owner = missing::owner(&module, root);
        // `app.missing` when `app` imports: a module the code lacks.
        if matches!(owner, missing::Owner::Project { .. }) && module.contains('.') {
            return None;
        }
        Some(CheckError::Tool(missing::explain(
            &module,
            &owner,
            tool,
            "the tests",
        )))
    };
    if code == 5 {
        let finding = Finding::new("no-tests", Location::default(), "pytest collected no tests")
            .with_severity(Severity::Warning)
            .with_fix(crate::model::test_rules::no_tests_hint(root));
        return Outcome::Ran(Ran {
            findings: vec![finding],
            facts: Facts {
                headline: Some(Headline::NoTestsCollected),
                ..Facts::default()
            },
            ..Ran::default()
        });
    }
    if matches!(code, 3 | 4) {
        if let Some(error) = missing_module(&all_output) {
            return Outcome::Errored(error);
        }
        let what = if code == 3 {
            "hit an internal error".to_owned()
        } else if all_output.contains("unrecognized arguments") {
            "was given options it does not know (exit 4: usage error); the project's pytest \
             config (`addopts`) may name a plugin's options (e.g. `--cov` of pytest-cov) whose \
             plugin is not installed where pytest ran; declare the plugin in the project's \
             development dependencies"
                .to_owned()
        } else {
            "could not start (exit 4: usage error); check the pytest options in the project's \
             config and dod.toml"
                .to_owned()
        };
        return Outcome::Errored(CheckError::Tool(format!(
            "`{}` {what}:\n{}",
            spec.tool,
            output.tail(12)
        )));
    }
    let Some(xml) = junit.filter(|_| matches!(code, 0..=2)) else {
        return Outcome::Errored(CheckError::Tool(format!(
            "`{}` failed before writing its JUnit report (exit {code}):\n{}",
            spec.tool,
            output.tail(12)
        )));
    };
    let mut tests = match junit::parse(xml) {
        Ok(tests) => tests,
        Err(message) => return Outcome::Errored(CheckError::Tool(message)),
    };
    if code == 2 && tests.is_empty() {
        if let Some(error) = missing_module(&all_output) {
            return Outcome::Errored(error);
        }
        return Outcome::Errored(CheckError::Tool(format!(
            "`{}` was interrupted (exit 2):\n{}",
            spec.tool,
            output.tail(12)
        )));
    }
    // A test module that cannot be collected because a module is missing:
    // one error per module, and the module is not a failing test.
    let mut errors: Vec<CheckError> = Vec::new();
    tests.retain(|test| {
        if !junit::is_collection_error(test) {
            return true;
        }
        match test.details.as_deref().and_then(missing_module) {
            Some(error) => {
                if !errors.contains(&error) {
                    errors.push(error);
                }
                false
            }
            None => true,
        }
    });
    let findings = junit::findings(&tests);
    let count = |outcome| tests.iter().filter(|test| test.outcome == outcome).count();
    use crate::diagnostic::TestOutcome;
    let headline = Headline::Tests {
        passed: count(TestOutcome::Passed),
        failed: count(TestOutcome::Failed),
        errors: count(TestOutcome::Error),
        skipped: count(TestOutcome::Skipped),
    };
    Outcome::Ran(Ran {
        findings,
        facts: Facts {
            tests,
            headline: Some(headline),
            ..Facts::default()
        },
        errors,
    })
}

/// A tool's path, made project-relative with `/` when it is under the root.
pub fn relative_path(path: &str, root: &Path) -> String {
    let as_path = Path::new(path);
    let relative = as_path.strip_prefix(root).unwrap_or(as_path);
    let text = relative.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::external::tool::ToolSource;

    fn spec(argv: &[&str]) -> ToolSpec {
        let mut spec = spec::builtin().unwrap().remove(0);
        spec.argv = argv.iter().map(|arg| (*arg).to_owned()).collect();
        spec
    }

    fn tool() -> ResolvedTool {
        ResolvedTool {
            program: "/venv/bin/ruff".into(),
            python: "/venv/bin/python".into(),
            source: ToolSource::Path,
            version: None,
            pinned_by: None,
        }
    }

    #[test]
    fn files_expand_to_several_arguments() {
        let args = expand_args(
            &spec(&["{tool}", "check", "{files}"]),
            &tool(),
            &["a.py".into(), "b.py".into()],
            None,
        );
        assert_eq!(args, ["check", "a.py", "b.py"]);
    }

    #[test]
    fn python_and_junit_are_substituted() {
        let args = expand_args(
            &spec(&[
                "{tool}",
                "--python-executable",
                "{python}",
                "--junitxml={junit}",
            ]),
            &tool(),
            &[],
            Some(Path::new("/tmp/j.xml")),
        );
        assert_eq!(
            args,
            [
                "--python-executable",
                "/venv/bin/python",
                "--junitxml=/tmp/j.xml"
            ]
        );
    }

    #[test]
    fn a_file_named_like_an_option_is_passed_as_a_file() {
        let args = expand_args(
            &spec(&["{tool}", "check", "{files}"]),
            &tool(),
            &[
                "--exclude=*.py".to_owned(),
                "-rf.py".to_owned(),
                "app/x.py".to_owned(),
            ],
            None,
        );
        assert_eq!(args, ["check", "./--exclude=*.py", "./-rf.py", "app/x.py"]);
    }

    fn pytest_exit(code: i32, stdout: &str) -> Outcome {
        let pytest = spec::builtin()
            .unwrap()
            .into_iter()
            .find(|spec| spec.parser == ParserKind::JunitXml)
            .unwrap();
        let output = ProcessOutput {
            exit: Exit::Code(code),
            stdout: stdout.as_bytes().to_vec(),
            stderr: Vec::new(),
            truncated: false,
        };
        let root = tempfile::tempdir().unwrap();
        interpret(&pytest, &tool(), code, &output, None, root.path())
    }

    /// A `coverage json` that fails is an error with its words, never a pass.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_coverage_that_crashes_is_unavailable_with_its_words() {
        let dir = tempfile::tempdir().unwrap();
        let data_file = dir.path().join(".coverage");
        std::fs::write(&data_file, "not coverage data").unwrap();
        let python = dir.path().join("python");
        std::fs::write(
            &python,
            "#!/bin/sh\necho 'coverage: data file is corrupt' >&2\nexit 1\n",
        )
        .unwrap();
        std::fs::set_permissions(&python, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let tool = ResolvedTool { python, ..tool() };
        let coverage::Coverage::Unavailable(why) =
            read_coverage(&tool, &data_file, dir.path()).await
        else {
            panic!("a failing coverage json is unavailable");
        };
        assert!(why.contains("data file is corrupt"), "{why}");
        let missing = read_coverage(&tool, &dir.path().join("none"), dir.path()).await;
        assert!(
            matches!(missing, coverage::Coverage::NotMeasured(_)),
            "{missing:?}"
        );
    }

    #[test]
    fn pytest_exits_3_and_4_are_environment_errors_that_say_why() {
        let Outcome::Errored(CheckError::Tool(usage)) = pytest_exit(
            4,
            "ERROR: usage: pytest [options]\npytest: error: unrecognized arguments: --cov=app\n",
        ) else {
            panic!("exit 4 is an error");
        };
        assert!(usage.contains("plugin"), "{usage}");
        assert!(usage.contains("--cov=app"), "the tool's words: {usage}");
        let Outcome::Errored(CheckError::Tool(internal)) = pytest_exit(
            3,
            "INTERNALERROR> Traceback\nINTERNALERROR> KeyError: 'x'\n",
        ) else {
            panic!("exit 3 is an error");
        };
        assert!(internal.contains("internal error"), "{internal}");
        // A conftest that cannot import a module: the module is named.
        let Outcome::Errored(CheckError::Tool(conftest)) = pytest_exit(
            4,
            "ImportError while loading conftest '/p/tests/conftest.py'.\nE   ModuleNotFoundError: No module named 'boto3'\n",
        ) else {
            panic!("exit 4 is an error");
        };
        assert!(conftest.contains("`boto3`"), "{conftest}");
    }

    #[test]
    fn relative_paths_stay_and_absolute_ones_are_made_relative() {
        assert_eq!(
            relative_path("/repo/app/x.py", Path::new("/repo")),
            "app/x.py"
        );
        assert_eq!(relative_path("./app/x.py", Path::new("/repo")), "app/x.py");
        assert_eq!(
            relative_path("/elsewhere/x.py", Path::new("/repo")),
            "/elsewhere/x.py"
        );
    }
}
