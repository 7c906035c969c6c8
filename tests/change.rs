//! The change-aware Definition of Done, one scenario per rule, each on a
//! real repository with a base commit and a change, with the case that
//! passes beside the one that fails.

mod common;

use common::{CALC, Project};

const FLASK_APP: &str = "from flask import Blueprint\n\nuploads = Blueprint(\"uploads\", __name__, url_prefix=\"/uploads\")\n\n\n\
@uploads.get(\"/<int:upload_id>\")\ndef get_upload(upload_id: int) -> dict:\n    return {\"id\": upload_id}\n";

const MODELS: &str = "from sqlalchemy import Integer, String\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n\
class Base(DeclarativeBase):\n    pass\n\n\nclass Upload(Base):\n    __tablename__ = \"uploads\"\n\n    \
id: Mapped[int] = mapped_column(Integer, primary_key=True)\n    key: Mapped[str] = mapped_column(String(512))\n";

/// A project whose base has a Flask blueprint, a model and requirements.
fn service() -> Project {
    let project = Project::empty();
    project.write(".gitignore", "__pycache__/\n.mypy_cache/\n.ruff_cache/\n");
    project.write("pyproject.toml", "[project]\nname = \"svc\"\nversion = \"0.1.0\"\ndependencies = [\"flask>=3\"]\n\n[tool.pytest.ini_options]\npythonpath = [\".\"]\n");
    project.write("requirements.txt", "flask==3.1.3\n");
    project.write("README.md", "# svc\n\nSet `DATABASE_URL`.\n");
    project.write("app/__init__.py", "");
    project.write("app/calc.py", CALC);
    project.write("app/routes.py", FLASK_APP);
    project.write("app/models.py", MODELS);
    project.write("tests/test_calc.py", common::TEST_CALC);
    project.commit("base");
    project.git(&["checkout", "-q", "-b", "feature"]);
    project
}

fn only(project: &Project, only: &str) -> common::Run {
    project.check(&["--only", only])
}

#[test]
fn new_env_var_needs_a_readme_mention() {
    let project = service();
    project.write(
        "app/config.py",
        "import os\n\nBUCKET = os.environ[\"UPLOAD_BUCKET\"]\n",
    );
    let run = only(&project, "readme");
    assert_eq!(run.item("docs.readme")["status"], "fail", "{run}");
    assert_eq!(
        run.findings("readme"),
        ["app/config.py:3 undocumented-env-var"]
    );
    assert!(
        run.check("readme")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`UPLOAD_BUCKET` is not in README")
    );

    project.write(
        "README.md",
        "# svc\n\nSet `DATABASE_URL` and `UPLOAD_BUCKET` (the S3 bucket).\n",
    );
    assert_eq!(run_status(&project, "readme", "docs.readme"), "pass");
}

fn run_status(project: &Project, checks: &str, item: &str) -> String {
    let run = only(project, checks);
    run.item(item)["status"].as_str().unwrap().to_owned()
}

#[test]
fn dependency_added_to_requirements_needs_readme() {
    let project = service();
    project.write("requirements.txt", "flask==3.1.3\nboto3==1.44.8\n");
    let run = only(&project, "readme");
    assert_eq!(
        run.findings("readme"),
        ["requirements.txt:2 readme-not-updated"],
        "{run}"
    );
    project.write(
        "README.md",
        "# svc\n\nSet `DATABASE_URL`. Uploads go to S3 (boto3).\n",
    );
    assert_eq!(run_status(&project, "readme", "docs.readme"), "pass");
}

#[test]
fn dependency_added_to_pyproject_needs_readme() {
    let project = service();
    project.write(
        "pyproject.toml",
        "[project]\nname = \"svc\"\nversion = \"0.1.0\"\ndependencies = [\"flask>=3\", \"celery>=5\"]\n\n[tool.pytest.ini_options]\npythonpath = [\".\"]\n",
    );
    let run = only(&project, "readme");
    assert_eq!(
        run.findings("readme"),
        ["pyproject.toml:4 readme-not-updated"],
        "{run}"
    );
    assert!(
        run.check("readme")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("dependencies in `pyproject.toml` changed")
    );
}

