//! What a Python module declares, as the change checks compare it between
//! the base and the working tree: functions and their signatures, HTTP
//! endpoints (Flask, FastAPI), SQLAlchemy models and tables, environment
//! variables read, and imports. Pure functions of a parsed file.

use std::collections::BTreeMap;

use ruff_python_ast::comparable::ComparableStmt;
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
fn module_level(file: &PythonFile) -> Vec<&Stmt> {
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

fn string(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Flask,
    FastApi,
}

/// An HTTP endpoint: one method on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub handler: String,
    /// The handler's parameters as written.
    pub signature: String,
    pub framework: Framework,
    /// FastAPI publishes a docstring, `summary=` or `description=` in OpenAPI.
    pub self_documented: bool,
    /// An HTML page, not an API endpoint: the handler renders a template
    /// or redirects, and returns no JSON.
    pub page: bool,
    pub at: TextSize,
}

/// The parameters a client sends, as a comparable string. Flask: none
/// beyond the path (its converters are in the path). FastAPI: each
/// parameter's name, annotation and whether it has a default, leaving out
/// the ones clients never send: `Depends(...)`/`Security(...)` defaults
/// and `Request`, `Response`, `BackgroundTasks`, `WebSocket` parameters.
/// Annotations are compared without layout and with `typing`'s aliases of
/// builtins spelled as the builtins (`Tuple` is `tuple`).
fn client_parameters(
    file: &PythonFile,
    function: &StmtFunctionDef,
    framework: Framework,
) -> String {
    if framework == Framework::Flask {
        return String::new();
    }
    const INTERNAL: [&str; 5] = [
        "Request",
        "Response",
        "BackgroundTasks",
        "WebSocket",
        "HTTPConnection",
    ];
    let parameters = &function.parameters;
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .chain(&parameters.kwonlyargs)
        .filter(|parameter| {
            let injected = parameter.default.as_deref().is_some_and(|default| {
                matches!(default, Expr::Call(call) if matches!(name_of(&call.func), Some("Depends" | "Security")))
            });
            let internal = parameter
                .parameter
                .annotation
                .as_deref()
                .and_then(name_of)
                .is_some_and(|name| INTERNAL.contains(&name));
            !injected && !internal
        })
        .map(|parameter| {
            let annotation: String = parameter
                .parameter
                .annotation
                .as_deref()
                .map(|annotation| file.text(annotation.range()))
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            let annotation = ["Tuple", "List", "Dict", "Set", "FrozenSet", "Type"]
                .iter()
                .fold(annotation.replace("typing.", ""), |text, alias| {
                    text.replace(&format!("{alias}["), &format!("{}[", alias.to_ascii_lowercase()))
                });
            format!(
                "{}:{annotation}{}",
                parameter.parameter.name,
                if parameter.default.is_some() { "=" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What a handler's `return` gives a client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Response {
    Page,
    Data,
    Unknown,
}

fn response_of(expr: &Expr) -> Response {
    match expr {
        Expr::Dict(_) | Expr::List(_) => Response::Data,
        Expr::Tuple(tuple) => tuple.elts.first().map_or(Response::Unknown, response_of),
        Expr::Call(call) => match name_of(&call.func) {
            Some(
                "render_template"
                | "render_template_string"
                | "redirect"
                | "TemplateResponse"
                | "HTMLResponse"
                | "RedirectResponse",
            ) => Response::Page,
            Some("jsonify" | "JSONResponse" | "ORJSONResponse" | "UJSONResponse") => Response::Data,
            Some("make_response") => call
                .arguments
                .args
                .first()
                .map_or(Response::Unknown, response_of),
            _ => Response::Unknown,
        },
        _ => Response::Unknown,
    }
}

/// A handler is a page when its returns render or redirect and none
/// returns data, or when FastAPI is told its response is HTML.
fn is_page(function: &StmtFunctionDef, route: &ruff_python_ast::ExprCall) -> bool {
    let html_class = route
        .arguments
        .find_keyword("response_class")
        .is_some_and(|keyword| {
            name_of(&keyword.value)
                .is_some_and(|name| matches!(name, "HTMLResponse" | "RedirectResponse"))
        });
    if html_class {
        return true;
    }
    let mut responses = Vec::new();
    python::walk_statements(&function.body, &mut |stmt, enclosing| {
        if let (Stmt::Return(ret), true) = (stmt, enclosing.is_empty())
            && let Some(value) = &ret.value
        {
            responses.push(response_of(value));
        }
    });
    responses.contains(&Response::Page) && !responses.contains(&Response::Data)
}

impl Endpoint {
    pub fn key(&self) -> (String, String) {
        (self.method.clone(), self.path.clone())
    }
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// The endpoints a module declares.
pub fn endpoints(file: &PythonFile) -> Vec<Endpoint> {
    // Blueprint / APIRouter objects and their prefixes, from module-level assignments.
    let mut prefixes: BTreeMap<String, (Framework, String)> = BTreeMap::new();
    for stmt in module_level(file) {
        let Stmt::Assign(assign) = stmt else { continue };
        let (Some(Expr::Name(target)), Expr::Call(call)) =
            (assign.targets.first(), assign.value.as_ref())
        else {
            continue;
        };
        let framework = match name_of(&call.func) {
            Some("Blueprint" | "Flask") => Framework::Flask,
            Some("APIRouter" | "FastAPI") => Framework::FastApi,
            _ => continue,
        };
        let key = if framework == Framework::Flask {
            "url_prefix"
        } else {
            "prefix"
        };
        let prefix = call
            .arguments
            .find_keyword(key)
            .and_then(|keyword| string(&keyword.value))
            .unwrap_or_default();
        prefixes.insert(target.id.to_string(), (framework, prefix));
    }
    let mut found = Vec::new();
    let mut views: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for class in classes(file) {
        let is_view = class
            .bases()
            .iter()
            .any(|base| name_of(base).is_some_and(|name| name.ends_with("View")));
        if is_view {
            let methods = class
                .body
                .iter()
                .filter_map(|stmt| {
                    if let Stmt::FunctionDef(function) = stmt {
                        Some(function.name.as_str())
                    } else {
                        None
                    }
                })
                .filter(|name| METHODS.contains(name))
                .map(str::to_uppercase)
                .collect();
            views.insert(class.name.to_string(), methods);
        }
    }
    for function in functions(file) {
        for decorator in &function.node.decorator_list {
            let Expr::Call(call) = &decorator.expression else {
                continue;
            };
            let Expr::Attribute(attribute) = call.func.as_ref() else {
                continue;
            };
            let Expr::Name(object) = attribute.value.as_ref() else {
                continue;
            };
            let (framework, prefix) = prefixes
                .get(object.id.as_str())
                .cloned()
                .unwrap_or((Framework::Flask, String::new()));
            let path = call.arguments.args.first().and_then(string).or_else(|| {
                call.arguments
                    .find_keyword("path")
                    .or_else(|| call.arguments.find_keyword("rule"))
                    .and_then(|keyword| string(&keyword.value))
            });
            let Some(path) = path else { continue };
            let verb = attribute.attr.as_str();
            let methods: Vec<String> = if verb == "route" || verb == "api_route" {
                call.arguments
                    .find_keyword("methods")
                    .and_then(|keyword| list_of_strings(&keyword.value))
                    .unwrap_or_else(|| vec!["GET".to_owned()])
            } else if METHODS.contains(&verb) {
                vec![verb.to_uppercase()]
            } else {
                continue;
            };
            let self_documented = framework == Framework::FastApi
                && (has_docstring(&function.node.body)
                    || call.arguments.find_keyword("summary").is_some()
                    || call.arguments.find_keyword("description").is_some());
            let page = is_page(function.node, call);
            for method in methods {
                found.push(Endpoint {
                    method: method.to_uppercase(),
                    path: join(&prefix, &path),
                    handler: function.qualname.clone(),
                    signature: client_parameters(file, function.node, framework),
                    framework,
                    self_documented,
                    page,
                    at: file.def_keyword(function.node),
                });
            }
        }
    }
    // `bp.add_url_rule("/path", view_func=..., methods=[...])`, at any depth.
    let mut calls = Vec::new();
    collect_calls(file.suite(), &mut calls);
    for call in calls {
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            continue;
        };
        if attribute.attr.as_str() != "add_url_rule" {
            continue;
        }
        let Some(path) = call.arguments.args.first().and_then(string) else {
            continue;
        };
        let prefix = match attribute.value.as_ref() {
            Expr::Name(object) => prefixes
                .get(object.id.as_str())
                .map(|(_, prefix)| prefix.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let view = call
            .arguments
            .find_keyword("view_func")
            .map(|keyword| &keyword.value)
            .or_else(|| call.arguments.args.get(2));
        let handler = view.and_then(|view| match view {
            Expr::Call(inner) => match inner.func.as_ref() {
                Expr::Attribute(as_view) => name_of(&as_view.value).map(str::to_owned),
                other => name_of(other).map(str::to_owned),
            },
            other => name_of(other).map(str::to_owned),
        });
        let handler = handler.unwrap_or_default();
        let methods = call
            .arguments
            .find_keyword("methods")
            .and_then(|keyword| list_of_strings(&keyword.value))
            .or_else(|| views.get(&handler).cloned())
            .unwrap_or_else(|| vec!["GET".to_owned()]);
        for method in methods {
            found.push(Endpoint {
                method: method.to_uppercase(),
                path: join(&prefix, &path),
                handler: handler.clone(),
                signature: String::new(),
                framework: Framework::Flask,
                self_documented: false,
                page: false,
                at: call.start(),
            });
        }
    }
    found.sort_by_key(Endpoint::key);
    found.dedup_by(|a, b| a.key() == b.key());
    found
}

fn join(prefix: &str, path: &str) -> String {
    let joined = format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    if joined.len() > 1 {
        joined.trim_end_matches('/').to_owned()
    } else {
        joined
    }
}

fn list_of_strings(expr: &Expr) -> Option<Vec<String>> {
    let elements = match expr {
        Expr::List(list) => &list.elts,
        Expr::Tuple(tuple) => &tuple.elts,
        Expr::Set(set) => &set.elts,
        _ => return None,
    };
    Some(elements.iter().filter_map(string).collect())
}

pub fn has_docstring(body: &[Stmt]) -> bool {
    matches!(body.first(), Some(Stmt::Expr(expr)) if matches!(expr.value.as_ref(), Expr::StringLiteral(_)))
}

/// The calls made as statements, anywhere in the module.
fn collect_calls<'a>(body: &'a [Stmt], found: &mut Vec<&'a ruff_python_ast::ExprCall>) {
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
    pub key: Vec<ComparableStmt<'a>>,
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
pub fn env_vars(file: &PythonFile) -> Vec<(String, TextSize)> {
    use ruff_python_ast::visitor::{self, Visitor};
    struct Reads(Vec<(String, TextSize)>);
    fn is_environ(expr: &Expr) -> bool {
        name_of(expr) == Some("environ")
    }
    impl<'a> Visitor<'a> for Reads {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Subscript(subscript) if is_environ(&subscript.value) => {
                    if let Some(name) = string(&subscript.slice) {
                        self.0.push((name, subscript.start()));
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
                    if reads && let Some(name) = call.arguments.args.first().and_then(string) {
                        self.0.push((name, call.start()));
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
                        self.0.push((format!("{prefix}_*"), call.start()));
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
                        self.0.push((
                            format!("{prefix}{}", name.id).to_uppercase(),
                            assign.start(),
                        ));
                    }
                }
            }
            visitor::walk_stmt(self, stmt);
        }
    }
    let mut reads = Reads(Vec::new());
    reads.visit_body(file.suite());
    reads.0
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
