//! Name resolution for native checks: which binding a name refers to at a
//! point in a module, by Python's scope rules, so a check can tell the
//! builtin `print` from a local `print`, or `pprint.pprint` through an alias.
//!
//! One pass records every scope with its bindings (assignments, def/class,
//! imports, parameters, loop/with/except targets, walrus, match captures,
//! `global`/`nonlocal`) and every call. Lookups then follow the rules the
//! interpreter does, resolved the way ruff's semantic model does: function
//! and lambda bodies run later, so they see every binding of their enclosing
//! scopes; code that runs at once (module, class body, comprehension) sees
//! only the bindings before it.

use std::collections::HashSet;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    Comprehension, ExceptHandler, Expr, ExprCall, ExprContext, Parameters, Pattern, Stmt,
};
use ruff_text_size::{Ranged, TextSize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

impl ScopeKind {
    /// Runs after its enclosing scope has bound everything.
    fn is_deferred(self) -> bool {
        matches!(self, ScopeKind::Function | ScopeKind::Lambda)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A name with a known qualified name: `import a.b as c` binds `c` to
    /// `a.b`, `from a import b` binds `b` to `a.b`, and a module-level
    /// `def f` in module `m` binds `f` to `m.f`.
    Import(String),
    /// Anything else: the name no longer means what it meant.
    Other,
}

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    parent: Option<usize>,
    bindings: Vec<(String, TextSize, Binding)>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
}

/// A call and the scope it is made in.
pub struct Call<'a> {
    pub call: &'a ExprCall,
    scope: usize,
}

pub struct Model<'a> {
    scopes: Vec<Scope>,
    pub calls: Vec<Call<'a>>,
}

impl<'a> Model<'a> {
    /// `module` is the dotted module name of the file (`app.routes`).
    pub fn build(suite: &'a [Stmt], module: &str) -> Model<'a> {
        let mut builder = Builder {
            model: Model {
                scopes: vec![scope(ScopeKind::Module, None)],
                calls: Vec::new(),
            },
            current: 0,
            module: module.to_owned(),
        };
        builder.visit_body(suite);
        builder.model
    }

    /// The fully qualified name an expression refers to at a call site:
    /// `builtins.print` for an unbound `print`, `pprint.pprint` for `pp`
    /// after `from pprint import pprint as pp`, `sys.stdout` for
    /// `sys.stdout` after `import sys`. `None` when it is something else.
    pub fn qualified_name(&self, call: &Call<'_>, expr: &Expr) -> Option<String> {
        let at = call.call.start();
        match expr {
            Expr::Name(name) => match self.lookup(name.id.as_str(), call.scope, at) {
                Some(Binding::Import(path)) => Some(path.clone()),
                Some(Binding::Other) => None,
                None => Some(format!("builtins.{}", name.id)),
            },
            // An unbound `console` gives `builtins.console.print`, which
            // matches nothing, as it should.
            Expr::Attribute(attribute) => {
                let base = self.qualified_name(call, &attribute.value)?;
                Some(format!("{base}.{}", attribute.attr))
            }
            _ => None,
        }
    }

    fn lookup(&self, name: &str, scope: usize, at: TextSize) -> Option<&Binding> {
        let mut current = Some(scope);
        let mut first = true;
        // Becomes false once the lookup leaves a body that runs later.
        let mut in_order = true;
        while let Some(index) = current {
            let scope = &self.scopes[index];
            if scope.globals.contains(name) {
                return self.latest(0, name, None);
            }
            let visible = first || scope.kind != ScopeKind::Class;
            if visible && !scope.nonlocals.contains(name) {
                // A comprehension binds its targets before its element runs,
                // though they come after it in the source.
                let limit = (in_order && scope.kind != ScopeKind::Comprehension).then_some(at);
                if let Some(binding) = self.latest(index, name, limit) {
                    return Some(binding);
                }
            }
            if scope.kind.is_deferred() {
                in_order = false;
            }
            first = false;
            current = scope.parent;
        }
        None
    }

    /// The last binding of `name` in a scope, before `limit` when given.
    fn latest(&self, scope: usize, name: &str, limit: Option<TextSize>) -> Option<&Binding> {
        self.scopes[scope]
            .bindings
            .iter()
            .rev()
            .find(|(bound, at, _)| bound == name && limit.is_none_or(|limit| *at < limit))
            .map(|(_, _, binding)| binding)
    }
}

fn scope(kind: ScopeKind, parent: Option<usize>) -> Scope {
    Scope {
        kind,
        parent,
        bindings: Vec::new(),
        globals: HashSet::new(),
        nonlocals: HashSet::new(),
    }
}

struct Builder<'a> {
    model: Model<'a>,
    current: usize,
    module: String,
}

