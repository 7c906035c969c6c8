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

/// The processes whose working directory is `dir` (git and the tools dod
/// starts run there), other than this test's own.
fn processes_in(dir: &std::path::Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap();
    let own = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if !pid.chars().all(|c| c.is_ascii_digit()) || pid == own {
                return None;
            }
            let cwd = std::fs::read_link(entry.path().join("cwd")).ok()?;
            cwd.starts_with(&dir).then_some(pid)
        })
        .collect()
}

/// SIGTERM during the native phase of a large change: dod exits 130 within
/// 2 s and leaves no process behind.
#[test]
fn sigterm_during_the_native_phase_stops_dod_within_two_seconds() {
    let project = Project::new();
    let body: String = (0..150)
        .map(|index| format!("def f{index}(a, b):\n    print(a + b)\n    return {{'k': a}}\n\n"))
        .collect();
    for index in 0..3000 {
        project.write(&format!("app/gen/m{index}.py"), &body);
    }
    project.commit("a large change");
    let mut child = common::dod()
        .current_dir(project.path())
        .args([
            "check",
            "--only",
            "print-calls,type-hints,hardcoded-secrets,python-syntax,comments",
            "--no-provision",
        ])
        .env("DOD_CACHE_DIR", project.cache.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Well into the run: the change is read and the files are being parsed.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished before the signal"
    );
    let sent = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            sent.elapsed() < std::time::Duration::from_secs(2),
            "dod still runs 2 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(130));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        processes_in(project.path()),
        Vec::<String>::new(),
        "survivors"
    );
}

/// `python-syntax` against CPython's own `compile()` on files that parse
/// but that CPython refuses (and a few that it compiles): the same verdict
/// for each file.
#[test]
fn python_syntax_agrees_with_cpython_compile() {
    let nested_blocks: String = (0..21)
        .map(|depth| format!("{}for i{depth} in x:\n", "    ".repeat(depth)))
        .collect::<String>()
        + &"    ".repeat(21)
        + "pass\n";
    let cases: Vec<(&str, String)> = vec![
        (
            "tab_error.py",
            "if x:\n    \ta = 1\n\t    b = 2\n".to_owned(),
        ),
        (
            "nested_parens.py",
            format!("x = {}1{}\n", "(".repeat(300), ")".repeat(300)),
        ),
        ("return_outside.py", "return 1\n".to_owned()),
        ("yield_in_class.py", "class C:\n    yield 1\n".to_owned()),
        ("break_outside.py", "def f():\n    break\n".to_owned()),
        (
            "duplicate_parameter.py",
            "def f(a, a):\n    pass\n".to_owned(),
        ),
        ("await_in_sync.py", "def f():\n    await g()\n".to_owned()),
        (
            "late_future.py",
            "import os\nfrom __future__ import annotations\n".to_owned(),
        ),
        ("nested_blocks.py", nested_blocks),
        ("starred_twice.py", "*a, *b = [1, 2]\n".to_owned()),
        (
            "fine_async.py",
            "async def f():\n    await g()\n    return [x async for x in y]\n".to_owned(),
        ),
        (
            "fine_tabs.py",
            "if x:\n\ta = 1\n\tb = (1,\n  2)\n".to_owned(),
        ),
        (
            "fine_lambda.py",
            "def f():\n    return lambda: (yield)\n".to_owned(),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, source) in &cases {
        std::fs::write(dir.path().join(name), source).unwrap();
    }
    let run = common::Run::of(common::dod().current_dir(dir.path()).args([
        "check",
        "--all",
        "--only",
        "python-syntax",
        "--no-provision",
    ]));
    for (name, _) in &cases {
        let compiled = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
            ])
            .arg(dir.path().join(name))
            .output()
            .unwrap()
            .status
            .success();
        let flagged = run.stdout.contains(&format!("{name}:"));
        assert_eq!(
            flagged, !compiled,
            "{name}: CPython compiles it: {compiled}\n{run}"
        );
    }
}
