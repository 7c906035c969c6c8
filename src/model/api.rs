//! The public API of a module, as its importers see it: module-level
//! functions and classes, methods and class attributes defined by `def`,
//! with their signatures. A property with its setter and deleter is one
//! attribute; an `@overload` set with its implementation is one callable.
//! It also records what keeps an old name importable: the module's own
//! imports (re-exports), `__all__` and the names a module `__getattr__`
//! answers for. It knows no checks.

use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::{Decorator, Expr, Parameters, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextSize};

use crate::python::{self, Enclosing, PythonFile};

/// How a caller may pass a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamKind {
    PositionalOnly,
    PositionalOrKeyword,
    VarPositional,
    KeywordOnly,
    VarKeyword,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub has_default: bool,
}

/// A callable's parameters as callers see them (a method's `self` or
/// `cls` left out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    pub params: Vec<Param>,
    /// A `@staticmethod`: callable on the class without an instance.
    pub static_method: bool,
    /// A CLI command (click, typer): its parameters are not compared.
    pub cli_command: bool,
}

impl Signature {
    fn of(parameters: &Parameters, bound: bool) -> Signature {
        let mut params = Vec::new();
        let simple = |param: &ruff_python_ast::ParameterWithDefault, kind| Param {
            name: param.parameter.name.to_string(),
            kind,
            has_default: param.default.is_some(),
        };
        params.extend(
            parameters
                .posonlyargs
                .iter()
                .map(|param| simple(param, ParamKind::PositionalOnly)),
        );
        params.extend(
            parameters
                .args
                .iter()
                .map(|param| simple(param, ParamKind::PositionalOrKeyword)),
        );
        if bound && !params.is_empty() {
            params.remove(0);
        }
        params.extend(parameters.vararg.iter().map(|param| Param {
            name: param.name.to_string(),
            kind: ParamKind::VarPositional,
            has_default: true,
        }));
        params.extend(
            parameters
                .kwonlyargs
                .iter()
                .map(|param| simple(param, ParamKind::KeywordOnly)),
        );
        params.extend(parameters.kwarg.iter().map(|param| Param {
            name: param.name.to_string(),
            kind: ParamKind::VarKeyword,
            has_default: true,
        }));
        Signature {
            params,
            static_method: false,
            cli_command: false,
        }
    }

