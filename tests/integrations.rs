//! Where the gate lives: GitHub Actions, SARIF, the coding-agent stop hook,
//! pre-commit and `dod init`, through the real binary.

mod common;

use common::{Project, Run, tools_path};

/// A change that fails with 12 findings whose messages need escaping.
fn noisy_project() -> Project {
    let project = Project::new();
    let tool = project.out("noisy.sh");
    std::fs::write(
        &tool,
        "#!/bin/sh\nfor n in 1 2 3 4 5 6 7 8 9 10 11 12; do echo \"app/calc.py:$n: N$n 100% off: a, b\"; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    project.write(
        "dod.toml",
        &format!(
            "[checks.noisy]\nitem = \"code.lint\"\ncommand = {:?}\nargv = [\"noisy\", \"{{files}}\"]\nparser = \"regex\"\n\
             pattern = '^(?P<path>[^:]+):(?P<line>\\d+): (?P<rule>N\\d+) (?P<message>.*)$'\nfilter = \"all\"\n\n\
             [checks.multiline]\nitem = \"docs.readme\"\ncommand = \"sh\"\nargv = [\"sh\", \"-c\", \"printf 'first line\\\\nsecond: line' >&2; exit 1\"]\nparser = \"exit-code\"\n",
            tool.to_str().unwrap()
        ),
    );
    project.write("app/calc.py", &format!("{}\nX = 1\n", common::CALC));
    project
}

#[test]
fn github_actions_annotations_and_job_summary() {
    let project = noisy_project();
    let summary = project.out("summary.md");
    let run = project.check_with(
        &["--only", "noisy,multiline"],
        &tools_path(),
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(run.code, 1, "{run}");
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 10, "{run}");
    assert_eq!(
        errors[0],
        "::error file=app/calc.py,line=1,title=dod multiline%3A exit-code::`sh` exited with 1:%0Afirst line%0Asecond: line"
            .replace("file=app/calc.py,line=1,", ""),
        "{run}"
    );
    assert!(
        errors.contains(&"::error file=app/calc.py,line=1,title=dod noisy%3A N1::100%25 off: a, b"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("::notice title=dod::3 more findings were not annotated"),
        "{run}"
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains("## dod: the Definition of Done"), "{text}");
    assert!(text.contains("✗ fail   code.lint"), "{text}");
    assert!(text.contains("# Output Report"), "{text}");
}

#[test]
fn sarif_file_is_written() {
    let project = noisy_project();
    let sarif = project.out("dod.sarif");
    let run = project.check(&["--only", "noisy", "--sarif", sarif.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 12);
    assert_eq!(results[0]["ruleId"], "noisy/N1");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/calc.py"
    );
}

#[test]
fn not_in_github_no_annotations() {
    let project = noisy_project();
    let run = project.check(&["--only", "noisy"]);
    assert!(!run.stdout.contains("::error"), "{run}");
}

/// The event Claude Code sends on `Stop`.
fn stop_event(project: &Project, active: bool) -> String {
    serde_json::json!({
        "session_id": "abc123",
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": project.path(),
        "hook_event_name": "Stop",
        "stop_hook_active": active,
    })
    .to_string()
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn hook_lets_a_done_task_stop() {
    let project = Project::new();
    common::done_change(&project);
    let run = common::hook(&project, &stop_event(&project, false));
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run}");
}

/// The agent's `cwd` is a subdirectory: the hook still gates the whole
/// project with the repository's config, so a test failing elsewhere blocks.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn hook_from_a_subdirectory_gates_the_whole_project() {
    let project = Project::new();
    project.write("dod.toml", "[checks.pytest]\ntimeout = 120\n");
    project.write("docs/notes/x.txt", "notes\n");
    project.write(
        "tests/test_other.py",
        "def test_elsewhere() -> None:\n    assert 1 == 2\n",
    );
    common::done_change(&project);
    let event = serde_json::json!({
        "cwd": project.path().join("docs/notes"),
        "hook_event_name": "Stop",
        "stop_hook_active": false,
    })
    .to_string();
    let run = common::hook(&project, &event);
    assert_eq!(run.code, 0, "{run}");
    let decision: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(decision["decision"], "block", "{run}");
    let reason = decision["reason"].as_str().unwrap();
    assert!(reason.contains("test_elsewhere"), "{reason}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn hook_blocks_a_task_that_is_not_done() {
    let project = Project::new();
    project.write("app/calc.py", &format!("import os\n{}", common::CALC));
    let run = common::hook(&project, &stop_event(&project, false));
    assert_eq!(run.code, 0, "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object: {run}");
    let decision: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(decision["decision"], "block");
    let reason = decision["reason"].as_str().unwrap();
    assert!(reason.contains("(code.lint)"), "{reason}");
    assert!(
        reason.contains("app/calc.py:1:8 F401 `os` imported but unused"),
        "{reason}"
    );
    assert!(reason.contains("Full report: "), "{reason}");
    assert!(reason.lines().count() <= 41, "{reason}");
    // The report lives in .git, outside the change.
    assert!(project.path().join(".git/dod-report.md").is_file());
    assert_eq!(
        project
            .git(&["status", "--porcelain", "--untracked-files=all"])
            .lines()
            .count(),
        1
    );
}

#[test]
fn hook_never_blocks_when_already_continuing() {
    let project = Project::new();
    project.write("app/calc.py", &format!("import os\n{}", common::CALC));
    let run = common::hook(&project, &stop_event(&project, true));
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run}");
}

