//! The Python front end: finds the Python files in scope, reads each once,
//! parses it once with `ruff_python_parser`, and hands the parsed module, its
//! line index and its comments to every native check. Files are processed in
//! parallel. This is the only module that knows the parser; it knows no
//! checks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ruff_python_ast::statement_visitor::{self, StatementVisitor};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{ModModule, PySourceType, Stmt, StmtClassDef, StmtFunctionDef};
use ruff_python_parser::{Parsed, parse_unchecked_source};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::process::{self, Exit, ProcessSpec};

/// Folders that hold other people's code or build output: never scanned.
const EXCLUDED_DIRS: [&str; 16] = [
    ".venv",
    "venv",
    "site-packages",
    "node_modules",
    "build",
    "dist",
    ".tox",
    ".nox",
    "__pypackages__",
    ".git",
    ".hg",
    ".svn",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
];

pub fn is_python(path: &str) -> bool {
    path.ends_with(".py") || path.ends_with(".pyi")
}

/// A parsed Python file, shared read-only by every native check.
pub struct PythonFile {
    /// Project-relative, with `/`.
    pub path: String,
    pub source: String,
    parsed: Parsed<ModModule>,
    index: LineIndex,
    /// `(line, range)` of every comment, in order.
    comments: Vec<(u32, TextRange)>,
}

impl PythonFile {
    pub fn suite(&self) -> &[Stmt] {
        &self.parsed.syntax().body
    }

    /// Every token, in order.
    pub fn tokens(&self) -> &ruff_python_ast::token::Tokens {
        self.parsed.tokens()
    }

    /// The source text of a range.
    pub fn text(&self, range: TextRange) -> &str {
        &self.source[range]
    }

    /// The ranges of every string literal part (f-string text included) and
    /// every comment, in order.
    pub fn strings_and_comments(&self) -> impl Iterator<Item = TextRange> {
        self.parsed
            .tokens()
            .iter()
            .filter(|token| {
                matches!(
                    token.kind(),
                    TokenKind::String
                        | TokenKind::FStringMiddle
                        | TokenKind::TStringMiddle
                        | TokenKind::Comment
                )
            })
            .map(Ranged::range)
    }

    /// 1-based line and 1-based character column of an offset.
    pub fn line_column(&self, offset: TextSize) -> (u32, u32) {
        let location = self.index.line_column(offset, &self.source);
        let line = u32::try_from(location.line.get()).unwrap_or(u32::MAX);
        let column = u32::try_from(location.column.get()).unwrap_or(u32::MAX);
        (line, column)
    }

    /// The comments on a 1-based line, `#` included.
    pub fn comments_on(&self, line: u32) -> impl Iterator<Item = &str> {
        let start = self.comments.partition_point(|(at, _)| *at < line);
        self.comments[start..]
            .iter()
            .take_while(move |(at, _)| *at == line)
            .map(|(_, range)| &self.source[*range])
    }
}

impl PythonFile {
    /// Where a function's `def` (or `async`) keyword is: a decorated
    /// function's range starts at its first decorator.
    pub fn def_keyword(&self, function: &StmtFunctionDef) -> TextSize {
        let Some(last) = function.decorator_list.last() else {
            return function.start();
        };
        self.parsed
            .tokens()
            .after(last.end())
            .iter()
            .find(|token| matches!(token.kind(), TokenKind::Def | TokenKind::Async))
            .map_or(function.start(), Ranged::start)
    }
}

/// A class or function around a statement.
#[derive(Debug, Clone, Copy)]
pub enum Enclosing<'a> {
    Class(&'a StmtClassDef),
    Function(&'a StmtFunctionDef),
}

impl<'a> Enclosing<'a> {
    pub fn name(self) -> &'a str {
        match self {
            Enclosing::Class(class) => class.name.as_str(),
            Enclosing::Function(function) => function.name.as_str(),
        }
    }
}