    fn positional(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|param| {
            matches!(
                param.kind,
                ParamKind::PositionalOnly | ParamKind::PositionalOrKeyword
            )
        })
    }

    fn has(&self, kind: ParamKind) -> bool {
        self.params.iter().any(|param| param.kind == kind)
    }

    fn named(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// What a call that worked with `self` may find broken with `new`, in
    /// griffe's terms: a parameter removed, moved, made required or of
    /// another kind, or a new required parameter.
    pub fn breaks(&self, new: &Signature) -> Vec<SignatureBreak> {
        let mut found = Vec::new();
        if self.cli_command || new.cli_command {
            return found;
        }
        if self.static_method && !new.static_method {
            found.push(SignatureBreak::NoLongerStatic);
        }
        let old_positional: Vec<&Param> = self.positional().collect();
        let new_positional: Vec<&Param> = new.positional().collect();
        for old in &self.params {
            match old.kind {
                ParamKind::VarPositional => {
                    if !new.has(ParamKind::VarPositional) {
                        found.push(SignatureBreak::Removed(format!("*{}", old.name)));
                    }
                    continue;
                }
                ParamKind::VarKeyword => {
                    if !new.has(ParamKind::VarKeyword) {
                        found.push(SignatureBreak::Removed(format!("**{}", old.name)));
                    }
                    continue;
                }
                _ => {}
            }
            let Some(current) = new.named(&old.name) else {
                // A positional-only parameter may be renamed freely.
                let position = old_positional
                    .iter()
                    .position(|param| param.name == old.name);
                let renamed_positional_only = old.kind == ParamKind::PositionalOnly
                    && position.is_some_and(|at| {
                        new_positional
                            .get(at)
                            .is_some_and(|param| param.kind == ParamKind::PositionalOnly)
                    });
                let absorbed = match old.kind {
                    ParamKind::KeywordOnly => new.has(ParamKind::VarKeyword),
                    _ => false,
                };
                if !renamed_positional_only && !absorbed {
                    found.push(SignatureBreak::Removed(old.name.clone()));
                }
                continue;
            };
            let narrowed = matches!(
                (old.kind, current.kind),
                (ParamKind::PositionalOrKeyword, ParamKind::PositionalOnly)
                    | (
                        ParamKind::PositionalOrKeyword | ParamKind::PositionalOnly,
                        ParamKind::KeywordOnly
                    )
                    | (ParamKind::KeywordOnly, ParamKind::PositionalOnly)
            );
            if narrowed {
                found.push(SignatureBreak::KindChanged(old.name.clone()));
                continue;
            }
            if old.has_default && !current.has_default {
                found.push(SignatureBreak::DefaultRemoved(old.name.clone()));
            }
            let before = old_positional
                .iter()
                .position(|param| param.name == old.name);
            let after = new_positional
                .iter()
                .position(|param| param.name == old.name);
            if let (Some(before), Some(after)) = (before, after)
                && before != after
            {
                found.push(SignatureBreak::Moved(old.name.clone()));
            }
        }
        for (position, param) in new.params.iter().enumerate() {
            // A positional-only parameter in the place of another is a rename.
            let renamed = param.kind == ParamKind::PositionalOnly
                && old_positional
                    .get(position)
                    .is_some_and(|old| old.kind == ParamKind::PositionalOnly);
            let required = !renamed
                && !param.has_default
                && matches!(
                    param.kind,
                    ParamKind::PositionalOnly
                        | ParamKind::PositionalOrKeyword
                        | ParamKind::KeywordOnly
                );
            if required && self.named(&param.name).is_none() {
                found.push(SignatureBreak::NewRequired(param.name.clone()));
            }
        }
        found
    }
}

/// One way a signature change breaks callers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SignatureBreak {
    Removed(String),
    NewRequired(String),
    KindChanged(String),
    DefaultRemoved(String),
    Moved(String),
    /// A static method became an instance method: calls on the class break.
    NoLongerStatic,
}

/// What a public name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolKind {
    Function(Signature),
    /// A class, with the last names of its bases.
    Class {
        bases: Vec<String>,
    },
    /// A property; `settable` with a setter.
    Property {
        settable: bool,
    },
    /// A name bound by assignment: a module constant or a class attribute.
    Attribute,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Dotted inside the module: `Upload`, `Upload.save`.
    pub qualname: String,
    pub kind: SymbolKind,
    /// Where it is defined (its `def` or `class` keyword).
    pub at: TextSize,
}

/// A module's public API and what keeps names importable from it.
#[derive(Debug, Clone, Default)]
pub struct ModuleApi {
    /// The dotted module name.
    pub module: String,
    pub path: String,
    /// Public when no part of the module name starts with `_`.
    pub public: bool,
    pub symbols: BTreeMap<String, Symbol>,
    /// Names bound by the module's imports (`from x import y as z` binds
    /// `z`), and `__all__`: a name here is still importable.
    pub bound: BTreeSet<String>,
    /// A module `__getattr__` exists; the string literals it compares with
    /// are the names it answers for (deprecated aliases).
    pub getattr_names: BTreeSet<String>,
    /// `from x import *`: anything may be importable.
    pub star_import: bool,
    /// The names the module imports from others (`from x import y as z`).
    pub imports: Vec<crate::model::imports::Import>,
    /// `__all__`, when the module sets it.
    pub all: Option<BTreeSet<String>>,
    /// For a private module: its top-level names that a public package
    /// re-exports, each with the public module it is importable from
    /// (`httpx._client.Client` is `httpx.Client`).
    pub exported: BTreeMap<String, String>,
}

impl ModuleApi {
    /// Whether `name` (a top-level name) is importable from the module
    /// without being defined in it.
    pub fn still_importable(&self, name: &str) -> bool {
        self.bound.contains(name) || self.getattr_names.contains(name) || self.star_import
    }
}

