//! What a Python module declares, as the change checks compare it between
//! the base and the working tree: functions and their signatures,
//! SQLAlchemy models and tables, environment variables read, and imports.
//! Pure functions of a parsed file. HTTP routes are in `model::routes`.

use std::collections::BTreeMap;

use ruff_python_ast::comparable::{ComparableExpr, ComparableStmt};
use ruff_python_ast::{Expr, Stmt, StmtClassDef, StmtFunctionDef};
use ruff_text_size::{Ranged, TextSize};

use crate::python::{self, PythonFile};

/// A function or method, with its dotted name inside the module.
pub struct Function<'a> {
    pub qualname: String,
    pub node: &'a StmtFunctionDef,
    pub stmt: &'a Stmt,
}

impl Function<'_> {
    /// Equal for two versions that differ only in comments and formatting.
    pub fn key(&self) -> ComparableStmt<'_> {
        ComparableStmt::from(self.stmt)
    }

    /// The body alone, compared the same way: equal when only the
    /// decorators or the signature changed.
    pub fn body_key(&self) -> Vec<ComparableStmt<'_>> {
        self.node.body.iter().map(ComparableStmt::from).collect()
    }

    /// What the function does when called: its decorators, whether it is
    /// async, its parameters' names and defaults and its body without the
    /// docstring. Equal for two versions that differ only in annotations,
    /// the docstring, comments or formatting: no test could tell them apart.
    pub fn behaviour_key(&self) -> BehaviourKey<'_> {
        let body = match self.node.body.split_first() {
            Some((Stmt::Expr(first), rest)) if first.value.is_string_literal_expr() => rest,
            _ => &self.node.body[..],
        };
        BehaviourKey {
            is_async: self.node.is_async,
            decorators: self
                .node
                .decorator_list
                .iter()
                .map(|decorator| ComparableExpr::from(&decorator.expression))
                .collect(),
            parameters: self
                .node
                .parameters
                .iter()
                .map(|parameter| {
                    (
                        parameter.name().as_str(),
                        parameter.is_variadic(),
                        parameter.default().map(ComparableExpr::from),
                    )
                })
                .collect(),
            body: body.iter().map(ComparableStmt::from).collect(),
        }
    }
}

/// See `Function::behaviour_key`.
#[derive(Debug, PartialEq, Eq)]
pub struct BehaviourKey<'a> {
    is_async: bool,
    decorators: Vec<ComparableExpr<'a>>,
    parameters: Vec<(&'a str, bool, Option<ComparableExpr<'a>>)>,
    body: Vec<ComparableStmt<'a>>,
}

/// Every function and method, in source order, wherever it is defined
/// (under `if`, `try`, `with`, ...), nested ones included.
pub fn functions(file: &PythonFile) -> Vec<Function<'_>> {
    let mut found = Vec::new();
    python::walk_statements(file.suite(), &mut |stmt, enclosing| {
        let Stmt::FunctionDef(function) = stmt else {
            return;
        };
        let mut parts: Vec<&str> = enclosing.iter().map(|scope| scope.name()).collect();
        parts.push(function.name.as_str());
        found.push(Function {
            qualname: parts.join("."),
            node: function,
            stmt,
        });
    });
    found
}

/// The statements outside any class or function (under `if`, `try`,
/// `with`, ... too), in order.
pub fn module_level(file: &PythonFile) -> Vec<&Stmt> {
    let mut found = Vec::new();
    python::walk_statements(file.suite(), &mut |stmt, enclosing| {
        if enclosing.is_empty() {
            found.push(stmt);
        }
    });
    found
}

/// Module-level classes (under `if`, `try`, `with`, ... too), in order.
pub fn classes(file: &PythonFile) -> Vec<&StmtClassDef> {
    let mut found = Vec::new();
    python::walk_statements(file.suite(), &mut |stmt, enclosing| {
        if let (Stmt::ClassDef(class), true) = (stmt, enclosing.is_empty()) {
            found.push(class);
        }
    });
    found
}

