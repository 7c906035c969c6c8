//! The project's declared dependencies, from every file that declares
//! them: `requirements*.txt` / `.in` and `requirements/*.txt|.in|.pip`,
//! PEP 621 `[project]` dependencies and extras, PEP 735
//! `[dependency-groups]`, Poetry's groups, `setup.cfg`, `setup.py`'s
//! literal `install_requires` / `extras_require`, and Pipfile. Each
//! dependency has a group, so that what a user of the project installs
//! (its runtime dependencies and extras) is told apart from what its
//! developers install (test, docs, lint and CI groups); and the delta is
//! project-wide, so a dependency that moved from `setup.py` to
//! `pyproject.toml` is neither added nor removed.

use std::collections::BTreeMap;

use ruff_python_ast::{Expr, Stmt};

use crate::python::{self, Source};

/// Who installs a dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// What the project needs to run.
    Runtime,
    /// An extra a user asks for: `pip install pkg[postgres]`.
    Extra(String),
    /// A development group: tests, docs, lint, CI, release.
    Development(String),
}

impl Group {
    /// Whether a user of the project installs it (README's business).
    pub fn is_user_facing(&self) -> bool {
        !matches!(self, Group::Development(_))
    }

    /// An extra or group, by its name: development or user-facing.
    fn named(name: &str) -> Group {
        if is_development_name(name) {
            Group::Development(name.to_owned())
        } else {
            Group::Extra(name.to_owned())
        }
    }
}

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The project name, normalised (PEP 503).
    pub name: String,
    pub group: Group,
    /// The 1-based line that declares it, when it can be told.
    pub line: Option<u32>,
}

/// Words that name a development group or file: `requirements-dev.txt`,
/// `requirements/ci-tests.txt`, `[project.optional-dependencies] docs`.
const DEVELOPMENT: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "test",
    "tests",
    "testing",
    "doc",
    "docs",
    "lint",
    "linting",
    "linters",
    "style",
    "typing",
    "types",
    "mypy",
    "ci",
    "release",
    "build",
    "coverage",
    "cov",
    "format",
    "fmt",
    "tox",
    "local",
    "debug",
    "bench",
    "benchmark",
    "benchmarks",
    "pre-commit",
    "precommit",
    "qa",
    "check",
    "checks",
    "tools",
];

fn is_development_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    DEVELOPMENT.contains(&name.as_str())
        || name
            .split(['-', '_', '.'])
            .any(|word| DEVELOPMENT.contains(&word))
}

/// The kinds of file that declare dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requirements,
    Pyproject,
    SetupCfg,
    SetupPy,
    Pipfile,
}

fn kind(path: &str) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_requirements_dir = path.starts_with("requirements/") || path.contains("/requirements/");
    match name {
        "pyproject.toml" => Some(Kind::Pyproject),
        "setup.cfg" => Some(Kind::SetupCfg),
        "setup.py" => Some(Kind::SetupPy),
        "Pipfile" => Some(Kind::Pipfile),
        _ if (name.starts_with("requirements") || in_requirements_dir)
            && (name.ends_with(".txt")
                || name.ends_with(".in")
                || (in_requirements_dir && name.ends_with(".pip"))) =>
        {
            Some(Kind::Requirements)
        }
        _ => None,
    }
}

/// Whether the file declares dependencies.
pub fn is_declaration(path: &str) -> bool {
    kind(path).is_some()
}

/// The dependencies one file declares; empty for any other file.
pub fn declared(path: &str, text: &str) -> Vec<Requirement> {
    let Some(kind) = kind(path) else {
        return Vec::new();
    };
    let mut found = match kind {
        Kind::Requirements => requirements_file(path, text),
        Kind::Pyproject => toml_file(text, false),
        Kind::Pipfile => toml_file(text, true),
        Kind::SetupCfg => setup_cfg(text),
        Kind::SetupPy => setup_py(path, text),
    };
    for requirement in &mut found {
        if requirement.line.is_none() {
            requirement.line = line_of(text, &requirement.name);
        }
    }
    found
}