/// Public when not `_private` (dunders are public).
pub fn is_public_name(name: &str) -> bool {
    !name.starts_with('_') || (name.starts_with("__") && name.ends_with("__") && name.len() > 4)
}

/// Files that are not part of a library's importable API.
pub fn is_library_module(path: &str) -> bool {
    if python::is_test_file(path) {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let outside = [
        "migrations/",
        "alembic/",
        "docs/",
        "doc/",
        "examples/",
        "example/",
        "scripts/",
        "benchmarks/",
    ];
    let top_level_script = !path.contains('/')
        && matches!(
            name,
            "setup.py" | "noxfile.py" | "fabfile.py" | "manage.py" | "conftest.py" | "tasks.py"
        );
    !top_level_script
        && !outside
            .iter()
            .any(|dir| path.starts_with(dir) || path.contains(&format!("/{dir}")))
}

/// The module name of a project-relative path, `src/` layout included.
pub fn module_name(path: &str) -> String {
    let name = python::module_name(path);
    name.strip_prefix("src.").map(str::to_owned).unwrap_or(name)
}

fn decorated(decorators: &[Decorator], wanted: &str) -> bool {
    decorators.iter().any(|decorator| {
        let expr = match &decorator.expression {
            Expr::Call(call) => call.func.as_ref(),
            other => other,
        };
        match expr {
            Expr::Name(name) => name.id.as_str() == wanted,
            Expr::Attribute(attribute) => attribute.attr.as_str() == wanted,
            _ => false,
        }
    })
}

/// Decorated as an HTTP route: `@bp.route("/x")`, `@router.get("")`.
fn is_route_handler(function: &StmtFunctionDef) -> bool {
    const VERBS: [&str; 10] = [
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "api_route",
        "websocket",
    ];
    function.decorator_list.iter().any(|decorator| {
        let Expr::Call(call) = &decorator.expression else {
            return false;
        };
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return false;
        };
        let path = call.arguments.args.first().or_else(|| {
            call.arguments
                .find_keyword("path")
                .or_else(|| call.arguments.find_keyword("rule"))
                .map(|keyword| &keyword.value)
        });
        VERBS.contains(&attribute.attr.as_str())
            && matches!(path, Some(Expr::StringLiteral(literal))
                if literal.value.to_str().is_empty() || literal.value.to_str().starts_with('/'))
    })
}

/// `@x.setter` / `@x.deleter`: the property `x` it belongs to.
fn accessor_of<'a>(function: &'a StmtFunctionDef, accessor: &str) -> Option<&'a str> {
    function.decorator_list.iter().find_map(|decorator| {
        let Expr::Attribute(attribute) = &decorator.expression else {
            return None;
        };
        let Expr::Name(owner) = attribute.value.as_ref() else {
            return None;
        };
        (attribute.attr.as_str() == accessor).then_some(owner.id.as_str())
    })
}

