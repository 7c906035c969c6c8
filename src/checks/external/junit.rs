//! Reads a JUnit XML report (pytest `--junitxml`, `junit_family=xunit1`)
//! with quick-junit's deserializer into the tests that ran. xunit1 gives each
//! testcase a `file` and a **0-based** `line`; the pytest node id is rebuilt
//! from `file`, `classname` and `name` (for an xunit2 report, which has no
//! `file`, the path is rebuilt from the classname). pytest 7 and 8 write
//! the suite's `timestamp` without a time zone, which the deserializer
//! rejects; dod needs no timestamp, so one it cannot read is dropped.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus};

use crate::diagnostic::{Finding, Location, TestCaseResult, TestOutcome};

pub fn parse(xml: &str) -> Result<Vec<TestCaseResult>, String> {
    let xml = without_naive_timestamps(xml);
    let report = Report::deserialize_from_str(&xml)
        .map_err(|error| format!("the JUnit report is not valid: {error}"))?;
    Ok(report
        .test_suites
        .iter()
        .flat_map(|suite| suite.test_cases.iter())
        .map(test_result)
        .collect())
}

/// The report without the `timestamp` attributes that carry no time zone
/// (`2026-12-02T04:59:02.463450`, pytest 7 and 8).
fn without_naive_timestamps(xml: &str) -> std::borrow::Cow<'_, str> {
    static TIMESTAMP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#" timestamp="(\d{4}-\d\d-\d\dT[0-9:.]+)""#).expect("a valid pattern")
    });
    TIMESTAMP.replace_all(xml, "")
}

/// A finding per test that failed or errored, at the test's file and line.
/// A test module pytest could not collect (an import or syntax error):
/// its testcase stands for the whole module.
pub fn is_collection_error(test: &TestCaseResult) -> bool {
    test.outcome == TestOutcome::Error
        && (test.message.as_deref() == Some("collection failure") || !test.node_id.contains("::"))
}

/// The error a collection failure ends with: the last `E   ` line of the
/// traceback (`SyntaxError: invalid syntax`).
fn collection_reason(test: &TestCaseResult) -> Option<String> {
    let details = test.details.as_deref()?;
    let last = details
        .lines()
        .filter_map(|line| line.strip_prefix("E "))
        .map(str::trim)
        .rfind(|line| !line.is_empty() && !line.starts_with('^'))?;
    Some(last.to_owned())
}

pub fn findings(tests: &[TestCaseResult]) -> Vec<Finding> {
    tests
        .iter()
        .filter(|test| matches!(test.outcome, TestOutcome::Failed | TestOutcome::Error))
        .map(|test| {
            let location = match (&test.path, test.line) {
                (Some(path), Some(line)) => Location::at(path.clone(), line, None),
                (Some(path), None) => Location::file(path.clone()),
                (None, _) => Location::default(),
            };
            let (rule, verb) = match test.outcome {
                TestOutcome::Error => ("test-error", "errored"),
                _ => ("test-failed", "failed"),
            };
            let reason = match collection_reason(test).filter(|_| is_collection_error(test)) {
                Some(error) => format!(": could not be collected: {error}"),
                None => test
                    .message
                    .as_deref()
                    .map(|message| format!(": {message}"))
                    .unwrap_or_default(),
            };
            Finding::new(rule, location, format!("{} {verb}{reason}", test.node_id)).with_fix(
                format!("run `pytest {}` and fix the code or the test", test.node_id),
            )
        })
        .collect()
}

