//! `diff-coverage` end to end: the real pytest under pytest-cov with
//! per-test contexts, on a change in a temp repository.

mod common;

use common::Project;

const PRICING: &str = "\"\"\"Prices.\"\"\"\n\n\ndef discount(price: int, member: bool) -> int:\n    \"\"\"A member's price.\"\"\"\n    if member:\n        return price - 10\n    return price\n\n\ndef audit(price: int) -> None:  # pragma: no cover\n    \"\"\"Only for debugging.\"\"\"\n    raise RuntimeError(price)\n";

/// pytest and diff-coverage with these output flags and GitHub annotations.
fn with_outputs(project: &Project, outputs: &[&str]) -> common::Run {
    let mut args = vec!["--only", "pytest,diff-coverage", "--github"];
    args.extend_from_slice(outputs);
    project.check_with(&args, &common::tools_path(), &[])
}

/// A new function with two branches and a test for one: below 80 %, the
/// uncovered line is the finding; a second test makes it pass; the
/// `pragma: no cover` function never counts.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn diff_coverage_follows_the_tests_of_the_change() {
    let project = Project::new();
    project.write("app/pricing.py", PRICING);
    project.write(
        "tests/test_pricing.py",
        "from app.pricing import discount\n\n\ndef test_member() -> None:\n    assert discount(100, True) == 90\n",
    );
    project.commit("discount with one test");
    let (report, sarif, junit) = (
        project.out("report.md"),
        project.out("dod.sarif"),
        project.out("dod.xml"),
    );
    let run = with_outputs(
        &project,
        &[
            "--report",
            report.to_str().unwrap(),
            "--sarif",
            sarif.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_eq!(run.check("pytest")["status"], "pass", "{run}");
    // Every output carries the uncovered range.
    let markdown = std::fs::read_to_string(&report).unwrap();
    assert!(markdown.contains("## Diff coverage"), "{markdown}");
    assert!(markdown.contains("| `app/pricing.py` | 8 |"), "{markdown}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let result = &sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["ruleId"] == "diff-coverage/uncovered")
        .unwrap_or_else(|| panic!("{sarif}"))["locations"][0]["physicalLocation"];
    assert_eq!(result["artifactLocation"]["uri"], "app/pricing.py");
    assert_eq!(result["region"]["startLine"], 8);
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("uncovered app/pricing.py:8"), "{junit}");
    assert!(
        run.stdout
            .contains("::error file=app/pricing.py,line=8,title=dod diff-coverage%3A uncovered::"),
        "{run}"
    );
    assert_eq!(run.check("diff-coverage")["status"], "fail", "{run}");
    assert_eq!(
        run.findings("diff-coverage"),
        ["app/pricing.py:8 uncovered"],
        "{run}"
    );
    let summary = run.check("diff-coverage")["summary"].as_str().unwrap();
    // `def`, `if`, the two returns: 3 of 4; the `pragma: no cover` function is not counted.
    assert!(
        summary.starts_with("75.0 % of 4 changed executable lines"),
        "{summary}"
    );
    assert_eq!(run.item("code.tests-added")["status"], "fail", "{run}");
    assert_eq!(run.code, 1, "{run}");

    project.write(
        "tests/test_pricing.py",
        "from app.pricing import discount\n\n\ndef test_member() -> None:\n    assert discount(100, True) == 90\n\n\ndef test_guest() -> None:\n    assert discount(100, False) == 100\n",
    );
    project.commit("the other branch");
    let run = project.check(&["--only", "pytest,diff-coverage"]);
    assert_eq!(run.check("diff-coverage")["status"], "pass", "{run}");
    assert!(run.findings("diff-coverage").is_empty(), "{run}");
    let summary = run.check("diff-coverage")["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("100.0 % of 4 changed executable lines"),
        "{summary}"
    );
    assert_eq!(run.code, 0, "{run}");
}

/// Without pytest-cov beside pytest, coverage is not measured: an error
/// that says how to get it, never a pass.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn without_pytest_cov_diff_coverage_is_an_error_with_the_fix() {
    let project = Project::new();
    project.write("app/pricing.py", PRICING);
    project.commit("discount");
    // A pytest whose environment has no pytest-cov: a fresh venv.
    let venv = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path())
        .status()
        .unwrap();
    assert!(made.success());
    let pip = std::process::Command::new(venv.path().join("bin/pip"))
        .args([
            "install",
            "-q",
            "--disable-pip-version-check",
            "pytest==9.2.0",
        ])
        .status()
        .unwrap();
    assert!(pip.success());
    let path = format!(
        "{}:{}",
        venv.path().join("bin").display(),
        std::env::var("PATH").unwrap()
    );
    let run = project.check_with(&["--only", "pytest,diff-coverage"], &path, &[]);
    assert_eq!(run.check("diff-coverage")["status"], "error", "{run}");
    let summary = run.check("diff-coverage")["summary"].as_str().unwrap();
    assert!(
        summary.contains("`pytest-cov` and `coverage` are not installed"),
        "{summary}"
    );
    assert_eq!(run.code, 2, "{run}");
}