/// The last name of `x`, `a.b.x`, or `x(...)`.
pub fn name_of(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        Expr::Call(call) => name_of(&call.func),
        _ => None,
    }
}

pub fn string(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
        _ => None,
    }
}

/// A body's docstring, when it opens with one.
pub fn docstring(body: &[Stmt]) -> Option<String> {
    match body.first() {
        Some(Stmt::Expr(expr)) => match expr.value.as_ref() {
            Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
            _ => None,
        },
        _ => None,
    }
}

pub fn has_docstring(body: &[Stmt]) -> bool {
    matches!(body.first(), Some(Stmt::Expr(expr)) if matches!(expr.value.as_ref(), Expr::StringLiteral(_)))
}

/// The calls made as statements, anywhere in the module.
pub fn collect_calls<'a>(body: &'a [Stmt], found: &mut Vec<&'a ruff_python_ast::ExprCall>) {
    python::walk_statements(body, &mut |stmt, _| {
        if let Stmt::Expr(expr) = stmt
            && let Expr::Call(call) = expr.value.as_ref()
        {
            found.push(call);
        }
    });
}

/// A SQLAlchemy model class or `Table(...)`: its name, where it is, its
/// columns (name to definition text) and a key that changes with its
/// schema only: the column definitions, `__tablename__` and
/// `__table_args__` (methods, properties and other attributes do not).
pub struct Model<'a> {
    pub name: String,
    pub at: TextSize,
    pub columns: BTreeMap<String, String>,
    /// Each column's type, as far as the code says it.
    pub types: BTreeMap<String, ColumnType>,
    pub key: Vec<ComparableStmt<'a>>,
}

/// A column's type: the Python type of `Mapped[...]` (or a SQLModel
/// field's annotation) and the SQL type given to `Column(...)` /
/// `mapped_column(...)`, by name (`String(255)` and `String(512)` are both
/// `String`: a wider column is not a different type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnType {
    pub python: Option<String>,
    pub sql: Option<String>,
}

impl ColumnType {
    /// Whether the two say different types where both say one.
    pub fn differs(&self, other: &ColumnType) -> bool {
        let differ =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
        differ(&self.python, &other.python) || differ(&self.sql, &other.sql)
    }

    fn of(stmt: &Stmt, file: &PythonFile, sqlmodel: bool) -> ColumnType {
        let (annotation, value) = match stmt {
            Stmt::AnnAssign(assign) => (Some(assign.annotation.as_ref()), assign.value.as_deref()),
            Stmt::Assign(assign) => (None, Some(assign.value.as_ref())),
            _ => (None, None),
        };
        // A relationship is not a column: its type is the related class.
        if value
            .is_some_and(|value| matches!(name_of(value), Some("relationship" | "column_property")))
        {
            return ColumnType::default();
        }
        // `List[X]` and `list[X]`, `Optional[X]` and `X | None` are one type.
        let compact = |expr: &Expr| -> String {
            let text: String = file.text(expr.range()).split_whitespace().collect();
            let text = text.replace("typing.", "");
            let text = match text
                .strip_prefix("Optional[")
                .and_then(|rest| rest.strip_suffix(']'))
            {
                Some(inner) => format!("{inner}|None"),
                None => text,
            };
            ["List", "Dict", "Set", "FrozenSet", "Tuple", "Type"]
                .iter()
                .fold(text, |text, alias| {
                    text.replace(&format!("{alias}["), &format!("{}[", alias.to_lowercase()))
                })
        };
        let python = annotation.and_then(|annotation| match annotation {
            Expr::Subscript(subscript) if name_of(&subscript.value) == Some("Mapped") => {
                Some(compact(&subscript.slice))
            }
            _ if sqlmodel => Some(compact(annotation)),
            _ => None,
        });
        let sql = value.and_then(|value| match value {
            Expr::Call(call) if matches!(name_of(&call.func), Some("Column" | "mapped_column")) => {
                call.arguments
                    .args
                    .iter()
                    .filter(|arg| !matches!(arg, Expr::StringLiteral(_)))
                    .find_map(|arg| {
                        name_of(arg)
                            .filter(|name| {
                                !matches!(
                                    *name,
                                    "ForeignKey" | "Sequence" | "Identity" | "Computed"
                                )
                            })
                            .map(str::to_owned)
                    })
            }
            _ => None,
        });
        ColumnType { python, sql }
    }
}

