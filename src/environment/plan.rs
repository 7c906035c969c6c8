//! What the managed environment installs for a project, read from the
//! files that declare its dependencies: requirements files (pip reads their
//! `-r` and `-c` lines itself), PEP 621 dependencies with a dev/test extra,
//! PEP 735 dev/test groups, Poetry's main and dev/test groups, `uv.lock`
//! (installed with `uv sync`), and the project itself, editable, when it has
//! a build system. A tool the project declares is installed at the
//! project's version; the others at dod's pins.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::dependencies::requirement_name;

/// The extras and groups that a developer of the project installs to run
/// its tests and checks.
const DEVELOPMENT_GROUPS: [&str; 7] =
    ["dev", "test", "tests", "testing", "lint", "typing", "types"];

/// A tool a command check runs, with dod's pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolPin {
    /// The program (`ruff`).
    pub tool: String,
    /// dod's requirement (`ruff==0.17.6`).
    pub requirement: String,
}

/// Where a tool in the environment comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedBy {
    /// dod's pin, from `checks/*.toml` or the project's `[checks.*] package`.
    Dod(String),
    /// The project declares it, in this file.
    Project(String),
}

impl PinnedBy {
    pub fn describe(&self) -> String {
        match self {
            PinnedBy::Dod(requirement) => format!("dod's pin {requirement}"),
            PinnedBy::Project(file) => format!("the project's {file}"),
        }
    }
}

/// Everything the managed environment installs, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// `uv sync` from `uv.lock` (only when uv installs).
    pub uv_lock: bool,
    /// Requirements files, absolute, installed with `-r`.
    pub requirement_files: Vec<PathBuf>,
    /// PEP 508 requirements read from pyproject (groups, Poetry, the
    /// dependencies of a project without a build system).
    pub requirements: Vec<String>,
    /// `-e .[extras]`: the project has a build system.
    pub editable: Option<Vec<String>>,
    /// dod's pins for the tools the project does not declare.
    pub tools: Vec<ToolPin>,
    /// Every tool with where its version comes from.
    pub pinned_by: BTreeMap<String, PinnedBy>,
    /// The text every input was read from, for the stamp.
    inputs: String,
}

/// What the project declares, read once.
struct Declared {
    /// Project name (normalised) → the file that declares it.
    names: BTreeMap<String, String>,
    requirement_files: Vec<PathBuf>,
    requirements: Vec<String>,
    editable: Option<Vec<String>>,
    uv_lock: bool,
    inputs: String,
}

impl Plan {
    /// The plan for `root`, with dod's pins for `tools`. `uv` says whether
    /// uv installs (only uv reads `uv.lock`).
    pub fn new(root: &Path, tools: &[ToolPin], uv: bool) -> Plan {
        let declared = declared(root, uv);
        let mut plan = Plan {
            uv_lock: declared.uv_lock,
            requirement_files: declared.requirement_files,
            requirements: declared.requirements,
            editable: declared.editable,
            inputs: declared.inputs,
            ..Plan::default()
        };
        for pin in tools {
            let name = requirement_name(&pin.requirement).unwrap_or_else(|| pin.tool.clone());
            let by = match declared.names.get(&name) {
                Some(file) => PinnedBy::Project(file.clone()),
                None => {
                    if !plan.tools.contains(pin) {
                        plan.tools.push(pin.clone());
                    }
                    PinnedBy::Dod(pin.requirement.clone())
                }
            };
            plan.pinned_by.insert(pin.tool.clone(), by);
        }
        plan.tools.sort_by(|a, b| a.requirement.cmp(&b.requirement));
        plan
    }

    /// A stable stamp over everything that shapes the environment: when it
    /// changes, the environment is updated in place.
    pub fn stamp(&self) -> String {
        let mut text = self.inputs.clone();
        let _ = writeln!(text, "uv.lock {}", self.uv_lock);
        for file in &self.requirement_files {
            let _ = writeln!(text, "-r {}", file.display());
        }
        for requirement in &self.requirements {
            let _ = writeln!(text, "req {requirement}");
        }
        if let Some(extras) = &self.editable {
            let _ = writeln!(text, "-e .[{}]", extras.join(","));
        }
        for tool in &self.tools {
            let _ = writeln!(text, "tool {}", tool.requirement);
        }
        format!("{:016x}", super::fnv1a(text.as_bytes()))
    }

