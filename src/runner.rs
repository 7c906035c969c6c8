//! Runs the selected checks and returns a `Report`. Command checks run
//! concurrently as child processes, bounded by `--jobs`, while the native
//! checks scan the files on the blocking pool; the change checks run last,
//! because they read the test results. Findings are filtered against the
//! change and sorted. The runner reports progress as events and never
//! formats anything.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::checks::change;
use crate::checks::external::tool::{self, EnvPlan, ProvisionEvent, ResolvedTool, ToolSource};
use crate::checks::external::{self, ToolSpec};
use crate::checks::native::{self, Meta, NativeCheck};
use crate::checks::{self, Kind, Scope};
use crate::config::{CheckSettings, FilterMode, Settings};
use crate::diagnostic::{Item, Outcome, Severity, Status, TestCaseResult, status_of};
use crate::error::UsageError;
use crate::report::{CheckReport, Report, ScopeSummary, TaskFile, Verdict};

/// What the runner tells its caller while it works.
#[derive(Debug, Clone)]
pub enum Event {
    Provision(ProvisionEvent),
    Started {
        id: String,
    },
    Finished {
        id: String,
        status: Status,
        duration: Duration,
    },
}

pub type Progress = dyn Fn(Event) + Send + Sync;

pub async fn run(
    settings: &Settings,
    scope: Scope,
    progress: Arc<Progress>,
) -> Result<Report, UsageError> {
    let started = Instant::now();
    let specs: Vec<ToolSpec> = settings
        .commands
        .iter()
        .filter(|spec| settings.runs(&spec.id))
        .cloned()
        .collect();
    let unselected: Vec<(String, crate::diagnostic::Item)> = checks::all(settings)
        .into_iter()
        .filter(|check| !settings.runs(&check.id))
        .map(|check| (check.id, check.item))
        .collect();

    let tools = {
        let progress = Arc::clone(&progress);
        let resolve = resolve_tools(settings, &specs, move |event| {
            progress(Event::Provision(event))
        });
        tokio::select! {
            tools = resolve => tools,
            () = crate::process::shutdown_signal() => return Err(interrupted()),
        }
    };

    let scope = Arc::new(scope);
    let semaphore = Arc::new(Semaphore::new(settings.jobs.max(1)));
    let mut tasks = JoinSet::new();
    for spec in specs {
        let check = settings.check(&spec.id).clone();
        let tool = tools.get(&spec.id).cloned();
        let (scope, semaphore, progress) = (
            Arc::clone(&scope),
            Arc::clone(&semaphore),
            Arc::clone(&progress),
        );
        let root = settings.root.clone();
        let changed_tests_only = settings.changed_tests_only;
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            progress(Event::Started {
                id: spec.id.clone(),
            });
            let began = Instant::now();
            let outcome = match tool {
                Some(Ok(tool)) => {
                    external::run(&spec, &tool, &check, &root, &scope, changed_tests_only).await
                }
                Some(Err(reason)) => Outcome::Errored(reason),
                None => Outcome::Errored(format!("`{}` was not resolved", spec.tool)),
            };
            let report = check_report(
                Identity::command(&spec),
                &check,
                outcome,
                began.elapsed(),
                &scope,
            );
            progress(Event::Finished {
                id: report.id.clone(),
                status: report.status,
                duration: report.duration,
            });
            vec![report]
        });
    }

    // The native checks share one read and parse of each file, on the
    // blocking pool, while the tools run.
    let native_checks: Vec<&'static dyn NativeCheck> = checks::native()
        .filter(|check| settings.runs(check.meta().id))
        .collect();
    if !native_checks.is_empty() {
        let (settings, scope, progress) =
            (settings.clone(), Arc::clone(&scope), Arc::clone(&progress));
        let native = tokio::task::spawn_blocking(move || {
            for check in &native_checks {
                progress(Event::Started {
                    id: check.meta().id.to_owned(),
                });
            }
            let results = native::run(&native_checks, &settings, &scope);
            results
                .into_iter()
                .map(|result| {
                    let check = settings.check(result.meta.id);
                    let report = check_report(
                        Identity::native(result.meta),
                        check,
                        result.outcome,
                        result.duration,
                        &scope,
                    );
                    progress(Event::Finished {
                        id: report.id.clone(),
                        status: report.status,
                        duration: report.duration,
                    });
                    report
                })
                .collect::<Vec<_>>()
        });
        tasks.spawn(async move { native.await.unwrap_or_default() });
    }

    let mut reports = Vec::new();
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(Ok(done)) => reports.extend(done),
                // A check task panicked: a bug in dod, but the other checks still report.
                Some(Err(error)) => reports.push(panicked(&error.to_string())),
                None => break,
            },
            () = crate::process::shutdown_signal() => {
                // Kill the process groups before the tasks that own them go away.
                let error = interrupted();
                tasks.abort_all();
                return Err(error);
            }
        }
    }
    // The change checks read this run's test results, so they come last.
    let notes = match tokio::task::spawn_blocking({
        let (settings, scope, progress) =
            (settings.clone(), Arc::clone(&scope), Arc::clone(&progress));
        let tests = tests_that_ran(&reports);
        move || run_change_checks(&settings, &scope, tests.as_deref(), progress.as_ref())
    })
    .await
    {
        Ok((done, notes)) => {
            reports.extend(done);
            notes
        }
        Err(error) => {
            reports.push(panicked(&error.to_string()));
            Vec::new()
        }
    };
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    let items = Report::items_from(&reports, &unselected);
    let scope = match Arc::unwrap_or_clone(scope) {
        Scope::All => ScopeSummary::All,
        Scope::Change(change) => ScopeSummary::Change {
            base: change.base,
            files: change.files,
        },
        Scope::Broken(error) => ScopeSummary::Broken(error.to_string()),
    };
    Ok(Report {
        dod_version: env!("CARGO_PKG_VERSION"),
        config: settings.source.describe(),
        repo_prefix: settings.repo_prefix.clone(),
        notes,
        task: TaskFile {
            path: external::relative_path(&settings.task.to_string_lossy(), &settings.root),
            exists: settings.task.is_file(),
        },
        scope,
        verdict: Verdict::of(&items),
        checks: reports,
        items,
        duration: started.elapsed(),
    })
}

