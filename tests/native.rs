//! End to end: the native checks through the real binary, in diff mode and
//! with `--all`, on real repositories and on `examples/violations`.

mod common;

use std::path::Path;

use common::{Project, Run, tools_path};

const NATIVE: &str = "print-calls,type-hints,python-syntax";

#[test]
fn diff_mode_reads_only_changed_files_and_reports_only_changed_lines() {
    let project = Project::new();
    project.git(&["checkout", "-q", "main"]);
    project.write(
        "app/legacy.py",
        "def legacy(x):\n    print(x)\n    return x\n",
    );
    project.write("app/broken.py", "def broken(:\n");
    project.commit("legacy code");
    project.git(&["checkout", "-q", "feature"]);
    project.git(&["merge", "-q", "main"]);
    // The change edits legacy.py below its old violations.
    project.write("app/legacy.py", "def legacy(x):\n    print(x)\n    return x\n\n\ndef added(y):\n    print(y)\n    return y\n");

    let diff = project.check(&["--only", NATIVE]);
    assert_eq!(diff.code, 1, "{diff}");
    assert_eq!(diff.findings("print-calls"), ["app/legacy.py:7 print-call"]);
    assert_eq!(
        diff.findings("type-hints"),
        [
            "app/legacy.py:6 missing-return-annotation",
            "app/legacy.py:6 missing-param-annotation"
        ]
    );
    // broken.py did not change, so it was not read: no syntax error.
    assert!(diff.findings("python-syntax").is_empty(), "{diff}");
    assert_eq!(
        diff.check("python-syntax")["summary"],
        "no findings in 1 file"
    );
    assert_eq!(diff.check("print-calls")["hidden_findings"], 1);

    let all = project.check(&["--all", "--only", NATIVE]);
    assert_eq!(
        all.findings("print-calls"),
        ["app/legacy.py:2 print-call", "app/legacy.py:7 print-call"]
    );
    assert_eq!(
        all.findings("python-syntax"),
        ["app/broken.py:1 syntax-error"]
    );
}

#[test]
fn test_files_are_out_of_scope_unless_included() {
    let project = Project::new();
    project.write(
        "tests/test_more.py",
        "def test_more():\n    print('debug')\n",
    );
    let run = project.check(&["--only", NATIVE]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.findings("print-calls").is_empty());

    project.write(
        "dod.toml",
        "[checks.print-calls]\ninclude_tests = true\nexclude = [\"tests/fixtures/**\"]\n",
    );
    let run = project.check(&["--only", NATIVE]);
    assert_eq!(
        run.findings("print-calls"),
        ["tests/test_more.py:2 print-call"]
    );
}

#[test]
fn exclude_globs_drop_files() {
    let project = Project::new();
    project.write(
        "app/scripts/cli.py",
        "print('a command-line tool may print')\n",
    );
    project.write(
        "dod.toml",
        "[checks.print-calls]\nexclude = [\"app/scripts/**\"]\n",
    );
    let run = project.check(&["--only", NATIVE]);
    assert_eq!(run.code, 0, "{run}");
}

#[test]
fn violations_example_fails_with_its_findings() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/violations");
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("dod.json");
    let mut command = common::dod();
    command
        .args([
            "check",
            "--all",
            "--only",
            NATIVE,
            "--json",
            json.to_str().unwrap(),
        ])
        .arg(&example)
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", cache.path());
    let mut run = Run::of(&mut command);
    run.json = Some(serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap());
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(
        run.findings("print-calls"),
        [
            "inventory/pricing.py:11 print-call",
            "inventory/stock.py:15 print-call",
            "inventory/stock.py:26 pprint-call"
        ]
    );
    assert_eq!(
        run.findings("python-syntax"),
        ["inventory/legacy.py:6 syntax-error"]
    );
    assert_eq!(run.findings("type-hints").len(), 7, "{run}");
    assert!(
        run.stdout.contains(
            "inventory/stock.py:18:5 missing-return-annotation `ship` has no return type annotation"
        ),
        "{run}"
    );
}

#[test]
fn explain_prints_each_native_check() {
    for id in ["print-calls", "type-hints", "python-syntax"] {
        let run = Run::of(common::dod().args(["explain", id]));
        assert_eq!(run.code, 0, "{run}");
        for heading in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## How to fix",
            "## How to suppress",
        ] {
            assert!(run.stdout.contains(heading), "{id}: {heading}\n{run}");
        }
    }
}

#[test]
fn all_mode_scans_tracked_and_untracked_files_but_never_virtualenvs() {
    let project = Project::new();
    project.write(
        ".gitignore",
        "__pycache__/\n.mypy_cache/\n.ruff_cache/\ngenerated/\n",
    );
    project.write("generated/kept.py", "print('tracked although ignored')\n");
    project.git(&["add", "-f", "generated/kept.py"]);
    project.write("generated/dropped.py", "print('ignored and untracked')\n");
    project.write("app/new.py", "print('untracked, not ignored')\n");
    project.write("env/pyvenv.cfg", "home = /usr/bin\n");
    project.write("env/lib/site.py", "print('a virtualenv')\n");
    project.write("node_modules/pkg/x.py", "print('vendored')\n");
    let run = project.check(&["--all", "--only", "print-calls"]);
    assert_eq!(
        run.findings("print-calls"),
        ["app/new.py:1 print-call", "generated/kept.py:1 print-call"],
        "{run}"
    );
}

/// A file nested far deeper than any real code (`x = 1+1+…` with 50,000
/// terms, which overflowed the default 2 MiB stack) is read and checked
/// like any other, in diff mode with the change checks too, and the other
/// files still report.
#[test]
fn a_very_deep_expression_does_not_overflow_the_stack() {
    let project = Project::new();
    let deep = format!("X = {}\n", vec!["1"; 50_000].join("+"));
    project.write("app/deep.py", &deep);
    project.write("app/calc.py", &format!("{}\nprint(1)\n", common::CALC));
    let all = project.check(&["--all", "--only", NATIVE]);
    assert_eq!(all.code, 1, "{all}");
    assert_eq!(
        all.findings("print-calls"),
        ["app/calc.py:8 print-call"],
        "{all}"
    );
    let diff = project.check(&[
        "--only",
        "print-calls,hardcoded-secrets,handoff-breaking,tests-added",
        "--no-provision",
    ]);
    assert_eq!(diff.code, 1, "{diff}");
    assert_eq!(
        diff.findings("print-calls"),
        ["app/calc.py:8 print-call"],
        "{diff}"
    );
    assert_eq!(diff.check("handoff-breaking")["status"], "pass", "{diff}");
}

/// A project inside an enclosing repository that ignores it: git lists no
/// file, so the native checks say so as an error (exit 2) instead of
/// passing on nothing.
#[test]
fn a_project_that_git_ignores_is_an_error_not_a_pass() {
    let project = Project::empty();
    project.write(".gitignore", "service/\n");
    project.write("README.md", "# outer\n");
    project.commit("outer");
    project.write("service/app.py", "print('hi')\n");
    let run = common::dod()
        .current_dir(project.path().join("service"))
        .args(["check", "--all", "--only", "print-calls", "--no-provision"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("git ignores every Python file here"),
        "{stdout}"
    );
    assert!(stdout.contains("app.py"), "{stdout}");
}
