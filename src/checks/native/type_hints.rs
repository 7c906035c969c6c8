//! `type-hints`: public functions and methods must be fully annotated.

use std::collections::HashSet;

use ruff_python_ast::{Decorator, Expr, Stmt, StmtFunctionDef};
use ruff_text_size::Ranged;

use crate::checks::declare_check;
use crate::checks::native::NativeCheck;
use crate::checks::options::OwnSettings;
use crate::diagnostic::{Finding, Item, Location};
use crate::model::inventory;
use crate::python::{self, Enclosing, PythonFile, Source};

declare_check! {
    /// ## What it does
    /// Requires a type annotation on every parameter (rule
    /// `missing-param-annotation`, one per parameter, at the parameter,
    /// `*args`, `**kwargs` and keyword-only ones included) and on the return
    /// (rule `missing-return-annotation`, at the `def` or `async` keyword,
    /// never the decorator) of every public function and method.
    ///
    /// Public: the name does not start with `_` or is a dunder (`__init__`,
    /// `__call__`, ...), and no enclosing class or function has a name that
    /// starts with `_`. The first parameter of a method (`self`, `cls`: a
    /// `def` whose nearest enclosing scope is a class, also under `if` or
    /// `try` in the class body) is exempt unless it is a `@staticmethod`.
    /// The implementation of an `@overload`-ed function (the undecorated
    /// `def` after its stubs) is exempt, as in ruff. Lambdas are out of
    /// scope, and so are test files unless `include_tests = true`, and
    /// generated files: Alembic revisions (a module with `revision`,
    /// `down_revision` and `upgrade()`) and protobuf's `*_pb2.py`.
    ///
    /// Compared with ruff's ANN001-ANN003 and ANN201/ANN204-ANN206, dod
    /// checks public functions only (ruff's ANN001-ANN003 also cover private
    /// ones), counts a public function nested in a public function as public
    /// (ruff counts every nested function as private), and reports `__init__`
    /// like any method (ruff's ANN204).
    ///
    /// ## Why it matters
    /// Annotations on the public surface are what mypy checks callers
    /// against; an unannotated public function is `Any` to every caller, so
    /// type errors pass silently across module boundaries.
    ///
    /// ## Example
    /// ```python
    /// class Storage:
    ///     def put(self, key, body: bytes):   # missing-param-annotation `key`,
    ///         ...                            # missing-return-annotation
    /// ```
    ///
    /// ## How to fix
    /// Annotate: `def put(self, key: str, body: bytes) -> str:`.
    ///
    /// ## How to suppress
    /// Any `# noqa: ANN...` code (or a bare `# noqa`) on the reported line,
    /// `# dod: ignore[type-hints]`, or `exclude` globs in
    /// `[checks.type-hints]`.
    pub struct TypeHints;
    id: crate::checks::Builtin::TypeHints,
    title: "type annotations on public functions",
    item: Item::CodeTypeHints,
    skips_tests: true,
    filter: crate::config::FilterMode::ChangedLines,
    needs: crate::checks::Needs::Files,
    options: &[],
}