/// A requirement's project name, normalised (PEP 503): `Flask[async]>=3`
/// is `flask`, `typing_extensions` is `typing-extensions`.
pub fn requirement_name(requirement: &str) -> Option<String> {
    let requirement = requirement.trim();
    if requirement.is_empty() || requirement.starts_with(['#', '-']) {
        return None;
    }
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..end];
    (!name.is_empty() && !name.contains("://"))
        .then(|| name.to_ascii_lowercase().replace(['_', '.'], "-"))
}

/// The first line that declares the dependency: it starts the line, or a
/// quoted string on it (`dependencies = ["flask>=3", "boto3"]`).
fn line_of(text: &str, name: &str) -> Option<u32> {
    let names = |line: &str| -> bool {
        let line = line.trim_start();
        requirement_name(line).as_deref() == Some(name)
            || line
                .match_indices(['"', '\''])
                .any(|(at, _)| requirement_name(&line[at + 1..]).as_deref() == Some(name))
    };
    text.lines().position(names).map(|index| index as u32 + 1)
}

/// A requirements file. Its group comes from its name. A file compiled by
/// pip-compile (`# via` annotations) pins what its inputs need too: only
/// the entries it annotates `-r` (from the input file) are the project's
/// own; the rest are transitive.
fn requirements_file(path: &str, text: &str) -> Vec<Requirement> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let stem = stem.strip_prefix("requirements").unwrap_or(stem);
    let stem = stem.trim_matches(['-', '_', '.']);
    // `requirements-dev.txt`, `requirements/ci-tests.txt`, and any
    // requirements file under `docs/`, `tests/`, `.github/`, ...
    let development_dir = path
        .rsplit('/')
        .skip(1)
        .find(|dir| is_development_name(dir.trim_start_matches('.')) || *dir == ".github");
    let group = if is_development_name(stem) {
        Group::Development(stem.to_owned())
    } else if let Some(dir) = development_dir {
        Group::Development(dir.to_owned())
    } else {
        Group::Runtime
    };
    let compiled = text.contains("# via");
    let mut entries: Vec<(String, u32, bool)> = Vec::new();
    let mut in_via = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(rest) = comment.strip_prefix("via") {
                in_via = true;
                mark_direct(&mut entries, rest);
            } else if in_via {
                mark_direct(&mut entries, comment);
            }
            continue;
        }
        in_via = false;
        let requirement = trimmed.split(" #").next().unwrap_or_default();
        if let Some(name) = requirement_name(requirement) {
            entries.push((name, index as u32 + 1, !compiled));
            if let Some((_, comment)) = trimmed.split_once(" #")
                && let Some(rest) = comment.trim().strip_prefix("via")
            {
                in_via = true;
                mark_direct(&mut entries, rest);
            }
        }
    }
    entries
        .into_iter()
        .filter(|(_, _, direct)| *direct)
        .map(|(name, line, _)| Requirement {
            name,
            group: group.clone(),
            line: Some(line),
        })
        .collect()
}

/// A `# via` annotation that names an input file (`-r requirements.in`)
/// makes the entry above it one the project asked for.
fn mark_direct(entries: &mut [(String, u32, bool)], annotation: &str) {
    if annotation.split_whitespace().next() == Some("-r")
        && let Some(last) = entries.last_mut()
    {
        last.2 = true;
    }
}

/// `pyproject.toml` (PEP 621, PEP 735, Poetry) or Pipfile.
fn toml_file(text: &str, pipfile: bool) -> Vec<Requirement> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let get = |path: &[&str]| -> Option<&toml::Value> {
        let mut value = table.get(path[0])?;
        for key in &path[1..] {
            value = value.get(key)?;
        }
        Some(value)
    };
    let mut found = Vec::new();
    if pipfile {
        let mut found = Vec::new();
        keyed(get(&["packages"]), Group::Runtime, &mut found);
        keyed(
            get(&["dev-packages"]),
            Group::Development("dev-packages".into()),
            &mut found,
        );
        return found;
    }
    list(
        get(&["project", "dependencies"]),
        Group::Runtime,
        &mut found,
    );
    for (name, value) in get(&["project", "optional-dependencies"])
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        list(Some(value), Group::named(name), &mut found);
    }
    // PEP 735 groups are never installed by the project's users.
    for (name, value) in get(&["dependency-groups"])
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        list(Some(value), Group::Development(name.clone()), &mut found);
    }
    keyed(
        get(&["tool", "poetry", "dependencies"]),
        Group::Runtime,
        &mut found,
    );
    keyed(
        get(&["tool", "poetry", "dev-dependencies"]),
        Group::Development("dev".into()),
        &mut found,
    );
    for (name, group) in get(&["tool", "poetry", "group"])
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        let group_kind = if name == "main" {
            Group::Runtime
        } else {
            Group::Development(name.clone())
        };
        keyed(group.get("dependencies"), group_kind, &mut found);
    }
    found
}

