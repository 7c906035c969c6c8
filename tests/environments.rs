//! Real project environments: projects built in temp dirs whose
//! dependencies dod's managed environment installs from the package index
//! (Poetry, PEP 621 with a src layout, uv with `uv.lock`, requirements
//! files, pytest 7.4 and 8.2 pinned by the project), reused whatever
//! `--only` and `--skip` select and updated in place; `dod env`; and the
//! environment failures that are `error`, never a code `fail`.

mod common;

use std::path::{Path, PathBuf};

use common::{Project, Run};
use tempfile::TempDir;

/// `dod check --all` with dod provisioning everything.
fn provisioned(project: &Project, path: &TempDir, args: &[&str]) -> Run {
    let mut all = vec!["--all"];
    all.extend_from_slice(args);
    project.check_with(&all, path.path().to_str().unwrap(), &[])
}

fn assert_suite_passes(run: &Run) {
    assert_eq!(run.item("code.suite")["status"], "pass", "{run}");
    assert_eq!(run.check("pytest")["status"], "pass", "{run}");
    assert_eq!(run.verdict(), "done", "{run}");
    assert_eq!(run.code, 0, "{run}");
}

/// The managed environment's directory, from the tool that ran.
fn env_dir(run: &Run, check: &str) -> PathBuf {
    let program = run.check(check)["tool"]["program"].as_str().unwrap();
    Path::new(program)
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned()
}

fn has_distribution(env: &Path, name: &str) -> bool {
    let lib = std::fs::read_dir(env.join("lib"))
        .unwrap()
        .flatten()
        .next()
        .unwrap();
    std::fs::read_dir(lib.path().join("site-packages"))
        .unwrap()
        .flatten()
        .any(|entry| {
            let file = entry.file_name().to_string_lossy().to_lowercase();
            file.starts_with(&format!("{name}-")) && file.ends_with(".dist-info")
        })
}

const FLASK_APP: &str = "\"\"\"A tiny Flask service.\"\"\"\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/health\")\ndef health() -> dict[str, str]:\n    \"\"\"Say the service is up.\"\"\"\n    return {\"status\": \"ok\"}\n";
const FLASK_TEST: &str = "from app.main import app\n\n\ndef test_health() -> None:\n    response = app.test_client().get(\"/health\")\n    assert response.json == {\"status\": \"ok\"}\n";

fn flask_project(dev_requirements: &str) -> Project {
    let project = Project::empty();
    project.write(".gitignore", "__pycache__/\n.mypy_cache/\n.ruff_cache/\n");
    project.write("requirements.txt", "flask==3.1.3\n");
    project.write("requirements-dev.txt", dev_requirements);
    project.write("pytest.ini", "[pytest]\npythonpath = .\n");
    project.write("app/__init__.py", "");
    project.write("app/main.py", FLASK_APP);
    project.write("tests/test_main.py", FLASK_TEST);
    project.commit("base");
    project
}

/// A requirements-only Flask app: built once, reused by `--only` and
/// `--skip`, updated in place when a dependency is added, shown by `dod
/// env` and removed by `dod env --clean`.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn flask_requirements_app_environment_is_built_reused_updated_shown_and_cleaned() {
    let project = flask_project("-r requirements.txt\n");
    let path = common::fresh_path(true);
    let first = provisioned(&project, &path, &[]);
    assert_suite_passes(&first);
    assert!(first.stderr.contains("building (first run only"), "{first}");
    let env = env_dir(&first, "pytest");
    assert!(has_distribution(&env, "flask"), "{first}");
    assert_eq!(
        first.check("pytest")["tool"]["pinned_by"],
        "dod's pin pytest==9.2.0",
        "{first}"
    );
    assert_eq!(first.check("pytest")["tool"]["version"], "9.2.0");
    assert!(
        first
            .stdout
            .contains("tool pytest 9.2.0 · managed environment"),
        "{first}"
    );

    // Another selection: the same environment, nothing built.
    for args in [&["--only", "pytest"][..], &["--skip", "ruff,mypy"][..]] {
        let again = provisioned(&project, &path, args);
        assert_suite_passes(&again);
        assert!(
            !again.stderr.contains("managed environment `"),
            "{args:?}: {again}"
        );
        assert_eq!(env_dir(&again, "pytest"), env);
    }

    // One more dependency: the same environment, updated in place.
    project.write("requirements.txt", "flask==3.1.3\nsix==1.17.0\n");
    project.commit("six");
    let updated = provisioned(&project, &path, &["--only", "pytest"]);
    assert_suite_passes(&updated);
    assert!(
        updated
            .stderr
            .contains("the dependencies changed: updating"),
        "{updated}"
    );
    assert_eq!(env_dir(&updated, "pytest"), env);
    assert!(has_distribution(&env, "six"), "{updated}");

    // `dod env` shows it; `dod env --clean` removes it.
    let env_command = |args: &[&str]| {
        let mut command = common::dod();
        command
            .current_dir(project.path())
            .arg("env")
            .args(args)
            .env("PATH", path.path())
            .env("DOD_CACHE_DIR", project.cache.path());
        Run::of(&mut command)
    };
    let shown = env_command(&[]);
    assert_eq!(shown.code, 0, "{shown}");
    assert!(shown.stdout.contains(&env.display().to_string()), "{shown}");
    assert!(shown.stdout.contains("up to date"), "{shown}");
    assert!(shown.stdout.contains("size "), "{shown}");
    for tool in ["ruff    0.17.6", "mypy    2.4.1", "pytest  9.2.0"] {
        assert!(shown.stdout.contains(tool), "{tool}: {shown}");
    }
    assert!(shown.stdout.contains("dod's pin pytest==9.2.0"), "{shown}");
    let cleaned = env_command(&["--clean"]);
    assert_eq!(cleaned.code, 0, "{cleaned}");
    assert!(
        cleaned
            .stdout
            .contains(&format!("removed {}", env.display())),
        "{cleaned}"
    );
    assert!(!env.exists());
    let after = env_command(&[]);
    assert!(after.stdout.contains("(not built)"), "{after}");
}

