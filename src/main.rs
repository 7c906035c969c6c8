//! The `dod` binary: parse the command line, run, map the result to an exit
//! code. A closed stdout (`dod check | head`) is not an error.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use dod::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = dod::run(cli, &mut out);
    dod::halt_if_interrupted();
    match result.and_then(|status| {
        out.flush()?;
        Ok(status)
    }) {
        Ok(status) => ExitCode::from(status as u8),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            #[expect(clippy::print_stderr, reason = "main reports the error chain")]
            {
                eprintln!("dod: error: {error:#}");
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