/// A run that collected no test measured nothing: `skip` with the reason,
/// never a pass, never a failure of lines "never imported".
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn no_tests_collected_is_a_skip_with_the_reason() {
    let project = Project::new();
    project.git(&["rm", "-q", "tests/test_calc.py"]);
    project.write("app/pricing.py", PRICING);
    project.commit("no tests at all");
    let run = project.check(&["--only", "pytest,diff-coverage"]);
    assert_eq!(run.check("diff-coverage")["status"], "skip", "{run}");
    let summary = run.check("diff-coverage")["summary"].as_str().unwrap();
    assert!(summary.contains("pytest collected no tests"), "{summary}");
}

/// A new Flask route that a new test reaches only through the test client
/// (it imports nothing of the route's module) is tested: coverage says so.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn a_route_reached_only_through_the_test_client_is_tested() {
    let project = Project::empty();
    project.write(".gitignore", "__pycache__/\n.mypy_cache/\n.ruff_cache/\n");
    project.write("requirements.txt", "flask==3.1.3\n");
    project.write("pytest.ini", "[pytest]\npythonpath = .\n");
    project.write("app/__init__.py", "");
    project.write(
        "app/main.py",
        "\"\"\"The service.\"\"\"\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\nfrom app import views  # noqa: E402,F401\n",
    );
    project.write(
        "app/views.py",
        "\"\"\"Views.\"\"\"\n\nfrom app.main import app\n",
    );
    project.write(
        "tests/conftest.py",
        "import pytest\n\nfrom app.main import app\n\n\n@pytest.fixture\ndef client():\n    return app.test_client()\n",
    );
    project.write(
        "tests/test_root.py",
        "def test_root(client) -> None:\n    assert client.get('/').status_code == 404\n",
    );
    project.commit("base");
    project.git(&["checkout", "-q", "-b", "feature"]);
    project.write(
        "app/views.py",
        "\"\"\"Views.\"\"\"\n\nfrom app.main import app\n\n\n@app.get(\"/health\")\ndef health() -> dict[str, str]:\n    \"\"\"Say the service is up.\"\"\"\n    return {\"status\": \"ok\"}\n",
    );
    project.write(
        "tests/test_health.py",
        "def test_health(client) -> None:\n    assert client.get(\"/health\").json == {\"status\": \"ok\"}\n",
    );
    project.commit("a health route");
    let path = common::fresh_path(true);
    let run = project.check_with(
        &["--only", "pytest,tests-added,diff-coverage"],
        path.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(run.check("pytest")["status"], "pass", "{run}");
    assert_eq!(run.check("tests-added")["status"], "pass", "{run}");
    assert_eq!(run.check("diff-coverage")["status"], "pass", "{run}");
    assert_eq!(run.code, 0, "{run}");
}

/// A changed function that only an old test runs fails `tests-added`,
/// naming that test, even though the change added another test.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn a_change_run_only_by_an_old_test_fails_naming_it() {
    let project = Project::new();
    project.write(
        "app/calc.py",
        "\"\"\"Arithmetic helpers.\"\"\"\n\n\ndef add(a: int, b: int) -> int:\n    \"\"\"Return the sum, never below zero.\"\"\"\n    return max(a + b, 0)\n",
    );
    project.write(
        "tests/test_other.py",
        "def test_other() -> None:\n    assert True\n",
    );
    project.commit("add never goes below zero");
    let run = project.check(&["--only", "pytest,tests-added"]);
    assert_eq!(run.check("tests-added")["status"], "fail", "{run}");
    let message = run.check("tests-added")["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("`add` changed"), "{message}");
    assert!(
        message.contains("`tests/test_calc.py::test_add`"),
        "{message}"
    );
}