/// The public API of one parsed module.
pub fn module_api(file: &PythonFile) -> ModuleApi {
    let module = module_name(&file.path);
    let mut api = ModuleApi {
        public: module.split('.').all(is_public_name) && is_library_module(&file.path),
        module,
        path: file.path.clone(),
        imports: crate::model::imports::imports(file),
        ..ModuleApi::default()
    };
    python::walk_statements(file.suite(), &mut |stmt, enclosing| {
        // Inside a function nothing is API, but for the attributes a
        // method sets on `self` (`self.name = ...`).
        if enclosing
            .iter()
            .any(|scope| matches!(scope, Enclosing::Function(_)))
        {
            if let [.., Enclosing::Class(_), Enclosing::Function(_)] = enclosing {
                let class: Vec<&str> = enclosing[..enclosing.len() - 1]
                    .iter()
                    .map(|scope| scope.name())
                    .collect();
                for name in self_attributes(stmt) {
                    attribute(&mut api, &class, name, None, stmt);
                }
            }
            return;
        }
        let mut parts: Vec<&str> = enclosing.iter().map(|scope| scope.name()).collect();
        let in_class = !parts.is_empty();
        match stmt {
            Stmt::FunctionDef(function) => {
                let name = function.name.as_str();
                if !in_class && name == "__getattr__" {
                    api.getattr_names.extend(string_literals(&function.body));
                    return;
                }
                parts.push(name);
                let qualname = parts.join(".");
                if !parts.iter().all(|part| is_public_name(part)) {
                    return;
                }
                // A route handler's contract is its endpoint (method and
                // path, in `model::routes`), not its Python name.
                if !in_class && is_route_handler(function) {
                    return;
                }
                let at = file.def_keyword(function);
                if in_class
                    && (accessor_of(function, "setter").is_some()
                        || accessor_of(function, "deleter").is_some())
                {
                    let settable = accessor_of(function, "setter").is_some();
                    if let Some(symbol) = api.symbols.get_mut(&qualname)
                        && let SymbolKind::Property { settable: known } = &mut symbol.kind
                    {
                        *known |= settable;
                    }
                    return;
                }
                let kind = if in_class
                    && (decorated(&function.decorator_list, "property")
                        || decorated(&function.decorator_list, "cached_property"))
                {
                    SymbolKind::Property { settable: false }
                } else {
                    let static_method = decorated(&function.decorator_list, "staticmethod");
                    let bound = in_class && !static_method;
                    let mut signature = Signature::of(&function.parameters, bound);
                    signature.static_method = in_class && static_method;
                    // Operators call dunder methods positionally: their
                    // parameter names are not part of the API.
                    let operator = name.starts_with("__")
                        && name.ends_with("__")
                        && !matches!(name, "__init__" | "__new__" | "__call__");
                    if operator {
                        for param in &mut signature.params {
                            if param.kind == ParamKind::PositionalOrKeyword {
                                param.kind = ParamKind::PositionalOnly;
                            }
                        }
                    }
                    // A click or typer command is called by the CLI, which
                    // maps options to parameters: its Python signature is
                    // not API (the command's options are).
                    let command = decorated(&function.decorator_list, "command")
                        || decorated(&function.decorator_list, "group");
                    if command {
                        signature.params.clear();
                        signature.cli_command = true;
                    }
                    SymbolKind::Function(signature)
                };
                let overload = decorated(&function.decorator_list, "overload");
                match api.symbols.get(&qualname) {
                    // The implementation after an `@overload` set is the
                    // callable; further overloads add nothing.
                    Some(_) if overload => {}
                    _ => {
                        api.symbols
                            .insert(qualname.clone(), Symbol { qualname, kind, at });
                    }
                }
            }
            Stmt::ClassDef(class) => {
                parts.push(class.name.as_str());
                if parts.iter().all(|part| is_public_name(part)) {
                    let qualname = parts.join(".");
                    let bases = class.bases().iter().filter_map(base_name).collect();
                    api.symbols.insert(
                        qualname.clone(),
                        Symbol {
                            qualname,
                            kind: SymbolKind::Class { bases },
                            at: class.start(),
                        },
                    );
                }
            }
            Stmt::Import(import) if !in_class => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().map_or_else(
                        || alias.name.split('.').next().unwrap_or_default().to_owned(),
                        ToString::to_string,
                    );
                    api.bound.insert(bound);
                }
            }
            Stmt::ImportFrom(import) if !in_class => {
                for alias in &import.names {
                    if alias.name.as_str() == "*" {
                        api.star_import = true;
                    } else {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        api.bound.insert(bound.to_string());
                    }
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    let Expr::Name(name) = target else { continue };
                    if !in_class && name.id.as_str() == "__all__" {
                        let names = string_literals_of(&assign.value);
                        api.bound.extend(names.iter().cloned());
                        api.all.get_or_insert_default().extend(names);
                        continue;
                    }
                    if !in_class {
                        // `Old = New`: an alias keeps the old name.
                        api.bound.insert(name.id.to_string());
                    }
                    attribute(
                        &mut api,
                        &parts,
                        name.id.as_str(),
                        Some(&assign.value),
                        stmt,
                    );
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Name(name) = assign.target.as_ref() {
                    if !in_class {
                        api.bound.insert(name.id.to_string());
                    }
                    attribute(
                        &mut api,
                        &parts,
                        name.id.as_str(),
                        assign.value.as_deref(),
                        stmt,
                    );
                }
            }
            _ => {}
        }
    });
    api
}