#[test]
fn hook_does_not_block_when_dod_cannot_run() {
    let project = Project::new();
    project.write("app/calc.py", &format!("import os\n{}", common::CALC));
    project.write("dod.toml", "[checks.ruff]\ntimout = 5\n");
    let run = common::hook(&project, &stop_event(&project, false));
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run}");
    assert!(
        run.stderr.contains("timout") && run.stderr.contains("not blocking"),
        "{run}"
    );
}

#[test]
fn hook_does_not_block_on_invalid_input() {
    let project = Project::new();
    let run = common::hook(&project, "this is not json");
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run}");
    assert!(run.stderr.contains("as the expected JSON"), "{run}");
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn hook_fast_profile_runs_only_the_changed_tests() {
    let project = Project::new();
    project.git(&["checkout", "-q", "main"]);
    project.write(
        "tests/test_flaky.py",
        "def test_broken() -> None:\n    assert False\n",
    );
    project.commit("a broken test, not part of the change");
    project.git(&["checkout", "-q", "feature"]);
    project.git(&["merge", "-q", "main"]);
    project.write(
        "dod.toml",
        "[hook]\npytest = \"changed\"\nblock_on = [\"code.suite\", \"code.lint\"]\n",
    );
    project.write(
        "tests/test_more.py",
        "from app.calc import add\n\n\ndef test_more() -> None:\n    assert add(1, 1) == 2\n",
    );
    let run = common::hook(&project, &stop_event(&project, false));
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, ""),
        "only tests/test_more.py ran: {run}"
    );
    project.write(
        "tests/test_more.py",
        "def test_more() -> None:\n    assert 1 == 2\n",
    );
    let run = common::hook(&project, &stop_event(&project, false));
    assert!(
        run.stdout.contains("tests/test_more.py::test_more failed"),
        "{run}"
    );
}

#[test]
fn readme_hook_settings_are_valid() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = readme
        .find("<!-- agent-hook-settings -->")
        .expect("the README has the hook settings");
    let block = &readme[start..];
    let json = &block[block.find("```json").unwrap() + 7..];
    let json = &json[..json.find("```").unwrap()];
    let settings: serde_json::Value = serde_json::from_str(json).unwrap();
    for event in ["Stop", "SubagentStop"] {
        assert_eq!(
            settings["hooks"][event][0]["hooks"][0]["command"], "dod hook",
            "{event}"
        );
        assert_eq!(
            settings["hooks"][event][0]["hooks"][0]["type"], "command",
            "{event}"
        );
    }
}

#[test]
fn init_writes_a_starter_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let first = Run::of(common::dod().arg("init").current_dir(dir.path()));
    assert_eq!(first.code, 0, "{first}");
    assert!(dir.path().join("dod.toml").is_file());
    let checks = Run::of(common::dod().arg("checks").current_dir(dir.path()));
    assert_eq!(checks.code, 0, "the starter is a valid config: {checks}");
    let second = Run::of(common::dod().arg("init").current_dir(dir.path()));
    assert_eq!(second.code, 2, "{second}");
    assert!(second.stderr.contains("does not overwrite"), "{second}");
}

/// The `dod ...` commands of a README snippet marked `<!-- readme-command NAME -->`.
fn readme_commands(name: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let marker = format!("<!-- readme-command {name} -->");
    let block = &readme[readme
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker}"))..];
    let block = &block[block.find("```").unwrap() + 3..];
    let block = &block[..block.find("```").unwrap()];
    block
        .lines()
        .filter_map(|line| {
            line.trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
                .strip_prefix("dod ")
        })
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn readme_ci_commands_run() {
    for name in ["github", "gitlab"] {
        let commands = readme_commands(name);
        assert_eq!(commands.len(), 1, "{name}");
        let project = Project::new();
        common::done_change(&project);
        let mut command = common::dod();
        command
            .args(commands[0].split_whitespace())
            .current_dir(project.path())
            .env("PATH", tools_path())
            .env("DOD_CACHE_DIR", project.cache.path());
        let run = Run::of(&mut command);
        assert_eq!(run.code, 0, "{name}: {run}");
        for file in commands[0]
            .split_whitespace()
            .filter(|word| word.starts_with("dod"))
        {
            assert!(
                project.path().join(file).is_file(),
                "{name}: {file} was not written"
            );
        }
    }
}

#[test]
fn readme_pre_commit_snippet_names_the_hook() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let block = &readme[readme.find("<!-- readme-precommit -->").unwrap()..];
    let block = &block[..block.find("\n```\n").unwrap()];
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    assert!(
        block.contains("- id: dod") && manifest.contains("- id: dod"),
        "{block}"
    );
    assert!(manifest.contains("entry: dod check --staged") && manifest.contains("language: rust"));
}