fn test_result(case: &TestCase) -> TestCaseResult {
    let classname = case
        .classname
        .as_ref()
        .map(|name| name.as_str().to_owned())
        .unwrap_or_default();
    let name = case.name.as_str().to_owned();
    let path = case
        .extra
        .iter()
        .find(|(key, _)| key.as_str() == "file")
        .map(|(_, value)| value.as_str().to_owned())
        .or_else(|| path_of_classname(&classname));
    // xunit1 lines are 0-based.
    let line = case
        .extra
        .iter()
        .find(|(key, _)| key.as_str() == "line")
        .and_then(|(_, value)| value.as_str().parse::<u32>().ok())
        .map(|line| line + 1);
    let (outcome, message, details) = match &case.status {
        TestCaseStatus::Success { .. } => (TestOutcome::Passed, None, None),
        TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => (
            match kind {
                NonSuccessKind::Failure => TestOutcome::Failed,
                NonSuccessKind::Error => TestOutcome::Error,
            },
            message.as_ref().map(|text| first_line(text.as_str())),
            description.as_ref().map(|text| text.as_str().to_owned()),
        ),
        TestCaseStatus::Skipped { message, .. } => (
            TestOutcome::Skipped,
            message.as_ref().map(|text| first_line(text.as_str())),
            None,
        ),
    };
    TestCaseResult {
        node_id: node_id(path.as_deref(), &classname, &name),
        classname,
        name,
        path,
        line,
        outcome,
        duration: case.time.unwrap_or(Duration::ZERO),
        message,
        details,
    }
}

/// The module path of a test whose `file` (where the function is defined)
/// differs from its classname's module in the same folder: a test method
/// a class in another module inherits.
fn inherited_from(path: &str, classname: &str) -> Option<String> {
    let (parts, modules) = module_parts(classname);
    if modules == parts.len() || modules == 0 {
        return None;
    }
    let module = parts[modules - 1];
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let stem = file.trim_end_matches(".py");
    // Only when the folders agree (the rootdir may differ from the path).
    let folder = parts[..modules - 1].join("/");
    (stem != module
        && (folder == dir
            || dir.ends_with(&format!("/{folder}"))
            || folder.is_empty() && dir.is_empty()))
    .then(|| {
        if dir.is_empty() {
            format!("{module}.py")
        } else {
            format!("{dir}/{module}.py")
        }
    })
}

/// xunit2 has no `file`: `tests.test_app.TestK` is `tests/test_app.py`
/// (the capitalised parts at the end are classes; modules are lower case).
fn path_of_classname(classname: &str) -> Option<String> {
    let (parts, modules) = module_parts(classname);
    (modules > 0).then(|| format!("{}.py", parts[..modules].join("/")))
}

