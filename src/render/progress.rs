//! Progress on stderr while the checks run. On a terminal: one live line
//! naming the running checks, cut to the terminal's width (indicatif), with
//! a line kept above it for each check that failed. Elsewhere (CI logs): a
//! line as each check finishes.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::checks::CheckId;
use crate::diagnostic::Status;
use crate::environment::ProvisionEvent;
use crate::render::terminal::mark;
use crate::runner::Event;

pub struct Progress {
    /// The live line, on a terminal only.
    bar: Option<ProgressBar>,
    quiet: bool,
    color: bool,
    running: Mutex<Vec<CheckId>>,
}

impl Progress {
    pub fn new(quiet: bool, color: bool) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            quiet,
            color,
            running: Mutex::new(Vec::new()),
        }
    }

    /// A line that stays: above the live line on a terminal, else on stderr.
    #[expect(clippy::print_stderr, reason = "progress goes to stderr by design")]
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn event(&self, event: &Event) {
        let Ok(mut running) = self.running.lock() else {
            return;
        };
        match event {
            Event::Provision(ProvisionEvent::Waiting { dir }) => self.line(&format!(
                "dod: waiting for another dod run that is building `{}`…",
                dir.display()
            )),
            Event::Provision(ProvisionEvent::Started {
                dir,
                what,
                installer,
                update,
            }) => {
                let doing = if *update {
                    "the dependencies changed: updating"
                } else {
                    "building (first run only; later runs reuse it)"
                };
                self.line(&format!(
                    "dod: managed environment `{}`: {doing} with {installer}: {what}…",
                    dir.display()
                ));
            }
            Event::Provision(ProvisionEvent::Finished { elapsed }) => self.line(&format!(
                "dod: managed environment ready ({:.1}s)",
                elapsed.as_secs_f64()
            )),
            Event::Started { id } => running.push(id.clone()),
            Event::Finished {
                id,
                status,
                duration,
            } => {
                running.retain(|running| running != id);
                if self.bar.is_none() && !self.quiet {
                    self.line(&format!(
                        "dod: {id} {status} ({:.1}s)",
                        duration.as_secs_f64()
                    ));
                } else if self.bar.is_some() && matches!(status, Status::Fail | Status::Error) {
                    let mark = mark(*status);
                    let mark = if self.color {
                        format!("\x1b[31m{mark}\x1b[0m")
                    } else {
                        mark.to_owned()
                    };
                    self.line(&format!("{mark} {id} {status}"));
                }
            }
        }
        if let Some(bar) = &self.bar {
            let names: Vec<&str> = running.iter().map(CheckId::as_str).collect();
            if names.is_empty() {
                bar.set_message("");
            } else {
                bar.set_message(format!("running {}…", names.join(", ")));
            }
        }
    }

    /// Removes the live line before the checklist is printed.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
