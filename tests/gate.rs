//! End to end: the real `dod` binary on real git repositories with the real
//! ruff, mypy and pytest pinned in `checks/*.toml`.

mod common;

use common::{Project, tools_path};

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn clean_change_is_done() {
    let project = Project::new();
    project.write(
        "app/calc.py",
        &format!(
            "{}\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n",
            common::CALC
        ),
    );
    project.write(
        "tests/test_sub.py",
        "from app.calc import sub\n\n\ndef test_sub() -> None:\n    assert sub(3, 2) == 1\n",
    );
    let run = project.check(&[]);
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.verdict(), "done");
    for id in ["ruff", "mypy", "pytest"] {
        assert_eq!(run.check(id)["status"], "pass", "{id}: {run}");
    }
    assert!(
        run.stdout.contains("done: every required item holds"),
        "{run}"
    );
    assert!(
        run.stdout.contains("base main"),
        "the base is printed: {run}"
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn ruff_violation_on_an_added_line_fails_with_its_location() {
    let project = Project::new();
    project.write("app/calc.py", &format!("import os\n{}", common::CALC));
    let run = project.check(&[]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.verdict(), "not-done");
    assert_eq!(run.item("code.lint")["status"], "fail");
    // ruff's default rules also sort imports (I001) on the same line.
    assert!(
        run.findings("ruff")
            .contains(&"app/calc.py:1 F401".to_owned()),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("app/calc.py:1:8 F401 `os` imported but unused"),
        "{run}"
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn violation_on_an_untouched_line_is_reported_only_with_all() {
    let project = Project::new();
    project.git(&["checkout", "-q", "main"]);
    project.write(
        "app/legacy.py",
        "import os\n\n\ndef legacy() -> int:\n    return 1\n",
    );
    project.commit("legacy code with an unused import");
    project.git(&["checkout", "-q", "feature"]);
    project.git(&["merge", "-q", "main"]);
    // The change edits the file, but not the line with the violation.
    project.write(
        "app/legacy.py",
        "import os\n\n\ndef legacy() -> int:\n    return 2\n",
    );

    let diff = project.check(&["--only", "ruff"]);
    assert_eq!(diff.code, 0, "{diff}");
    assert!(diff.findings("ruff").is_empty(), "{diff}");
    assert_eq!(diff.check("ruff")["hidden_findings"], 1);

    let all = project.check(&["--all", "--only", "ruff"]);
    assert_eq!(all.code, 1, "{all}");
    assert_eq!(all.findings("ruff"), ["app/legacy.py:1 F401"]);
    assert_eq!(all.json()["scope"], "all");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn mypy_error_fails_code_types() {
    let project = Project::new();
    project.write(
        "app/calc.py",
        &format!(
            "{}\n\ndef twice(a: int) -> str:\n    return a * 2\n",
            common::CALC
        ),
    );
    let run = project.check(&[]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.item("code.types")["status"], "fail");
    assert_eq!(run.findings("mypy"), ["app/calc.py:10 return-value"]);
    assert_eq!(
        run.check("mypy")["findings"][0]["column"],
        12,
        "mypy's 0-based column is made 1-based"
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn failing_test_fails_code_suite_and_names_the_test() {
    let project = Project::new();
    project.write("tests/test_more.py", "from app.calc import add\n\n\ndef test_add_negative() -> None:\n    assert add(-1, -1) == -3\n");
    let junit = project.out("dod.xml");
    let run = project.check(&["--junit", junit.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.item("code.suite")["status"], "fail");
    let message = run.check("pytest")["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.starts_with("tests/test_more.py::test_add_negative failed"),
        "{message}"
    );
    assert_eq!(run.findings("pytest"), ["tests/test_more.py:4 test-failed"]);
    let tests = run.json()["report"]["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn hanging_test_times_out_leaves_no_process_and_others_report() {
    let project = Project::new();
    let pids = project.out("pids");
    project.write("dod.toml", "[checks.pytest]\ntimeout = 5\n");
    project.write(
        "tests/test_hang.py",
        &format!(
            "import subprocess\nimport time\n\n\ndef test_hangs() -> None:\n    child = subprocess.Popen([\"sleep\", \"300\"])\n    with open({pids:?}, \"w\") as f:\n        f.write(f\"{{child.pid}}\\n\")\n    time.sleep(300)\n",
            pids = pids.to_str().unwrap()
        ),
    );
    let started = std::time::Instant::now();
    let run = project.check(&[]);
    assert!(
        started.elapsed().as_secs() < 60,
        "dod waited for the hung test"
    );
    assert_eq!(run.code, 2, "{run}");
    assert_eq!(run.verdict(), "error");
    let pytest = run.check("pytest");
    assert_eq!(pytest["status"], "error");
    assert!(
        pytest["summary"]
            .as_str()
            .unwrap()
            .contains("timed out after 5s"),
        "{run}"
    );
    for id in ["ruff", "mypy"] {
        assert_eq!(run.check(id)["status"], "pass", "{id} still reports: {run}");
    }
    let child = std::fs::read_to_string(&pids).unwrap();
    let child = child.trim();
    assert!(dies(child), "the test's child process {child} survived");
    let leftover = std::process::Command::new("pgrep")
        .args(["-f", pids.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        leftover.stdout.is_empty(),
        "pytest survived: {}",
        String::from_utf8_lossy(&leftover.stdout)
    );
}

/// Whether the process is gone within a few seconds (SIGKILL is asynchronous).
fn dies(pid: &str) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while alive(pid) {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    true
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .split(") ")
            .nth(1)
            .is_some_and(|rest| rest.starts_with('Z'))
    })
}

#[test]
fn missing_tool_without_provisioning_is_an_error_with_the_install_command() {
    let project = Project::new();
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    let bare = common::bare_path();
    let run = project.check_with(&["--no-provision"], bare.path().to_str().unwrap(), &[]);
    assert_eq!(run.code, 2, "{run}");
    assert_eq!(run.verdict(), "error");
    let summary = run.check("ruff")["summary"].as_str().unwrap();
    assert!(
        summary.contains("python3 -m pip install 'ruff==0.17.6'"),
        "{summary}"
    );
    assert!(run.stdout.contains("pip install 'mypy==2.4.1'"), "{run}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn deleted_and_renamed_files_are_in_the_change() {
    let project = Project::new();
    project.git(&["checkout", "-q", "main"]);
    project.write("docs/old.md", "old\n");
    project.commit("a doc to delete");
    project.git(&["checkout", "-q", "feature"]);
    project.git(&["merge", "-q", "main"]);
    project.git(&["mv", "app/calc.py", "app/arith.py"]);
    project.write(
        "tests/test_calc.py",
        &common::TEST_CALC.replace("app.calc", "app.arith"),
    );
    project.git(&["rm", "-q", "docs/old.md"]);
    project.write("notes.txt", "untracked\n");
    // The module rename is a breaking move (see tests/change.rs); this test
    // is about what the change holds.
    let run = project.check(&["--skip", "handoff-breaking"]);
    let files: Vec<String> = run.json()["report"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| {
            format!(
                "{} {} {}",
                file["path"].as_str().unwrap(),
                file["status"].as_str().unwrap(),
                file["from"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            "app/arith.py renamed app/calc.py",
            "docs/old.md deleted -",
            "notes.txt added -",
            "tests/test_calc.py modified -"
        ]
    );
    assert_eq!(run.code, 0, "{run}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn project_below_the_repository_root_reports_relative_paths() {
    let project = Project::new();
    project.write("services/api/app.py", "import os\n");
    project.write("services/api/.gitignore", "");
    project.write("other/x.py", "import sys\n");
    let mut command = common::dod();
    let json = project.out("sub.json");
    command
        .current_dir(project.path())
        .args([
            "check",
            "services/api",
            "--only",
            "ruff",
            "--json",
            json.to_str().unwrap(),
        ])
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", project.cache.path());
    let run = common::Run::of(&mut command);
    assert_eq!(run.code, 1, "{run}");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let paths: Vec<&str> = value["checks"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["app.py"],
        "only the project's files, relative to it"
    );
}

#[test]
fn only_and_skip_select_checks() {
    let project = Project::new();
    let run = project.check(&["--only", "ruff,mypy", "--skip", "mypy"]);
    let ids: Vec<&str> = run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ruff"], "{run}");
    assert_eq!(run.item("code.suite")["status"], "skip");
    assert_eq!(run.item("code.suite")["note"], "not run: pytest");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn project_config_declares_a_command_check() {
    let project = Project::new();
    let tool = project.out("lint.sh");
    std::fs::write(
        &tool,
        "#!/bin/sh\nfor f in \"$@\"; do grep -n TODO \"$f\" | sed \"s|^|$f:|\"; done\nexit 0\n",
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&tool).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    project.write(
        "dod.toml",
        &format!(
            "[checks.todo]\ntitle = \"no TODO\"\nitem = \"code.lint\"\ncommand = {tool:?}\nargv = [\"todo\", \"{{files}}\"]\nparser = \"regex\"\npattern = '^(?P<path>[^:]+):(?P<line>\\d+):(?P<message>.*)$'\n",
            tool = tool.to_str().unwrap()
        ),
    );
    project.write("app/calc.py", &format!("{}# TODO: remove\n", common::CALC));
    let run = project.check(&[]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.findings("todo"), ["app/calc.py:7 todo"]);
    assert_eq!(run.check("todo")["item"], "code.lint");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn ctrl_c_stops_every_check_and_leaves_no_process() {
    let project = Project::new();
    let marker = project.out("pytest-pid");
    project.write(
        "tests/test_hang.py",
        &format!(
            "import os\nimport time\n\n\ndef test_hangs() -> None:\n    with open({marker:?}, \"w\") as f:\n        f.write(str(os.getpid()))\n    time.sleep(300)\n",
            marker = marker.to_str().unwrap()
        ),
    );
    let mut child = common::dod()
        .current_dir(project.path())
        .arg("check")
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", project.cache.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let pid = loop {
        if let Ok(pid) = std::fs::read_to_string(&marker)
            && !pid.is_empty()
        {
            break pid;
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "the hanging test never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    // What the terminal does on Ctrl-C: SIGINT to dod, whose checks run in
    // process groups of their own that the terminal's signal does not reach.
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(130));
    assert!(dies(&pid), "pytest ({pid}) survived Ctrl-C");
}

#[test]
fn exit_code_check_fails_with_the_tool_output() {
    let project = Project::new();
    project.write(
        "dod.toml",
        "[checks.migrations-check]\nitem = \"docs.migrations\"\ncommand = \"sh\"\n\
         argv = [\"sh\", \"-c\", \"echo 'pending migration 0042' >&2; exit 3\"]\nparser = \"exit-code\"\n",
    );
    let run = project.check(&["--only", "migrations-check"]);
    assert_eq!(run.code, 1, "{run}");
    let finding = &run.check("migrations-check")["findings"][0];
    assert_eq!(finding["rule"], "exit-code");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("exited with 3:\npending migration 0042"),
        "{run}"
    );
    assert_eq!(run.item("docs.migrations")["status"], "fail");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn gitlab_diff_base_sha_is_the_base() {
    let project = Project::new();
    let base = project.git(&["rev-parse", "HEAD"]).trim().to_owned();
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    project.commit("feature");
    let run = project.check_with(
        &["--only", "ruff"],
        &tools_path(),
        &[("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)],
    );
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(
        run.json()["base"]["source"],
        "CI_MERGE_REQUEST_DIFF_BASE_SHA"
    );
    assert_eq!(run.json()["base"]["commit"], base.as_str());
    assert_eq!(
        run.json()["report"]["files"][0]["lines"],
        serde_json::json!([[7, 8]])
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn staged_mode_checks_only_what_is_staged() {
    let project = Project::new();
    project.write("app/staged.py", "import os\n");
    project.git(&["add", "app/staged.py"]);
    project.write("app/unstaged.py", "import sys\n");
    let run = project.check(&["--staged", "--only", "ruff"]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.findings("ruff"), ["app/staged.py:1 F401"]);
    assert_eq!(run.json()["base"]["source"], "--staged");
    let files: Vec<&str> = run.json()["report"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["app/staged.py"]);
}

/// A tool that starts a process in a session of its own (`setsid`,
/// `start_new_session=True`) and exits: the process left the tool's group,
/// and is still found and killed, after a normal exit and after a timeout.
#[test]
fn processes_started_in_a_new_session_do_not_outlive_the_check() {
    for (hang, timeout) in [("", 60), ("; import time; time.sleep(300)", 1)] {
        let project = Project::new();
        let pid_file = project.out("daemon-pid");
        let script = format!(
            "import subprocess; p = subprocess.Popen(['sleep', '300'], start_new_session=True); open({:?}, 'w').write(str(p.pid)){hang}",
            pid_file.to_str().unwrap()
        );
        project.write(
            "dod.toml",
            &format!(
                "[checks.daemon]\nitem = \"code.lint\"\nargv = [\"python3\", \"-c\", {script:?}]\nparser = \"exit-code\"\ntimeout = {timeout}\n"
            ),
        );
        common::done_change(&project);
        let run = project.check(&["--only", "daemon"]);
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        assert!(dies(&pid), "the daemon {pid} outlived the check: {run}");
    }
}