#[test]
fn flask_route_added_needs_api_docs() {
    let project = service();
    project.write(
        "app/routes.py",
        &format!("{FLASK_APP}\n\n@uploads.delete(\"/<int:upload_id>\")\ndef delete_upload(upload_id: int) -> tuple[str, int]:\n    return \"\", 204\n"),
    );
    let run = only(&project, "api-docs");
    assert_eq!(run.item("docs.api")["status"], "fail", "{run}");
    assert_eq!(
        run.findings("api-docs"),
        ["app/routes.py:12 undocumented-endpoint"]
    );
    let message = run.check("api-docs")["findings"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        message,
        "endpoint `DELETE /uploads/<int:upload_id>` was added but the API docs do not describe it"
    );

    project.write(
        "docs/api/uploads.md",
        "# Uploads\n\n## DELETE /uploads/{upload_id}\n\nDeletes the upload.\n",
    );
    assert_eq!(run_status(&project, "api-docs", "docs.api"), "pass");
}

#[test]
fn fastapi_route_with_a_docstring_documents_itself() {
    let project = service();
    project.write(
        "app/api.py",
        "from fastapi import APIRouter\n\nrouter = APIRouter(prefix=\"/items\")\n\n\n@router.get(\"/{item_id}\")\n\
         def read_item(item_id: int) -> dict:\n    \"\"\"Return one item.\"\"\"\n    return {\"id\": item_id}\n\n\n\
         @router.post(\"\")\ndef create_item() -> dict:\n    return {}\n",
    );
    let run = only(&project, "api-docs");
    // The documented GET passes; the POST without a docstring does not.
    assert_eq!(
        run.findings("api-docs"),
        ["app/api.py:13 undocumented-endpoint"],
        "{run}"
    );
    assert!(
        run.check("api-docs")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`POST /items`")
    );
}

#[test]
fn removed_route_is_breaking_and_needs_docs() {
    let project = service();
    project.write("app/routes.py", "from flask import Blueprint\n\nuploads = Blueprint(\"uploads\", __name__, url_prefix=\"/uploads\")\n");
    let run = only(&project, "api-docs,handoff-breaking");
    assert_eq!(
        run.findings("api-docs"),
        ["app/routes.py:null removed-endpoint-not-documented"]
    );
    assert!(
        run.findings("handoff-breaking")
            .contains(&"app/routes.py:6 unflagged-breaking-change".to_owned()),
        "{run}"
    );
    let messages = run.check("handoff-breaking")["findings"].to_string();
    assert!(
        messages.contains("endpoint `GET /uploads/<int:upload_id>` was removed"),
        "{messages}"
    );
    assert_eq!(run.item("handoff.breaking")["status"], "fail");
}

#[test]
fn model_column_needs_a_migration_and_docs() {
    let project = service();
    let with_column = format!("{MODELS}    checksum: Mapped[str] = mapped_column(String(64))\n");
    project.write("app/models.py", &with_column);
    let run = only(&project, "migration-docs");
    assert_eq!(
        run.findings("migration-docs"),
        [
            "app/models.py:9 migration-not-documented",
            "app/models.py:9 missing-migration"
        ],
        "{run}"
    );
    assert!(
        run.check("migration-docs")["findings"][1]["message"]
            .as_str()
            .unwrap()
            .contains("model `Upload` changed but no migration was added")
    );

    project.write(
        "migrations/versions/1a2b3c4d5e6f_add_checksum.py",
        "\"\"\"add checksum\"\"\"\n\nrevision = \"1a2b3c4d5e6f\"\ndown_revision = None\n",
    );
    let run = only(&project, "migration-docs");
    assert_eq!(
        run.findings("migration-docs"),
        ["migrations/versions/1a2b3c4d5e6f_add_checksum.py:null migration-not-documented"],
        "{run}"
    );

    project.write(
        "MIGRATIONS.md",
        "# Migrations\n\n## add checksum\n\nRun `alembic upgrade head` before deploying.\n",
    );
    assert_eq!(
        run_status(&project, "migration-docs", "docs.migrations"),
        "pass"
    );
}