/// A TOML list of requirement strings.
fn list(value: Option<&toml::Value>, group: Group, found: &mut Vec<Requirement>) {
    for item in value.and_then(toml::Value::as_array).into_iter().flatten() {
        if let Some(name) = item.as_str().and_then(requirement_name) {
            found.push(Requirement {
                name,
                group: group.clone(),
                line: None,
            });
        }
    }
}

/// A TOML table keyed by project name (Poetry, Pipfile); `python` is the
/// interpreter, not a dependency.
fn keyed(value: Option<&toml::Value>, group: Group, found: &mut Vec<Requirement>) {
    for (name, _) in value.and_then(toml::Value::as_table).into_iter().flatten() {
        if name != "python"
            && let Some(name) = requirement_name(name)
        {
            found.push(Requirement {
                name,
                group: group.clone(),
                line: None,
            });
        }
    }
}

/// `setup.cfg`: `[options] install_requires` and `[options.extras_require]`.
fn setup_cfg(text: &str) -> Vec<Requirement> {
    let mut found = Vec::new();
    let mut section = String::new();
    let mut current: Option<Group> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        let line_number = Some(index as u32 + 1);
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            section = name.trim().to_owned();
            current = None;
            continue;
        }
        let continuation = line.starts_with([' ', '\t']);
        let value = if continuation {
            trimmed
        } else {
            let Some((key, value)) = trimmed.split_once(['=', ':']) else {
                current = None;
                continue;
            };
            let key = key.trim();
            current = match section.as_str() {
                "options" if key == "install_requires" => Some(Group::Runtime),
                "options" if key == "tests_require" => Some(Group::Development(key.into())),
                "options.extras_require" => Some(Group::named(key)),
                _ => None,
            };
            value.trim()
        };
        if let (Some(group), Some(name)) = (&current, requirement_name(value)) {
            found.push(Requirement {
                name,
                group: group.clone(),
                line: line_number,
            });
        }
    }
    found
}

