//! HTTP routes: the endpoints a project serves, with their full paths.
//! Each module declares routes on its app, blueprint or router objects
//! (Flask `@bp.route`, `@bp.get`, `add_url_rule` with `MethodView`s;
//! FastAPI `@router.get`, `@app.api_route`), and mounts objects on others
//! (`app.register_blueprint(bp, url_prefix=...)`,
//! `app.include_router(router, prefix=...)`), often in another module. The
//! full path of a route is the prefixes of every mount above it and its
//! own path; mounts are followed through imports (relative ones included)
//! across the modules given. Pure functions of parsed files.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::{Expr, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextSize};

use crate::model::analysis::{
    classes, collect_calls, functions, has_docstring, module_level, name_of, string,
};
use crate::model::api::module_name;
use crate::model::imports::{Import, imports};
use crate::python::{self, PythonFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Flask,
    FastApi,
}

/// An HTTP endpoint: one method on one path, the path as a client sees it
/// (with every prefix of the blueprints and routers it is mounted under).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub method: String,
    pub path: String,
    /// The project-relative file that declares it.
    pub file: String,
    pub handler: String,
    /// The handler's parameters as written.
    pub signature: String,
    pub framework: Framework,
    /// The handler documents itself: a docstring (FastAPI publishes it in
    /// OpenAPI; Flask's doc generators read it), or FastAPI's `summary=` /
    /// `description=`.
    pub self_documented: bool,
    /// The handler's docstring, to tell whether a changed Flask endpoint's
    /// docs changed with it.
    pub docstring: Option<String>,
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
    /// What identifies an endpoint to a client: method and path. An
    /// endpoint whose handler moved to another module keeps its key.
    pub fn key(&self) -> (String, String) {
        (self.method.clone(), self.path.clone())
    }
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// An app, blueprint or router object a module creates at module level.
#[derive(Debug, Clone)]
struct Object {
    framework: Framework,
    /// The object's own prefix (`Blueprint(url_prefix=...)`, `APIRouter(prefix=...)`).
    prefix: String,
}

/// A route as its module declares it: on an object, with the object's
/// reference as written (`bp`, `views.bp`), before any prefix.
#[derive(Debug, Clone)]
struct Declared {
    owner: Vec<String>,
    path: String,
    endpoint: Endpoint,
}

/// `parent.register_blueprint(child, url_prefix=...)` or
/// `parent.include_router(child, prefix=...)`.
#[derive(Debug, Clone)]
struct Mount {
    parent: Vec<String>,
    child: Vec<String>,
    prefix: Option<String>,
    framework: Framework,
}

/// What one module declares about routing.
struct ModuleRoutes {
    module: String,
    objects: BTreeMap<String, Object>,
    imports: Vec<Import>,
    routes: Vec<Declared>,
    mounts: Vec<Mount>,
}

/// A reference as written: `bp` or `views.bp`, as its dotted parts.
fn dotted(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Name(name) => Some(vec![name.id.to_string()]),
        Expr::Attribute(attribute) => {
            let mut parts = dotted(&attribute.value)?;
            parts.push(attribute.attr.to_string());
            Some(parts)
        }
        _ => None,
    }
}

fn objects(file: &PythonFile) -> BTreeMap<String, Object> {
    let mut objects = BTreeMap::new();
    for stmt in module_level(file) {
        let (target, value) = match stmt {
            Stmt::Assign(assign) => (assign.targets.first(), Some(assign.value.as_ref())),
            Stmt::AnnAssign(assign) => (Some(assign.target.as_ref()), assign.value.as_deref()),
            _ => continue,
        };
        let (Some(Expr::Name(target)), Some(Expr::Call(call))) = (target, value) else {
            continue;
        };
        let framework = match name_of(&call.func) {
            Some("Blueprint" | "Flask" | "APIBlueprint") => Framework::Flask,
            Some("APIRouter" | "FastAPI") => Framework::FastApi,
            _ => continue,
        };
        let key = match framework {
            Framework::Flask => "url_prefix",
            Framework::FastApi => "prefix",
        };
        let prefix = call
            .arguments
            .find_keyword(key)
            .and_then(|keyword| string(&keyword.value))
            .unwrap_or_default();
        objects.insert(target.id.to_string(), Object { framework, prefix });
    }
    objects
}

fn imports_fastapi(imports: &[Import]) -> bool {
    imports
        .iter()
        .any(|import| import.module.split('.').next() == Some("fastapi"))
}

