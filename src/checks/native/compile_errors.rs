//! What CPython's `compile()` refuses in a file that parses: the errors its
//! tokenizer and compiler raise after the grammar accepts the text. The
//! tokenizer's: inconsistent tabs and spaces (`TabError`, measured as
//! CPython does) and more than 200 nested brackets. The compiler's: more
//! than 20 statically nested blocks, and the
//! semantic errors ruff's parser knows (`return` or `yield` outside a
//! function, `break` outside a loop, duplicate parameters, `await` outside
//! an async function, a late `from __future__` import, ...), for which this
//! module supplies the scopes they are judged in.

use std::cell::RefCell;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, PythonVersion, Stmt};
use ruff_python_parser::semantic_errors::{
    LazyImportContext, SemanticSyntaxChecker, SemanticSyntaxContext, SemanticSyntaxError,
};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::python::PythonFile;

/// CPython's `MAXLEVEL`: brackets nested deeper are "too many nested parentheses".
const MAX_BRACKETS: usize = 200;

/// CPython's `CO_MAXBLOCKS`: "too many statically nested blocks".
const MAX_BLOCKS: usize = 20;

/// One error, at a byte offset of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub offset: TextSize,
    pub message: String,
}

/// The first errors `compile()` would raise, in file order.
pub fn errors(file: &PythonFile) -> Vec<CompileError> {
    let mut found = tabs_and_brackets(file);
    let mut walker = Walker {
        checker: SemanticSyntaxChecker::new(),
        context: Context {
            source: &file.source,
            scopes: vec![Scope::new(Kind::Module)],
            errors: RefCell::new(Vec::new()),
        },
    };
    walker.visit_body(file.suite());
    found.extend(walker.context.errors.into_inner());
    found.sort_by_key(|error| error.offset);
    found
}

/// The tokenizer's checks: bracket depth, and tab consistency at each
/// logical line's indentation, measured as CPython does (tab stops of 8
/// and of 1 must agree), which ruff's lexer does not always do.
fn tabs_and_brackets(file: &PythonFile) -> Vec<CompileError> {
    // (column with tab stops of 8, column with tab stops of 1)
    let mut indents: Vec<(usize, usize)> = vec![(0, 0)];
    let mut at_line_start = true;
    let mut depth = 0usize;
    for token in file.tokens() {
        match token.kind() {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    return vec![CompileError {
                        offset: token.start(),
                        message: "too many nested parentheses".to_owned(),
                    }];
                }
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        match token.kind() {
            TokenKind::Newline => {
                at_line_start = true;
                continue;
            }
            TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::NonLogicalNewline
            | TokenKind::Comment => continue,
            _ => {}
        }
        if !at_line_start {
            continue;
        }
        at_line_start = false;
        let (column, alternative) = indentation(&file.source, usize::from(token.start()));
        let tab_error = || {
            vec![CompileError {
                offset: token.start(),
                message: "inconsistent use of tabs and spaces in indentation (TabError)".to_owned(),
            }]
        };
        let &(top, top_alternative) = indents.last().unwrap_or(&(0, 0));
        if column == top {
            if alternative != top_alternative {
                return tab_error();
            }
        } else if column > top {
            if alternative <= top_alternative {
                return tab_error();
            }
            indents.push((column, alternative));
        } else {
            while indents.len() > 1 && indents.last().is_some_and(|(top, _)| column < *top) {
                indents.pop();
            }
            // A dedent to no level is the parser's error already.
            if indents.last().is_some_and(|&(top, top_alternative)| {
                column == top && alternative != top_alternative
            }) {
                return tab_error();
            }
        }
    }
    Vec::new()
}