/// The project's own pytest 7.4 and 8.2 (naive JUnit timestamps) run,
/// installed from its requirements file instead of dod's pin.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn flask_app_pinning_pytest_7_and_8_runs_its_own_pytest() {
    let path = common::fresh_path(true);
    for version in ["7.4.4", "8.2.0"] {
        let project = flask_project(&format!("-r requirements.txt\npytest=={version}\n"));
        let run = provisioned(&project, &path, &[]);
        assert_suite_passes(&run);
        let tool = &run.check("pytest")["tool"];
        assert_eq!(tool["version"], version, "{run}");
        assert_eq!(
            tool["pinned_by"], "the project's requirements-dev.txt",
            "{run}"
        );
        assert_eq!(tool["source"], "managed environment");
    }
}

/// A Poetry FastAPI service (no build: `package-mode = false`): its main
/// and dev groups are installed; uv is fetched by dod itself.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn poetry_fastapi_service_gets_its_dependencies() {
    let project = Project::empty();
    project.write(".gitignore", "__pycache__/\n.mypy_cache/\n.ruff_cache/\n");
    project.write(
        "pyproject.toml",
        "[tool.poetry]\nname = \"svc\"\nversion = \"0.1.0\"\ndescription = \"\"\nauthors = [\"Dev <dev@example.com>\"]\npackage-mode = false\n\n\
         [tool.poetry.dependencies]\npython = \"^3.11\"\nfastapi = \">=0.110\"\n\n\
         [tool.poetry.group.dev.dependencies]\nhttpx = \"*\"\n\n\
         [tool.pytest.ini_options]\npythonpath = [\".\"]\n",
    );
    project.write("svc/__init__.py", "");
    project.write(
        "svc/main.py",
        "\"\"\"The service.\"\"\"\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/items/{item_id}\")\ndef read_item(item_id: int) -> dict[str, int]:\n    \"\"\"Return the item's id.\"\"\"\n    return {\"id\": item_id}\n",
    );
    project.write(
        "tests/test_main.py",
        "from fastapi.testclient import TestClient\n\nfrom svc.main import app\n\n\ndef test_read_item() -> None:\n    assert TestClient(app).get(\"/items/3\").json() == {\"id\": 3}\n",
    );
    project.commit("base");
    let path = common::fresh_path(false);
    let run = provisioned(&project, &path, &[]);
    assert_suite_passes(&run);
    let env = env_dir(&run, "pytest");
    assert!(
        has_distribution(&env, "fastapi") && has_distribution(&env, "httpx"),
        "{run}"
    );
    assert_eq!(run.check("mypy")["status"], "pass", "{run}");
    let state = std::fs::read_to_string(env.join("dod-env.json")).unwrap();
    assert!(
        state.contains("uv/0.13.9/bin/uv"),
        "dod installed its own uv: {state}"
    );
}