    /// What is installed, in words: `ruff==0.17.6, requirements-dev.txt, the project (editable)`.
    pub fn describe(&self, root: &Path) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.uv_lock {
            parts.push("uv.lock".to_owned());
        }
        parts.extend(
            self.requirement_files
                .iter()
                .map(|file| crate::python::relative_path(file, root)),
        );
        if !self.requirements.is_empty() {
            parts.push(format!(
                "{} declared requirement{}",
                self.requirements.len(),
                if self.requirements.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        if self.editable.is_some() {
            parts.push("the project (editable)".to_owned());
        }
        parts.extend(self.tools.iter().map(|tool| tool.requirement.clone()));
        parts.join(", ")
    }
}

fn declared(root: &Path, uv: bool) -> Declared {
    let mut found = Declared {
        names: BTreeMap::new(),
        requirement_files: Vec::new(),
        requirements: Vec::new(),
        editable: None,
        uv_lock: false,
        inputs: String::new(),
    };
    let pyproject = std::fs::read_to_string(root.join("pyproject.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .unwrap_or_default();
    let get = |path: &[&str]| -> Option<&toml::Value> {
        let mut value = pyproject.get(path[0])?;
        for key in &path[1..] {
            value = value.get(key)?;
        }
        Some(value)
    };
    // What of pyproject shapes the environment (not its tool settings).
    for key in ["project", "build-system", "dependency-groups"] {
        if let Some(value) = pyproject.get(key) {
            let _ = writeln!(found.inputs, "[{key}] {value}");
        }
    }
    if let Some(poetry) = get(&["tool", "poetry"]) {
        for key in ["dependencies", "dev-dependencies", "group", "package-mode"] {
            if let Some(value) = poetry.get(key) {
                let _ = writeln!(found.inputs, "[tool.poetry.{key}] {value}");
            }
        }
    }
    for name in ["setup.py", "setup.cfg"] {
        if let Ok(text) = std::fs::read_to_string(root.join(name)) {
            let _ = writeln!(found.inputs, "{name}\n{text}");
        }
    }

    let project_deps = strings(get(&["project", "dependencies"]));
    let extras: Vec<String> = get(&["project", "optional-dependencies"])
        .and_then(toml::Value::as_table)
        .map(|table| {
            table
                .keys()
                .filter(|name| DEVELOPMENT_GROUPS.contains(&name.to_ascii_lowercase().as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let groups = dependency_groups(get(&["dependency-groups"]));
    let note = |names: &mut BTreeMap<String, String>, requirement: &str, file: &str| {
        if let Some(name) = requirement_name(requirement) {
            names.entry(name).or_insert_with(|| file.to_owned());
        }
    };

    // uv.lock: `uv sync` installs the project, its dependencies and its
    // default (dev) group from the lock.
    if uv && root.join("uv.lock").is_file() {
        found.uv_lock = true;
        if let Ok(text) = std::fs::read_to_string(root.join("uv.lock")) {
            let _ = writeln!(found.inputs, "uv.lock\n{text}");
        }
        for requirement in project_deps.iter().chain(groups.iter().map(|(_, r)| r)) {
            note(&mut found.names, requirement, "uv.lock");
        }
        return found;
    }

    for file in requirement_files(root) {
        let relative = crate::python::relative_path(&file, root);
        if let Ok(text) = std::fs::read_to_string(&file) {
            let _ = writeln!(found.inputs, "{relative}\n{text}");
            for line in text.lines() {
                let requirement = line.split(" #").next().unwrap_or_default();
                note(&mut found.names, requirement, &relative);
                // `-r other.txt`: what it declares is declared here too.
                if let Some(included) = line.trim().strip_prefix("-r").map(str::trim)
                    && let Ok(text) =
                        std::fs::read_to_string(file.parent().unwrap_or(root).join(included))
                {
                    for line in text.lines() {
                        note(
                            &mut found.names,
                            line.split(" #").next().unwrap_or_default(),
                            &relative,
                        );
                    }
                }
            }
        }
        found.requirement_files.push(file);
    }

    let poetry_package =
        get(&["tool", "poetry", "package-mode"]).and_then(toml::Value::as_bool) != Some(false);
    let builds = (pyproject.contains_key("build-system")
        && (poetry_package || get(&["tool", "poetry"]).is_none()))
        || root.join("setup.py").is_file();
    if builds {
        found.editable = Some(extras.clone());
    } else {
        found.requirements.extend(project_deps.iter().cloned());
        for extra in &extras {
            found
                .requirements
                .extend(strings(get(&["project", "optional-dependencies", extra])));
        }
    }
    for requirement in &project_deps {
        note(&mut found.names, requirement, "pyproject.toml");
    }
    for extra in &extras {
        for requirement in strings(get(&["project", "optional-dependencies", extra])) {
            note(&mut found.names, &requirement, "pyproject.toml");
        }
    }
    for (_, requirement) in &groups {
        note(&mut found.names, requirement, "pyproject.toml");
        found.requirements.push(requirement.clone());
    }

    // Poetry: the main group unless the build installs it, and the
    // development groups.
    let mut poetry: Vec<String> = Vec::new();
    if !builds {
        poetry.extend(poetry_table(get(&["tool", "poetry", "dependencies"])));
    }
    poetry.extend(poetry_table(get(&["tool", "poetry", "dev-dependencies"])));
    for (name, group) in get(&["tool", "poetry", "group"])
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        if DEVELOPMENT_GROUPS.contains(&name.to_ascii_lowercase().as_str()) {
            poetry.extend(poetry_table(group.get("dependencies")));
        }
    }
    for requirement in poetry_table(get(&["tool", "poetry", "dependencies"])) {
        note(&mut found.names, &requirement, "pyproject.toml");
    }
    for requirement in &poetry {
        note(&mut found.names, requirement, "pyproject.toml");
    }
    found.requirements.extend(poetry);
    found.requirements.dedup();
    found
}

/// The requirements files a test run needs, sorted: the runtime ones
/// (`requirements.txt`, `requirements/base.txt`, ...), the test ones and
/// the typing/lint ones; the general dev file only when there is no test
/// file (it often pins docs and release tools too). Variants for other
/// runs (`tests-min.txt`, `tests-dev.txt` from git heads, `docs.txt`,
/// `build.txt`) are left out: installed together they conflict.
fn requirement_files(root: &Path) -> Vec<PathBuf> {
    const RUNTIME: [&str; 7] = [
        "",
        "base",
        "common",
        "main",
        "prod",
        "production",
        "requirements",
    ];
    const TESTS: [&str; 3] = ["test", "tests", "testing"];
    const CHECKS: [&str; 4] = ["typing", "types", "lint", "mypy"];
    const DEV: [&str; 3] = ["dev", "devel", "development"];
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    let is_txt = |path: &Path| path.extension().is_some_and(|ext| ext == "txt");
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // `requirements-dev.txt`, `requirements_test.txt`, `dev-requirements.txt`.
        let stem = name.trim_end_matches(".txt");
        let kind = if let Some(rest) = stem.strip_prefix("requirements") {
            rest.trim_start_matches(['-', '_', '.'])
        } else if let Some(rest) = stem.strip_suffix("requirements") {
            rest.trim_end_matches(['-', '_', '.'])
        } else {
            continue;
        };
        if is_txt(&path) && path.is_file() {
            candidates.push((path.clone(), kind.to_ascii_lowercase()));
        }
    }
    for entry in std::fs::read_dir(root.join("requirements"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if is_txt(&path) && path.is_file() {
            let stem = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            candidates.push((path, stem));
        }
    }
    let of = |kinds: &[&str]| -> Vec<PathBuf> {
        candidates
            .iter()
            .filter(|(_, kind)| kinds.contains(&kind.as_str()))
            .map(|(path, _)| path.clone())
            .collect()
    };
    let mut files = of(&RUNTIME);
    let tests = of(&TESTS);
    if tests.is_empty() {
        files.extend(of(&DEV));
    }
    files.extend(tests);
    files.extend(of(&CHECKS));
    files.sort();
    files.dedup();
    files
}

/// A TOML list of requirement strings.
fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .map(|array| {
            array
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// PEP 735: the dev/test groups' requirements, with `include-group` followed.
fn dependency_groups(value: Option<&toml::Value>) -> Vec<(String, String)> {
    let Some(table) = value.and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    fn expand(table: &toml::Table, name: &str, depth: usize, found: &mut Vec<(String, String)>) {
        if depth > 8 {
            return;
        }
        for item in table
            .get(name)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(requirement) = item.as_str() {
                found.push((name.to_owned(), requirement.to_owned()));
            } else if let Some(included) = item.get("include-group").and_then(toml::Value::as_str) {
                expand(table, included, depth + 1, found);
            }
        }
    }
    let mut found = Vec::new();
    for name in table.keys() {
        if DEVELOPMENT_GROUPS.contains(&name.to_ascii_lowercase().as_str()) {
            expand(table, name, 0, &mut found);
        }
    }
    found
}

/// A Poetry dependency table as PEP 508 requirements: `^1.2` is
/// `>=1.2,<2.0`, `~1.2` is `>=1.2,<1.3`; optional entries (extras) and
/// `python` are left out.
fn poetry_table(value: Option<&toml::Value>) -> Vec<String> {
    let mut found = Vec::new();
    for (name, spec) in value.and_then(toml::Value::as_table).into_iter().flatten() {
        if name == "python" {
            continue;
        }
        let requirement = match spec {
            toml::Value::String(version) => format!("{name}{}", poetry_version(version)),
            toml::Value::Table(table) => {
                if table.get("optional").and_then(toml::Value::as_bool) == Some(true) {
                    continue;
                }
                let extras = strings(table.get("extras"));
                let extras = if extras.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", extras.join(","))
                };
                if let Some(git) = table.get("git").and_then(toml::Value::as_str) {
                    let rev = ["rev", "tag", "branch"]
                        .iter()
                        .find_map(|key| table.get(*key).and_then(toml::Value::as_str))
                        .map(|rev| format!("@{rev}"))
                        .unwrap_or_default();
                    format!("{name}{extras} @ git+{git}{rev}")
                } else if table.contains_key("path") || table.contains_key("url") {
                    // A local or direct package: not something to fetch by name.
                    continue;
                } else {
                    let version = table
                        .get("version")
                        .and_then(toml::Value::as_str)
                        .unwrap_or("*");
                    format!("{name}{extras}{}", poetry_version(version))
                }
            }
            // Several constraints by marker: the name alone.
            _ => name.clone(),
        };
        found.push(requirement);
    }
    found
}

/// A Poetry version constraint in PEP 440 words.
fn poetry_version(constraint: &str) -> String {
    let constraint = constraint.trim();
    if constraint.is_empty() || constraint == "*" || constraint.contains("||") {
        return String::new();
    }
    let bound = |version: &str, caret: bool| -> String {
        let parts: Vec<u64> = version
            .split('.')
            .map_while(|part| part.parse().ok())
            .collect();
        if parts.is_empty() {
            return String::new();
        }
        let upper = if caret {
            // The first non-zero part is bumped (`^0.2.3` < 0.3.0).
            let at = parts
                .iter()
                .position(|part| *part != 0)
                .unwrap_or(parts.len() - 1);
            bump(&parts, at)
        } else if parts.len() == 1 {
            bump(&parts, 0)
        } else {
            bump(&parts, 1)
        };
        format!(">={version},<{upper}")
    };
    constraint
        .split(',')
        .map(str::trim)
        .map(|part| {
            if let Some(version) = part.strip_prefix('^') {
                bound(version.trim(), true)
            } else if let Some(version) = part.strip_prefix("~=") {
                format!("~={}", version.trim())
            } else if let Some(version) = part.strip_prefix('~') {
                bound(version.trim(), false)
            } else if part.starts_with(|c: char| c.is_ascii_digit()) {
                format!("=={part}")
            } else {
                part.replace(' ', "")
            }
        })
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// The version with part `at` raised by one and the later parts dropped to 0.
fn bump(parts: &[u64], at: usize) -> String {
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| match index.cmp(&at) {
            std::cmp::Ordering::Less => part.to_string(),
            std::cmp::Ordering::Equal => (part + 1).to_string(),
            std::cmp::Ordering::Greater => "0".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins() -> Vec<ToolPin> {
        ["ruff==0.17.6", "mypy==2.4.1", "pytest==9.2.0"]
            .iter()
            .map(|requirement| ToolPin {
                tool: requirement.split("==").next().unwrap().to_owned(),
                requirement: (*requirement).to_owned(),
            })
            .collect()
    }

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        dir
    }

    #[test]
    fn poetry_constraints_become_pep_440() {
        assert_eq!(poetry_version("^1.2.3"), ">=1.2.3,<2.0.0");
        assert_eq!(poetry_version("^0.110"), ">=0.110,<0.111");
        assert_eq!(poetry_version("^0.0.3"), ">=0.0.3,<0.0.4");
        assert_eq!(poetry_version("~1.2.3"), ">=1.2.3,<1.3.0");
        assert_eq!(poetry_version("~1"), ">=1,<2");
        assert_eq!(poetry_version("1.2.3"), "==1.2.3");
        assert_eq!(poetry_version(">= 2.0, < 3"), ">=2.0,<3");
        assert_eq!(poetry_version("*"), "");
        assert_eq!(poetry_version("^1 || ^2"), "");
    }

    #[test]
    fn a_poetry_service_installs_main_and_dev_groups_and_its_pytest() {
        let dir = project(&[(
            "pyproject.toml",
            "[tool.poetry]\nname='svc'\npackage-mode=false\n\
             [tool.poetry.dependencies]\npython='^3.11'\nfastapi='^0.115.0'\nuvicorn={version='^0.30', extras=['standard']}\nredis={version='^5', optional=true}\n\
             [tool.poetry.group.dev.dependencies]\npytest='8.2.0'\nhttpx='*'\n\
             [tool.poetry.group.docs.dependencies]\nmkdocs='*'\n",
        )]);
        let plan = Plan::new(dir.path(), &pins(), true);
        assert_eq!(plan.editable, None, "package-mode = false builds nothing");
        assert_eq!(
            plan.requirements,
            [
                "fastapi>=0.115.0,<0.116.0",
                "uvicorn[standard]>=0.30,<0.31",
                "httpx",
                "pytest==8.2.0"
            ]
        );
        assert_eq!(
            plan.pinned_by["pytest"],
            PinnedBy::Project("pyproject.toml".into())
        );
        let tools: Vec<&str> = plan.tools.iter().map(|t| t.requirement.as_str()).collect();
        assert_eq!(tools, ["mypy==2.4.1", "ruff==0.17.6"]);
    }

    #[test]
    fn a_pep_621_package_is_installed_editable_with_its_test_extra_and_groups() {
        let dir = project(&[(
            "pyproject.toml",
            "[build-system]\nrequires=['hatchling']\nbuild-backend='hatchling.build'\n\
             [project]\nname='pkg'\nversion='1'\ndependencies=['flask>=3']\n\
             [project.optional-dependencies]\ntest=['pytest-mock']\npostgres=['psycopg']\n\
             [dependency-groups]\ntyping=['types-requests']\ndev=[{include-group='typing'}, 'ruff==0.8.4']\n",
        )]);
        let plan = Plan::new(dir.path(), &pins(), true);
        assert_eq!(plan.editable, Some(vec!["test".to_owned()]));
        assert!(plan.requirements.contains(&"ruff==0.8.4".to_owned()));
        assert!(plan.requirements.contains(&"types-requests".to_owned()));
        assert!(!plan.requirements.iter().any(|r| r.starts_with("flask")));
        assert_eq!(
            plan.pinned_by["ruff"],
            PinnedBy::Project("pyproject.toml".into())
        );
    }

    #[test]
    fn requirements_files_are_installed_and_name_the_tools_they_pin() {
        let dir = project(&[
            ("requirements.txt", "flask==3.1.3\n"),
            (
                "requirements-dev.txt",
                "-r requirements.txt\npytest==7.4.4  # tests\n",
            ),
            ("requirements-docs.txt", "sphinx\n"),
        ]);
        let plan = Plan::new(dir.path(), &pins(), true);
        let names: Vec<String> = plan
            .requirement_files
            .iter()
            .map(|file| file.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["requirements-dev.txt", "requirements.txt"]);
        assert_eq!(
            plan.pinned_by["pytest"],
            PinnedBy::Project("requirements-dev.txt".into())
        );
        assert_eq!(plan.editable, None);
    }

    /// Flask's own `requirements/`: the test and typing files, not the
    /// variants for other runs nor the dev file that pins docs tools.
    #[test]
    fn only_the_requirements_of_a_test_run_are_installed() {
        let dir = project(&[
            ("requirements/build.txt", "build\n"),
            ("requirements/dev.txt", "-r docs.txt\n"),
            ("requirements/docs.txt", "sphinx\n"),
            (
                "requirements/tests-dev.txt",
                "https://example.invalid/werkzeug.tar.gz\n",
            ),
            ("requirements/tests-min.txt", "werkzeug==3.0.0\n"),
            ("requirements/tests.txt", "pytest==8.3.3\n"),
            ("requirements/typing.txt", "mypy==1.13.0\n"),
            ("dev-requirements.txt", "ruff\n"),
        ]);
        let plan = Plan::new(dir.path(), &pins(), true);
        let names: Vec<String> = plan
            .requirement_files
            .iter()
            .map(|file| crate::python::relative_path(file, dir.path()))
            .collect();
        assert_eq!(names, ["requirements/tests.txt", "requirements/typing.txt"]);
        let dir = project(&[
            ("dev-requirements.txt", "ruff\n"),
            ("requirements.txt", "flask\n"),
        ]);
        let plan = Plan::new(dir.path(), &pins(), true);
        assert_eq!(
            plan.requirement_files.len(),
            2,
            "without a test file, the dev file"
        );
    }

    #[test]
    fn uv_lock_is_synced_only_by_uv() {
        let files = [
            (
                "pyproject.toml",
                "[build-system]\nrequires=['hatchling']\nbuild-backend='hatchling.build'\n[project]\nname='pkg'\nversion='1'\n",
            ),
            ("uv.lock", "version = 1\n"),
        ];
        let dir = project(&files);
        assert!(Plan::new(dir.path(), &pins(), true).uv_lock);
        let pip = Plan::new(dir.path(), &pins(), false);
        assert!(!pip.uv_lock);
        assert_eq!(pip.editable, Some(Vec::new()));
    }

    #[test]
    fn the_stamp_follows_the_dependencies_and_not_the_tool_settings() {
        let dir = project(&[(
            "pyproject.toml",
            "[project]\nname='x'\ndependencies=['click']\n[tool.ruff]\nline-length=100\n",
        )]);
        let before = Plan::new(dir.path(), &pins(), true).stamp();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname='x'\ndependencies=['click']\n[tool.ruff]\nline-length=88\n",
        )
        .unwrap();
        assert_eq!(before, Plan::new(dir.path(), &pins(), true).stamp());
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname='x'\ndependencies=['click', 'rich']\n",
        )
        .unwrap();
        assert_ne!(before, Plan::new(dir.path(), &pins(), true).stamp());
    }
}
