//! What a change adds to the project's test suite, schema history and
//! dependencies, found once: the test files and test functions added or
//! changed (by the project's pytest rules, plus any `unittest.TestCase`
//! subclass and Django's `tests.py`), the Alembic revisions added, and the
//! user-facing dependencies added or removed, and the environment variables
//! it starts reading. `tests-added`,
//! `migration-docs`, `readme` and the Output Report all read this one
//! inventory, so they cannot disagree.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::comparable::ComparableStmt;
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::git::{Change, FileStatus};
use crate::model::Versions;
use crate::model::analysis::{self, Function};
use crate::model::dependencies::{self, Declaration, DependencyChange};
use crate::model::settings::EnvVar;
use crate::model::test_rules::TestRules;
use crate::python::{self, PythonFile};

/// A test function the change adds or changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TestDef {
    /// pytest's node id: `tests/test_x.py::TestY::test_z`.
    pub node_id: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// The change's tests and migrations.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Inventory {
    /// Test files added or modified (present after the change).
    pub test_files: Vec<String>,
    /// Test functions added or changed (not only in comments or layout).
    pub tests: Vec<TestDef>,
    /// Alembic revisions the change adds.
    pub migrations: Vec<String>,
    /// Dependencies a user installs that the change added or removed.
    #[serde(skip)]
    pub dependencies: Vec<DependencyChange>,
    /// Environment variables the change starts reading.
    #[serde(skip)]
    pub env_vars: Vec<EnvVar>,
}

/// The functions of a file by qualified name.
fn by_name(file: Option<&PythonFile>) -> BTreeMap<String, Function<'_>> {
    file.map(analysis::functions)
        .unwrap_or_default()
        .into_iter()
        .map(|function| (function.qualname.clone(), function))
        .collect()
}

/// Functions added or changed (not only in comments or formatting), in
/// source order.
pub fn changed_functions(versions: &Versions) -> Vec<Function<'_>> {
    let before = by_name(versions.base.as_ref());
    let mut changed: Vec<Function<'_>> = by_name(versions.head.as_ref())
        .into_values()
        .filter(|function| {
            before
                .get(&function.qualname)
                .is_none_or(|old| old.key() != function.key())
        })
        .collect();
    changed.sort_by_key(|function| function.node.start());
    changed
}

/// Functions added, or changed in what they do when called (not only in
/// annotations, docstrings, comments or formatting), in source order.
pub fn behaviour_changed_functions(versions: &Versions) -> Vec<Function<'_>> {
    let before = by_name(versions.base.as_ref());
    changed_functions(versions)
        .into_iter()
        .filter(|function| {
            before
                .get(&function.qualname)
                .is_none_or(|old| old.behaviour_key() != function.behaviour_key())
        })
        .collect()
}

/// Whether a module's code changed (not only comments or formatting).
pub fn code_changed(versions: &Versions) -> bool {
    let Some(head) = &versions.head else {
        return false;
    };
    versions
        .base
        .as_ref()
        .is_none_or(|base| statements(base) != statements(head))
        && !head.suite().is_empty()
}

/// A module's statements, compared without comments and formatting, and
/// without its release metadata (`__version__ = "2.3.1"` is a release,
/// not code a test could exercise).
fn statements(file: &PythonFile) -> Vec<ComparableStmt<'_>> {
    file.suite()
        .iter()
        .filter(|stmt| !is_metadata(stmt))
        .map(ComparableStmt::from)
        .collect()
}

/// Module metadata dunders: `__version__`, `__author__`, ...
const METADATA: [&str; 8] = [
    "__version__",
    "__version_info__",
    "__author__",
    "__email__",
    "__license__",
    "__copyright__",
    "__status__",
    "__maintainer__",
];

fn is_metadata(stmt: &Stmt) -> bool {
    let target = match stmt {
        Stmt::Assign(assign) if assign.targets.len() == 1 => &assign.targets[0],
        Stmt::AnnAssign(assign) => assign.target.as_ref(),
        _ => return false,
    };
    matches!(target, Expr::Name(name) if METADATA.contains(&name.id.as_str()))
}

/// The classes of a test module that derive from a `TestCase`
/// (`unittest.TestCase`, Django's `TestCase`, `IsolatedAsyncioTestCase`,
/// ...), directly or through another class of the module.
fn unittest_classes(file: &PythonFile) -> BTreeSet<String> {
    let classes = analysis::classes(file);
    let mut found = BTreeSet::new();
    loop {
        let before = found.len();
        for class in &classes {
            let derives = class.bases().iter().any(|base| {
                analysis::name_of(base)
                    .is_some_and(|name| name.ends_with("TestCase") || found.contains(name))
            });
            if derives {
                found.insert(class.name.to_string());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// An Alembic revision: module-level `revision` and `down_revision`, and
/// an `upgrade` function. Its `upgrade()`/`downgrade()` are generated, so
/// `type-hints` leaves them alone.
pub fn is_revision(file: &PythonFile) -> bool {
    let assigned = |wanted: &str| {
        file.suite().iter().any(|stmt| match stmt {
            Stmt::Assign(assign) => assign
                .targets
                .iter()
                .any(|target| matches!(target, Expr::Name(name) if name.id.as_str() == wanted)),
            Stmt::AnnAssign(assign) => {
                matches!(assign.target.as_ref(), Expr::Name(name) if name.id.as_str() == wanted)
            }
            _ => false,
        })
    };
    let upgrade = file.suite().iter().any(
        |stmt| matches!(stmt, Stmt::FunctionDef(function) if function.name.as_str() == "upgrade"),
    );
    upgrade && assigned("revision") && assigned("down_revision")
}

/// The inventory of a change, from its parsed Python files.
pub fn inventory(
    change: &Change,
    python: &[Versions],
    rules: &TestRules,
    declarations: &[Declaration<'_>],
) -> Inventory {
    let mut inventory = Inventory {
        test_files: change
            .present()
            .filter(|file| python::is_python(&file.path) && python::is_test_file(&file.path))
            .map(|file| file.path.clone())
            .collect(),
        dependencies: dependencies::changes(declarations),
        ..Inventory::default()
    };
    for versions in python {
        let Some(head) = &versions.head else { continue };
        let path = &versions.file.path;
        if versions.file.status == FileStatus::Added && is_revision(head) {
            inventory.migrations.push(path.clone());
        }
        if !rules.is_test_module(path) {
            continue;
        }
        let test_cases = unittest_classes(head);
        for function in changed_functions(versions) {
            let parts: Vec<&str> = function.qualname.split('.').collect();
            // The project's pytest rules, and any `unittest.TestCase`
            // subclass (Django's `TestCase` too), whatever its name.
            let is_test = match parts.split_last() {
                Some((name, classes)) => {
                    rules.is_test_function(name)
                        && classes
                            .iter()
                            .all(|class| rules.is_test_class(class) || test_cases.contains(*class))
                }
                None => false,
            };
            if is_test {
                let (line, column) = head.line_column(head.def_keyword(function.node));
                inventory.tests.push(TestDef {
                    node_id: format!("{path}::{}", parts.join("::")),
                    path: path.clone(),
                    line,
                    column,
                });
            }
        }
    }
    inventory
}