/// Whether a module defines Django models (`models.Model` subclasses),
/// which are outside dod's stack.
pub fn has_django_models(file: &PythonFile) -> bool {
    let imports_django = imports(file)
        .iter()
        .any(|module| module == "django.db" || module.starts_with("django.db."));
    imports_django
        && classes(file).iter().any(|class| {
            class.bases().iter().any(|base| {
                matches!(base, Expr::Attribute(attribute)
                    if attribute.attr.as_str() == "Model"
                        && matches!(attribute.value.as_ref(), Expr::Name(name) if name.id.as_str() == "models"))
            })
        })
}

const COLUMN_CALLS: [&str; 4] = ["Column", "mapped_column", "relationship", "column_property"];

/// Declarative models (a base such as `Base`, `db.Model`, `DeclarativeBase`,
/// or a `__tablename__`) and module-level `Table(...)` definitions.
pub fn models(file: &PythonFile) -> Vec<Model<'_>> {
    let mut found = Vec::new();
    for stmt in module_level(file) {
        match stmt {
            Stmt::ClassDef(class) => {
                // SQLModel: `class Hero(SQLModel, table=True)` maps every field.
                let sqlmodel_table = class.arguments.as_ref().is_some_and(|arguments| {
                    arguments.find_keyword("table").is_some_and(|keyword| {
                        matches!(&keyword.value, Expr::BooleanLiteral(literal) if literal.value)
                    })
                });
                let mut columns = BTreeMap::new();
                let mut types = BTreeMap::new();
                let mut key = Vec::new();
                for stmt in &class.body {
                    let is_column = match stmt {
                        Stmt::AnnAssign(assign) => {
                            sqlmodel_table && matches!(assign.target.as_ref(), Expr::Name(_))
                                || name_of(&assign.annotation).is_some_and(|name| name == "Mapped")
                                || matches!(assign.annotation.as_ref(), Expr::Subscript(subscript) if name_of(&subscript.value) == Some("Mapped"))
                                || assign
                                    .value
                                    .as_deref()
                                    .and_then(name_of)
                                    .is_some_and(|name| COLUMN_CALLS.contains(&name))
                        }
                        Stmt::Assign(assign) => {
                            name_of(&assign.value).is_some_and(|name| COLUMN_CALLS.contains(&name))
                                && matches!(assign.value.as_ref(), Expr::Call(_))
                        }
                        _ => false,
                    };
                    let table_setting = assigned_name(stmt).is_some_and(|name| {
                        matches!(name, "__tablename__" | "__table__" | "__table_args__")
                    });
                    if let (true, Some(name)) = (is_column, assigned_name(stmt)) {
                        columns.insert(name.to_owned(), file.text(stmt.range()).to_owned());
                        types.insert(name.to_owned(), ColumnType::of(stmt, file, sqlmodel_table));
                        key.push(ComparableStmt::from(stmt));
                    } else if table_setting {
                        key.push(ComparableStmt::from(stmt));
                    }
                }
                // A class is a table when it declares one or maps columns
                // (a mixin with columns changes every table that uses it);
                // a pydantic or plain class with annotations does neither.
                if key.is_empty() {
                    continue;
                }
                found.push(Model {
                    name: class.name.to_string(),
                    at: class.start(),
                    columns,
                    types,
                    key,
                });
            }
            Stmt::Assign(assign) => {
                let Expr::Call(call) = assign.value.as_ref() else {
                    continue;
                };
                if name_of(&call.func) != Some("Table") {
                    continue;
                }
                let Some(name) = call.arguments.args.first().and_then(string) else {
                    continue;
                };
                let columns = call
                    .arguments
                    .args
                    .iter()
                    .filter_map(|arg| match arg {
                        Expr::Call(column) if name_of(&column.func) == Some("Column") => column
                            .arguments
                            .args
                            .first()
                            .and_then(string)
                            .map(|name| (name, file.text(column.range()).to_owned())),
                        _ => None,
                    })
                    .collect();
                found.push(Model {
                    name,
                    at: assign.start(),
                    columns,
                    types: BTreeMap::new(),
                    key: vec![ComparableStmt::from(stmt)],
                });
            }
            _ => {}
        }
    }
    found
}

