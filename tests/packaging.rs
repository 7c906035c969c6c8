//! dod as a pre-commit hook (with the real pre-commit) and as a Python
//! wheel (built with maturin, installed with pip into a fresh virtualenv).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Project, Run, tools_bin, tools_path};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn pre_commit_try_repo_runs_dod_on_the_staged_change() {
    let project = Project::new();
    project.write("app/calc.py", &format!("import os\n{}", common::CALC));
    project.git(&["add", "app/calc.py"]);
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(tools_bin().join("pre-commit"));
    command
        .args([
            "try-repo",
            manifest_dir().to_str().unwrap(),
            "dod",
            "--verbose",
        ])
        .current_dir(project.path())
        .env("PATH", tools_path())
        .env("PRE_COMMIT_HOME", home.path())
        .env("DOD_CACHE_DIR", project.cache.path())
        // Reuse the build between runs; a hook build need not be optimised.
        .env("CARGO_TARGET_DIR", manifest_dir().join("target/pre-commit"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    let run = Run::of(&mut command);
    assert_eq!(run.code, 1, "the hook fails the commit: {run}");
    assert!(run.stdout.contains("dod (Definition of Done)"), "{run}");
    assert!(
        run.stdout
            .contains("app/calc.py:1:8 F401 `os` imported but unused"),
        "{run}"
    );
    assert!(
        run.stdout.contains("base HEAD"),
        "the hook checks the staged change: {run}"
    );
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn wheel_installs_dod_into_a_virtualenv() {
    let out = tempfile::tempdir().unwrap();
    // The dev profile reuses the test build; the wheel is the same shape.
    let mut build = Command::new(tools_bin().join("maturin"));
    build
        .args(["build", "--profile", "dev", "--quiet", "--out"])
        .arg(out.path())
        .current_dir(manifest_dir())
        .env("PATH", tools_path());
    let run = Run::of(&mut build);
    assert_eq!(run.code, 0, "{run}");
    let wheel = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "whl"))
        .expect("a wheel");

    let venv = out.path().join("venv");
    let python3 = common::which("python3").unwrap();
    assert!(
        Command::new(python3)
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap()
            .success()
    );
    let pip = Run::of(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--no-index"])
            .arg(&wheel),
    );
    assert_eq!(pip.code, 0, "{pip}");

    let dod = venv.join("bin/dod");
    let version = Run::of(Command::new(&dod).arg("--version"));
    assert_eq!(
        version.stdout.trim(),
        format!("dod {}", env!("CARGO_PKG_VERSION"))
    );

    let project = Project::new();
    project.write(
        "app/calc.py",
        &format!("{}\nprint('debug')\n", common::CALC),
    );
    let check = Run::of(
        Command::new(&dod)
            .args(["check", "--only", "print-calls"])
            .current_dir(project.path()),
    );
    assert_eq!(check.code, 1, "{check}");
    assert!(
        check.stdout.contains("app/calc.py:8:1 print-call"),
        "{check}"
    );
}