/// A PEP 621 package with a src layout, installed editable with its test extra.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn pep_621_src_layout_package_is_installed_editable() {
    let project = Project::empty();
    project.write(".gitignore", "__pycache__/\n.mypy_cache/\n.ruff_cache/\n");
    project.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
         [project]\nname = \"greeter\"\nversion = \"0.1.0\"\ndependencies = [\"markupsafe>=2\"]\n\n\
         [project.optional-dependencies]\ntest = [\"pytest>=8\"]\n",
    );
    project.write("src/greeter/__init__.py", "");
    project.write(
        "src/greeter/core.py",
        "\"\"\"Greetings.\"\"\"\n\nfrom markupsafe import escape\n\n\ndef greet(name: str) -> str:\n    \"\"\"Greet someone, HTML-safe.\"\"\"\n    return f\"Hello, {escape(name)}!\"\n",
    );
    project.write(
        "tests/test_core.py",
        "from greeter.core import greet\n\n\ndef test_greet() -> None:\n    assert greet(\"<b>\") == \"Hello, &lt;b&gt;!\"\n",
    );
    project.commit("base");
    let path = common::fresh_path(true);
    let run = provisioned(&project, &path, &[]);
    assert_suite_passes(&run);
    let env = env_dir(&run, "pytest");
    assert!(
        has_distribution(&env, "greeter"),
        "the project itself: {run}"
    );
    assert_eq!(
        run.check("pytest")["tool"]["pinned_by"],
        "the project's pyproject.toml"
    );
}

/// A uv project: `uv sync` from its `uv.lock`, dev group included.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn uv_project_is_synced_from_its_lock() {
    let project = Project::empty();
    project.write(
        ".gitignore",
        "__pycache__/\n.mypy_cache/\n.ruff_cache/\n.venv/\n",
    );
    project.write(
        "pyproject.toml",
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
         [project]\nname = \"slugs\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"python-slugify>=8\"]\n\n\
         [dependency-groups]\ndev = [\"pytest>=8.3\"]\n",
    );
    project.write("src/slugs/__init__.py", "");
    project.write(
        "src/slugs/core.py",
        "\"\"\"Slugs.\"\"\"\n\nfrom slugify import slugify\n\n\ndef slug(title: str) -> str:\n    \"\"\"The title as a URL slug.\"\"\"\n    return str(slugify(title))\n",
    );
    project.write(
        "tests/test_core.py",
        "from slugs.core import slug\n\n\ndef test_slug() -> None:\n    assert slug(\"Hello World\") == \"hello-world\"\n",
    );
    let lock = std::process::Command::new(common::uv())
        .args(["lock", "--quiet"])
        .current_dir(project.path())
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    project.commit("base");
    let path = common::fresh_path(true);
    let run = provisioned(&project, &path, &[]);
    assert_suite_passes(&run);
    let env = env_dir(&run, "pytest");
    assert!(has_distribution(&env, "python_slugify"), "{run}");
    assert_eq!(
        run.check("pytest")["tool"]["pinned_by"],
        "the project's uv.lock"
    );
    assert!(
        !project.path().join(".venv").exists(),
        "uv sync fills dod's environment, not the project's .venv"
    );
}

/// Tests that import a package nobody declares: the environment lacks it,
/// so `code.suite` is `error` (exit 2) and names the module.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn tests_importing_an_undeclared_package_are_an_environment_error() {
    let project = Project::new();
    project.write(
        "tests/test_mocked.py",
        "import respx\n\n\ndef test_router() -> None:\n    assert respx.mock is not None\n",
    );
    project.commit("a test with a new import");
    let run = project.check(&["--only", "pytest"]);
    assert_eq!(run.code, 2, "{run}");
    assert_eq!(run.item("code.suite")["status"], "error", "{run}");
    let summary = run.check("pytest")["summary"].as_str().unwrap();
    assert!(summary.contains("`respx`"), "{summary}");
    assert!(summary.contains("does not declare"), "{summary}");
    assert!(
        run.findings("pytest").is_empty(),
        "not a failing test: {run}"
    );
}

/// A declared dependency that is not installed where the tests run is
/// named as declared, with the file.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn a_declared_dependency_missing_from_the_environment_says_where_it_is_declared() {
    let project = Project::new();
    project.write("requirements-dev.txt", "respx==0.22.0\n");
    project.write(
        "tests/test_mocked.py",
        "import respx\n\n\ndef test_router() -> None:\n    assert respx.mock is not None\n",
    );
    project.commit("respx");
    let run = project.check(&["--only", "pytest,mypy"]);
    assert_eq!(run.code, 2, "{run}");
    let pytest = run.check("pytest")["summary"].as_str().unwrap();
    assert!(
        pytest.contains("declares `respx` in `requirements-dev.txt`"),
        "{pytest}"
    );
    // mypy's import-not-found on it is the environment's too.
    assert_eq!(run.check("mypy")["status"], "error", "{run}");
    assert!(
        !run.findings("mypy")
            .iter()
            .any(|f| f.ends_with("import-not-found")),
        "{run}"
    );
}

