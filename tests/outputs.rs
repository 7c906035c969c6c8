//! The files dod writes for machines and CI: the JSON shape documented in
//! `docs/json.md`, a JUnit file that quick-junit and Python's junitparser
//! both read back with the expected counts, and the Markdown report.

mod common;

use common::Project;

/// A change with a ruff finding, a failing test and a passing one.
fn failing_project() -> Project {
    let project = Project::new();
    project.write("app/calc.py", &format!("import os\n{}", common::CALC));
    project.write(
        "tests/test_more.py",
        "import pytest\n\nfrom app.calc import add\n\n\ndef test_zero() -> None:\n    assert add(0, 0) == 0\n\n\n\
         def test_wrong() -> None:\n    assert add(1, 1) == 3\n\n\n@pytest.mark.skip(reason=\"later\")\ndef test_later() -> None:\n    pass\n",
    );
    project
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn json_has_the_documented_shape() {
    let project = failing_project();
    let run = project.check(&[]);
    let json = run.json();
    let keys = |value: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(json),
        [
            "base",
            "checks",
            "dod_version",
            "duration_ms",
            "items",
            "report",
            "scope",
            "scope_error",
            "verdict",
            "version"
        ]
    );
    assert_eq!(json["version"], 1);
    assert_eq!(json["verdict"], "not-done");
    assert_eq!(keys(&json["base"]), ["commit", "ref", "source"]);
    assert_eq!(json["base"]["ref"], "main");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 13);
    assert_eq!(keys(&items[0]), ["checks", "id", "note", "status", "title"]);
    let ruff = run.check("ruff");
    assert_eq!(
        keys(ruff),
        [
            "duration_ms",
            "filter",
            "findings",
            "hidden_findings",
            "id",
            "item",
            "kind",
            "status",
            "summary",
            "title",
            "tool"
        ]
    );
    assert_eq!(
        keys(&ruff["tool"]),
        ["pinned_by", "program", "source", "version"]
    );
    assert_eq!(ruff["tool"]["version"], "0.17.6");
    let finding = &ruff["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "F401")
        .unwrap();
    assert_eq!(
        keys(finding),
        [
            "column", "fix", "line", "message", "path", "rule", "severity"
        ]
    );
    assert_eq!(finding["path"], "app/calc.py");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(1), Some(8))
    );
    assert_eq!(finding["severity"], "error");
    assert_eq!(
        keys(&json["report"]),
        ["files", "migrations", "test_files", "tests", "tests_added"]
    );
    let tests: Vec<String> = json["report"]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|test| {
            format!(
                "{} {}",
                test["node_id"].as_str().unwrap(),
                test["outcome"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        tests,
        [
            "tests/test_calc.py::test_add passed",
            "tests/test_more.py::test_zero passed",
            "tests/test_more.py::test_wrong failed",
            "tests/test_more.py::test_later skipped",
        ]
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn junit_reads_back_with_quick_junit_and_junitparser() {
    let project = failing_project();
    let junit = project.out("dod.xml");
    // The checks of one kind each: the tools, the per-file scanners.
    let only = "hardcoded-secrets,mypy,print-calls,pytest,python-syntax,ruff,type-hints";
    let run = project.check(&["--junit", junit.to_str().unwrap(), "--only", only]);
    assert_eq!(run.code, 1, "{run}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        !xml.contains("package="),
        "no package attribute: Jenkins would prefix it"
    );

    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let ruff_findings = run.check("ruff")["findings"].as_array().unwrap().len();
    let suites: Vec<(String, usize, usize)> = report
        .test_suites
        .iter()
        .map(|suite| (suite.name.as_str().to_owned(), suite.tests, suite.failures))
        .collect();
    assert_eq!(
        suites,
        [
            ("dod".to_owned(), 13, 2),
            ("hardcoded-secrets".to_owned(), 1, 0),
            ("mypy".to_owned(), 1, 0),
            ("print-calls".to_owned(), 1, 0),
            ("pytest".to_owned(), 4, 1),
            ("python-syntax".to_owned(), 1, 0),
            ("ruff".to_owned(), ruff_findings, ruff_findings),
            ("type-hints".to_owned(), 1, 0),
        ]
    );
    let pytest = &report.test_suites[4];
    let wrong = pytest
        .test_cases
        .iter()
        .find(|case| case.name.as_str() == "test_wrong")
        .unwrap();
    assert_eq!(
        wrong.classname.as_ref().unwrap().as_str(),
        "tests.test_more"
    );
    assert_eq!(
        wrong.extra.get("file").unwrap().as_str(),
        "tests/test_more.py"
    );
    assert_eq!(
        wrong.extra.get("line").unwrap().as_str(),
        "10",
        "1-based line of the test function"
    );
    let f401 = report.test_suites[6]
        .test_cases
        .iter()
        .find(|case| case.name.as_str() == "F401 app/calc.py:1")
        .unwrap();
    assert_eq!(f401.classname.as_ref().unwrap().as_str(), "dod.ruff");

    // The same counts through Python's junitparser, as CI tooling reads it.
    let script = "import sys, junitparser\n\
                  xml = junitparser.JUnitXml.fromfile(sys.argv[1])\n\
                  for suite in xml:\n\
                  \x20   cases = list(suite)\n\
                  \x20   failed = sum(1 for c in cases if any(isinstance(r, junitparser.Failure) for r in c.result))\n\
                  \x20   print(suite.name, len(cases), failed)\n";
    let python = common::tools_bin().join("python");
    let output = std::process::Command::new(python)
        .args(["-c", script])
        .arg(&junit)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        printed,
        format!(
            "dod 13 2\nhardcoded-secrets 1 0\nmypy 1 0\nprint-calls 1 0\npytest 4 1\npython-syntax 1 0\nruff {ruff_findings} {ruff_findings}\ntype-hints 1 0\n"
        )
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn report_states_facts_and_says_what_is_missing() {
    let project = failing_project();
    let report = project.out("report.md");
    let run = project.check(&["--report", report.to_str().unwrap()]);
    let text = std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("{run}"));
    for section in [
        "## Files created/modified",
        "## Tests added and their results",
        "## Documentation updated",
        "## E2E scenarios affected",
        "## Decisions made and why",
        "## Any remaining concerns or risks",
        "## Definition of Done",
    ] {
        assert!(text.contains(section), "missing {section}:\n{text}");
    }
    assert!(
        text.contains("| `tests/test_more.py` | added | all |"),
        "{text}"
    );
    assert!(
        text.contains("| `tests/test_more.py::test_wrong` | failed: assert 2 == 3 |"),
        "{text}"
    );
    assert!(
        text.contains("Not provided: there is no task file (`TASK.md`)"),
        "{text}"
    );
    assert!(text.contains("**Verdict: not done**"), "{text}");
}

#[test]
fn checks_lists_every_check_and_explain_prints_its_doc() {
    let run = common::Run::of(common::dod().args(["checks"]));
    assert_eq!(run.code, 0, "{run}");
    for line in [
        "acceptance-criteria   code.acceptance       change",
        "api-docs              docs.api              change",
        "comments              docs.comments         change",
        "handoff-breaking      handoff.breaking      change",
        "handoff-dependencies  handoff.dependencies  change",
        "handoff-e2e           handoff.e2e           change",
        "hardcoded-secrets     code.lint             native",
        "migration-docs        docs.migrations       change",
        "diff-coverage         code.tests-added      change",
        "mypy                  code.types            command",
        "print-calls           code.lint             native",
        "pytest                code.suite            command",
        "python-syntax         code.lint             native",
        "readme                docs.readme           change",
        "ruff                  code.lint             command",
        "tests-added           code.tests-added      change",
        "type-hints            code.type-hints       native",
    ] {
        assert!(run.stdout.contains(line), "{run}");
    }
    let run = common::Run::of(common::dod().args(["explain", "mypy"]));
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("## How to suppress"), "{run}");
    assert!(run.stdout.contains("## Options"), "{run}");
    assert!(run.stdout.contains("- `timeout = 300`"), "{run}");
    let run = common::Run::of(common::dod().args(["explain", "pylint"]));
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("unknown check `pylint`; the checks are: acceptance-criteria, api-docs, comments, diff-coverage, handoff-breaking, handoff-dependencies, handoff-e2e, hardcoded-secrets, migration-docs, mypy, print-calls, pytest, python-syntax, readme, ruff, tests-added, type-hints"),
        "{run}"
    );
}

#[test]
fn version_is_printed() {
    let run = common::Run::of(common::dod().arg("--version"));
    assert_eq!(
        run.stdout.trim(),
        format!("dod {}", env!("CARGO_PKG_VERSION"))
    );
}