fn assigned_name(stmt: &Stmt) -> Option<&str> {
    let target = match stmt {
        Stmt::Assign(assign) => assign.targets.first()?,
        Stmt::AnnAssign(assign) => assign.target.as_ref(),
        _ => return None,
    };
    match target {
        Expr::Name(name) => Some(name.id.as_str()),
        _ => None,
    }
}

/// The environment variables a module reads, with where: `os.environ["X"]`,
/// `os.environ.get("X")`, `os.getenv("X")`, `environ.get("X")`, the fields
/// of a pydantic `BaseSettings` (with a literal `env_prefix`), and
/// `app.config.from_prefixed_env()` (as `FLASK_*`, or its prefix).
pub fn env_vars(file: &PythonFile, constants: &Constants) -> Vec<(String, TextSize)> {
    use ruff_python_ast::visitor::{self, Visitor};
    struct Reads<'c> {
        found: Vec<(String, TextSize)>,
        constants: &'c Constants,
    }
    fn is_environ(expr: &Expr) -> bool {
        name_of(expr) == Some("environ")
    }
    impl Reads<'_> {
        /// A literal, or a string constant it names (`ENV_KEY`,
        /// `ConfigKey.DB_USER`).
        fn name(&self, expr: &Expr) -> Option<String> {
            string(expr).or_else(|| self.constants.resolve(expr))
        }
    }
    impl<'a> Visitor<'a> for Reads<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Subscript(subscript) if is_environ(&subscript.value) => {
                    if let Some(name) = self.name(&subscript.slice) {
                        self.found.push((name, subscript.start()));
                    }
                }
                // `"X" in os.environ`
                Expr::Compare(compare)
                    if compare.ops.len() == 1
                        && matches!(
                            compare.ops[0],
                            ruff_python_ast::CmpOp::In | ruff_python_ast::CmpOp::NotIn
                        )
                        && is_environ(&compare.comparators[0]) =>
                {
                    if let Some(name) = self.name(&compare.left) {
                        self.found.push((name, compare.start()));
                    }
                }
                Expr::Call(call) => {
                    let reads = match call.func.as_ref() {
                        Expr::Attribute(attribute) => {
                            (attribute.attr.as_str() == "get" && is_environ(&attribute.value))
                                || (attribute.attr.as_str() == "getenv"
                                    && name_of(&attribute.value) == Some("os"))
                        }
                        Expr::Name(name) => name.id.as_str() == "getenv",
                        _ => false,
                    };
                    if reads
                        && let Some(name) =
                            call.arguments.args.first().and_then(|arg| self.name(arg))
                    {
                        self.found.push((name, call.start()));
                    }
                    if let Expr::Attribute(attribute) = call.func.as_ref()
                        && attribute.attr.as_str() == "from_prefixed_env"
                    {
                        let prefix = call
                            .arguments
                            .args
                            .first()
                            .and_then(string)
                            .unwrap_or_else(|| "FLASK".to_owned());
                        self.found.push((format!("{prefix}_*"), call.start()));
                    }
                }
                _ => {}
            }
            visitor::walk_expr(self, expr);
        }

        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::ClassDef(class) = stmt
                && class
                    .bases()
                    .iter()
                    .any(|base| name_of(base) == Some("BaseSettings"))
            {
                let prefix = env_prefix(class);
                for field in &class.body {
                    if let Stmt::AnnAssign(assign) = field
                        && let Expr::Name(name) = assign.target.as_ref()
                        && name.id.as_str() != "model_config"
                    {
                        self.found.push((
                            format!("{prefix}{}", name.id).to_uppercase(),
                            assign.start(),
                        ));
                    }
                }
            }
            visitor::walk_stmt(self, stmt);
        }
    }
    let mut reads = Reads {
        found: Vec::new(),
        constants,
    };
    reads.visit_body(file.suite());
    reads.found
}