/// The indentation before `offset` on its line: its column with tab stops
/// of 8 and with tab stops of 1 (a form feed starts again at 0).
fn indentation(source: &str, offset: usize) -> (usize, usize) {
    let line_start = source[..offset].rfind('\n').map_or(0, |at| at + 1);
    let (mut column, mut alternative) = (0usize, 0usize);
    for byte in source[line_start..offset].bytes() {
        match byte {
            b' ' => {
                column += 1;
                alternative += 1;
            }
            b'\t' => {
                column = (column / 8 + 1) * 8;
                alternative += 1;
            }
            b'\x0c' => {
                column = 0;
                alternative = 0;
            }
            _ => break,
        }
    }
    (column, alternative)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Module,
    Function { is_async: bool },
    Lambda,
    Class,
    Comprehension { is_async: bool },
    Generator,
}

/// A scope, with what the compiler counts in it.
#[derive(Debug, Clone)]
struct Scope {
    kind: Kind,
    parameters: Vec<String>,
    /// Enclosing `for`/`while` bodies.
    loops: usize,
    /// Statically nested blocks (loops, `try`, `with`).
    blocks: usize,
}

impl Scope {
    fn new(kind: Kind) -> Scope {
        Scope {
            kind,
            parameters: Vec::new(),
            loops: 0,
            blocks: 0,
        }
    }
}

struct Context<'a> {
    source: &'a str,
    scopes: Vec<Scope>,
    errors: RefCell<Vec<CompileError>>,
}

impl Context<'_> {
    fn current(&self) -> &Scope {
        self.scopes
            .last()
            .expect("the module scope is never popped")
    }

    /// The scopes from the innermost outward, comprehensions included.
    fn outward(&self) -> impl Iterator<Item = &Scope> {
        self.scopes.iter().rev()
    }

    /// The innermost scope that is not a comprehension or generator.
    fn enclosing(&self) -> Kind {
        self.outward()
            .map(|scope| scope.kind)
            .find(|kind| !matches!(kind, Kind::Comprehension { .. } | Kind::Generator))
            .unwrap_or(Kind::Module)
    }
}

impl SemanticSyntaxContext for Context<'_> {
    fn future_annotations_or_stub(&self) -> bool {
        false
    }

    fn lazy_import_context(&self) -> Option<LazyImportContext> {
        None
    }

    fn python_version(&self) -> PythonVersion {
        PythonVersion::PY314
    }

    fn source(&self) -> &str {
        self.source
    }

    fn global(&self, _name: &str) -> Option<TextRange> {
        // Not tracked: never a reason to report.
        None
    }

    fn has_nonlocal_binding(&self, _name: &str) -> bool {
        // Not tracked: a `nonlocal` is taken to have its binding.
        true
    }

    fn in_async_context(&self) -> bool {
        matches!(self.enclosing(), Kind::Function { is_async: true })
    }

    fn in_await_allowed_context(&self) -> bool {
        matches!(self.enclosing(), Kind::Function { .. } | Kind::Lambda)
    }

    fn in_yield_allowed_context(&self) -> bool {
        matches!(self.current().kind, Kind::Function { .. } | Kind::Lambda)
    }

    fn in_sync_comprehension(&self) -> bool {
        for scope in self.outward() {
            match scope.kind {
                Kind::Comprehension { is_async: false } => return true,
                Kind::Comprehension { .. } | Kind::Generator => {}
                _ => return false,
            }
        }
        false
    }

    fn in_class_body_comprehension(&self) -> bool {
        self.enclosing() == Kind::Class
    }

    fn in_module_scope(&self) -> bool {
        self.current().kind == Kind::Module
    }

    fn in_function_scope(&self) -> bool {
        matches!(self.current().kind, Kind::Function { .. } | Kind::Lambda)
    }

    fn in_generator_context(&self) -> bool {
        for scope in self.outward() {
            match scope.kind {
                Kind::Generator => return true,
                Kind::Comprehension { .. } => {}
                _ => return false,
            }
        }
        false
    }

    fn in_notebook(&self) -> bool {
        false
    }

    fn report_semantic_error(&self, error: SemanticSyntaxError) {
        self.errors.borrow_mut().push(CompileError {
            offset: error.range.start(),
            message: error.to_string(),
        });
    }

    fn in_loop_context(&self) -> bool {
        self.current().loops > 0
    }

    fn is_bound_parameter(&self, name: &str) -> bool {
        self.current()
            .parameters
            .iter()
            .any(|parameter| parameter == name)
    }
}