/// `setup.py`: the literal lists and dicts given to `setup(...)` as
/// `install_requires`, `extras_require` and `tests_require`, directly or
/// through a module-level name. Requirements read from files at build time
/// are in those files, which are read themselves.
fn setup_py(path: &str, text: &str) -> Vec<Requirement> {
    let Source::Parsed(file) = python::parse_text(path, text.to_owned()) else {
        return Vec::new();
    };
    let mut names: BTreeMap<&str, &Expr> = BTreeMap::new();
    let mut calls = Vec::new();
    for stmt in file.suite() {
        match stmt {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Expr::Name(name) = target {
                        names.insert(name.id.as_str(), assign.value.as_ref());
                    }
                }
            }
            Stmt::Expr(expr) => calls.push(expr.value.as_ref()),
            Stmt::If(branch) => calls.extend(branch.body.iter().filter_map(|stmt| match stmt {
                Stmt::Expr(expr) => Some(expr.value.as_ref()),
                _ => None,
            })),
            _ => {}
        }
    }
    let resolve = |expr: &'_ Expr| -> Option<Expr> {
        let mut expr = expr;
        for _ in 0..4 {
            match expr {
                Expr::Name(name) => expr = names.get(name.id.as_str())?,
                _ => return Some(expr.clone()),
            }
        }
        None
    };
    let mut found = Vec::new();
    for call in calls {
        let Expr::Call(call) = call else { continue };
        let is_setup = match call.func.as_ref() {
            Expr::Name(name) => name.id.as_str() == "setup",
            Expr::Attribute(attribute) => attribute.attr.as_str() == "setup",
            _ => false,
        };
        if !is_setup {
            continue;
        }
        for keyword in &call.arguments.keywords {
            let Some(arg) = &keyword.arg else { continue };
            let Some(value) = resolve(&keyword.value) else {
                continue;
            };
            match arg.as_str() {
                "install_requires" => strings(&value, &resolve, Group::Runtime, &mut found),
                "tests_require" => strings(
                    &value,
                    &resolve,
                    Group::Development("tests_require".into()),
                    &mut found,
                ),
                "extras_require" => {
                    let Expr::Dict(dict) = &value else { continue };
                    for item in &dict.items {
                        let (Some(Expr::StringLiteral(key)), value) = (&item.key, &item.value)
                        else {
                            continue;
                        };
                        if let Some(value) = resolve(value) {
                            let group = Group::named(key.value.to_str());
                            strings(&value, &resolve, group, &mut found);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The requirement strings of a list or tuple literal, or of a sum of them.
fn strings(
    expr: &Expr,
    resolve: &dyn Fn(&Expr) -> Option<Expr>,
    group: Group,
    found: &mut Vec<Requirement>,
) {
    let elements = match expr {
        Expr::List(list) => &list.elts,
        Expr::Tuple(tuple) => &tuple.elts,
        Expr::BinOp(sum) => {
            for side in [sum.left.as_ref(), sum.right.as_ref()] {
                if let Some(side) = resolve(side) {
                    strings(&side, resolve, group.clone(), found);
                }
            }
            return;
        }
        _ => return,
    };
    for element in elements {
        if let Expr::StringLiteral(literal) = element
            && let Some(name) = requirement_name(literal.value.to_str())
        {
            found.push(Requirement {
                name,
                group: group.clone(),
                line: None,
            });
        }
    }
}

/// A dependency a user installs that the change added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyChange {
    pub name: String,
    pub added: bool,
    /// Where it is declared after the change (added), or was before
    /// (removed).
    pub path: String,
    pub line: Option<u32>,
}

/// One declaration file on both sides; an unchanged file has the same text.
pub struct Declaration<'a> {
    pub path: &'a str,
    pub base: Option<&'a str>,
    pub head: Option<&'a str>,
}

/// The user-facing dependencies the change added or removed, project-wide:
/// a dependency declared anywhere before and anywhere after (moved between
/// files, or only its version changed) is neither, and development groups
/// do not count.
pub fn changes(files: &[Declaration<'_>]) -> Vec<DependencyChange> {
    let side = |base: bool| {
        let mut user: BTreeMap<String, (String, Option<u32>)> = BTreeMap::new();
        for file in files {
            let Some(text) = (if base { file.base } else { file.head }) else {
                continue;
            };
            for requirement in declared(file.path, text) {
                if requirement.group.is_user_facing() {
                    user.entry(requirement.name)
                        .or_insert_with(|| (file.path.to_owned(), requirement.line));
                }
            }
        }
        user
    };
    let before = side(true);
    let after = side(false);
    let mut found: Vec<DependencyChange> = after
        .iter()
        .filter(|(name, _)| !before.contains_key(*name))
        .map(|(name, (path, line))| DependencyChange {
            name: name.clone(),
            added: true,
            path: path.clone(),
            line: *line,
        })
        .collect();
    found.extend(
        before
            .iter()
            .filter(|(name, _)| !after.contains_key(*name))
            .map(|(name, (path, line))| DependencyChange {
                name: name.clone(),
                added: false,
                path: path.clone(),
                line: *line,
            }),
    );
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &str, text: &str) -> Vec<(String, Group)> {
        declared(path, text)
            .into_iter()
            .map(|requirement| (requirement.name, requirement.group))
            .collect()
    }

    #[test]
    fn requirements_files_take_their_group_from_their_name() {
        assert_eq!(
            names("requirements.txt", "Flask>=3\n# a comment\n-r base.txt\n"),
            [("flask".into(), Group::Runtime)]
        );
        assert_eq!(
            names("requirements/ci-tests.txt", "pytest\n"),
            [("pytest".into(), Group::Development("ci-tests".into()))]
        );
        assert_eq!(
            names("requirements-dev.txt", "ruff\n")[0].1,
            Group::Development("dev".into())
        );
        assert_eq!(
            names("requirements/install.pip", "aniso8601\n")[0].1,
            Group::Runtime
        );
        assert!(names("docs/requirements.pip", "x\n").is_empty());
        assert_eq!(
            names("docs/requirements.txt", "sphinx\n")[0].1,
            Group::Development("docs".into())
        );
    }

    #[test]
    fn a_compiled_file_declares_only_what_its_input_asked_for() {
        let text = "# This file is autogenerated by pip-compile\nclick==8.1.7\n    # via flask\nflask==3.0.3\n    # via -r requirements.in\nitsdangerous==2.2.0\n    # via\n    #   flask\nboto3==1.35.0  # via -r requirements.in\n";
        let found = declared("requirements.txt", text);
        let names: Vec<(&str, Option<u32>)> = found
            .iter()
            .map(|requirement| (requirement.name.as_str(), requirement.line))
            .collect();
        assert_eq!(names, [("flask", Some(4)), ("boto3", Some(9))]);
    }

    #[test]
    fn pyproject_extras_and_groups() {
        let text = "[project]\ndependencies = [\"httpx>=0.27\"]\n[project.optional-dependencies]\npostgres = [\"psycopg[binary]\"]\ntests = [\"pytest\"]\n[dependency-groups]\nlint = [\"ruff\"]\n[tool.poetry.dependencies]\npython = \"^3.11\"\nboto3 = \"*\"\n[tool.poetry.group.docs.dependencies]\nsphinx = \"*\"\n";
        let found = declared("pyproject.toml", text);
        let groups: Vec<(&str, bool, Option<u32>)> = found
            .iter()
            .map(|r| (r.name.as_str(), r.group.is_user_facing(), r.line))
            .collect();
        assert_eq!(
            groups,
            [
                ("httpx", true, Some(2)),
                ("psycopg", true, Some(4)),
                ("pytest", false, Some(5)),
                ("ruff", false, Some(7)),
                ("boto3", true, Some(10)),
                ("sphinx", false, Some(12)),
            ]
        );
    }

    #[test]
    fn setup_py_literals_through_module_names() {
        let text = "from setuptools import setup\nEXTRAS = {\n    \"tests\": [\"pytest==8\"],\n    \"s3\": [\"boto3\"],\n}\nBASE = [\"flask>=3\"]\nsetup(name=\"x\", install_requires=BASE + [\"blinker\"], extras_require=EXTRAS)\n";
        let found = names("setup.py", text);
        assert_eq!(
            found,
            [
                ("flask".into(), Group::Runtime),
                ("blinker".into(), Group::Runtime),
                ("pytest".into(), Group::Development("tests".into())),
                ("boto3".into(), Group::Extra("s3".into())),
            ]
        );
    }

    #[test]
    fn setup_cfg_install_requires_and_extras() {
        let text = "[metadata]\nname = x\n[options]\ninstall_requires =\n    flask>=3\n    redis\npackages = find:\n[options.extras_require]\ndev = pytest\nredis = hiredis\n";
        assert_eq!(
            names("setup.cfg", text),
            [
                ("flask".into(), Group::Runtime),
                ("redis".into(), Group::Runtime),
                ("pytest".into(), Group::Development("dev".into())),
                ("hiredis".into(), Group::Extra("redis".into())),
            ]
        );
    }

    #[test]
    fn a_move_between_files_and_a_development_addition_change_nothing() {
        let setup_py = "from setuptools import setup\nsetup(install_requires=[\"flask\"], extras_require={\"tests\": [\"pytest\"]})\n";
        let pyproject = "[project]\ndependencies = [\"flask>=3\", \"boto3\"]\n[project.optional-dependencies]\ntests = [\"pytest\", \"pytest-cov\"]\n";
        let files = [
            Declaration {
                path: "setup.py",
                base: Some(setup_py),
                head: None,
            },
            Declaration {
                path: "pyproject.toml",
                base: None,
                head: Some(pyproject),
            },
        ];
        assert_eq!(
            changes(&files),
            [DependencyChange {
                name: "boto3".into(),
                added: true,
                path: "pyproject.toml".into(),
                line: Some(2),
            }]
        );
    }
}