/// Zero tests collected warns, with a hint from the project's config.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn no_tests_collected_warns_with_a_hint_that_fits_the_project() {
    let project = Project::new();
    project.git(&["rm", "-q", "tests/test_calc.py"]);
    project.write(
        "app/tests.py",
        "from app.calc import add\n\n\ndef test_add() -> None:\n    assert add(1, 1) == 2\n",
    );
    project.commit("the suite is tests.py");
    let report = project.out("report.md");
    let run = project.check(&["--only", "pytest", "--report", report.to_str().unwrap()]);
    assert_eq!(run.item("code.suite")["status"], "warn", "{run}");
    let markdown = std::fs::read_to_string(&report).unwrap();
    assert!(
        markdown.contains("- [ ] ⚠️ **Existing test suite passes"),
        "never ticked: {markdown}"
    );
    let fix = run.check("pytest")["findings"][0]["fix"].as_str().unwrap();
    assert!(fix.contains("`app/tests.py`"), "{fix}");
    assert!(fix.contains("python_files"), "{fix}");
}

/// mypy runs over the project with its own `exclude`: a file mypy excludes
/// is never reported, even when the change touches it.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn mypy_never_reports_a_file_its_config_excludes() {
    let project = Project::new();
    project.write("mypy.ini", "[mypy]\nexclude = (?x)(^migrations/)\n");
    project.commit("mypy config");
    project.write("migrations/0001_init.py", "revision: int = \"abc\"\n");
    project.write(
        "app/calc.py",
        &format!(
            "{}\n\ndef twice(a: int) -> int:\n    \"\"\"Double.\"\"\"\n    return a * 2\n",
            common::CALC
        ),
    );
    project.commit("a migration and a function");
    let run = project.check(&["--only", "mypy"]);
    assert_eq!(run.check("mypy")["status"], "pass", "{run}");
    assert_eq!(run.code, 0, "{run}");
}

/// A changed signature that breaks a caller in a file the change did not
/// touch is reported in that file.
#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn a_changed_signature_that_breaks_an_unchanged_caller_is_reported() {
    let project = Project::new();
    project.write(
        "app/report.py",
        "\"\"\"Uses calc.\"\"\"\n\nfrom app.calc import add\n\n\ndef total() -> int:\n    \"\"\"The total.\"\"\"\n    return add(1, 2)\n",
    );
    project.write(
        "app/unrelated.py",
        "\"\"\"An old error nobody touched.\"\"\"\n\nvalue: int = \"old\"\n",
    );
    project.commit("a caller");
    // Both are on the base branch: the change is only calc.py.
    project.git(&["checkout", "-q", "main"]);
    project.git(&["merge", "-q", "--ff-only", "feature"]);
    project.git(&["checkout", "-q", "feature"]);
    project.write(
        "app/calc.py",
        "\"\"\"Arithmetic helpers.\"\"\"\n\n\ndef add(a: str, b: str) -> str:\n    \"\"\"Return the concatenation.\"\"\"\n    return a + b\n",
    );
    project.commit("add takes strings");
    let run = project.check(&["--only", "mypy"]);
    let findings = run.findings("mypy");
    assert!(
        findings.iter().any(|f| f.starts_with("app/report.py:8")),
        "the broken caller: {run}"
    );
    assert!(
        !findings.iter().any(|f| f.starts_with("app/unrelated.py")),
        "a file that imports nothing changed is not reported: {run}"
    );
    assert_eq!(run.code, 1, "{run}");
}

/// The files dod writes are never part of a later change, nor docs.
#[test]
fn own_output_files_are_never_part_of_the_change() {
    let project = Project::new();
    project.write("app/calc.py", &format!("{}\n# a note\n", common::CALC));
    let bare = common::bare_path();
    let args = ["--only", "readme,print-calls", "--no-provision"];
    let first = project.check_with(
        &[
            &args[..],
            &["--report", "dod-report.md", "--sarif", "out/dod.sarif"],
        ]
        .concat(),
        bare.path().to_str().unwrap(),
        &[],
    );
    assert!(project.path().join("dod-report.md").exists(), "{first}");
    // A later run that writes nothing still leaves them out.
    let second = project.check_with(&args, bare.path().to_str().unwrap(), &[]);
    let files: Vec<&str> = second.json()["report"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["app/calc.py"], "{second}");
    assert!(!second.stdout.contains("dod-report.md"), "{second}");
}

/// A base that cannot be found is reported before anything is installed:
/// no environment is built for a run that cannot judge the change.
#[test]
fn a_broken_base_is_reported_before_any_provisioning() {
    let project = Project::new();
    common::done_change(&project);
    project.commit("change");
    let path = common::fresh_path(false);
    let run = project.check_with(
        &["--base", "no-such-branch"],
        path.path().to_str().unwrap(),
        &[],
    );
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stdout.contains("no-such-branch"), "{run}");
    assert!(!run.stderr.contains("managed environment"), "{run}");
    assert!(!project.cache.path().join("envs").exists(), "{run}");
}
