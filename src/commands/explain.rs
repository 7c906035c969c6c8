//! `dod explain ID`: a check's documentation and options.

use std::io::Write;

use crate::ExitStatus;
use crate::cli::ExplainArgs;
use crate::commands::listing_settings;
use crate::{checks, render};

pub fn run(args: &ExplainArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings = listing_settings(&args.path)?;
    let checks = checks::all(&settings);
    let Some(check) = checks.iter().find(|check| check.id == args.check.as_str()) else {
        let known: Vec<&str> = checks.iter().map(|check| check.id.as_str()).collect();
        anyhow::bail!(
            "unknown check `{}`; the checks are: {}",
            args.check,
            known.join(", ")
        );
    };
    render::explain::explain(check, out)?;
    Ok(ExitStatus::Done)
}
