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

#[allow(dead_code)]
fn unused(_: Run) {}