/// What a module declares: its objects, routes and mounts.
fn module_routes(file: &PythonFile) -> ModuleRoutes {
    let objects = objects(file);
    let imports = imports(file);
    let fastapi = imports_fastapi(&imports);
    // The framework of an object defined elsewhere: FastAPI when the module
    // imports it (Flask 2 has `@bp.get` too).
    let framework_of = |owner: &[String]| -> Framework {
        match owner {
            [name] => objects.get(name).map(|object| object.framework),
            _ => None,
        }
        .unwrap_or(if fastapi {
            Framework::FastApi
        } else {
            Framework::Flask
        })
    };
    let mut routes = Vec::new();
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
            let Some(owner) = dotted(&attribute.value) else {
                continue;
            };
            let framework = framework_of(&owner);
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
            // A docstring is what FastAPI publishes in OpenAPI, and what
            // Flask's doc generators read (apispec, flasgger,
            // sphinxcontrib-httpdomain's `autoflask`).
            let self_documented = has_docstring(&function.node.body)
                || (framework == Framework::FastApi
                    && (call.arguments.find_keyword("summary").is_some()
                        || call.arguments.find_keyword("description").is_some()));
            let page = is_page(function.node, call);
            for method in methods {
                routes.push(Declared {
                    owner: owner.clone(),
                    path: path.clone(),
                    endpoint: Endpoint {
                        method: method.to_uppercase(),
                        path: String::new(),
                        file: file.path.clone(),
                        handler: function.qualname.clone(),
                        signature: client_parameters(file, function.node, framework),
                        framework,
                        self_documented,
                        docstring: crate::model::analysis::docstring(&function.node.body),
                        page,
                        at: file.def_keyword(function.node),
                    },
                });
            }
        }
    }
    let mut calls = Vec::new();
    collect_calls(file.suite(), &mut calls);
    let mut mounts = Vec::new();
    for call in calls {
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            continue;
        };
        let Some(parent) = dotted(&attribute.value) else {
            continue;
        };
        match attribute.attr.as_str() {
            // `bp.add_url_rule("/path", view_func=..., methods=[...])`, at any depth.
            "add_url_rule" => {
                let Some(path) = call.arguments.args.first().and_then(string) else {
                    continue;
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
                    routes.push(Declared {
                        owner: parent.clone(),
                        path: path.clone(),
                        endpoint: Endpoint {
                            method: method.to_uppercase(),
                            path: String::new(),
                            file: file.path.clone(),
                            handler: handler.clone(),
                            signature: String::new(),
                            framework: Framework::Flask,
                            self_documented: false,
                            docstring: None,
                            page: false,
                            at: call.start(),
                        },
                    });
                }
            }
            verb @ ("register_blueprint" | "include_router") => {
                let Some(child) = call.arguments.args.first().and_then(dotted) else {
                    continue;
                };
                let (framework, key) = if verb == "register_blueprint" {
                    (Framework::Flask, "url_prefix")
                } else {
                    (Framework::FastApi, "prefix")
                };
                let prefix = call
                    .arguments
                    .find_keyword(key)
                    .and_then(|keyword| string(&keyword.value));
                mounts.push(Mount {
                    parent,
                    child,
                    prefix,
                    framework,
                });
            }
            _ => {}
        }
    }
    ModuleRoutes {
        module: module_name(&file.path),
        objects,
        imports,
        routes,
        mounts,
    }
}

/// An object, by the module that defines it and its name there.
type ObjectRef = (String, String);

struct Project {
    modules: BTreeMap<String, ModuleRoutes>,
}

impl Project {
    /// The object a reference in `module` names, through imports and
    /// re-exports (`from .api import bp`, `views.bp`, `api.tokens.bp`).
    fn resolve(&self, module: &str, parts: &[String], depth: usize) -> Option<ObjectRef> {
        if depth > 16 {
            return None;
        }
        let here = self.modules.get(module)?;
        let (first, rest) = parts.split_first()?;
        if rest.is_empty() && here.objects.contains_key(first) {
            return Some((module.to_owned(), first.clone()));
        }
        let import = here
            .imports
            .iter()
            .rev()
            .find(|import| &import.local == first)?;
        let mut target: Vec<String> = import.module.split('.').map(str::to_owned).collect();
        target.extend(import.name.iter().cloned());
        target.extend(rest.iter().cloned());
        // The longest prefix of the target that is a known module holds the rest.
        (1..target.len()).rev().find_map(|split| {
            let module = target[..split].join(".");
            self.modules
                .contains_key(&module)
                .then(|| self.resolve(&module, &target[split..], depth + 1))
                .flatten()
        })
    }