/// The string constants of a set of modules, by the name code uses for
/// them: `ENV_KEY = "PRIVACYIDEA_CONFIGFILE"` at module level, and
/// `ConfigKey.DB_USER` for `DB_USER = "PI_DB_USER"` in `class ConfigKey`.
/// A name bound to two different strings is left out.
#[derive(Debug, Default)]
pub struct Constants(BTreeMap<String, Option<String>>);

impl Constants {
    pub fn of(files: &[&PythonFile]) -> Constants {
        let mut constants = Constants::default();
        for file in files {
            for stmt in file.suite() {
                match stmt {
                    Stmt::Assign(_) | Stmt::AnnAssign(_) => constants.add("", stmt),
                    Stmt::ClassDef(class) => {
                        let prefix = format!("{}.", class.name);
                        for stmt in &class.body {
                            constants.add(&prefix, stmt);
                        }
                    }
                    _ => {}
                }
            }
        }
        constants
    }

    fn add(&mut self, prefix: &str, stmt: &Stmt) {
        let (target, value) = match stmt {
            Stmt::Assign(assign) if assign.targets.len() == 1 => {
                (&assign.targets[0], Some(assign.value.as_ref()))
            }
            Stmt::AnnAssign(assign) => (assign.target.as_ref(), assign.value.as_deref()),
            _ => return,
        };
        let (Expr::Name(name), Some(text)) = (target, value.and_then(string)) else {
            return;
        };
        self.0
            .entry(format!("{prefix}{}", name.id))
            .and_modify(|known| {
                if known.as_deref() != Some(text.as_str()) {
                    *known = None;
                }
            })
            .or_insert(Some(text));
    }

    /// The string a name or `Class.NAME` stands for.
    pub fn resolve(&self, expr: &Expr) -> Option<String> {
        let key = match expr {
            Expr::Name(name) => name.id.to_string(),
            Expr::Attribute(attribute) => match attribute.value.as_ref() {
                Expr::Name(owner) => format!("{}.{}", owner.id, attribute.attr),
                _ => return None,
            },
            _ => return None,
        };
        self.0.get(&key).cloned().flatten()
    }
}

/// `model_config = SettingsConfigDict(env_prefix="APP_")` or an inner
/// `class Config: env_prefix = "APP_"`.
fn env_prefix(class: &StmtClassDef) -> String {
    for stmt in &class.body {
        match stmt {
            Stmt::Assign(assign) if assigned_name(stmt) == Some("model_config") => {
                if let Expr::Call(call) = assign.value.as_ref()
                    && let Some(prefix) = call
                        .arguments
                        .find_keyword("env_prefix")
                        .and_then(|keyword| string(&keyword.value))
                {
                    return prefix;
                }
            }
            Stmt::ClassDef(inner) if inner.name.as_str() == "Config" => {
                for stmt in &inner.body {
                    if let Stmt::Assign(assign) = stmt
                        && assigned_name(stmt) == Some("env_prefix")
                        && let Some(prefix) = string(&assign.value)
                    {
                        return prefix;
                    }
                }
            }
            _ => {}
        }
    }
    String::new()
}

/// The modules a file imports: `import a.b` gives `a.b`; `from a.b import
/// c` gives `a.b` and `a.b.c`.
pub fn imports(file: &PythonFile) -> Vec<String> {
    let mut found = Vec::new();
    python::walk_statements(file.suite(), &mut |stmt, _| match stmt {
        Stmt::Import(import) => {
            found.extend(import.names.iter().map(|alias| alias.name.to_string()));
        }
        Stmt::ImportFrom(import) => {
            let module = import
                .module
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            found.extend(
                import
                    .names
                    .iter()
                    .map(|alias| format!("{module}.{}", alias.name)),
            );
            found.push(module);
        }
        _ => {}
    });
    found
}