/// The one walk over a module's statements that the checks share: it
/// enters every body (`if`/`elif`/`else`, every `try` handler with `else`
/// and `finally`, `with`, `for` and `while` with their `else`, `match`
/// cases, classes and functions) and calls `visit` with each statement and
/// the classes and functions around it, outermost first.
pub fn walk_statements<'a>(suite: &'a [Stmt], visit: &mut dyn FnMut(&'a Stmt, &[Enclosing<'a>])) {
    struct Walker<'a, 'v> {
        enclosing: Vec<Enclosing<'a>>,
        visit: &'v mut dyn FnMut(&'a Stmt, &[Enclosing<'a>]),
    }
    impl<'a> StatementVisitor<'a> for Walker<'a, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            (self.visit)(stmt, &self.enclosing);
            let scope = match stmt {
                Stmt::ClassDef(class) => Some((Enclosing::Class(class), class.body.as_slice())),
                Stmt::FunctionDef(function) => {
                    Some((Enclosing::Function(function), function.body.as_slice()))
                }
                _ => None,
            };
            match scope {
                Some((enclosing, body)) => {
                    self.enclosing.push(enclosing);
                    self.visit_body(body);
                    self.enclosing.pop();
                }
                None => statement_visitor::walk_stmt(self, stmt),
            }
        }
    }
    Walker {
        enclosing: Vec::new(),
        visit,
    }
    .visit_body(suite);
}