#[test]
fn changed_code_needs_a_passing_test() {
    let project = service();
    project.write("app/calc.py", &CALC.replace("return a + b", "return b + a"));
    let run = only(&project, "tests-added,pytest");
    assert_eq!(
        run.findings("tests-added"),
        ["app/calc.py:4 no-tests"],
        "{run}"
    );
    assert_eq!(run.item("code.tests-added")["status"], "fail");

    project.write("tests/test_more.py", "from app.calc import add\n\n\ndef test_add_commutes() -> None:\n    assert add(1, 2) == 4\n");
    let run = only(&project, "tests-added,pytest");
    assert_eq!(
        run.findings("tests-added"),
        ["tests/test_more.py:4 test-failed"],
        "{run}"
    );

    project.write("tests/test_more.py", "from app.calc import add\n\n\ndef test_add_commutes() -> None:\n    assert add(1, 2) == add(2, 1)\n");
    let run = only(&project, "tests-added,pytest");
    assert_eq!(run.item("code.tests-added")["status"], "pass", "{run}");
    let added = &run.json()["report"]["tests_added"];
    assert_eq!(
        added,
        &serde_json::json!([{"node_id": "tests/test_more.py::test_add_commutes", "outcome": "passed"}])
    );
    let report = project.out("report.md");
    project.check(&[
        "--only",
        "tests-added,pytest",
        "--report",
        report.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(report).unwrap();
    assert!(
        text.contains("- `tests/test_more.py::test_add_commutes`: passed"),
        "{text}"
    );
}

const TASK: &str = "# Task: uploads\n\n## Acceptance criteria\n\
- [x] Adding works (tests: tests/test_calc.py::test_add)\n\
- [ ] Subtracting works\n\
- [x] Multiplying works (tests: tests/test_calc.py::test_mul)\n\n\
## E2E scenarios\nNone\n";

#[test]
fn acceptance_criteria_checked_and_their_tests_pass() {
    let project = service();
    project.write("TASK.md", TASK);
    let run = only(&project, "acceptance-criteria,pytest");
    assert_eq!(
        run.findings("acceptance-criteria"),
        ["TASK.md:5 unchecked-criterion", "TASK.md:6 unknown-test"],
        "{run}"
    );
    assert_eq!(run.item("code.acceptance")["status"], "fail");

    project.write(
        "tests/test_calc.py",
        &format!(
            "{}\n\ndef test_mul() -> None:\n    assert 2 * 3 == 7\n",
            common::TEST_CALC
        ),
    );
    let run = only(&project, "acceptance-criteria,pytest");
    assert_eq!(
        run.findings("acceptance-criteria"),
        ["TASK.md:5 unchecked-criterion", "TASK.md:6 test-failed"],
        "{run}"
    );

    project.write(
        "tests/test_calc.py",
        &format!(
            "{}\n\ndef test_mul() -> None:\n    assert 2 * 3 == 6\n",
            common::TEST_CALC
        ),
    );
    project.write(
        "TASK.md",
        &TASK.replace("- [ ] Subtracting", "- [x] Subtracting"),
    );
    assert_eq!(
        run_status(&project, "acceptance-criteria,pytest", "code.acceptance"),
        "pass"
    );
}

#[test]
fn removed_public_function_needs_a_breaking_changes_section() {
    let project = service();
    project.write("app/calc.py", "\"\"\"Arithmetic helpers.\"\"\"\n");
    project.write("TASK.md", "# Task\n\n## Breaking changes\nNone\n");
    let run = only(&project, "handoff-breaking");
    assert_eq!(
        run.findings("handoff-breaking"),
        ["app/calc.py:4 unflagged-breaking-change"],
        "{run}"
    );
    assert!(
        run.check("handoff-breaking")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("public `add` was removed or renamed")
    );

    project.write(
        "TASK.md",
        "# Task\n\n## Breaking changes\n`add` is gone: callers use `operator.add`.\n",
    );
    assert_eq!(
        run_status(&project, "handoff-breaking", "handoff.breaking"),
        "pass"
    );
}

#[test]
fn new_required_parameter_is_breaking() {
    let project = service();
    project.write(
        "app/calc.py",
        &CALC.replace("def add(a: int, b: int)", "def add(a: int, b: int, c: int)"),
    );
    let run = only(&project, "handoff-breaking");
    let message = run.check("handoff-breaking")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        message, "public `add` changed its signature: new required parameter `c`",
        "{run}"
    );
}

#[test]
fn touched_scenario_must_be_listed() {
    let project = service();
    project.write(
        "dod.toml",
        "[scenarios]\nupload = [\"app/routes.py\"]\nbilling = [\"app/billing/**\"]\n",
    );
    project.write("TASK.md", "# Task\n\n## E2E scenarios\nNone\n");
    project.write(
        "app/routes.py",
        &FLASK_APP.replace(
            "return {\"id\": upload_id}",
            "return {\"id\": upload_id, \"ok\": True}",
        ),
    );
    let run = only(&project, "handoff-e2e");
    assert_eq!(
        run.findings("handoff-e2e"),
        ["TASK.md:3 scenario-not-listed"],
        "{run}"
    );
    assert!(
        run.check("handoff-e2e")["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`upload`")
    );

    project.write(
        "TASK.md",
        "# Task\n\n## E2E scenarios\n- Upload: a file round-trips through S3\n",
    );
    assert_eq!(run_status(&project, "handoff-e2e", "handoff.e2e"), "pass");
}

#[test]
fn dependency_task_must_be_done() {
    let project = service();
    project.write("tasks/0001-auth.md", "# Auth\n\nStatus: in progress\n");
    project.write(
        "TASK.md",
        "# Task\n\n## Depends on\n- tasks/0001-auth.md\n- tasks/0002-missing.md\n",
    );
    let run = only(&project, "handoff-dependencies");
    assert_eq!(
        run.findings("handoff-dependencies"),
        [
            "TASK.md:4 dependency-not-done",
            "TASK.md:5 dependency-missing"
        ],
        "{run}"
    );

    project.write("tasks/0001-auth.md", "# Auth\n\nStatus: done\n");
    project.write("TASK.md", "# Task\n\n## Depends on\n- tasks/0001-auth.md\n");
    assert_eq!(
        run_status(&project, "handoff-dependencies", "handoff.dependencies"),
        "pass"
    );
}

#[test]
fn complex_uncommented_function_warns_but_does_not_block() {
    let project = service();
    let branches: String = (0..10)
        .map(|n| format!("    if x == {n}:\n        return {n}\n"))
        .collect();
    project.write(
        "app/route.py",
        &format!("def route(x: int) -> int:\n{branches}    return -1\n"),
    );
    let run = only(&project, "comments");
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.verdict(), "done");
    assert_eq!(run.item("docs.comments")["status"], "warn");
    assert_eq!(
        run.findings("comments"),
        ["app/route.py:1 uncommented-complex-function"]
    );

    project.write("app/route.py", &format!("def route(x: int) -> int:\n    # Small ints map to themselves.\n{branches}    return -1\n"));
    assert_eq!(run_status(&project, "comments", "docs.comments"), "pass");
}

