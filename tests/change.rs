//! The change-aware Definition of Done end to end, on real repositories
//! with the real test run: the scenarios that need pytest's results, git's
//! rename detection or the whole Output Report. Every other rule is a
//! fixture case of `tests/fixtures/change/` (no git, no tools).

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

fn run_status(project: &Project, checks: &str, item: &str) -> String {
    let run = only(project, checks);
    run.item(item)["status"].as_str().unwrap().to_owned()
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn changed_code_needs_a_passing_test() {
    let project = service();
    project.write("app/calc.py", &CALC.replace("return a + b", "return b + a"));
    let run = only(&project, "tests-added,pytest");
    // Coverage says which test ran it: only an old one.
    assert_eq!(
        run.findings("tests-added"),
        ["app/calc.py:4 untested-change"],
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
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
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
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
fn rename_only_change_triggers_nothing_but_the_move() {
    let project = service();
    project.git(&["mv", "app/calc.py", "app/arith.py"]);
    project.write(
        "tests/test_calc.py",
        &common::TEST_CALC.replace("app.calc", "app.arith"),
    );
    project.write("TASK.md", "# Task\n\n## E2E scenarios\nNone\n");
    let checks = CHANGE_CHECKS.replace("handoff-breaking,", "");
    let run = project.check(&["--only", &checks]);
    for id in checks.split(',') {
        let status = run.check(id)["status"].as_str().unwrap();
        assert!(matches!(status, "pass" | "skip"), "{id} is {status}: {run}");
    }
    // The module is gone from its old place: `from app.calc import add`
    // breaks, and the finding says where the names went.
    let run = project.check(&["--only", "handoff-breaking"]);
    let messages = run.check("handoff-breaking")["findings"].to_string();
    assert!(
        messages.contains("public module `app.calc` was removed; its names moved to `app.arith`"),
        "{run}"
    );
    project.write(
        "TASK.md",
        "# Task\n\n## E2E scenarios\nNone\n\n## Breaking changes\n`app.calc` is now `app.arith`.\n",
    );
    assert_nothing_triggered(&project);
}

#[test]
#[ignore = "tier 2: needs ruff, mypy, pytest or PyPI"]
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
    // The route itself is run, through Flask's test client.
    project.write(
        "tests/test_routes.py",
        "from flask import Flask\n\nfrom app.routes import uploads\n\n\ndef test_delete_returns_204() -> None:\n    app = Flask(__name__)\n    app.register_blueprint(uploads)\n    assert app.test_client().delete(\"/uploads/7\").status_code == 204\n",
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

/// The model reads unchanged modules: a blueprint mounted with
/// `url_prefix` in a file the change does not touch gives the full path
/// (Flask: the prefix given at registration replaces the blueprint's own).
#[test]
fn endpoints_have_the_prefix_given_in_an_unchanged_module() {
    let project = Project::empty();
    project.write("app/__init__.py", "from flask import Flask\n\nfrom .routes import uploads\n\n\ndef create_app() -> Flask:\n    app = Flask(__name__)\n    app.register_blueprint(uploads, url_prefix=\"/api\")\n    return app\n");
    project.write("app/routes.py", FLASK_APP);
    project.write(
        "docs/api/uploads.md",
        "# Uploads\n\n- `GET /api/<int:upload_id>`\n",
    );
    project.commit("base");
    project.write(
        "app/routes.py",
        &format!("{FLASK_APP}\n\n@uploads.delete(\"/<int:upload_id>\")\ndef delete_upload(upload_id: int) -> tuple[str, int]:\n    return \"\", 204\n"),
    );
    let run = project.check(&["--only", "api-docs", "--no-provision"]);
    assert_eq!(
        run.findings("api-docs"),
        ["app/routes.py:12 undocumented-endpoint"],
        "{run}"
    );
    let message = run.check("api-docs")["findings"][0]["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("`DELETE /api/<int:upload_id>`"),
        "{message}"
    );
}

/// A mount whose prefix changes moves every endpoint of the blueprint,
/// including those declared in an unchanged module that only imports the
/// blueprint (`@uploads.get(...)`): the model reads that module too.
#[test]
fn a_changed_mount_moves_the_views_of_an_unchanged_module() {
    let project = Project::empty();
    let app = |prefix: &str| {
        format!(
            "from flask import Flask\n\nfrom .blueprint import uploads\nfrom . import views\n\n\ndef create_app() -> Flask:\n    app = Flask(__name__)\n    app.register_blueprint(uploads, url_prefix=\"{prefix}\")\n    return app\n"
        )
    };
    project.write("app/__init__.py", &app("/v1"));
    project.write(
        "app/blueprint.py",
        "from flask import Blueprint\n\nuploads = Blueprint(\"uploads\", __name__)\n",
    );
    project.write(
        "app/views.py",
        "from .blueprint import uploads\n\n\n@uploads.get(\"/items\")\ndef items() -> list:\n    return []\n",
    );
    project.write("docs/api/items.md", "# Items\n\n- `GET /v1/items`\n");
    project.commit("base");
    project.write("app/__init__.py", &app("/v2"));
    let run = project.check(&["--only", "api-docs", "--no-provision"]);
    let messages: Vec<String> = run.check("api-docs")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        messages
            .iter()
            .any(|message| message.contains("`GET /v2/items` was added")),
        "{run}"
    );
    assert!(
        messages
            .iter()
            .any(|message| message.contains("`GET /v1/items` was removed")),
        "{run}"
    );
}

/// The Output Report, the JSON report and the checks read one inventory:
/// a change with Django-style `tests.py` (a `TestCase` not named `Test*`)
/// and two new Alembic revisions is listed the same way by all of them.
#[test]
fn the_report_and_the_checks_agree_on_tests_and_migrations() {
    let project = service();
    project.write(
        "app/models.py",
        &MODELS.replace(
            "    key: Mapped[str] = mapped_column(String(512))\n",
            "    key: Mapped[str] = mapped_column(String(512))\n    size: Mapped[int] = mapped_column(Integer, default=0)\n",
        ),
    );
    for (name, revision, down) in [
        ("0001_uploads", "0001", "None"),
        ("0002_size", "0002", "\"0001\""),
    ] {
        project.write(
            &format!("migrations/versions/{name}.py"),
            &format!("revision = \"{revision}\"\ndown_revision = {down}\n\n\ndef upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"),
        );
    }
    project.write(
        "app/tests.py",
        "import unittest\n\nfrom app.calc import add\n\n\nclass UploadSizes(unittest.TestCase):\n    def test_default_size(self) -> None:\n        self.assertEqual(add(0, 0), 0)\n",
    );
    project.write(
        "MIGRATIONS.md",
        "# Migrations\n\n`alembic upgrade head` adds `uploads.size`.\n",
    );
    let report = project.out("report.md");
    let run = project.check(&[
        "--only",
        "tests-added,migration-docs",
        "--no-provision",
        "--report",
        report.to_str().unwrap(),
    ]);
    let json = &run.json()["report"];
    assert_eq!(
        json["test_files"],
        serde_json::json!(["app/tests.py"]),
        "{run}"
    );
    assert_eq!(
        json["migrations"],
        serde_json::json!([
            "migrations/versions/0001_uploads.py",
            "migrations/versions/0002_size.py"
        ]),
        "{run}"
    );
    assert_eq!(
        json["tests_added"][0]["node_id"], "app/tests.py::UploadSizes::test_default_size",
        "{run}"
    );
    // The checks: tests-added saw the test (not run: no pytest), and
    // migration-docs saw the revisions (no missing-migration).
    assert_eq!(run.check("tests-added")["status"], "pass", "{run}");
    assert_eq!(
        run.findings("tests-added"),
        ["app/tests.py:7 test-not-run"],
        "{run}"
    );
    assert_eq!(run.check("migration-docs")["status"], "pass", "{run}");
    assert!(run.findings("migration-docs").is_empty(), "{run}");
    let text = std::fs::read_to_string(report).unwrap();
    assert!(
        text.contains("Test files added or modified: `app/tests.py`."),
        "{text}"
    );
    assert!(
        text.contains("`app/tests.py::UploadSizes::test_default_size`: did not run"),
        "{text}"
    );
    assert!(
        text.contains("Migrations added: `migrations/versions/0001_uploads.py`, `migrations/versions/0002_size.py`."),
        "{text}"
    );
}