    /// The prefixes an object is served under: one per mount (an object
    /// mounted nowhere is served under its own prefix).
    fn prefixes(&self, object: &ObjectRef, depth: usize) -> BTreeSet<String> {
        let own = self
            .modules
            .get(&object.0)
            .and_then(|module| module.objects.get(&object.1));
        let own_prefix = own.map(|own| own.prefix.clone()).unwrap_or_default();
        let mut found = BTreeSet::new();
        if depth > 16 {
            found.insert(own_prefix);
            return found;
        }
        for (name, module) in &self.modules {
            for mount in &module.mounts {
                if self.resolve(name, &mount.child, 0).as_ref() != Some(object) {
                    continue;
                }
                // Flask: the `url_prefix` given at registration replaces the
                // blueprint's own; FastAPI: `prefix` comes before the router's.
                let prefix = match mount.framework {
                    Framework::Flask => mount.prefix.clone().unwrap_or_else(|| own_prefix.clone()),
                    Framework::FastApi => {
                        join(mount.prefix.as_deref().unwrap_or_default(), &own_prefix)
                    }
                };
                let parents = match self.resolve(name, &mount.parent, 0) {
                    Some(parent) if &parent != object => self.prefixes(&parent, depth + 1),
                    _ => BTreeSet::from([String::new()]),
                };
                found.extend(parents.iter().map(|parent| join(parent, &prefix)));
            }
        }
        if found.is_empty() {
            found.insert(own_prefix);
        }
        found
    }
}

/// The endpoints the given modules serve, with full paths. Mounts and
/// objects are followed across exactly these modules; a reference that
/// leads outside them counts as mounted at the root.
pub fn endpoints(files: &[&PythonFile]) -> Vec<Endpoint> {
    let project = Project {
        modules: files
            .iter()
            .map(|file| {
                let routes = module_routes(file);
                (routes.module.clone(), routes)
            })
            .collect(),
    };
    let mut found = Vec::new();
    for (name, module) in &project.modules {
        for route in &module.routes {
            let prefixes = match project.resolve(name, &route.owner, 0) {
                Some(object) => project.prefixes(&object, 0),
                None => BTreeSet::from([String::new()]),
            };
            for prefix in prefixes {
                let mut endpoint = route.endpoint.clone();
                endpoint.path = join(&prefix, &route.path);
                found.push(endpoint);
            }
        }
    }
    found.sort_by(|a, b| a.key().cmp(&b.key()).then(a.file.cmp(&b.file)));
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

    fn paths(files: &[(&str, &str)]) -> Vec<(String, String)> {
        let parsed: Vec<PythonFile> = files
            .iter()
            .map(|(path, source)| parse(path, source))
            .collect();
        let refs: Vec<&PythonFile> = parsed.iter().collect();
        endpoints(&refs).iter().map(Endpoint::key).collect()
    }

    #[test]
    fn a_blueprint_prefix_given_in_another_module_is_part_of_the_path() {
        let found = paths(&[
            (
                "app/api/tokens.py",
                "from flask import Blueprint\nbp = Blueprint('tokens', __name__)\n@bp.route('/tokens', methods=['POST'])\ndef create(): return {}\n",
            ),
            (
                "app/__init__.py",
                "from flask import Flask\nfrom .api import tokens\ndef create_app():\n    app = Flask(__name__)\n    app.register_blueprint(tokens.bp, url_prefix='/api')\n    return app\n",
            ),
        ]);
        assert_eq!(found, [("POST".to_owned(), "/api/tokens".to_owned())]);
    }

    #[test]
    fn router_prefixes_add_up_through_nested_includes() {
        let found = paths(&[
            (
                "svc/routers/items.py",
                "from fastapi import APIRouter\nrouter = APIRouter(prefix='/items')\n@router.get('/{item_id}')\ndef read(item_id: int): ...\n",
            ),
            (
                "svc/api.py",
                "from fastapi import APIRouter\nfrom svc.routers.items import router as items_router\napi = APIRouter()\napi.include_router(items_router, prefix='/v1')\n",
            ),
            (
                "svc/main.py",
                "from fastapi import FastAPI\nfrom .api import api\napp = FastAPI()\napp.include_router(api, prefix='/api')\n",
            ),
        ]);
        assert_eq!(
            found,
            [("GET".to_owned(), "/api/v1/items/{item_id}".to_owned())]
        );
    }

    #[test]
    fn routes_on_a_blueprint_imported_from_the_package() {
        let found = paths(&[
            (
                "app/main/__init__.py",
                "from flask import Blueprint\nbp = Blueprint('main', __name__, url_prefix='/main')\nfrom . import views\n",
            ),
            (
                "app/main/views.py",
                "from . import bp\n@bp.get('/home')\ndef home(): return {}\n",
            ),
        ]);
        assert_eq!(found, [("GET".to_owned(), "/main/home".to_owned())]);
    }
}
