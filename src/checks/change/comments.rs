//! `comments`: advice that complex new code explains itself.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{BoolOp, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::checks::change::{ChangeCheck, Input};
use crate::checks::declare_check;
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran, Severity};
use crate::model::analysis;
use crate::python;

/// McCabe complexity from which a function needs a comment.
const COMPLEXITY: u32 = 10;
/// Nesting of compound statements from which a function needs a comment.
const NESTING: u32 = 4;

declare_check! {
    /// ## What it does
    /// Advice, never blocking (status `warn`): an added function, or one
    /// whose body changed, whose cyclomatic complexity is 10 or more, or whose statements nest 4
    /// or more deep, and that has neither a docstring nor a comment.
    ///
    /// ## Why it matters
    /// Non-obvious logic is where the next reader gets it wrong; a sentence
    /// on why it is shaped this way saves them the archaeology.
    ///
    /// ## Example
    /// ```python
    /// def route(order):          # complexity 12, no docstring, no comment
    ///     if ...:
    ///         for ...:
    /// ```
    ///
    /// ## How to fix
    /// Add a docstring or comments that say why, or split the function.
    ///
    /// ## How to suppress
    /// `enabled = false` in `[checks.comments]`.
    pub struct Comments;
    id: crate::checks::Builtin::Comments,
    title: "complex code is commented",
    item: Item::DocsComments,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: &[],
}

struct Measure {
    complexity: u32,
    depth: u32,
    deepest: u32,
}

impl Measure {
    fn nested(&mut self, body: impl FnOnce(&mut Self)) {
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        body(self);
        self.depth -= 1;
    }
}

impl<'a> Visitor<'a> for Measure {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            // A nested function is measured on its own.
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::If(node) => {
                self.complexity += 1 + u32::try_from(
                    node.elif_else_clauses
                        .iter()
                        .filter(|clause| clause.test.is_some())
                        .count(),
                )
                .unwrap_or(0);
                self.nested(|this| visitor::walk_stmt(this, stmt));
            }
            Stmt::For(_) | Stmt::While(_) => {
                self.complexity += 1;
                self.nested(|this| visitor::walk_stmt(this, stmt));
            }
            Stmt::Try(node) => {
                self.complexity += u32::try_from(node.handlers.len()).unwrap_or(0);
                self.nested(|this| visitor::walk_stmt(this, stmt));
            }
            Stmt::Match(node) => {
                self.complexity += u32::try_from(node.cases.len()).unwrap_or(0);
                self.nested(|this| visitor::walk_stmt(this, stmt));
            }
            Stmt::With(_) => self.nested(|this| visitor::walk_stmt(this, stmt)),
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::BoolOp(node) => {
                let extra = node.values.len().saturating_sub(1);
                let _ = node.op == BoolOp::And;
                self.complexity += u32::try_from(extra).unwrap_or(0);
            }
            Expr::If(_) => self.complexity += 1,
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                self.complexity += 1
            }
            Expr::Lambda(_) => return,
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

impl ChangeCheck for Comments {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let mut findings = Vec::new();
        for versions in input.python {
            let Some(head) = &versions.head else { continue };
            if python::is_test_file(&versions.file.path) {
                continue;
            }
            let before: Vec<analysis::Function<'_>> = versions
                .base
                .as_ref()
                .map(analysis::functions)
                .unwrap_or_default();
            for function in analysis::functions(head) {
                // A function whose body is as it was (only its decorators
                // or signature changed) brings no new logic to explain.
                let unchanged = before.iter().any(|old| {
                    old.qualname == function.qualname && old.body_key() == function.body_key()
                });
                if unchanged || analysis::has_docstring(&function.node.body) {
                    continue;
                }
                let mut measure = Measure {
                    complexity: 1,
                    depth: 0,
                    deepest: 0,
                };
                measure.visit_body(&function.node.body);
                if measure.complexity < COMPLEXITY && measure.deepest < NESTING {
                    continue;
                }
                let (start, _) = head.line_column(function.node.start());
                let (end, _) = head.line_column(function.node.end());
                if (start..=end).any(|line| head.comments_on(line).next().is_some()) {
                    continue;
                }
                let (line, column) = head.line_column(head.def_keyword(function.node));
                findings.push(
                    Finding::new(
                        "uncommented-complex-function",
                        Location::at(versions.file.path.clone(), line, Some(column)),
                        format!(
                            "`{}` is complex (complexity {}, nesting {}) and has no comment or docstring",
                            function.qualname, measure.complexity, measure.deepest
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .with_fix("say why it is shaped this way in a docstring or comments, or split it"),
                );
            }
        }
        Outcome::Ran(Ran::findings(findings))
    }
}
