//! Helpers for the end-to-end tests: real git repositories in temp dirs, the
//! real `dod` binary, and the real ruff, mypy and pytest that
//! `scripts/tools-venv.sh` installs into `target/venv`.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub fn tools_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin");
    assert!(
        bin.join("ruff").exists() && bin.join("mypy").exists() && bin.join("pytest").exists(),
        "the end-to-end tests need the pinned tools in target/venv: run scripts/tools-venv.sh"
    );
    bin
}

/// A directory holding only a link to git: a PATH on which no Python tool
/// can be found.
pub fn bare_path() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let git = which("git").expect("git on PATH");
    std::os::unix::fs::symlink(git, dir.path().join("git")).unwrap();
    dir
}

/// A PATH with only git and the real python3 (not a version manager's
/// shim), and uv when asked: as on a fresh machine, so dod provisions.
pub fn fresh_path(with_uv: bool) -> TempDir {
    let bare = bare_path();
    let python3 = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 on PATH");
    let python3 = String::from_utf8(python3.stdout).unwrap();
    std::os::unix::fs::symlink(python3.trim(), bare.path().join("python3")).unwrap();
    if with_uv {
        std::os::unix::fs::symlink(uv(), bare.path().join("uv")).unwrap();
    }
    bare
}

/// The uv `scripts/tools-venv.sh` installs into target/venv.
pub fn uv() -> PathBuf {
    let uv = tools_bin().join("uv");
    assert!(
        uv.exists(),
        "scripts/tools-venv.sh installs uv into target/venv"
    );
    uv
}

pub fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// PATH with the pinned tools first, when `scripts/tools-venv.sh` has
/// installed them. A test that needs them is a tier-2 test (`#[ignore]`
/// with the reason "tier 2: ..."), which `scripts/test.sh` runs after
/// installing them; the others pass without them.
pub fn tools_path() -> String {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin");
    let path = std::env::var("PATH").unwrap_or_default();
    if bin.is_dir() {
        format!("{}:{path}", bin.display())
    } else {
        path
    }
}

pub const CALC: &str = "\"\"\"Arithmetic helpers.\"\"\"\n\n\ndef add(a: int, b: int) -> int:\n    \"\"\"Return the sum.\"\"\"\n    return a + b\n";
pub const TEST_CALC: &str =
    "from app.calc import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n";

/// A done change to the project: a new function with its test.
pub fn done_change(project: &Project) {
    project.write(
        "app/calc.py",
        &format!("{CALC}\n\ndef sub(a: int, b: int) -> int:\n    return a - b\n"),
    );
    project.write(
        "tests/test_sub.py",
        "from app.calc import sub\n\n\ndef test_sub() -> None:\n    assert sub(3, 2) == 1\n",
    );
}

/// A small, clean Python project on `main`, with a `feature` branch checked out.
pub struct Project {
    pub dir: TempDir,
    /// Where outputs go, outside the repository so they are not part of the change.
    pub out: TempDir,
    pub cache: TempDir,
}

impl Project {
    pub fn new() -> Project {
        let project = Project::empty();
        project.write(".gitignore", "__pycache__/\n.mypy_cache/\n.ruff_cache/\n");
        project.write(
            "pyproject.toml",
            "[project]\nname = \"calc\"\nversion = \"0.1.0\"\n\n[tool.pytest.ini_options]\npythonpath = [\".\"]\n",
        );
        project.write("app/__init__.py", "");
        project.write("app/calc.py", CALC);
        project.write("tests/test_calc.py", TEST_CALC);
        project.commit("base");
        project.git(&["checkout", "-q", "-b", "feature"]);
        project
    }

    /// A repository with no commit.
    pub fn empty() -> Project {
        let project = Project {
            dir: tempfile::tempdir().unwrap(),
            out: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        project.git(&["init", "-q", "-b", "main"]);
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args)
    }

    pub fn out(&self, name: &str) -> PathBuf {
        self.out.path().join(name)
    }

    /// Runs `dod check` in the project with the pinned tools on PATH.
    pub fn check(&self, args: &[&str]) -> Run {
        self.check_with(args, &tools_path(), &[])
    }

    pub fn check_with(&self, args: &[&str], path: &str, env: &[(&str, &str)]) -> Run {
        let json = self.out("dod.json");
        let _ = std::fs::remove_file(&json);
        let mut command = dod();
        command
            .current_dir(self.path())
            .arg("check")
            .args(args)
            .arg("--json")
            .arg(&json)
            .env("PATH", path)
            .env("DOD_CACHE_DIR", self.cache.path());
        for (key, value) in env {
            command.env(key, value);
        }
        let run = Run::of(&mut command);
        let json = std::fs::read_to_string(&json)
            .ok()
            .map(|text| serde_json::from_str(&text).unwrap());
        Run { json, ..run }
    }
}

/// Runs `dod hook` with `input` on stdin, as an agent would, with the
/// pinned tools on PATH.
pub fn hook(project: &Project, input: &str) -> Run {
    use std::io::Write as _;
    let mut child = dod()
        .arg("hook")
        .current_dir(project.out.path())
        .env("PATH", tools_path())
        .env("DOD_CACHE_DIR", project.cache.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        json: None,
    }
}

/// The `dod` binary with an environment that nothing outside the test steers.
pub fn dod() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dod"));
    for key in [
        "VIRTUAL_ENV",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_BASE_REF",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA",
        "NO_COLOR",
        "XDG_CACHE_HOME",
    ] {
        command.env_remove(key);
    }
    command
}

pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Dod Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub json: Option<serde_json::Value>,
}

impl Run {
    pub fn of(command: &mut Command) -> Run {
        let output = command.output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            json: None,
        }
    }

    pub fn json(&self) -> &serde_json::Value {
        self.json
            .as_ref()
            .unwrap_or_else(|| panic!("no JSON written\n{self}"))
    }

    pub fn verdict(&self) -> &str {
        self.json()["verdict"].as_str().unwrap()
    }

    pub fn item(&self, id: &str) -> &serde_json::Value {
        self.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == id)
            .unwrap()
    }

    pub fn check(&self, id: &str) -> &serde_json::Value {
        self.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|check| check["id"] == id)
            .unwrap_or_else(|| panic!("no check {id}\n{self}"))
    }

    /// `path:line rule` of every finding of a check.
    pub fn findings(&self, id: &str) -> Vec<String> {
        self.check(id)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| {
                format!(
                    "{}:{} {}",
                    finding["path"].as_str().unwrap_or("-"),
                    finding["line"],
                    finding["rule"].as_str().unwrap()
                )
            })
            .collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}