impl NativeCheck for TypeHints {
    fn noqa_codes(&self, _rule: &str) -> &'static [&'static str] {
        &["ANN"]
    }

    fn check(&self, source: &Source, _own: &OwnSettings) -> Vec<Finding> {
        let Source::Parsed(file) = source else {
            return Vec::new();
        };
        // Generated files: Alembic revisions and protobuf modules.
        if inventory::is_revision(file)
            || file.path.ends_with("_pb2.py")
            || file.path.ends_with("_pb2_grpc.py")
        {
            return Vec::new();
        }
        let mut walker = Walker {
            file,
            findings: Vec::new(),
        };
        // The overloads seen, by the scope they are defined in (the
        // innermost class or function, by address) and their name: the
        // implementation after an `@overload` set is one callable with them.
        let mut overloaded: HashSet<(usize, &str)> = HashSet::new();
        python::walk_statements(file.suite(), &mut |stmt, enclosing| {
            let Stmt::FunctionDef(function) = stmt else {
                return;
            };
            let name = function.name.as_str();
            let scope = enclosing.last().map_or(0, |scope| match scope {
                Enclosing::Class(class) => std::ptr::from_ref(*class) as usize,
                Enclosing::Function(function) => std::ptr::from_ref(*function) as usize,
            });
            let is_overload = function
                .decorator_list
                .iter()
                .any(|decorator| named(decorator, "overload"));
            let is_implementation = !is_overload && overloaded.contains(&(scope, name));
            if is_overload {
                overloaded.insert((scope, name));
            }
            let context = Context {
                private: enclosing.iter().any(|scope| scope.name().starts_with('_')),
                in_class: matches!(enclosing.last(), Some(Enclosing::Class(_))),
            };
            let public = !context.private && (!name.starts_with('_') || is_dunder(name));
            if public && !is_implementation {
                walker.function(function, context);
            }
        });
        walker.findings
    }
}

#[derive(Clone, Copy)]
struct Context {
    /// Some enclosing class or function is private.
    private: bool,
    /// The nearest enclosing scope is a class body.
    in_class: bool,
}

struct Walker<'a> {
    file: &'a PythonFile,
    findings: Vec<Finding>,
}

impl Walker<'_> {
    fn function(&mut self, function: &StmtFunctionDef, context: Context) {
        let name = function.name.as_str();
        let is_static = function
            .decorator_list
            .iter()
            .any(|decorator| named(decorator, "staticmethod"));
        let skip_first = context.in_class && !is_static;
        let parameters = &function.parameters;
        let positional = parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .map(|parameter| (&parameter.parameter, ""));
        let variadic = parameters
            .vararg
            .iter()
            .map(|parameter| (parameter.as_ref(), "*"));
        let keyword = parameters
            .kwonlyargs
            .iter()
            .map(|parameter| (&parameter.parameter, ""));
        let kwargs = parameters
            .kwarg
            .iter()
            .map(|parameter| (parameter.as_ref(), "**"));
        for (index, (parameter, stars)) in positional
            .chain(variadic)
            .chain(keyword)
            .chain(kwargs)
            .enumerate()
        {
            let first_positional = index == 0
                && stars.is_empty()
                && !(parameters.posonlyargs.is_empty() && parameters.args.is_empty());
            if skip_first && first_positional {
                continue;
            }
            if parameter.annotation.is_none() {
                let (line, column) = self.file.line_column(parameter.name.start());
                self.findings.push(
                    Finding::new(
                        "missing-param-annotation",
                        Location::at(self.file.path.clone(), line, Some(column)),
                        format!(
                            "parameter `{stars}{}` of `{name}` has no type annotation",
                            parameter.name
                        ),
                    )
                    .with_fix(format!("annotate it: `{stars}{}: TYPE`", parameter.name)),
                );
            }
        }
        if function.returns.is_none() {
            let (line, column) = self.file.line_column(self.file.def_keyword(function));
            let hint = if name == "__init__" {
                "annotate it: `-> None`"
            } else {
                "annotate it: `-> TYPE`"
            };
            self.findings.push(
                Finding::new(
                    "missing-return-annotation",
                    Location::at(self.file.path.clone(), line, Some(column)),
                    format!("`{name}` has no return type annotation"),
                )
                .with_fix(hint),
            );
        }
    }
}

fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

/// `@name`, `@module.name`, or either called.
fn named(decorator: &Decorator, name: &str) -> bool {
    let expression = match &decorator.expression {
        Expr::Call(call) => call.func.as_ref(),
        other => other,
    };
    match expression {
        Expr::Name(node) => node.id.as_str() == name,
        Expr::Attribute(node) => node.attr.as_str() == name,
        _ => false,
    }
}
