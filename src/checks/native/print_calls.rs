//! `print-calls`: `print()` and `pprint()` in library code (ruff T201, T203).

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use crate::checks::declare_check;
use crate::checks::native::NativeCheck;
use crate::checks::native::bindings::{Call, Model};
use crate::checks::options::OwnSettings;
use crate::diagnostic::{Finding, Item, Location};
use crate::python::{PythonFile, Source};

declare_check! {
    /// ## What it does
    /// Finds calls of the builtin `print` (rule `print-call`, like ruff's
    /// T201) and of `pprint.pprint` (rule `pprint-call`, like T203) in
    /// library code. Names are resolved by Python's scope rules: a `print`
    /// that is assigned, imported, defined or a parameter in the scope that
    /// resolves it is not the builtin and is not reported; neither is a
    /// method such as `console.print(...)`. A call that writes to a file
    /// (`file=`, or `stream=` for `pprint`, given and not `None`,
    /// `sys.stdout` or `sys.stderr`) is not console output and is not
    /// reported. Test files (`tests/`, `test/`,
    /// `test_*.py`, `*_test.py`, `conftest.py`, `tests.py`) are out of scope
    /// unless `include_tests = true`.
    ///
    /// ## Why it matters
    /// A service logs; it does not print. Printed output skips the log
    /// configuration (levels, format, handlers, request ids), cannot be
    /// turned off in production, and leaks whatever was printed into the
    /// container's stdout: debug output left behind is the usual cause.
    ///
    /// ## Example
    /// ```python
    /// def create_upload(user):
    ///     print(user)          # print-call
    ///     pprint(user.__dict__)  # pprint-call
    /// ```
    ///
    /// ## How to fix
    /// Use `logging.getLogger(__name__)` and log at the right level:
    /// `logger.debug("user %s", user.id)`.
    ///
    /// ## How to suppress
    /// `# noqa: T201` (or `T203`, or a bare `# noqa`) on the line,
    /// `# dod: ignore[print-calls]`, or `exclude` globs in
    /// `[checks.print-calls]`; `include_tests = true` brings test files in.
    pub struct PrintCalls;
    id: crate::checks::Builtin::PrintCalls,
    title: "print() calls",
    item: Item::CodeLint,
    skips_tests: true,
    filter: crate::config::FilterMode::ChangedLines,
    needs: crate::checks::Needs::Files,
    options: &[],
}

impl NativeCheck for PrintCalls {
    fn noqa_codes(&self, rule: &str) -> &'static [&'static str] {
        match rule {
            "print-call" => &["T201"],
            "pprint-call" => &["T203"],
            _ => &[],
        }
    }

    fn check(&self, source: &Source, _own: &OwnSettings) -> Vec<Finding> {
        let Source::Parsed(file) = source else {
            return Vec::new();
        };
        let model = Model::build(file.suite(), &crate::python::module_name(&file.path));
        model
            .calls
            .iter()
            .filter_map(|call| finding(file, &model, call))
            .collect()
    }
}

fn finding(file: &PythonFile, model: &Model<'_>, call: &Call<'_>) -> Option<Finding> {
    let callee = &call.call.func;
    if !matches!(callee.as_ref(), Expr::Name(_) | Expr::Attribute(_)) {
        return None;
    }
    let (rule, message) = match model.qualified_name(call, callee)?.as_str() {
        "builtins.print" if !writes_to_a_file(model, call, "file") => {
            ("print-call", "`print()` call")
        }
        "pprint.pprint" if !writes_to_a_file(model, call, "stream") => {
            ("pprint-call", "`pprint()` call")
        }
        _ => return None,
    };
    let (line, column) = file.line_column(callee.start());
    Some(
        Finding::new(
            rule,
            Location::at(file.path.clone(), line, Some(column)),
            message,
        )
        .with_fix("use `logging.getLogger(__name__)` and log instead of printing"),
    )
}

/// `print(..., file=f)` and `pprint(..., stream=f)` write to `f`; only
/// `None`, `sys.stdout` and `sys.stderr` are the console.
fn writes_to_a_file(model: &Model<'_>, call: &Call<'_>, keyword: &str) -> bool {
    let Some(keyword) = call.call.arguments.find_keyword(keyword) else {
        return false;
    };
    if keyword.value.is_none_literal_expr() {
        return false;
    }
    !matches!(
        model.qualified_name(call, &keyword.value).as_deref(),
        Some("sys.stdout" | "sys.stderr")
    )
}