struct Walker<'a> {
    checker: SemanticSyntaxChecker,
    context: Context<'a>,
}

impl Walker<'_> {
    fn scoped(&mut self, scope: Scope, visit: impl FnOnce(&mut Self)) {
        self.context.scopes.push(scope);
        visit(self);
        self.context.scopes.pop();
    }

    /// A block statement's body: one more nested block (and loop).
    fn block<'b>(
        &mut self,
        at: TextSize,
        is_loop: bool,
        body: &'b [Stmt],
        visit_body: impl FnOnce(&mut Self, &'b [Stmt]),
    ) {
        let scope = self.context.scopes.last_mut().expect("module scope");
        scope.blocks += 1;
        if is_loop {
            scope.loops += 1;
        }
        if scope.blocks > MAX_BLOCKS {
            self.context.errors.borrow_mut().push(CompileError {
                offset: at,
                message: "too many statically nested blocks".to_owned(),
            });
        }
        visit_body(self, body);
        let scope = self.context.scopes.last_mut().expect("module scope");
        scope.blocks -= 1;
        if is_loop {
            scope.loops -= 1;
        }
    }
}

impl<'a> Visitor<'a> for Walker<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.checker.visit_stmt(stmt, &self.context);
        match stmt {
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &function.type_params {
                    self.visit_type_params(type_params);
                }
                self.visit_parameters(&function.parameters);
                if let Some(returns) = &function.returns {
                    self.visit_annotation(returns);
                }
                let mut scope = Scope::new(Kind::Function {
                    is_async: function.is_async,
                });
                scope.parameters = function
                    .parameters
                    .iter()
                    .map(|parameter| parameter.name().to_string())
                    .collect();
                self.scoped(scope, |walker| walker.visit_body(&function.body));
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &class.type_params {
                    self.visit_type_params(type_params);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.scoped(Scope::new(Kind::Class), |walker| {
                    walker.visit_body(&class.body);
                });
            }
            Stmt::For(for_loop) => {
                self.visit_expr(&for_loop.target);
                self.visit_expr(&for_loop.iter);
                self.block(stmt.start(), true, &for_loop.body, |walker, body| {
                    walker.visit_body(body);
                });
                self.visit_body(&for_loop.orelse);
            }
            Stmt::While(while_loop) => {
                self.visit_expr(&while_loop.test);
                self.block(stmt.start(), true, &while_loop.body, |walker, body| {
                    walker.visit_body(body);
                });
                self.visit_body(&while_loop.orelse);
            }
            Stmt::With(with) => {
                for item in &with.items {
                    self.visit_with_item(item);
                }
                self.block(stmt.start(), false, &with.body, |walker, body| {
                    walker.visit_body(body);
                });
            }
            Stmt::Try(try_stmt) => {
                self.block(stmt.start(), false, &try_stmt.body, |walker, body| {
                    walker.visit_body(body);
                    for handler in &try_stmt.handlers {
                        walker.visit_except_handler(handler);
                    }
                    walker.visit_body(&try_stmt.orelse);
                    walker.visit_body(&try_stmt.finalbody);
                });
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.checker.visit_expr(expr, &self.context);
        match expr {
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
                let mut scope = Scope::new(Kind::Lambda);
                scope.parameters = lambda
                    .parameters
                    .iter()
                    .flat_map(|parameters| parameters.iter())
                    .map(|parameter| parameter.name().to_string())
                    .collect();
                self.scoped(scope, |walker| walker.visit_expr(&lambda.body));
            }
            Expr::ListComp(ruff_python_ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ruff_python_ast::ExprSetComp {
                elt, generators, ..
            }) => self.comprehension(generators, false, |walker| walker.visit_expr(elt)),
            Expr::Generator(generator) => {
                self.comprehension(&generator.generators, true, |walker| {
                    walker.visit_expr(&generator.elt);
                });
            }
            Expr::DictComp(dict) => self.comprehension(&dict.generators, false, |walker| {
                if let Some(key) = &dict.key {
                    walker.visit_expr(key);
                }
                walker.visit_expr(&dict.value);
            }),
            _ => visitor::walk_expr(self, expr),
        }
    }
}

