//! Bad input gets a clear error that names the file and says how to fix it,
//! and loses nothing: the checks that can still run still report.

mod common;

use common::{Project, Run, tools_path};

#[test]
fn malformed_config_is_exit_2_naming_the_file_and_line() {
    let project = Project::new();
    project.write("dod.toml", "base = \"main\"\n[checks.ruff\ntimeout = 5\n");
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("dod.toml"), "{run}");
    assert!(run.stderr.contains("line 2"), "{run}");
    assert!(
        run.json.is_none(),
        "no result is written for a run that did not start"
    );
}

#[test]
fn unknown_key_is_exit_2_naming_the_key() {
    let project = Project::new();
    project.write("dod.toml", "[checks.mypy]\nenabeld = false\n");
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("dod.toml"), "{run}");
    assert!(run.stderr.contains("enabeld"), "{run}");
    assert!(run.stderr.contains("line 2"), "{run}");
}

#[test]
fn unknown_key_in_pyproject_names_tool_dod() {
    let project = Project::new();
    project.write(
        "pyproject.toml",
        "[project]\nname = \"calc\"\nversion = \"0.1.0\"\n\n[tool.dod]\nbsae = \"main\"\n",
    );
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("pyproject.toml") && run.stderr.contains("bsae"),
        "{run}"
    );
}

#[test]
fn unknown_check_id_in_config_says_how_to_declare_one() {
    let project = Project::new();
    project.write("dod.toml", "[checks.rufff]\nenabled = false\n");
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("unknown check `rufff`"), "{run}");
}

#[test]
fn unknown_check_in_only_is_a_usage_error() {
    let project = Project::new();
    let run = project.check(&["--only", "pylint"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("unknown check `pylint`"), "{run}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn not_a_git_repository_is_exit_2_with_a_hint_unless_all() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "X = 1\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut command = common::dod();
    command
        .current_dir(dir.path())
        .arg("check")
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", cache.path());
    let run = Run::of(&mut command);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("not inside a git repository"), "{run}");
    assert!(run.stderr.contains("--all"), "{run}");

    let mut command = common::dod();
    command
        .current_dir(dir.path())
        .args(["check", "--all", "--skip", "pytest"]);
    command
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", cache.path());
    let run = Run::of(&mut command);
    assert_eq!(run.code, 0, "{run}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn missing_base_ref_is_an_error_and_pytest_still_reports() {
    let project = Project::new();
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    let run = project.check(&["--base", "origin/develop"]);
    assert_eq!(run.code, 2, "{run}");
    assert_eq!(run.verdict(), "error");
    assert_eq!(run.json()["scope"], "broken");
    let error = run.json()["scope_error"].as_str().unwrap();
    assert!(error.contains("`origin/develop` does not exist"), "{error}");
    assert!(error.contains("git fetch origin develop"), "{error}");
    assert_eq!(run.check("ruff")["status"], "error");
    assert_eq!(
        run.check("pytest")["status"],
        "pass",
        "a check that needs no change still runs: {run}"
    );
    assert!(run.stdout.contains("does not exist"), "{run}");
}

#[test]
fn shallow_clone_is_an_error_that_says_how_to_unshallow() {
    let origin = Project::new();
    origin.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    origin.commit("feature work");
    origin.write("app/calc.py", &format!("{}\nX = 2\n", common::CALC));
    origin.commit("more feature work");
    // What CI's default checkout does: one commit of the branch under test.
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    common::git_in(
        clone.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            "--single-branch",
            &url,
            "repo",
        ],
    );
    let repo = clone.path().join("repo");
    let json = origin.out("shallow.json");
    let mut command = common::dod();
    command
        .current_dir(&repo)
        .args(["check", "--json", json.to_str().unwrap()])
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", origin.cache.path())
        .env("GITHUB_BASE_REF", "main");
    let run = Run::of(&mut command);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stdout.contains("shallow clone"), "{run}");
    assert!(run.stdout.contains("git fetch --unshallow"), "{run}");
    assert!(run.stdout.contains("fetch-depth: 0"), "{run}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn ruff_printing_garbage_is_an_error_and_the_others_report() {
    let project = Project::new();
    let fake = project.out("fake-ruff");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Segmentation fault? no: plain text, not JSON'\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    project.write(
        "dod.toml",
        &format!("[checks.ruff]\ncommand = {:?}\n", fake.to_str().unwrap()),
    );
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    let summary = run.check("ruff")["summary"].as_str().unwrap();
    assert!(summary.contains("not its JSON format"), "{summary}");
    assert!(
        summary.contains("plain text, not JSON"),
        "the message quotes what it got: {summary}"
    );
    assert_eq!(run.check("mypy")["status"], "pass", "{run}");
    assert_eq!(run.check("pytest")["status"], "pass", "{run}");
}