/// Records a public attribute, unless the scope already defines the name
/// (a `def` wins) or it is a dunder or a type variable (not API).
fn attribute(api: &mut ModuleApi, scope: &[&str], name: &str, value: Option<&Expr>, stmt: &Stmt) {
    let dunder = name.starts_with("__") && name.ends_with("__");
    let type_variable = value.is_some_and(|value| {
        matches!(value, Expr::Call(call) if matches!(
            call.func.as_ref(),
            Expr::Name(func) if matches!(func.id.as_str(), "TypeVar" | "ParamSpec" | "TypeVarTuple")
        ) || matches!(
            call.func.as_ref(),
            Expr::Attribute(func) if matches!(func.attr.as_str(), "TypeVar" | "ParamSpec" | "TypeVarTuple")
        ))
    });
    if dunder
        || type_variable
        || !is_public_name(name)
        || !scope.iter().all(|part| is_public_name(part))
    {
        return;
    }
    let mut parts = scope.to_vec();
    parts.push(name);
    let qualname = parts.join(".");
    api.symbols.entry(qualname.clone()).or_insert(Symbol {
        qualname,
        kind: SymbolKind::Attribute,
        at: stmt.start(),
    });
}

/// One API per module: a `.pyi` stub and its `.py` are one module. The
/// source's definitions win (they are what callers run); the stub adds the
/// names the source does not define (attributes it only declares).
pub fn merge_stubs(apis: Vec<ModuleApi>) -> Vec<ModuleApi> {
    let mut merged: BTreeMap<String, ModuleApi> = BTreeMap::new();
    for api in apis {
        match merged.remove(&api.module) {
            None => {
                merged.insert(api.module.clone(), api);
            }
            Some(other) => {
                let (mut source, stub) = if api.path.ends_with(".pyi") {
                    (other, api)
                } else {
                    (api, other)
                };
                for (name, symbol) in stub.symbols {
                    source.symbols.entry(name).or_insert(symbol);
                }
                source.bound.extend(stub.bound);
                source.getattr_names.extend(stub.getattr_names);
                source.star_import |= stub.star_import;
                source.imports.extend(stub.imports);
                source.public |= stub.public;
                merged.insert(source.module.clone(), source);
            }
        }
    }
    merged.into_values().collect()
}

/// Marks the names of private modules that a public package re-exports:
/// an import in a public package `__init__` (or a public module with
/// `__all__` naming it) from a private module of the set. The name is then
/// API, importable from the package.
pub fn resolve_reexports(apis: &mut [ModuleApi]) {
    // To a fixpoint: a private package that re-exports a private module's
    // names (`httpx/_transports/__init__.py`: `from .default import *`) is
    // itself re-exported by a public one (`httpx`), so the names are
    // public there.
    loop {
        let mut exported: Vec<(String, String, String)> = Vec::new();
        for api in apis
            .iter()
            .filter(|api| api.public || !api.exported.is_empty())
        {
            let package = api.path.ends_with("__init__.py") || api.path.ends_with("__init__.pyi");
            // Where a name this module binds is public.
            let public_at = |local: &str| -> Option<String> {
                if api.public {
                    Some(api.module.clone())
                } else {
                    api.exported.get(local).cloned()
                }
            };
            for import in &api.imports {
                let Some(name) = &import.name else { continue };
                // `from ._api import *` binds the source's `__all__`, else
                // its public names; the module exports those its own
                // `__all__` lists, or all of them.
                if import.is_star() {
                    let Some(source) = apis.iter().find(|other| other.module == import.module)
                    else {
                        continue;
                    };
                    let bound: Vec<String> = match &source.all {
                        Some(all) => all.iter().cloned().collect(),
                        None => source
                            .symbols
                            .keys()
                            .filter(|name| !name.contains('.') && is_public_name(name))
                            .cloned()
                            .collect(),
                    };
                    for name in bound {
                        let listed = api.all.as_ref().is_none_or(|all| all.contains(&name));
                        if let (true, Some(public)) = (listed, public_at(&name)) {
                            exported.push((import.module.clone(), name, public));
                        }
                    }
                    continue;
                }
                let listed = match &api.all {
                    Some(all) => all.contains(&import.local),
                    None => package,
                };
                if listed
                    && is_public_name(&import.local)
                    && let Some(public) = public_at(&import.local)
                {
                    exported.push((import.module.clone(), name.clone(), public));
                }
            }
        }
        let mut grew = false;
        for (module, name, public) in exported {
            if let Some(api) = apis
                .iter_mut()
                .find(|api| api.module == module && !api.public)
                && !api.exported.contains_key(&name)
            {
                api.exported.insert(name, public);
                grew = true;
            }
        }
        if !grew {
            return;
        }
    }
}

