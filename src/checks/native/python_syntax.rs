//! `python-syntax`: a Python file the front end could not read or parse.

use crate::checks::declare_check;
use crate::checks::native::NativeCheck;
use crate::checks::options::OwnSettings;
use crate::diagnostic::{Finding, Item, Location};
use crate::python::Source;

declare_check! {
    /// ## What it does
    /// Reports each Python file in scope that cannot be read as UTF-8 (rule
    /// `not-utf8`; a Latin-1 file with a `# coding: latin-1` line is read)
    /// or does not parse (rule `syntax-error`, at the parser's line and
    /// column, with its message). The other native checks skip such a file.
    ///
    /// ## Why it matters
    /// A file that does not parse cannot be imported, linted or tested, and
    /// every other check is blind to it: the task is not done.
    ///
    /// ## Example
    /// ```python
    /// def create_upload(request:   # syntax-error: expected `)`
    /// ```
    ///
    /// ## How to fix
    /// Fix the syntax at the reported line (`python3 -m py_compile FILE`
    /// shows the same error), or save the file as UTF-8.
    ///
    /// ## How to suppress
    /// `exclude` globs in `[checks.python-syntax]` (for fixtures that are
    /// broken on purpose), or `enabled = false`.
    pub struct PythonSyntax;
    id: crate::checks::Builtin::PythonSyntax,
    title: "Python files parse",
    item: Item::CodeLint,
    skips_tests: false,
    // A file that no longer parses fails wherever the error is.
    filter: crate::config::FilterMode::ChangedFiles,
    needs: crate::checks::Needs::Files,
    options: &[],
}

impl NativeCheck for PythonSyntax {
    fn noqa_codes(&self, _rule: &str) -> &'static [&'static str] {
        &[]
    }

    fn check(&self, source: &Source, _own: &OwnSettings) -> Vec<Finding> {
        match source {
            // It parses; what CPython's compiler still refuses is an error too.
            Source::Parsed(file) => super::compile_errors::errors(file)
                .into_iter()
                .take(1)
                .map(|error| {
                    let (line, column) = file.line_column(error.offset);
                    Finding::new(
                        "syntax-error",
                        Location::at(file.path.clone(), line, Some(column)),
                        error.message,
                    )
                })
                .collect(),
            Source::Invalid { path, problem } => {
                let location = Location {
                    path: Some(path.clone()),
                    line: problem.line,
                    column: problem.column,
                };
                let finding = Finding::new(problem.rule, location, problem.message.clone());
                // A file dod refused to read is not checked: a warning, so
                // the item never passes in silence, and not the code's error.
                if problem.rule == "not-read" {
                    vec![finding.with_severity(crate::diagnostic::Severity::Warning)]
                } else {
                    vec![finding]
                }
            }
        }
    }
}