#[test]
fn crashing_tool_is_an_error_with_its_output() {
    let project = Project::new();
    let fake = project.out("fake-mypy");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Traceback: INTERNAL ERROR' >&2\nexit 2\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    project.write(
        "dod.toml",
        &format!("[checks.mypy]\ncommand = {:?}\n", fake.to_str().unwrap()),
    );
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    let summary = run.check("mypy")["summary"].as_str().unwrap();
    assert!(summary.contains("INTERNAL ERROR"), "{summary}");
}

/// A tool that exits with its failure code but prints nothing dod can
/// read crashed: mypy exiting 1 with a traceback, and a project-declared
/// `regex` check exiting 1 with nothing its pattern matches, are `error`,
/// never `pass`.
#[test]
fn a_failure_exit_with_nothing_to_read_is_an_error() {
    let project = Project::new();
    let fake = |name: &str, script: &str| {
        let path = project.out(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        path.to_str().unwrap().to_owned()
    };
    let mypy = fake(
        "fake-mypy",
        "#!/bin/sh\necho 'Traceback (most recent call last): KeyError' >&2\nexit 1\n",
    );
    let lint = fake("fake-lint", "#!/bin/sh\necho 'lint: crashed' >&2\nexit 1\n");
    project.write(
        "dod.toml",
        &format!(
            "[checks.mypy]\ncommand = {mypy:?}\n\n[checks.lint]\ntitle = \"house lint\"\nitem = \"code.lint\"\ncommand = {lint:?}\nargv = [\"lint\", \"{{files}}\"]\nparser = \"regex\"\npattern = '^(?P<path>[^:]+):(?P<line>\\d+):(?P<message>.*)$'\n"
        ),
    );
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    let run = project.check(&["--only", "mypy,lint"]);
    assert_eq!(run.code, 2, "{run}");
    for (id, said) in [("mypy", "KeyError"), ("lint", "lint: crashed")] {
        assert_eq!(run.check(id)["status"], "error", "{id}: {run}");
        let summary = run.check(id)["summary"].as_str().unwrap();
        assert!(summary.contains(said), "{id}: {summary}");
    }
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn no_tests_collected_warns_and_does_not_block() {
    let project = Project::new();
    project.git(&["rm", "-q", "tests/test_calc.py"]);
    let run = project.check(&[]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.check("pytest")["status"], "warn");
    assert_eq!(run.check("pytest")["summary"], "no tests collected");
}

#[test]
fn repository_without_commits_says_to_commit() {
    let project = Project::empty();
    project.write("app.py", "X = 1\n");
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.json()["scope_error"]
            .as_str()
            .unwrap()
            .contains("no commit yet"),
        "{run}"
    );
}

#[test]
fn a_key_on_the_wrong_check_is_exit_2_naming_the_key_and_the_check() {
    let project = Project::new();
    project.write("dod.toml", "[checks.ruff]\nsecret_names = [\"pin\"]\n");
    let run = project.check(&[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("`secret_names` is not an option of check `ruff`"),
        "{run}"
    );
    assert!(run.stderr.contains("dod.toml"), "{run}");
    // Where it belongs, it is accepted.
    project.write(
        "dod.toml",
        "[checks.hardcoded-secrets]\nsecret_names = [\"pin\"]\n",
    );
    let run = project.check(&["--all", "--only", "hardcoded-secrets"]);
    assert_eq!(run.code, 0, "{run}");
}

#[test]
fn a_selection_of_no_check_is_a_usage_error() {
    let project = Project::new();
    let run = project.check(&["--only", "ruff", "--skip", "ruff"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr
            .contains("--only ruff with --skip ruff selects no check"),
        "{run}"
    );
    assert!(run.json.is_none(), "nothing ran, so nothing is reported");
}

/// With no test runner in the run (pytest not selected, and none
/// installed), `tests-added` judges what it can: a test was added, and
/// says it was not run; it does not fail for that.
#[test]
fn tests_added_without_pytest_does_not_fail_a_change_that_added_tests() {
    let project = Project::new();
    common::done_change(&project);
    let bare = common::bare_path();
    let run = project.check_with(
        &["--only", "tests-added", "--no-provision"],
        bare.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.check("tests-added")["status"], "pass", "{run}");
    assert!(
        run.check("tests-added")["summary"]
            .as_str()
            .unwrap()
            .contains("not run"),
        "{run}"
    );
}

/// A changed file named like an option (`--exclude=*.py`, `-rf.py`) is
/// passed to ruff as a file: it neither turns ruff off for the change nor
/// makes it exit with a usage error.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn a_file_named_like_an_option_does_not_switch_ruff_off() {
    let project = Project::new();
    project.write("--exclude=*.py", "");
    project.write("-rf.py", "import os\n");
    project.write("app/calc.py", &format!("import sys\n{}", common::CALC));
    let run = project.check(&["--only", "ruff"]);
    let findings = run.findings("ruff");
    assert!(
        findings
            .iter()
            .any(|finding| finding.starts_with("app/calc.py:1 F401")),
        "ruff still checks the change: {run}"
    );
    assert!(
        findings
            .iter()
            .any(|finding| finding.starts_with("-rf.py:1 F401")),
        "and the file named `-rf.py`: {run}"
    );
    assert_eq!(run.check("ruff")["status"], "fail", "{run}");
}

/// A task file named on purpose (`--task`, or `task =` in config) that does
/// not exist is exit 2 with its path, never a run that skips the acceptance
/// criteria; the default `TASK.md` may be absent.
#[test]
fn a_named_task_file_that_does_not_exist_is_exit_2() {
    let project = Project::new();
    let run = project.check(&["--task", "tasks/UPLOADS.md", "--only", "print-calls"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("tasks/UPLOADS.md"), "{run}");
    assert!(run.stderr.contains("`--task`"), "{run}");
    project.write("dod.toml", "task = \"docs/TASK.md\"\n");
    let run = project.check(&["--only", "print-calls"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("docs/TASK.md"), "{run}");
    project.write("dod.toml", "");
    common::done_change(&project);
    let run = project.check(&["--only", "print-calls"]);
    assert_eq!(
        run.code, 0,
        "without a task file named, none is needed: {run}"
    );
}

/// Every output asked for is attempted: one that cannot be written is named
/// and makes the run exit 2, and the others are still written whole.
#[test]
fn an_output_that_cannot_be_written_does_not_stop_the_others() {
    let project = Project::new();
    let report = project.out("no-such-dir/report.md");
    let sarif = project.out("dod.sarif");
    let run = project.check(&[
        "--only",
        "print-calls",
        "--report",
        report.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("no-such-dir/report.md"), "{run}");
    let text = std::fs::read_to_string(&sarif).unwrap();
    assert!(text.contains("\"version\": \"2.1.0\""), "{text}");
    assert!(run.json.is_some(), "the JSON is written too: {run}");
    let leftovers: Vec<_> = std::fs::read_dir(project.out(""))
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(".dod-"))
        .collect();
    assert!(leftovers.is_empty(), "no temp file is left: {leftovers:?}");
}

/// A run that produces no report (here a config error) leaves no output
/// file of an earlier run behind to be read as this run's.
#[test]
fn a_run_without_a_report_removes_the_previous_outputs() {
    let project = Project::new();
    let report = project.out("report.md");
    std::fs::write(&report, "# an earlier run: done\n").unwrap();
    project.write("dod.toml", "[checks.ruff\n");
    let run = project.check(&["--report", report.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run}");
    assert!(!report.exists(), "the earlier report is gone: {run}");
    assert!(run.json.is_none(), "{run}");
}

/// A run in which every item skipped verified nothing: never `done`. A
/// project that its enclosing repository ignores says so.
#[test]
fn a_run_that_verified_nothing_is_never_done() {
    let project = Project::new();
    let run = project.check(&["--only", "print-calls", "--no-provision"]);
    assert_eq!(run.code, 2, "an empty change: {run}");
    assert_eq!(run.verdict(), "error", "{run}");
    assert!(run.stdout.contains("nothing was verified"), "{run}");

    let outer = Project::empty();
    outer.write(
        ".gitignore",
        "vendored/
",
    );
    outer.write("README.md", "outer\n");
    outer.commit("outer");
    outer.write("vendored/app/x.py", "print('hi')\n");
    let mut command = common::dod();
    command.current_dir(outer.path().join("vendored")).args([
        "check",
        "--only",
        "print-calls",
        "--no-provision",
    ]);
    let run = Run::of(&mut command);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("ignores this project (`vendored/`)"),
        "{run}"
    );
    assert!(
        run.stderr.contains("git check-ignore -v vendored/"),
        "{run}"
    );
}

/// A base version git cannot read (an object missing from the store) is an
/// error of the change checks, never "no base version" (which would make
/// every function of the file look new).
#[test]
fn a_base_version_git_cannot_read_is_an_error() {
    let project = Project::new();
    project.write(
        "app/calc.py",
        &format!("{}\n\ndef sub(a: int, b: int) -> int:\n    \"\"\"Difference.\"\"\"\n    return a - b\n", common::CALC),
    );
    project.commit("sub");
    let blob = project.git(&["rev-parse", "main:app/calc.py"]);
    let blob = blob.trim();
    let object = project
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&object).unwrap();
    let run = project.check(&["--only", "handoff-breaking,api-docs", "--no-provision"]);
    assert_eq!(run.code, 2, "{run}");
    assert_eq!(run.check("handoff-breaking")["status"], "error", "{run}");
    // git itself cannot diff it; a store missing only what `cat-file`
    // reads is `git::tests::batch_output_gives_contents_and_a_missing_blob_is_an_error`.
    let summary = run.check("handoff-breaking")["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("unable to read {blob}")),
        "{summary}"
    );
    assert!(run.findings("handoff-breaking").is_empty(), "{run}");
}

/// A file name with an ANSI escape and a NUL-free control byte: shown
/// escaped, never raw, on the terminal and in the outputs.
#[test]
fn control_bytes_from_files_never_reach_the_terminal_raw() {
    let project = Project::new();
    project.write("app/x\u{1b}[2Jy\u{7}.py", "print(1)\n");
    let report = project.out("report.md");
    let run = project.check(&[
        "--only",
        "print-calls",
        "--no-provision",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run}");
    let markdown = std::fs::read_to_string(&report).unwrap();
    for text in [&run.stdout, &run.stderr, &markdown] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }
    assert!(run.stdout.contains("app/x\\u{1b}[2Jy\\u{7}.py"), "{run}");
}

/// Runs `dod check` and gives up after `seconds`: a read that blocks
/// forever must not hang the test suite.
fn check_within(project: &Project, args: &[&str], seconds: u64) -> Run {
    let mut child = common::dod()
        .current_dir(project.path())
        .arg("check")
        .args(args)
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", project.cache.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("dod did not finish in {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        json: None,
    }
}

/// Committed links out of the project, to a FIFO and to `/dev/zero`: none
/// is read (so nothing blocks or grows), each is a warning that says why,
/// and what the outside file holds is never shown.
#[test]
fn links_out_of_the_project_fifos_and_devices_are_not_read() {
    let project = Project::new();
    let outside = tempfile::tempdir().unwrap();
    let token = "ghp_R8nT2kLq9ZxV4mW7pY3sB6dF1hJ5cE0aGu2K";
    std::fs::write(
        outside.path().join("secret.py"),
        format!("import os\nTOKEN = \"{token}\"\nprint(TOKEN)\n"),
    )
    .unwrap();
    // A FIFO inside the project (git never lists one), reached by a link.
    std::fs::create_dir_all(project.path().join("data")).unwrap();
    let fifo = project.path().join("data/pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::create_dir_all(project.path().join("app")).unwrap();
    for (link, target) in [
        ("app/cfg.py", outside.path().join("secret.py")),
        ("app/pipe.py", fifo.clone()),
        ("app/zero.py", "/dev/zero".into()),
    ] {
        std::os::unix::fs::symlink(target, project.path().join(link)).unwrap();
    }
    project.write("app/ok.py", "print('inside')\n");
    project.commit("links");
    let run = check_within(
        &project,
        &[
            "--only",
            "print-calls,hardcoded-secrets,python-syntax",
            "--no-provision",
        ],
        30,
    );
    assert_eq!(run.code, 1, "print() in app/ok.py still counts: {run}");
    for link in ["app/cfg.py", "app/pipe.py", "app/zero.py"] {
        assert!(
            run.stdout.contains(&format!("{link} not-read")),
            "{link}: {run}"
        );
    }
    assert!(
        run.stdout.contains("outside the project; not read"),
        "{run}"
    );
    assert!(run.stdout.contains("not a regular file"), "{run}");
    assert!(run.stdout.contains("app/ok.py:1:1 print-call"), "{run}");
    assert!(
        !run.stdout.contains("app/cfg.py:3"),
        "the outside print is not read: {run}"
    );
    assert!(!run.stdout.contains("ghp_R8n"), "{run}");
}

/// The tools are not handed a link out of the project either, and what a
/// tool that discovers files itself (mypy over `.`) says of one is dropped.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn ruff_and_mypy_never_report_a_link_out_of_the_project() {
    let project = Project::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("cfg.py"),
        "import os\nvalue: int = \"text\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("cfg.py"),
        project.path().join("app/cfg.py"),
    )
    .unwrap();
    common::done_change(&project);
    project.commit("a link and a change");
    let run = project.check(&["--only", "ruff,mypy,python-syntax"]);
    for check in ["ruff", "mypy"] {
        assert!(
            !run.findings(check)
                .iter()
                .any(|f| f.starts_with("app/cfg.py")),
            "{check} read it: {run}"
        );
    }
    assert_eq!(
        run.findings("python-syntax"),
        ["app/cfg.py:null not-read"],
        "{run}"
    );
}

/// A file over `max_file_size` is not read: a warning that names the cap.
#[test]
fn a_file_over_the_size_cap_is_skipped_with_a_warning() {
    let project = Project::new();
    project.write("dod.toml", "max_file_size = 200\n");
    project.write(
        "app/big.py",
        &format!("print(1)\n{}\n", "# padding\n".repeat(40)),
    );
    let run = project.check(&["--only", "print-calls,python-syntax", "--no-provision"]);
    assert_eq!(
        run.findings("python-syntax"),
        ["app/big.py:null not-read"],
        "{run}"
    );
    assert!(run.findings("print-calls").is_empty(), "not read: {run}");
    assert!(run.stdout.contains("over the cap of 200"), "{run}");
    assert_eq!(run.item("code.lint")["status"], "warn", "{run}");
}

#[test]
fn jobs_zero_names_the_flag() {
    let project = Project::new();
    let run = project.check(&["--jobs", "0", "--only", "print-calls"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("`--jobs` must be at least 1"), "{run}");
    assert!(!run.stderr.contains("defaults"), "{run}");
}