/// The last name of a base class: `Base`, `mod.Base`, `Base[T]`.
fn base_name(base: &Expr) -> Option<String> {
    match base {
        Expr::Name(name) => Some(name.id.to_string()),
        Expr::Attribute(attribute) => Some(attribute.attr.to_string()),
        Expr::Subscript(subscript) => base_name(&subscript.value),
        _ => None,
    }
}

/// The names `self.name = ...` sets.
fn self_attributes(stmt: &Stmt) -> Vec<&str> {
    let targets: Vec<&Expr> = match stmt {
        Stmt::Assign(assign) => assign.targets.iter().collect(),
        Stmt::AnnAssign(assign) => vec![assign.target.as_ref()],
        _ => return Vec::new(),
    };
    targets
        .into_iter()
        .filter_map(|target| match target {
            Expr::Attribute(attribute) => match attribute.value.as_ref() {
                Expr::Name(owner) if owner.id.as_str() == "self" => Some(attribute.attr.as_str()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The names a module `__getattr__` answers for: the string literals it
/// compares the requested name with (`name == "Old"`, `name in (...)`)
/// and the keys of the mappings it looks the name up in.
fn string_literals(body: &[Stmt]) -> BTreeSet<String> {
    use ruff_python_ast::visitor::{self, Visitor};
    struct Strings(BTreeSet<String>);
    impl Strings {
        fn literal(&mut self, expr: &Expr) {
            match expr {
                Expr::StringLiteral(literal) => {
                    self.0.insert(literal.value.to_str().to_owned());
                }
                Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| self.literal(elt)),
                Expr::List(list) => list.elts.iter().for_each(|elt| self.literal(elt)),
                Expr::Set(set) => set.elts.iter().for_each(|elt| self.literal(elt)),
                _ => {}
            }
        }
    }
    impl<'a> Visitor<'a> for Strings {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Compare(compare) => {
                    self.literal(&compare.left);
                    compare
                        .comparators
                        .iter()
                        .for_each(|right| self.literal(right));
                }
                Expr::Dict(dict) => {
                    for item in &dict.items {
                        if let Some(key) = &item.key {
                            self.literal(key);
                        }
                    }
                }
                _ => {}
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut strings = Strings(BTreeSet::new());
    strings.visit_body(body);
    strings.0
}

fn string_literals_of(expr: &Expr) -> Vec<String> {
    let elements: &[Expr] = match expr {
        Expr::List(list) => &list.elts,
        Expr::Tuple(tuple) => &tuple.elts,
        _ => return Vec::new(),
    };
    elements
        .iter()
        .filter_map(|element| match element {
            Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::python::{Source, parse_text};

    /// The API of a module written inline (shared with the delta's tests).
    pub(crate) fn api(path: &str, source: &str) -> ModuleApi {
        let Source::Parsed(file) = parse_text(path, source.to_owned()) else {
            panic!("parses")
        };
        module_api(&file)
    }

    fn signature(source: &str) -> Signature {
        let api = api("m.py", source);
        match &api.symbols["f"].kind {
            SymbolKind::Function(signature) => signature.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn property_with_setter_is_one_attribute() {
        let api = api(
            "app/core.py",
            "class App:\n    @property\n    def debug(self) -> bool: ...\n    @debug.setter\n    def debug(self, value: bool) -> None: ...\n",
        );
        assert_eq!(
            api.symbols["App.debug"].kind,
            SymbolKind::Property { settable: true }
        );
    }

    #[test]
    fn an_overload_set_is_its_implementation() {
        let api = api(
            "m.py",
            "from typing import overload\n@overload\ndef f(x: int) -> int: ...\n@overload\ndef f(x: str) -> str: ...\ndef f(x, y=None): ...\n",
        );
        let SymbolKind::Function(signature) = &api.symbols["f"].kind else {
            panic!()
        };
        assert_eq!(signature.params.len(), 2);
    }

    #[test]
    fn private_names_modules_and_nested_functions_are_not_api() {
        let api_ = api(
            "pkg/_utils.py",
            "def helper(): ...\nclass C:\n    def _p(self): ...\n    def m(self):\n        def inner(): ...\n",
        );
        assert!(!api_.public);
        assert!(api_.symbols.contains_key("C.m"));
        assert!(!api_.symbols.contains_key("C._p"));
        assert!(!api_.symbols.keys().any(|name| name.contains("inner")));
    }

    #[test]
    fn reexports_all_and_getattr_keep_names_importable() {
        let api = api(
            "pkg/__init__.py",
            "from .core import App as Flask\n__all__ = [\"Flask\", \"g\"]\ndef __getattr__(name):\n    if name == \"OldName\":\n        return Flask\n    raise AttributeError(name)\n",
        );
        assert!(api.still_importable("Flask"));
        assert!(api.still_importable("g"));
        assert!(api.still_importable("OldName"));
        assert!(!api.still_importable("Other"));
    }

    #[test]
    fn a_cli_command_signature_is_not_api() {
        let old = api(
            "cli.py",
            "import click\n@click.command()\ndef create(name): ...\n",
        );
        let new = api(
            "cli.py",
            "import click\n@click.command()\n@click.option('--u')\ndef create(name, u): ...\n",
        );
        let (SymbolKind::Function(before), SymbolKind::Function(after)) =
            (&old.symbols["create"].kind, &new.symbols["create"].kind)
        else {
            panic!()
        };
        assert!(before.breaks(after).is_empty());
    }

    #[test]
    fn signature_breaks_are_told_apart() {
        let old = signature("def f(a, b=1, *, c=2): ...");
        assert!(
            old.breaks(&signature("def f(a, b=1, *, c=2, d=3): ..."))
                .is_empty()
        );
        assert_eq!(
            old.breaks(&signature("def f(a, b=1, *, c=2, d): ...")),
            [SignatureBreak::NewRequired("d".into())]
        );
        assert_eq!(
            old.breaks(&signature("def f(a, *, c=2): ...")),
            [SignatureBreak::Removed("b".into())]
        );
        assert_eq!(
            old.breaks(&signature("def f(a, *, b=1, c=2): ...")),
            [SignatureBreak::KindChanged("b".into())]
        );
        assert_eq!(
            old.breaks(&signature("def f(a, b, *, c=2): ...")),
            [SignatureBreak::DefaultRemoved("b".into())]
        );
        assert_eq!(
            old.breaks(&signature("def f(b=1, a=0, *, c=2): ...")),
            [
                SignatureBreak::Moved("a".into()),
                SignatureBreak::Moved("b".into())
            ]
        );
        // A keyword-only parameter taken by **kwargs still works.
        assert!(
            old.breaks(&signature("def f(a, b=1, **kwargs): ..."))
                .is_empty()
        );
        // Positional-only parameters may be renamed.
        let old = signature("def f(x, /): ...");
        assert!(old.breaks(&signature("def f(y, /): ...")).is_empty());
    }
}