/// Test impact: after a full run under coverage, `--affected` runs only the
/// tests that ran the changed file (so a deliberate break is still caught),
/// and the full suite when `conftest.py` changes, saying why each time.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn affected_runs_the_tests_that_ran_the_changed_files() {
    let project = Project::new();
    project.write(
        "app/io.py",
        "\"\"\"Reading.\"\"\"\n\n\ndef read(text: str) -> str:\n    \"\"\"The text, stripped.\"\"\"\n    return text.strip()\n",
    );
    project.write(
        "tests/test_io.py",
        "from app.io import read\n\n\ndef test_read() -> None:\n    assert read(' a ') == 'a'\n",
    );
    project.commit("io");
    // On the base branch too: the change starts after it.
    project.git(&["checkout", "-q", "main"]);
    project.git(&["merge", "-q", "--ff-only", "feature"]);
    project.git(&["checkout", "-q", "feature"]);
    let full = project.check(&["--only", "pytest"]);
    assert_eq!(
        full.check("pytest")["summary"],
        "2 passed, 0 failed, 0 errors, 0 skipped",
        "{full}"
    );

    let ran = |run: &common::Run| -> Vec<String> {
        run.json()["report"]["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|test| test["node_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Broken on purpose: the one test that runs `add` is selected, and fails.
    project.write(
        "app/calc.py",
        &common::CALC.replace("return a + b", "return a - b"),
    );
    project.commit("break add");
    let affected = project.check(&["--only", "pytest", "--affected"]);
    assert_eq!(
        ran(&affected),
        ["tests/test_calc.py::test_add"],
        "{affected}"
    );
    assert_eq!(affected.check("pytest")["status"], "fail", "{affected}");
    let summary = affected.check("pytest")["summary"].as_str().unwrap();
    assert!(
        summary.contains("affected tests only: 1 test that ran the changed files"),
        "{summary}"
    );

    project.write("tests/conftest.py", "import pytest\n");
    project.commit("a conftest");
    let full = project.check(&["--only", "pytest", "--affected"]);
    assert_eq!(ran(&full).len(), 2, "{full}");
    let summary = full.check("pytest")["summary"].as_str().unwrap();
    assert!(
        summary.contains("the full suite: `tests/conftest.py` changed"),
        "{summary}"
    );
}

/// An uncovered range of several lines is a range in every output: JSON's
/// `end_line`, SARIF's `endLine`, GitHub's `endLine`, the report's table.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn an_uncovered_range_spans_its_lines_in_every_output() {
    let project = Project::new();
    project.write(
        "app/refunds.py",
        "\"\"\"Refunds.\"\"\"\n\n\ndef refund(amount: int) -> int:\n    \"\"\"The refund.\"\"\"\n    fee = 1\n    total = amount - fee\n    return -total\n",
    );
    project.write(
        "tests/test_refunds.py",
        "import app.refunds\n\n\ndef test_module() -> None:\n    assert app.refunds.refund\n",
    );
    project.commit("refund, imported but never called");
    let (report, sarif) = (project.out("report.md"), project.out("dod.sarif"));
    let run = with_outputs(
        &project,
        &[
            "--report",
            report.to_str().unwrap(),
            "--sarif",
            sarif.to_str().unwrap(),
        ],
    );
    let finding = &run.check("diff-coverage")["findings"][0];
    assert_eq!(
        (finding["line"].as_u64(), finding["end_line"].as_u64()),
        (Some(6), Some(8)),
        "{run}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["endLine"].as_u64()),
        (Some(6), Some(8))
    );
    assert!(
        run.stdout.contains("file=app/refunds.py,line=6,endLine=8,"),
        "{run}"
    );
    let markdown = std::fs::read_to_string(&report).unwrap();
    assert!(
        markdown.contains("| `app/refunds.py` | 6-8 |"),
        "{markdown}"
    );
}
