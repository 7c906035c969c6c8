//! Environment failures told apart from code failures: a test run or a
//! type check that cannot import a module is missing something in the
//! environment it ran in, not wrong code. This module names the module,
//! says whether the project declares it (and where), and words the fix.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::checks::external::ResolvedTool;
use crate::checks::external::tool::ToolSource;
use crate::model::dependencies;

/// `No module named 'fastapi'` (ModuleNotFoundError), `No module named fastapi` (Python 2 style).
static NO_MODULE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"No module named '?(?P<module>[A-Za-z_][A-Za-z0-9_.]*)'?"#)
        .expect("the pattern is valid")
});

/// mypy: `Cannot find implementation or library stub for module named "fastapi"`.
static MYPY_NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"module named "(?P<module>[A-Za-z_][A-Za-z0-9_.]*)""#)
        .expect("the pattern is valid")
});

/// Import names that differ from the distribution that provides them.
const DISTRIBUTIONS: &[(&str, &str)] = &[
    ("yaml", "pyyaml"),
    ("PIL", "pillow"),
    ("jwt", "pyjwt"),
    ("dateutil", "python-dateutil"),
    ("dotenv", "python-dotenv"),
    ("jose", "python-jose"),
    ("multipart", "python-multipart"),
    ("bs4", "beautifulsoup4"),
    ("sklearn", "scikit-learn"),
    ("cv2", "opencv-python"),
    ("attr", "attrs"),
    ("Crypto", "pycryptodome"),
    ("OpenSSL", "pyopenssl"),
    ("git", "gitpython"),
    ("magic", "python-magic"),
    ("psycopg2", "psycopg2-binary"),
    ("MySQLdb", "mysqlclient"),
    ("google.protobuf", "protobuf"),
    ("flask_sqlalchemy", "flask-sqlalchemy"),
    ("pytest_asyncio", "pytest-asyncio"),
    ("pytest_mock", "pytest-mock"),
    ("dns", "dnspython"),
    ("serial", "pyserial"),
    ("zmq", "pyzmq"),
    ("socketio", "python-socketio"),
    ("slugify", "python-slugify"),
    ("ldap", "python-ldap"),
    ("markdown", "markdown"),
    ("mypy_boto3_s3", "mypy-boto3-s3"),
];

/// The module a test run's output says it could not import.
pub fn module_in_traceback(text: &str) -> Option<String> {
    NO_MODULE
        .captures_iter(text)
        .last()
        .map(|captures| captures["module"].to_owned())
}

/// The module a mypy `import-not-found` message names.
pub fn module_in_mypy_message(message: &str) -> Option<String> {
    MYPY_NOT_FOUND
        .captures(message)
        .map(|captures| captures["module"].to_owned())
}

/// Whose module it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A package or module of the project itself (`app`, `src/app`);
    /// `builds`: the project has a build system, so it can be installed.
    Project {
        top: String,
        src_layout: bool,
        builds: bool,
    },
    /// A dependency the project declares, in this file.
    Declared { distribution: String, file: String },
    /// Nobody declares it.
    Undeclared { distribution: String },
}

/// Works out whose module `module` is.
pub fn owner(module: &str, root: &Path) -> Owner {
    let top = module.split('.').next().unwrap_or(module);
    for (dir, src_layout) in [(root.to_owned(), false), (root.join("src"), true)] {
        if dir.join(top).is_dir() || dir.join(format!("{top}.py")).is_file() {
            let builds = root.join("setup.py").is_file()
                || std::fs::read_to_string(root.join("pyproject.toml"))
                    .is_ok_and(|text| text.contains("[build-system]"));
            return Owner::Project {
                top: top.to_owned(),
                src_layout,
                builds,
            };
        }
    }
    let candidates = distribution_names(module);
    for (file, declared) in declarations(root) {
        if let Some(found) = declared
            .iter()
            .find(|requirement| candidates.contains(&requirement.name))
        {
            return Owner::Declared {
                distribution: found.name.clone(),
                file,
            };
        }
    }
    Owner::Undeclared {
        distribution: candidates[0].clone(),
    }
}

/// The distributions that may provide a module, most likely first.
fn distribution_names(module: &str) -> Vec<String> {
    let top = module.split('.').next().unwrap_or(module);
    let mut names = Vec::new();
    for (import, distribution) in DISTRIBUTIONS {
        if module == *import || module.starts_with(&format!("{import}.")) || top == *import {
            names.push((*distribution).to_owned());
        }
    }
    names.push(top.to_ascii_lowercase().replace(['_', '.'], "-"));
    // `types-requests` and friends provide stubs for mypy.
    names.push(format!("types-{}", top.to_ascii_lowercase()));
    names
}

