//! `dod env`: what the managed environment of the project is, and the tools
//! `dod check` runs there; `--clean` removes it (`--all`: every one).

use std::io::Write;

use anyhow::Context as _;

use crate::ExitStatus;
use crate::checks::external::tool::{self, ResolvedTool, ToolSource};
use crate::cli::EnvArgs;
use crate::commands::listing_settings;
use crate::environment::{self, State};
use crate::render::env::{Cleaned, EnvView, ToolRow};

pub fn run(args: &EnvArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings = listing_settings(&args.path)?;
    let root = settings.root.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let interpreter = runtime.block_on(environment::interpreter(&root));

    if args.clean {
        let mut cleaned = Cleaned::default();
        let targets: Vec<std::path::PathBuf> = if args.all {
            environment::list().into_iter().map(|env| env.dir).collect()
        } else {
            interpreter
                .as_ref()
                .map(|interpreter| environment::env_dir(&root, interpreter))
                .into_iter()
                .filter(|dir| dir.is_dir())
                .collect()
        };
        for dir in targets {
            let bytes = environment::size(&dir);
            match environment::remove(&dir) {
                Ok(()) => cleaned.removed.push((dir, bytes)),
                Err(error) => cleaned.failed.push(error),
            }
        }
        for dir in environment::prune(std::path::Path::new("")) {
            cleaned.removed.push((dir, 0));
        }
        crate::render::env::cleaned(&cleaned, out)?;
        return Ok(if cleaned.failed.is_empty() {
            ExitStatus::Done
        } else {
            ExitStatus::Error
        });
    }

    let dir = interpreter
        .as_ref()
        .ok()
        .map(|interpreter| environment::env_dir(&root, interpreter));
    let state = dir.as_deref().and_then(State::read);
    let managed_bin = dir.as_ref().map(|dir| dir.join("bin"));
    let mut rows = Vec::new();
    for spec in &settings.commands {
        let found = tool::find(spec, &root).or_else(|| {
            let bin = managed_bin.as_ref()?;
            let program = bin.join(&spec.tool);
            crate::process::is_executable(&program).then(|| ResolvedTool {
                program,
                python: bin.join("python"),
                source: ToolSource::Managed,
                version: None,
                pinned_by: None,
            })
        });
        let version = match &found {
            Some(found) => runtime.block_on(tool::version(found, spec, &root)),
            None => None,
        };
        let pinned_by = found
            .as_ref()
            .filter(|found| found.source == ToolSource::Managed)
            .and_then(|_| state.as_ref()?.pinned_by.get(&spec.tool).cloned());
        rows.push(ToolRow {
            check: spec.id.to_string(),
            tool: spec.tool.clone(),
            found: found.map(|found| (found.program, found.source.as_str())),
            version,
            pinned_by,
        });
    }
    let others: Vec<environment::Listed> = environment::list()
        .into_iter()
        .filter(|listed| Some(&listed.dir) != dir.as_ref())
        .collect();
    let up_to_date = state
        .as_ref()
        .map(|state| environment::is_up_to_date(state, &root, &tool::pins(&settings.commands)));
    let view = EnvView {
        up_to_date,
        project: root,
        cache: environment::cache_dir(),
        interpreter: interpreter.map_err(|error| error.to_string()),
        bytes: dir
            .as_ref()
            .filter(|dir| dir.is_dir())
            .map(|dir| environment::size(dir)),
        dir,
        state,
        tools: rows,
        others: others.len(),
        others_bytes: others.iter().map(|listed| listed.bytes).sum(),
    };
    crate::render::env::render(&view, out)?;
    Ok(ExitStatus::Done)
}