const CHANGE_CHECKS: &str =
    "readme,api-docs,migration-docs,tests-added,handoff-breaking,handoff-e2e,comments,pytest";

/// A change that should trigger nothing: every change check passes.
fn assert_nothing_triggered(project: &Project) {
    let run = project.check(&["--only", CHANGE_CHECKS]);
    for id in CHANGE_CHECKS.split(',') {
        let status = run.check(id)["status"].as_str().unwrap();
        assert!(matches!(status, "pass" | "skip"), "{id} is {status}: {run}");
    }
}

#[test]
fn rename_only_change_triggers_nothing() {
    let project = service();
    project.git(&["mv", "app/calc.py", "app/arith.py"]);
    project.write(
        "tests/test_calc.py",
        &common::TEST_CALC.replace("app.calc", "app.arith"),
    );
    project.write("TASK.md", "# Task\n\n## E2E scenarios\nNone\n");
    assert_nothing_triggered(&project);
}

#[test]
fn comment_and_formatting_edits_trigger_nothing() {
    let project = service();
    project.write("TASK.md", "# Task\n\n## E2E scenarios\nNone\n");
    project.write(
        "app/calc.py",
        &CALC.replace(
            "return a + b",
            "# The sum, as documented.\n    return (a\n            + b)",
        ),
    );
    project.write(
        "app/routes.py",
        &FLASK_APP.replace(
            "def get_upload(upload_id: int)",
            "def get_upload(upload_id:int)",
        ),
    );
    assert_nothing_triggered(&project);
}