fn interrupted() -> UsageError {
    crate::process::kill_all();
    UsageError::Interrupted
}

/// The tests this run's test runner reported, or `None` when none ran.
fn tests_that_ran(reports: &[CheckReport]) -> Option<Vec<TestCaseResult>> {
    let ran: Vec<&CheckReport> = reports
        .iter()
        .filter(|report| report.id == "pytest" || !report.facts.tests.is_empty())
        .filter(|report| !matches!(report.status, Status::Error | Status::Skip))
        .collect();
    (!ran.is_empty()).then(|| {
        ran.iter()
            .flat_map(|report| report.facts.tests.iter().cloned())
            .collect()
    })
}

/// Runs the selected change checks; returns their reports and the task
/// file's sections for the Output Report.
fn run_change_checks(
    settings: &Settings,
    scope: &Scope,
    tests: Option<&[TestCaseResult]>,
    progress: &Progress,
) -> (Vec<CheckReport>, Vec<(String, String)>) {
    let (task, python) = change::prepare(settings, scope);
    let context = change::Context {
        settings,
        scope,
        task: &task,
        tests,
        python: &python,
    };
    let mut done = Vec::new();
    for check in change::ALL
        .iter()
        .filter(|check| settings.runs(check.meta().id))
    {
        let id = check.meta().id;
        progress(Event::Started { id: id.to_owned() });
        let began = Instant::now();
        let outcome = check.run(&context);
        let report = check_report(
            Identity::native(check.meta()),
            settings.check(id),
            outcome,
            began.elapsed(),
            scope,
        );
        progress(Event::Finished {
            id: report.id.clone(),
            status: report.status,
            duration: report.duration,
        });
        done.push(report);
    }
    let notes = match &task {
        change::TaskFile::Found { task, .. } => task
            .sections
            .iter()
            .map(|(heading, _, lines)| {
                (
                    heading.clone(),
                    lines
                        .iter()
                        .map(|line| line.text.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            })
            .collect(),
        change::TaskFile::Missing { .. } => Vec::new(),
    };
    (done, notes)
}

/// Finds every tool, then builds the managed environment once for those
/// that are missing (unless provisioning is off).
async fn resolve_tools(
    settings: &Settings,
    specs: &[ToolSpec],
    progress: impl Fn(ProvisionEvent) + Sync,
) -> BTreeMap<String, Result<ResolvedTool, String>> {
    let mut tools = BTreeMap::new();
    let mut missing = Vec::new();
    for spec in specs {
        match tool::find(spec, &settings.root) {
            Some(found) => {
                tools.insert(spec.id.clone(), Ok(found));
            }
            None => missing.push(spec),
        }
    }
    let provisionable: Vec<&ToolSpec> = missing
        .iter()
        .copied()
        .filter(|spec| spec.package.is_some())
        .collect();
    let managed = if settings.provision && !provisionable.is_empty() {
        let pinned: Vec<&ToolSpec> = specs.iter().filter(|spec| spec.package.is_some()).collect();
        let plan = EnvPlan::new(&pinned, &settings.root);
        Some(tool::provision(&plan, &settings.root, &progress).await)
    } else {
        None
    };
    for spec in missing {
        let resolved = match (&managed, &spec.package) {
            (Some(env), Some(_)) => {
                let program = env.bin.join(&spec.tool);
                let error = if spec.imports_project {
                    &env.project_error
                } else {
                    &env.tools_error
                };
                match error {
                    Some(error) if !program.exists() || spec.imports_project => Err(error.clone()),
                    _ if program.exists() => Ok(ResolvedTool {
                        program,
                        python: env.bin.join("python"),
                        source: ToolSource::Managed,
                    }),
                    _ => Err(format!(
                        "`{}` is not in dod's managed environment `{}`; {}",
                        spec.tool,
                        env.bin.display(),
                        external::install_hint(spec)
                    )),
                }
            }
            _ if !settings.provision => Err(format!(
                "`{}` is not installed (looked in the project's virtualenv and on PATH) and provisioning is off; {}",
                spec.tool,
                external::install_hint(spec)
            )),
            _ => Err(format!(
                "`{}` is not installed (looked in the project's virtualenv and on PATH); {}",
                spec.tool,
                external::install_hint(spec)
            )),
        };
        tools.insert(spec.id.clone(), resolved);
    }
    tools
}

/// Turns an outcome into the check's report: the filter, the severity
/// override and the status.
fn check_report(
    identity: Identity,
    check: &CheckSettings,
    outcome: Outcome,
    duration: Duration,
    scope: &Scope,
) -> CheckReport {
    let (status, summary, findings, hidden, facts) = match outcome {
        Outcome::Skipped(reason) => (Status::Skip, reason, Vec::new(), 0, Default::default()),
        Outcome::Errored(reason) => (Status::Error, reason, Vec::new(), 0, Default::default()),
        Outcome::Ran(ran) => {
            let total = ran.findings.len();
            let mut findings: Vec<_> = ran
                .findings
                .into_iter()
                .filter(|finding| keep(finding, check, scope))
                .collect();
            let hidden = total - findings.len();
            if check.warn_only {
                for finding in &mut findings {
                    finding.severity = finding.severity.min(Severity::Warning);
                }
            }
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let status = status_of(&findings);
            let counted = findings
                .iter()
                .filter(|finding| finding.severity > Severity::Note)
                .count();
            let mut summary = ran.summary.unwrap_or_else(|| match counted {
                0 => "no findings".to_owned(),
                1 => "1 finding".to_owned(),
                n => format!("{n} findings"),
            });
            if let Some(files) = ran.facts.files_checked {
                let plural = if files == 1 { "" } else { "s" };
                summary.push_str(&format!(" in {files} file{plural}"));
            }
            if hidden > 0 {
                summary.push_str(&format!(" ({hidden} outside the change not shown)"));
            }
            (status, summary, findings, hidden, ran.facts)
        }
    };
    CheckReport {
        id: identity.id,
        title: identity.title,
        item: identity.item,
        kind: identity.kind,
        explanation: identity.explanation,
        status,
        summary,
        duration,
        filter: check.filter,
        findings,
        hidden,
        facts,
    }
}

/// Which check a report is of.
struct Identity {
    id: String,
    title: String,
    item: Item,
    kind: Kind,
    explanation: String,
}

impl Identity {
    fn command(spec: &ToolSpec) -> Identity {
        Identity {
            id: spec.id.clone(),
            title: spec.title.clone(),
            item: spec.item,
            kind: Kind::Command,
            explanation: spec.explain.trim().to_owned(),
        }
    }

    fn native(meta: &Meta) -> Identity {
        Identity {
            id: meta.id.to_owned(),
            title: meta.title.to_owned(),
            item: meta.item,
            kind: Kind::Native,
            explanation: native::dedent(meta.explanation),
        }
    }
}

/// Whether a finding counts under the check's filter and excludes.
fn keep(finding: &crate::diagnostic::Finding, check: &CheckSettings, scope: &Scope) -> bool {
    let Some(path) = &finding.location.path else {
        return true;
    };
    if check.is_excluded(path) {
        return false;
    }
    let Scope::Change(change) = scope else {
        return true;
    };
    match check.filter {
        FilterMode::All => true,
        FilterMode::ChangedFiles => change.file(path).is_some(),
        FilterMode::ChangedLines => match (change.file(path), finding.location.line) {
            (Some(file), Some(line)) => file.lines.contains(line),
            (Some(_), None) => true,
            (None, _) => false,
        },
    }
}

fn panicked(message: &str) -> CheckReport {
    CheckReport {
        id: "dod".to_owned(),
        title: "dod".to_owned(),
        item: crate::diagnostic::Item::CodeLint,
        kind: Kind::Native,
        status: Status::Error,
        summary: format!("a check crashed inside dod: {message}; please report it"),
        duration: Duration::ZERO,
        filter: FilterMode::All,
        findings: Vec::new(),
        hidden: 0,
        facts: Default::default(),
        explanation: String::new(),
    }
}