/// The dotted module name of a project-relative path: `app/routes.py` is
/// `app.routes`, `app/__init__.py` is `app`.
pub fn module_name(path: &str) -> String {
    let stem = path.trim_end_matches(".pyi").trim_end_matches(".py");
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

/// A path made project-relative with `/` when it is under the root.
pub fn relative_path(path: &Path, root: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let text = relative.to_string_lossy().replace('\\', "/");
    match text.strip_prefix("./") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// A test file: under `tests/` or `test/`, or named `test_*.py`,
/// `*_test.py`, `conftest.py` or `tests.py`.
pub fn is_test_file(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or(path);
    let stem = name.trim_end_matches(".pyi").trim_end_matches(".py");
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || name == "conftest.py"
        || name == "tests.py"
        || parts.any(|dir| dir == "tests" || dir == "test")
}

/// Files larger than this are not read, unless `max_file_size` says otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

static MAX_FILE_SIZE: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(DEFAULT_MAX_FILE_SIZE);

/// Sets the size cap for this run (`max_file_size` in dod.toml).
pub fn set_max_file_size(bytes: u64) {
    MAX_FILE_SIZE.store(bytes, Ordering::Relaxed);
}

/// A text file's contents, or `None` for a binary (NUL bytes), unreadable,
/// refused (see `read_bytes`) or too large file.
pub fn read_text(root: &Path, path: &str) -> Option<String> {
    let bytes = read_bytes(root, path).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Why a file of the project is not read: a link that leaves the project,
/// a FIFO, device or socket (reading may block forever or never end), or a
/// file over the size cap. `None`: a regular file inside, readable.
pub fn refusal(root: &Path, path: &str) -> Option<Problem> {
    let full = root.join(path);
    let skipped = |message: String| Problem {
        rule: "not-read",
        line: None,
        column: None,
        message,
    };
    let metadata = std::fs::symlink_metadata(&full).ok()?;
    let metadata = if metadata.file_type().is_symlink() {
        let target = match std::fs::canonicalize(&full) {
            Ok(target) => target,
            Err(_) => return Some(skipped("a link to nothing (broken); not read".to_owned())),
        };
        let inside = std::fs::canonicalize(root).is_ok_and(|root| target.starts_with(root));
        if !inside {
            return Some(skipped(format!(
                "a link to `{}`, outside the project; not read (a file outside the project may \
                 hold anything)",
                target.display()
            )));
        }
        std::fs::metadata(&target).ok()?
    } else {
        metadata
    };
    if !metadata.is_file() {
        return Some(skipped(
            "not a regular file (a FIFO, device or socket); not read".to_owned(),
        ));
    }
    let cap = MAX_FILE_SIZE.load(Ordering::Relaxed);
    if metadata.len() > cap {
        return Some(skipped(format!(
            "{} bytes, over the cap of {cap}; not read (raise `max_file_size` in dod.toml to \
             check it)",
            metadata.len()
        )));
    }
    None
}

/// A project file's bytes, or why they are not read (`refusal`, or an I/O
/// error). At most the cap is read, even from a file that grows.
pub fn read_bytes(root: &Path, path: &str) -> Result<Vec<u8>, Problem> {
    use std::io::Read as _;
    if let Some(problem) = refusal(root, path) {
        return Err(problem);
    }
    let unreadable = |error: std::io::Error| Problem {
        rule: "unreadable",
        line: None,
        column: None,
        message: format!("cannot read the file: {error}"),
    };
    let cap = MAX_FILE_SIZE.load(Ordering::Relaxed);
    let file = std::fs::File::open(root.join(path)).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > cap {
        return Err(Problem {
            rule: "not-read",
            line: None,
            column: None,
            message: format!("over the cap of {cap} bytes; not read"),
        });
    }
    Ok(bytes)
}

/// Why a file could not be handed to the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `syntax-error`, `not-utf8`, `unreadable`, or `not-read` (refused:
    /// see `refusal`; a warning, not an error of the code).
    pub rule: &'static str,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

pub enum Source {
    Parsed(Box<PythonFile>),
    Invalid { path: String, problem: Problem },
}

/// Reads and parses one file.
pub fn load(root: &Path, path: &str) -> Source {
    let invalid = |problem: Problem| Source::Invalid {
        path: path.to_owned(),
        problem,
    };
    let bytes = match read_bytes(root, path) {
        Ok(bytes) => bytes,
        Err(problem) => return invalid(problem),
    };
    let source = match decode(bytes) {
        Ok(source) => source,
        Err(problem) => return invalid(problem),
    };
    parse_text(path, source)
}

/// Parses a file's text (from disk or from git).
pub fn parse_text(path: &str, source: String) -> Source {
    let invalid = |problem: Problem| Source::Invalid {
        path: path.to_owned(),
        problem,
    };
    let source_type = if path.ends_with(".pyi") {
        PySourceType::Stub
    } else {
        PySourceType::Python
    };
    let parsed = parse_unchecked_source(&source, source_type);
    let index = LineIndex::from_source_text(&source);
    if let Some(error) = parsed.errors().first() {
        let location = index.line_column(error.location.start(), &source);
        return invalid(Problem {
            rule: "syntax-error",
            line: u32::try_from(location.line.get()).ok(),
            column: u32::try_from(location.column.get()).ok(),
            message: error.error.to_string(),
        });
    }
    let comments = parsed
        .tokens()
        .iter()
        .filter(|token| token.kind() == TokenKind::Comment)
        .map(|token| {
            let line = u32::try_from(index.line_index(token.start()).get()).unwrap_or(u32::MAX);
            (line, token.range())
        })
        .collect();
    Source::Parsed(Box::new(PythonFile {
        path: path.to_owned(),
        source,
        parsed,
        index,
        comments,
    }))
}

/// UTF-8 (a BOM is dropped), or Latin-1 when a PEP 263 cookie says so.
fn decode(mut bytes: Vec<u8>) -> Result<String, Problem> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => {
            let bytes = error.into_bytes();
            let encoding = coding_cookie(&bytes);
            match encoding.as_deref() {
                Some("latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1") => {
                    Ok(bytes.iter().map(|&byte| char::from(byte)).collect())
                }
                Some(other) => Err(Problem {
                    rule: "not-utf8",
                    line: None,
                    column: None,
                    message: format!(
                        "the file declares `coding: {other}`, which dod does not read; save it as UTF-8"
                    ),
                }),
                None => {
                    let at =
                        std::str::from_utf8(&bytes).map_or_else(|error| error.valid_up_to(), |_| 0);
                    let line = bytes[..at].iter().filter(|&&byte| byte == b'\n').count() + 1;
                    Err(Problem {
                        rule: "not-utf8",
                        line: u32::try_from(line).ok(),
                        column: None,
                        message: "the file is not valid UTF-8; save it as UTF-8".to_owned(),
                    })
                }
            }
        }
    }
}

/// The encoding a `# -*- coding: NAME -*-` comment on line 1 or 2 declares.
fn coding_cookie(bytes: &[u8]) -> Option<String> {
    bytes.split(|&byte| byte == b'\n').take(2).find_map(|line| {
        let line = String::from_utf8_lossy(line);
        let comment = line.trim_start().strip_prefix('#')?;
        let at = comment.find("coding")?;
        let rest = comment[at + "coding".len()..].strip_prefix([':', '='])?;
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        (!name.is_empty()).then(|| name.to_ascii_lowercase().replace('_', "-"))
    })
}

/// Every Python file of the project: in a git repository the tracked and
/// the untracked-but-not-ignored ones (a tracked file counts even inside an
/// ignored folder), elsewhere a directory walk; never virtualenvs or the
/// folders in `EXCLUDED_DIRS`. Sorted.
pub fn discover(root: &Path, in_git: bool, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let listed = if in_git { git_files(root) } else { None };
    let mut files = listed.unwrap_or_else(|| walk(root));
    let mut venvs: HashMap<PathBuf, bool> = HashMap::new();
    files.retain(|path| wanted(path) && !excluded(root, path, &mut venvs));
    files.sort();
    files.dedup();
    files
}

fn git_files(root: &Path) -> Option<Vec<String>> {
    let spec = ProcessSpec::new("git", root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .timeout(Duration::from_secs(120));
    let output = process::run_blocking(&spec).ok()?;
    if output.exit != Exit::Code(0) {
        return None;
    }
    let text = output.stdout_text();
    Some(
        text.split('\0')
            // Links too: `refusal` says why one is not read.
            .filter(|path| {
                !path.is_empty()
                    && std::fs::symlink_metadata(root.join(path))
                        .is_ok_and(|meta| meta.is_file() || meta.file_type().is_symlink())
            })
            .map(str::to_owned)
            .collect(),
    )
}

/// The files under `root` outside git: links are not followed (a link
/// to a file is listed, and read only if it stays inside the project: see
/// `refusal`), excluded folders and virtualenvs are not entered.
fn walk(root: &Path) -> Vec<String> {
    let entries = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_dir()
                || (!EXCLUDED_DIRS
                    .iter()
                    .any(|excluded| entry.file_name() == *excluded)
                    && !entry.path().join("pyvenv.cfg").exists())
        });
    entries
        .flatten()
        .filter(|entry| entry.file_type().is_file() || entry.file_type().is_symlink())
        .filter_map(|entry| {
            entry
                .path()
                .strip_prefix(root)
                .ok()
                .map(|relative| relative.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// Whether a listed file sits in an excluded folder or a virtualenv.
fn excluded(root: &Path, path: &str, venvs: &mut HashMap<PathBuf, bool>) -> bool {
    let mut dir = PathBuf::new();
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if EXCLUDED_DIRS.contains(part) {
            return true;
        }
        dir.push(part);
        let is_venv = *venvs
            .entry(dir.clone())
            .or_insert_with(|| root.join(&dir).join("pyvenv.cfg").exists());
        if is_venv {
            return true;
        }
    }
    false
}

/// The stack of every thread that parses or walks Python (native checks,
/// the change checks' model): the parser and the AST visitors recurse, so
/// `x = 1+1+…` with 50,000 terms needs far more than the default 2 MiB.
/// Only the pages a deep file touches are ever committed.
pub const DEEP_STACK: usize = 256 * 1024 * 1024;

/// A panic caught while mapping one item.
pub type Panic = Box<dyn std::any::Any + Send>;

/// Maps `f` over `items` on up to `threads` threads, in order. A panic
/// inside `f` is caught for that item alone, so no other item's result is
/// lost; an item whose worker died for any other reason is an `Err` too.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<Result<R, Panic>> {
    let call = |item: &T| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item)));
    let threads = threads.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    // Workers with a deep stack (see `DEEP_STACK`), one at least, so that
    // the caller's stack never decides how deep a file may nest.
    let done: Vec<(usize, Result<R, Panic>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(DEEP_STACK)
                    .spawn_scoped(scope, || {
                        let mut done = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(item) = items.get(index) else { break };
                            done.push((index, call(item)));
                        }
                        done
                    })
                    .ok()
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_default())
            .collect()
    });
    let mut results: Vec<Option<Result<R, Panic>>> = (0..items.len()).map(|_| None).collect();
    for (index, result) in done {
        results[index] = Some(result);
    }
    results
        .into_iter()
        .map(|result| result.unwrap_or_else(|| Err(Box::new("a worker thread died") as Panic)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, bytes: &[u8]) -> Source {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), bytes).unwrap();
        load(dir.path(), name)
    }

    #[test]
    fn bom_and_crlf_are_read() {
        let Source::Parsed(file) =
            load_text("a.py", b"\xEF\xBB\xBFx = 1\r\n# note\r\nprint(x)\r\n")
        else {
            panic!("not parsed");
        };
        assert_eq!(file.suite().len(), 2);
        assert_eq!(file.comments_on(2).collect::<Vec<_>>(), ["# note"]);
        let call = file.suite()[1].range().start();
        assert_eq!(file.line_column(call), (3, 1));
    }

    #[test]
    fn latin1_with_a_cookie_is_read_and_other_bytes_are_a_problem() {
        assert!(matches!(
            load_text("a.py", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"),
            Source::Parsed(_)
        ));
        let Source::Invalid { problem, .. } = load_text("b.py", b"x = 1\ny = '\xff'\n") else {
            panic!("parsed")
        };
        assert_eq!(problem.rule, "not-utf8");
        assert_eq!(problem.line, Some(2));
    }

    #[test]
    fn syntax_error_has_the_parser_line_and_message() {
        let Source::Invalid { problem, .. } = load_text("a.py", b"x = 1\ndef f(:\n    pass\n")
        else {
            panic!("parsed")
        };
        assert_eq!(problem.rule, "syntax-error");
        assert_eq!(problem.line, Some(2));
        assert!(!problem.message.is_empty());
    }

    #[test]
    fn columns_count_characters() {
        let Source::Parsed(file) = load_text("a.py", "s = 'é'; print(s)\n".as_bytes()) else {
            panic!()
        };
        let offset = TextSize::from(u32::try_from(file.source.find("print").unwrap()).unwrap());
        assert_eq!(file.line_column(offset), (1, 10));
    }

    #[test]
    fn discovery_skips_virtualenvs_and_build_output() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "app/a.py",
            "app/b.pyi",
            "env/lib/x.py",
            "build/lib/y.py",
            "node_modules/z.py",
            "app/c.txt",
        ] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "").unwrap();
        }
        std::fs::write(dir.path().join("env/pyvenv.cfg"), "home = /usr\n").unwrap();
        assert_eq!(
            discover(dir.path(), false, is_python),
            ["app/a.py", "app/b.pyi"]
        );
    }

    #[test]
    fn par_map_keeps_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(
            par_map(&items, 4, |n| n * 2)
                .into_iter()
                .map(Result::unwrap)
                .collect::<Vec<_>>(),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_walk_enters_every_body() {
        let Source::Parsed(file) = parse_text(
            "m.py",
            "try:\n    import a\nexcept ImportError:\n    def f(): pass\n\
             with x:\n    class C:\n        def m(self):\n            def inner(): pass\n\
             for i in y:\n    pass\nelse:\n    def g(): pass\n\
             match z:\n    case 1:\n        def h(): pass\n"
                .to_owned(),
        ) else {
            panic!("parses")
        };
        let mut seen = Vec::new();
        walk_statements(file.suite(), &mut |stmt, enclosing| {
            if let Stmt::FunctionDef(function) = stmt {
                let mut path: Vec<&str> = enclosing.iter().map(|scope| scope.name()).collect();
                path.push(function.name.as_str());
                seen.push(path.join("."));
            }
        });
        assert_eq!(seen, ["f", "C.m", "C.m.inner", "g", "h"]);
    }

    #[test]
    fn par_map_loses_nothing_to_a_panic() {
        let items: Vec<u32> = (0..50).collect();
        let results = par_map(&items, 4, |n| {
            assert!(*n != 7, "seven");
            n * 2
        });
        assert_eq!(results.len(), 50);
        assert!(results[7].is_err());
        assert_eq!(results.iter().filter(|result| result.is_ok()).count(), 49);
    }
}
