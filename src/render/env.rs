//! `dod env`'s text: the project's managed environment and the tools
//! `dod check` runs, and what `--clean` removed.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::environment::State;

/// What `dod env` found.
pub struct EnvView {
    pub project: PathBuf,
    pub cache: PathBuf,
    /// The interpreter environments are made from, or why there is none.
    pub interpreter: Result<crate::environment::Interpreter, String>,
    /// The project's environment directory (built or not).
    pub dir: Option<PathBuf>,
    pub state: Option<State>,
    /// Whether its last install matches what the project declares now.
    pub up_to_date: Option<bool>,
    pub bytes: Option<u64>,
    pub tools: Vec<ToolRow>,
    /// The other environments in the cache.
    pub others: usize,
    pub others_bytes: u64,
}

/// One command check's tool.
pub struct ToolRow {
    pub check: String,
    pub tool: String,
    /// The program and where it was found; `None`: not installed.
    pub found: Option<(PathBuf, &'static str)>,
    pub version: Option<String>,
    pub pinned_by: Option<String>,
}

/// What `dod env --clean` did.
#[derive(Default)]
pub struct Cleaned {
    pub removed: Vec<(PathBuf, u64)>,
    pub failed: Vec<String>,
}

pub fn render(view: &EnvView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "managed environment of {}", view.project.display())?;
    let row =
        |out: &mut dyn Write, label: &str, value: &str| writeln!(out, "  {label:<12} {value}");
    match (&view.dir, &view.state) {
        (Some(dir), Some(state)) => {
            row(out, "path", &dir.display().to_string())?;
            row(
                out,
                "interpreter",
                &format!("{} ({})", state.python, state.interpreter.display()),
            )?;
            row(out, "installer", &state.installer)?;
            row(out, "installed", &state.installed)?;
            row(
                out,
                "size",
                &view.bytes.map_or_else(|| "-".to_owned(), megabytes),
            )?;
            row(out, "updated", &ago(state.updated))?;
            let status = if state.stamp.is_empty() {
                format!(
                    "the last build failed (see `{}`); the next `dod check` tries again",
                    dir.join("provision.log").display()
                )
            } else if view.up_to_date == Some(false) {
                "the declared dependencies changed: the next `dod check` updates it in place"
                    .to_owned()
            } else {
                "up to date".to_owned()
            };
            row(out, "state", &status)?;
        }
        (Some(dir), None) => {
            row(out, "path", &format!("{} (not built)", dir.display()))?;
            row(
                out,
                "state",
                "the first `dod check` that needs a tool not installed here builds it",
            )?;
        }
        (None, _) => {
            let why = view.interpreter.as_ref().err().cloned().unwrap_or_default();
            row(out, "state", &format!("none can be built: {why}"))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "tools `dod check` runs here")?;
    let width = view
        .tools
        .iter()
        .map(|tool| tool.check.len())
        .max()
        .unwrap_or(0);
    for tool in &view.tools {
        let line = match &tool.found {
            Some((program, source)) => {
                let pinned = tool
                    .pinned_by
                    .as_ref()
                    .map(|by| format!(", {by}"))
                    .unwrap_or_default();
                format!(
                    "{:<8} {}  ({source}{pinned})",
                    tool.version.as_deref().unwrap_or("?"),
                    program.display()
                )
            }
            None => format!(
                "not installed: `{}` is provisioned by the next `dod check` that runs it",
                tool.tool
            ),
        };
        writeln!(out, "  {:<width$}  {line}", tool.check)?;
    }
    writeln!(out)?;
    let others = if view.others == 0 {
        "no other environment".to_owned()
    } else {
        format!(
            "{} other environment{} ({}); `dod env --clean --all` removes every one",
            view.others,
            if view.others == 1 { "" } else { "s" },
            megabytes(view.others_bytes)
        )
    };
    writeln!(out, "cache {}: {others}", view.cache.display())
}

pub fn cleaned(cleaned: &Cleaned, out: &mut dyn Write) -> io::Result<()> {
    if cleaned.removed.is_empty() && cleaned.failed.is_empty() {
        writeln!(out, "no managed environment to remove")?;
    }
    for (dir, bytes) in &cleaned.removed {
        if *bytes > 0 {
            writeln!(out, "removed {} ({})", dir.display(), megabytes(*bytes))?;
        } else {
            writeln!(out, "removed {} (stale)", dir.display())?;
        }
    }
    for error in &cleaned.failed {
        writeln!(out, "not removed: {error}")?;
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// How long ago a Unix time was, in words.
fn ago(time: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let seconds = now.saturating_sub(time);
    match seconds {
        0..60 => "just now".to_owned(),
        60..7200 => format!("{} minutes ago", seconds / 60),
        7200..172_800 => format!("{} hours ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}
