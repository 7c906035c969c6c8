//! `dod checks`: every check with the item it serves.

use std::io::Write;

use crate::ExitStatus;
use crate::cli::ListArgs;
use crate::commands::listing_settings;
use crate::{checks, render};

pub fn run(args: &ListArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let settings = listing_settings(&args.path)?;
    render::explain::list(&checks::all(&settings), out)?;
    Ok(ExitStatus::Done)
}