impl<'a> Walker<'a> {
    /// The first iterable is evaluated in the enclosing scope, the rest in
    /// the comprehension's own.
    fn comprehension(
        &mut self,
        generators: &'a [ruff_python_ast::Comprehension],
        is_generator: bool,
        visit_element: impl FnOnce(&mut Self),
    ) {
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        let kind = if is_generator {
            Kind::Generator
        } else {
            Kind::Comprehension {
                is_async: generators.iter().any(|generator| generator.is_async),
            }
        };
        self.scoped(Scope::new(kind), |walker| {
            for (index, generator) in generators.iter().enumerate() {
                walker.visit_expr(&generator.target);
                if index > 0 {
                    walker.visit_expr(&generator.iter);
                }
                for condition in &generator.ifs {
                    walker.visit_expr(condition);
                }
            }
            visit_element(walker);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::{Source, parse_text};

    fn messages(source: &str) -> Vec<String> {
        match parse_text("m.py", source.to_owned()) {
            Source::Parsed(file) => errors(&file)
                .into_iter()
                .map(|error| error.message)
                .collect(),
            Source::Invalid { problem, .. } => vec![format!("parser: {}", problem.message)],
        }
    }

    /// Each refused by CPython 3.11's `compile()` (checked with
    /// `python3 -c "compile(open(F).read(), F, 'exec')"`).
    #[test]
    fn what_cpython_refuses_is_an_error() {
        let cases: Vec<(String, &str)> = vec![
            // ruff's parser refuses this one itself, in its own words...
            ("if x:\n\ta = 1\n        b = 2\n".to_owned(), ""),
            // ...and accepts this one.
            ("if x:\n    \ta = 1\n\t    b = 2\n".to_owned(), "TabError"),
            (
                format!("x = {}1{}\n", "(".repeat(201), ")".repeat(201)),
                "nested parentheses",
            ),
            ("return 1\n".to_owned(), "outside"),
            ("yield 1\n".to_owned(), "outside"),
            ("break\n".to_owned(), "outside"),
            ("def f():\n    continue\n".to_owned(), "outside"),
            ("def f(a, a):\n    pass\n".to_owned(), "Duplicate parameter"),
            ("def f():\n    await g()\n".to_owned(), "await"),
            (
                "import os\nfrom __future__ import annotations\n".to_owned(),
                "__future__",
            ),
            ("class C:\n    yield 1\n".to_owned(), "outside"),
            (
                (0..21)
                    .map(|depth| format!("{}for i{depth} in x:\n", "    ".repeat(depth)))
                    .collect::<String>()
                    + &"    ".repeat(21)
                    + "pass\n",
                "statically nested blocks",
            ),
        ];
        for (source, wanted) in cases {
            let found = messages(&source);
            assert!(
                found.iter().any(|message| message.contains(wanted)),
                "{source:?}: wanted {wanted:?}, found {found:?}"
            );
        }
    }

    /// Each compiled by CPython: nothing to report.
    #[test]
    fn what_cpython_compiles_is_not_an_error() {
        for source in [
            "def f():\n    return 1\n",
            "async def f():\n    await g()\n    [x async for x in y]\n",
            "def f():\n    yield 1\n    lambda: (yield)\n",
            "for x in y:\n    if x:\n        break\nelse:\n    pass\n",
            "if x:\n\ta = 1\n\tb = 2\n",
            "from __future__ import annotations\n\"\"\"doc\"\"\"\nimport os\n",
            "x = [1,\n\t2]\n",
            "class C:\n    def m(self, a, b):\n        return [a for a in b]\n",
        ] {
            assert_eq!(messages(source), Vec::<String>::new(), "{source:?}");
        }
    }
}
