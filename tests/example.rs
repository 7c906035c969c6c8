//! The README's first command on a fresh machine: `dod check
//! examples/upload-service --all` finds no tool installed, provisions its
//! managed environment (the pinned tools plus the example's requirements)
//! from the package index, and passes ruff, mypy and pytest.

mod common;

use std::path::Path;

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn upload_service_passes_with_provisioning_from_scratch() {
    let cache = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // No Python tool on PATH: only git and python3, as on a fresh machine.
    let bare = common::bare_path();
    // The interpreter itself, not a version manager's shim script.
    let python3 = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    let python3 = String::from_utf8(python3.stdout).unwrap();
    std::os::unix::fs::symlink(python3.trim(), bare.path().join("python3")).unwrap();

    let report = out.path().join("report.md");
    let json = out.path().join("dod.json");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/upload-service");
    let mut command = common::dod();
    command
        .args([
            "check",
            "--all",
            "--report",
            report.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .arg(&example)
        .env("PATH", bare.path())
        .env("DOD_CACHE_DIR", cache.path());
    let run = common::Run::of(&mut command);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stderr.contains("building (first run only"),
        "provisioning is shown: {run}"
    );
    assert!(run.stderr.contains("managed environment ready"), "{run}");

    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(value["verdict"], "done");
    for check in value["checks"].as_array().unwrap() {
        let expected: &[&str] = match check["id"].as_str().unwrap() {
            "ruff" | "mypy" | "pytest" => &["pass"],
            // --all has no change, and the example has no task file.
            _ => &["pass", "skip", "warn"],
        };
        assert!(
            expected.contains(&check["status"].as_str().unwrap()),
            "{check}"
        );
    }
    let tests = value["report"]["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);

    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("**Verdict: done**"), "{text}");
    assert!(
        text.contains(
            "| `tests/test_uploads.py::test_upload_returns_201_and_stores_in_s3` | passed |"
        ),
        "{text}"
    );
    assert!(
        text.contains("pytest: 7 passed, 0 failed, 0 errors, 0 skipped (pass)."),
        "{text}"
    );

    // A second run reuses the environment instead of installing again.
    let again = common::Run::of(&mut command);
    assert_eq!(again.code, 0, "{again}");
    assert!(!again.stderr.contains("dod: installing"), "{again}");
}
