//! What a module's names refer to: its imports, with relative imports
//! resolved against the module's package. The project model uses it to
//! follow a name to the module that defines it (a blueprint mounted in
//! another module, a package `__init__` re-exporting a private module).

use ruff_python_ast::Stmt;

use crate::model::api::module_name;
use crate::python::PythonFile;

/// One name a module binds by import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The name bound in the importing module (`z` in `from x import y as z`).
    pub local: String,
    /// The absolute dotted module imported from (`x`), or imported (`import x.y`).
    pub module: String,
    /// The name taken from `module` (`y`); `None` for `import module`;
    /// `*` (with `local` `*`) for `from module import *`.
    pub name: Option<String>,
}

impl Import {
    pub fn is_star(&self) -> bool {
        self.local == "*"
    }
}

/// The package a relative import of `level` dots starts from: `.` is the
/// module's own package (the module itself for an `__init__`).
pub fn resolve_relative(path: &str, level: u32, module: Option<&str>) -> String {
    let own = module_name(path);
    let is_package =
        path.ends_with("/__init__.py") || path.ends_with("/__init__.pyi") || path == "__init__.py";
    let mut parts: Vec<&str> = own.split('.').filter(|part| !part.is_empty()).collect();
    if !is_package {
        parts.pop();
    }
    for _ in 1..level {
        parts.pop();
    }
    let mut base = parts.join(".");
    if let Some(module) = module.filter(|module| !module.is_empty()) {
        if !base.is_empty() {
            base.push('.');
        }
        base.push_str(module);
    }
    base
}

/// The module-level imports of a module (in `if TYPE_CHECKING:` and
/// `try:` blocks too), in order.
pub fn imports(file: &PythonFile) -> Vec<Import> {
    let mut found = Vec::new();
    collect(&file.path, file.suite(), &mut found);
    found
}

fn collect(path: &str, body: &[Stmt], found: &mut Vec<Import>) {
    for stmt in body {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.to_string();
                    match &alias.asname {
                        // `import a.b as c` binds `c` to `a.b`.
                        Some(local) => found.push(Import {
                            local: local.to_string(),
                            module,
                            name: None,
                        }),
                        // `import a.b` binds `a`; `a.b` is reached through it.
                        None => found.push(Import {
                            local: module.split('.').next().unwrap_or(&module).to_owned(),
                            module: module.split('.').next().unwrap_or(&module).to_owned(),
                            name: None,
                        }),
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let written = import.module.as_ref().map(|module| module.as_str());
                let module = if import.level > 0 {
                    resolve_relative(path, import.level, written)
                } else {
                    written.unwrap_or_default().to_owned()
                };
                for alias in &import.names {
                    found.push(Import {
                        local: alias.asname.as_ref().unwrap_or(&alias.name).to_string(),
                        module: module.clone(),
                        name: Some(alias.name.to_string()),
                    });
                }
            }
            Stmt::If(branch) => {
                collect(path, &branch.body, found);
                for clause in &branch.elif_else_clauses {
                    collect(path, &clause.body, found);
                }
            }
            Stmt::Try(block) => {
                collect(path, &block.body, found);
                for handler in &block.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    collect(path, &handler.body, found);
                }
                collect(path, &block.orelse, found);
            }
            _ => {}
        }
    }
}

/// The project's Python files outside `changed` that import one of the
/// modules of `changed` (deleted ones too: their importers break): a
/// `git grep` for the modules' last names, then each candidate's imports
/// read. A changed signature breaks its callers there.
pub fn importers(
    root: &std::path::Path,
    changed: &[String],
) -> Result<Vec<String>, crate::git::ChangeError> {
    let modules: Vec<String> = changed
        .iter()
        .filter(|path| crate::python::is_python(path))
        .map(|path| module_name(path))
        .filter(|module| !module.is_empty())
        .collect();
    let stems: Vec<&str> = modules
        .iter()
        .filter_map(|module| module.rsplit('.').next())
        .collect();
    if stems.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = crate::git::python_files_mentioning(root, &stems)?;
    let imports_changed = |import: &Import| {
        modules.iter().any(|module| {
            import.module == *module
                || import.module.starts_with(&format!("{module}."))
                || import
                    .name
                    .as_ref()
                    .is_some_and(|name| format!("{}.{name}", import.module) == *module)
        })
    };
    Ok(candidates
        .into_iter()
        .filter(|path| !changed.contains(path))
        .filter(|path| match crate::python::load(root, path) {
            crate::python::Source::Parsed(file) => imports(&file).iter().any(imports_changed),
            _ => false,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::{Source, parse_text};

    fn parse(path: &str, source: &str) -> PythonFile {
        match parse_text(path, source.to_owned()) {
            Source::Parsed(file) => *file,
            Source::Invalid { .. } => panic!("invalid test source"),
        }
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(resolve_relative("app/api/tokens.py", 1, None), "app.api");
        assert_eq!(
            resolve_relative("app/api/tokens.py", 2, Some("db")),
            "app.db"
        );
        assert_eq!(
            resolve_relative("app/api/__init__.py", 1, Some("tokens")),
            "app.api.tokens"
        );
        assert_eq!(
            resolve_relative("src/httpx/__init__.py", 1, Some("_client")),
            "httpx._client"
        );
    }

    #[test]
    fn imports_bind_local_names() {
        let file = parse(
            "app/__init__.py",
            "import os\nimport a.b as c\nfrom .api import tokens as t, bp\nfrom . import views\ntry:\n    from x import y\nexcept ImportError:\n    y = None\n",
        );
        let bound: Vec<(String, String, Option<String>)> = imports(&file)
            .into_iter()
            .map(|import| (import.local, import.module, import.name))
            .collect();
        assert_eq!(
            bound,
            [
                ("os".into(), "os".into(), None),
                ("c".into(), "a.b".into(), None),
                ("t".into(), "app.api".into(), Some("tokens".into())),
                ("bp".into(), "app.api".into(), Some("bp".into())),
                ("views".into(), "app".into(), Some("views".into())),
                ("y".into(), "x".into(), Some("y".into())),
            ]
        );
    }
}