impl Builder<'_> {
    /// A def or class: qualified by the module when it is at module level.
    fn bind_definition(&mut self, name: &str, at: TextSize) {
        let binding = if self.current == 0 && !self.module.is_empty() {
            Binding::Import(format!("{}.{name}", self.module))
        } else {
            Binding::Other
        };
        self.bind(name, at, binding);
    }

    fn bind(&mut self, name: &str, at: TextSize, binding: Binding) {
        self.model.scopes[self.current]
            .bindings
            .push((name.to_owned(), at, binding));
    }

    fn push(&mut self, kind: ScopeKind) -> usize {
        let parent = self.current;
        self.model.scopes.push(scope(kind, Some(parent)));
        self.current = self.model.scopes.len() - 1;
        parent
    }

    fn bind_parameters(&mut self, parameters: &Parameters) {
        for parameter in parameters.iter() {
            let name = parameter.name();
            self.bind(name.as_str(), name.start(), Binding::Other);
        }
    }

    /// The scope a walrus binds in: the nearest that is not a comprehension.
    fn walrus_scope(&self) -> usize {
        let mut index = self.current;
        while self.model.scopes[index].kind == ScopeKind::Comprehension {
            match self.model.scopes[index].parent {
                Some(parent) => index = parent,
                None => break,
            }
        }
        index
    }

    fn visit_comprehensions<'b>(&mut self, generators: &'b [Comprehension], elements: &[&'b Expr])
    where
        Self: Visitor<'b>,
    {
        // The first iterable is evaluated in the enclosing scope.
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        let parent = self.push(ScopeKind::Comprehension);
        for (index, generator) in generators.iter().enumerate() {
            if index > 0 {
                self.visit_expr(&generator.iter);
            }
            self.visit_expr(&generator.target);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for element in elements {
            self.visit_expr(element);
        }
        self.current = parent;
    }
}

impl<'a> Visitor<'a> for Builder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(function) => {
                // Decorators, defaults and annotations run in the enclosing scope.
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &function.type_params {
                    self.visit_type_params(type_params);
                }
                for parameter in function.parameters.iter() {
                    if let Some(default) = parameter.default() {
                        self.visit_expr(default);
                    }
                    if let Some(annotation) = parameter.annotation() {
                        self.visit_annotation(annotation);
                    }
                }
                if let Some(returns) = &function.returns {
                    self.visit_annotation(returns);
                }
                self.bind_definition(function.name.as_str(), function.start());
                let parent = self.push(ScopeKind::Function);
                self.bind_parameters(&function.parameters);
                self.visit_body(&function.body);
                self.current = parent;
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.bind_definition(class.name.as_str(), class.start());
                let parent = self.push(ScopeKind::Class);
                self.visit_body(&class.body);
                self.current = parent;
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => self.bind(
                            asname.as_str(),
                            alias.start(),
                            Binding::Import(module.to_owned()),
                        ),
                        None => {
                            let top = module.split('.').next().unwrap_or(module);
                            self.bind(top, alias.start(), Binding::Import(top.to_owned()));
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import
                    .module
                    .as_ref()
                    .map(|module| module.as_str())
                    .unwrap_or_default();
                for alias in &import.names {
                    if alias.name.as_str() == "*" {
                        continue;
                    }
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    let binding = if import.level == 0 {
                        Binding::Import(format!("{module}.{}", alias.name))
                    } else {
                        Binding::Other
                    };
                    self.bind(bound.as_str(), alias.start(), binding);
                }
            }
            Stmt::Global(global) => {
                for name in &global.names {
                    self.model.scopes[self.current]
                        .globals
                        .insert(name.to_string());
                }
            }
            Stmt::Nonlocal(nonlocal) => {
                for name in &nonlocal.names {
                    self.model.scopes[self.current]
                        .nonlocals
                        .insert(name.to_string());
                }
            }
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = alias.name.as_ref() {
                    self.bind(name.id.as_str(), alias.start(), Binding::Other);
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx == ExprContext::Store => {
                self.bind(name.id.as_str(), name.start(), Binding::Other);
            }
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                if let Expr::Name(name) = named.target.as_ref() {
                    let scope = self.walrus_scope();
                    self.model.scopes[scope].bindings.push((
                        name.id.to_string(),
                        name.start(),
                        Binding::Other,
                    ));
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter() {
                        if let Some(default) = parameter.default() {
                            self.visit_expr(default);
                        }
                    }
                }
                let parent = self.push(ScopeKind::Lambda);
                if let Some(parameters) = &lambda.parameters {
                    self.bind_parameters(parameters);
                }
                self.visit_expr(&lambda.body);
                self.current = parent;
            }
            Expr::ListComp(comp) => self.visit_comprehensions(&comp.generators, &[&comp.elt]),
            Expr::SetComp(comp) => self.visit_comprehensions(&comp.generators, &[&comp.elt]),
            Expr::Generator(comp) => self.visit_comprehensions(&comp.generators, &[&comp.elt]),
            Expr::DictComp(comp) => {
                let elements: Vec<&Expr> = comp
                    .key
                    .as_deref()
                    .into_iter()
                    .chain([comp.value.as_ref()])
                    .collect();
                self.visit_comprehensions(&comp.generators, &elements);
            }
            Expr::Call(call) => {
                self.model.calls.push(Call {
                    call,
                    scope: self.current,
                });
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(handler_node) = handler;
        if let Some(name) = &handler_node.name {
            self.bind(name.as_str(), name.start(), Binding::Other);
        }
        visitor::walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        match pattern {
            Pattern::MatchAs(pattern) => {
                if let Some(name) = &pattern.name {
                    self.bind(name.as_str(), name.start(), Binding::Other);
                }
            }
            Pattern::MatchStar(pattern) => {
                if let Some(name) = &pattern.name {
                    self.bind(name.as_str(), name.start(), Binding::Other);
                }
            }
            Pattern::MatchMapping(pattern) => {
                if let Some(rest) = &pattern.rest {
                    self.bind(rest.as_str(), rest.start(), Binding::Other);
                }
            }
            _ => {}
        }
        visitor::walk_pattern(self, pattern);
    }
}