/// A classname's dotted parts and how many lead as modules (lower case)
/// before the classes (capitalised).
fn module_parts(classname: &str) -> (Vec<&str>, usize) {
    let parts: Vec<&str> = classname.split('.').collect();
    let modules = parts
        .iter()
        .take_while(|part| !part.starts_with(|c: char| c.is_ascii_uppercase()))
        .count();
    (parts, modules)
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// `tests/test_app.py` + `tests.test_app.TestK` + `test_m` gives
/// `tests/test_app.py::TestK::test_m`.
fn node_id(path: Option<&str>, classname: &str, name: &str) -> String {
    let Some(path) = path else {
        return if classname.is_empty() {
            name.to_owned()
        } else {
            format!("{classname}::{name}")
        };
    };
    if classname.is_empty() {
        // A collection error: the testcase stands for the whole module.
        return path.to_owned();
    }
    // A test a class inherits is reported at the file that defines it
    // (`file`), but pytest's node id is the inheriting class's module: the
    // classname's module, in the same folder.
    let owned;
    let path = match inherited_from(path, classname) {
        Some(actual) => {
            owned = actual;
            owned.as_str()
        }
        None => path,
    };
    let module = path.trim_end_matches(".py").replace('/', ".");
    let classes = classname
        .strip_prefix(&module)
        .map(|rest| rest.trim_start_matches('.'));
    match classes {
        Some("") => format!("{path}::{name}"),
        Some(classes) => format!("{path}::{}::{name}", classes.replace('.', "::")),
        // The rootdir differs from the module path (src layouts, rootdir
        // below the repository): keep the classname's last part when it is a
        // class, since test modules are lower case.
        None => match classname.rsplit('.').next() {
            Some(last) if last.starts_with(|c: char| c.is_ascii_uppercase()) => {
                format!("{path}::{last}::{name}")
            }
            _ => format!("{path}::{name}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pytest_xunit1() {
        let tests = parse(include_str!(
            "../../../tests/fixtures/tools/pytest-xunit1.xml"
        ))
        .unwrap();
        let shown: Vec<String> = tests
            .iter()
            .map(|test| format!("{} {} {:?}", test.node_id, test.outcome.as_str(), test.line))
            .collect();
        assert_eq!(
            shown,
            [
                "tests/test_app.py::test_add passed Some(3)",
                "tests/test_app.py::test_bad failed Some(5)",
                "tests/test_app.py::test_p[1] passed Some(7)",
                "tests/test_app.py::test_p[2] passed Some(7)",
                "tests/test_app.py::test_s skipped Some(10)",
                "tests/test_app.py::TestK::test_m passed Some(13)",
            ]
        );
        let findings = findings(&tests);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].location,
            Location::at("tests/test_app.py", 5, None)
        );
        assert_eq!(
            findings[0].message,
            "tests/test_app.py::test_bad failed: assert 3 == 4"
        );
    }

    /// itsdangerous's `TestTimedSerializer(TestSerializer)` in
    /// `test_timed.py`: its inherited tests' `file` is `test_serializer.py`.
    #[test]
    fn an_inherited_test_has_the_node_id_of_its_class_module() {
        assert_eq!(
            node_id(
                Some("tests/test_itsdangerous/test_serializer.py"),
                "tests.test_itsdangerous.test_timed.TestTimedSerializer",
                "test_serializer[Serializer-None]"
            ),
            "tests/test_itsdangerous/test_timed.py::TestTimedSerializer::test_serializer[Serializer-None]"
        );
        assert_eq!(
            node_id(Some("tests/test_app.py"), "tests.test_app.TestK", "test_m"),
            "tests/test_app.py::TestK::test_m"
        );
    }

    #[test]
    fn collection_error_is_a_test_error_on_the_module() {
        let tests = parse(include_str!(
            "../../../tests/fixtures/tools/pytest-collection-error.xml"
        ))
        .unwrap();
        let errors: Vec<&TestCaseResult> = tests
            .iter()
            .filter(|test| test.outcome == TestOutcome::Error)
            .collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].node_id, "tests/test_broken.py");
        assert_eq!(findings(&tests)[0].rule, "test-error");
        assert!(
            findings(&tests)[0]
                .message
                .ends_with("could not be collected: ModuleNotFoundError: No module named 'x'"),
            "{}",
            findings(&tests)[0].message
        );
    }

    /// pytest 7.4 and 8.2 (with pytest-xdist too) write the timestamp
    /// without a time zone; xunit2 has no `file` or `line`. Each report was
    /// written by that pytest on the same test module.
    #[test]
    fn reads_pytest_7_and_8_xdist_and_xunit2() {
        let expected = [
            "tests/test_app.py::TestK::test_m passed",
            "tests/test_app.py::test_add passed",
            "tests/test_app.py::test_bad failed",
            "tests/test_app.py::test_p[1] passed",
            "tests/test_app.py::test_p[2] passed",
        ];
        for (name, xml) in [
            (
                "7.4",
                include_str!("../../../tests/fixtures/tools/pytest-7.4-xunit1.xml"),
            ),
            (
                "8.2 xdist",
                include_str!("../../../tests/fixtures/tools/pytest-8.2-xunit1-xdist.xml"),
            ),
            (
                "8.2 xunit2",
                include_str!("../../../tests/fixtures/tools/pytest-8.2-xunit2.xml"),
            ),
        ] {
            let tests = parse(xml).unwrap_or_else(|error| panic!("pytest {name}: {error}"));
            let mut shown: Vec<String> = tests
                .iter()
                .map(|test| format!("{} {}", test.node_id, test.outcome.as_str()))
                .collect();
            shown.sort();
            assert_eq!(shown, expected, "pytest {name}");
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse("<html>").is_err());
    }
}