/// Every file at the root (and `requirements/`) that declares
/// dependencies, with what it declares.
fn declarations(root: &Path) -> Vec<(String, Vec<dependencies::Requirement>)> {
    let mut paths: Vec<String> = Vec::new();
    for (dir, prefix) in [
        (root.to_owned(), ""),
        (root.join("requirements"), "requirements/"),
    ] {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}{name}");
            if dependencies::is_declaration(&path) && entry.path().is_file() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(root.join(&path)).ok()?;
            let declared = dependencies::declared(&path, &text);
            Some((path, declared))
        })
        .collect()
}

/// Why the environment lacks `module`, and the fix, in one message.
/// `what` says who tried the import (`the tests`, `mypy`).
pub fn explain(module: &str, owner: &Owner, tool: &ResolvedTool, what: &str) -> String {
    let place = match tool.source {
        ToolSource::Managed => format!(
            "dod's managed environment (`{}`)",
            tool.python
                .parent()
                .and_then(Path::parent)
                .unwrap_or(&tool.python)
                .display()
        ),
        ToolSource::ProjectVenv => {
            format!("the project's virtualenv (`{}`)", tool.python.display())
        }
        ToolSource::Path | ToolSource::Config => format!(
            "the environment of `{}` (found on {}), which is not the project's",
            tool.program.display(),
            tool.source.as_str()
        ),
    };
    let outside = matches!(tool.source, ToolSource::Path | ToolSource::Config);
    let elsewhere = if outside {
        "; or create the project's virtualenv (`.venv`) with its dependencies, which dod prefers, \
         or take the tool off PATH so that dod provisions it with the project's dependencies"
    } else {
        ""
    };
    match owner {
        Owner::Project {
            top,
            src_layout,
            builds,
        } => {
            let fix = if *builds {
                "install the project there (`python -m pip install -e .`), or let dod provision, \
                 which installs it"
            } else if *src_layout {
                "give the project a build system (`[build-system]` in pyproject.toml) so it is \
                 installed, or add `pythonpath = [\"src\"]` to its pytest config"
            } else {
                "add `pythonpath = [\".\"]` to the project's pytest config, or give the project a \
                 build system so it is installed"
            };
            format!(
                "{what} cannot import the project's own `{top}` (`No module named '{module}'`) in \
                 {place}: the project is neither installed nor on `sys.path`; {fix}{elsewhere}"
            )
        }
        Owner::Declared { distribution, file } => format!(
            "{what} cannot import `{module}`: the project declares `{distribution}` in `{file}`, \
             but it is not installed in {place}; install the project's dependencies there{elsewhere}"
        ),
        Owner::Undeclared { distribution } => format!(
            "{what} import `{module}`, which the project does not declare in any dependency file \
             and which is not installed in {place}; declare it (e.g. `{distribution}` in \
             requirements-dev.txt or a dev group of pyproject.toml) so every environment has it"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_is_read_from_a_traceback_and_a_mypy_message() {
        assert_eq!(
            module_in_traceback("E   ModuleNotFoundError: No module named 'fastapi.testclient'")
                .as_deref(),
            Some("fastapi.testclient")
        );
        assert_eq!(
            module_in_mypy_message(
                "Cannot find implementation or library stub for module named \"yaml\""
            )
            .as_deref(),
            Some("yaml")
        );
    }

    #[test]
    fn owners_are_the_project_a_declaration_or_nobody() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/shop")).unwrap();
        std::fs::write(
            dir.path().join("requirements-dev.txt"),
            "PyYAML==6.0\nfastapi>=0.110\n",
        )
        .unwrap();
        assert_eq!(
            owner("shop.models", dir.path()),
            Owner::Project {
                top: "shop".into(),
                src_layout: true,
                builds: false
            }
        );
        assert_eq!(
            owner("yaml", dir.path()),
            Owner::Declared {
                distribution: "pyyaml".into(),
                file: "requirements-dev.txt".into()
            }
        );
        assert_eq!(
            owner("fastapi.testclient", dir.path()),
            Owner::Declared {
                distribution: "fastapi".into(),
                file: "requirements-dev.txt".into()
            }
        );
        assert_eq!(
            owner("respx", dir.path()),
            Owner::Undeclared {
                distribution: "respx".into()
            }
        );
    }
}
