//! `diff-coverage` end to end: the real pytest under pytest-cov with
//! per-test contexts, on a change in a temp repository.

mod common;

use common::Project;

const PRICING: &str = "\"\"\"Prices.\"\"\"\n\n\ndef discount(price: int, member: bool) -> int:\n    \"\"\"A member's price.\"\"\"\n    if member:\n        return price - 10\n    return price\n\n\ndef audit(price: int) -> None:  # pragma: no cover\n    \"\"\"Only for debugging.\"\"\"\n    raise RuntimeError(price)\n";

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
    let run = project.check(&["--only", "pytest,diff-coverage"]);
    assert_eq!(run.check("pytest")["status"], "pass", "{run}");
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