#[test]
fn test_only_and_docs_only_changes_trigger_nothing() {
    let project = service();
    project.write("TASK.md", "# Task\n\n## E2E scenarios\nNone\n");
    project.write(
        "tests/test_calc.py",
        &format!(
            "{}\n\ndef test_add_zero() -> None:\n    assert add(0, 0) == 0\n",
            common::TEST_CALC
        ),
    );
    project.write("docs/guide.md", "# Guide\n\nHow to add numbers.\n");
    assert_nothing_triggered(&project);
}

#[test]
fn output_report_for_a_worked_change() {
    let project = service();
    project.write(
        "TASK.md",
        "# Task: delete uploads\n\nStatus: in progress\n\n## Acceptance criteria\n\
         - [x] `DELETE /uploads/<id>` returns 204 (tests: tests/test_routes.py::test_delete_returns_204)\n\n\
         ## Decisions\nDeletion is immediate; the S3 object is removed by a lifecycle rule.\n\n\
         ## E2E scenarios\n- upload: delete after upload\n\n## Breaking changes\nNone\n\n\
         ## Concerns\nNo soft delete yet: a deleted upload cannot be restored.\n",
    );
    project.write(
        "app/routes.py",
        &format!(
            "{FLASK_APP}\n\n@uploads.delete(\"/<int:upload_id>\")\ndef delete_upload(upload_id: int) -> tuple[str, int]:\n    return deleted()\n"
        )
        .replace("from flask import Blueprint\n", "from flask import Blueprint\n\nfrom app.status import deleted\n"),
    );
    project.write("app/status.py", "def deleted() -> tuple[str, int]:\n    \"\"\"The response to a successful DELETE.\"\"\"\n    return \"\", 204\n");
    project.write(
        "tests/test_routes.py",
        "from app.status import deleted\n\n\ndef test_delete_returns_204() -> None:\n    assert deleted() == (\"\", 204)\n",
    );
    project.write(
        "docs/api/uploads.md",
        "# Uploads API\n\n## DELETE /uploads/{upload_id}\n\nDeletes an upload: 204.\n",
    );
    let report = project.out("report.md");
    let checks = "acceptance-criteria,api-docs,comments,handoff-breaking,handoff-dependencies,handoff-e2e,migration-docs,readme,tests-added,pytest,print-calls,type-hints,hardcoded-secrets";
    let run = project.check(&["--only", checks, "--report", report.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run}");
    let text = std::fs::read_to_string(report).unwrap();
    insta::with_settings!({filters => vec![
        (r"\([0-9a-f]{10}, from", "(COMMIT, from"),
        (r"\d+\.\d\ds \|", "[TIME] |"),
        (r"\(\d+\.\ds\)", "([TIME])"),
    ]}, {
        insta::assert_snapshot!(text);
    });
}
