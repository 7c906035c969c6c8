//! Runs the selected checks and returns a `Report`. Command checks run
//! concurrently as child processes, bounded by `--jobs`, while the native
//! checks scan the files on the blocking pool; the change checks run last,
//! because they read the test results. Findings are filtered against the
//! change and sorted. A check that panics is an error of that check; the
//! others still report. The runner reports progress as events and never
//! formats anything.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::checks::change::{self, Input, Prepared, TestResults};
use crate::checks::external::tool;
use crate::checks::external::{self, ToolSpec};
use crate::checks::native::{self, NativeCheck};
use crate::checks::{self, CheckId, CheckInfo, Implementation, Scope};
use crate::config::{CheckSettings, FilterMode, Settings};
use crate::diagnostic::{
    CheckError, Finding, Outcome, Severity, Status, TestCaseResult, status_of,
};
use crate::environment::ProvisionEvent;
use crate::error::UsageError;
use crate::model::inventory::Inventory;
use crate::report::{CheckReport, Report, ScopeSummary, TaskFile, Verdict};

/// What the runner tells its caller while it works.
#[derive(Debug, Clone)]
pub enum Event {
    Provision(ProvisionEvent),
    Started {
        id: CheckId,
    },
    Finished {
        id: CheckId,
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
    let known: BTreeMap<CheckId, CheckInfo> = checks::all(settings)
        .into_iter()
        .map(|info| (info.id.clone(), info))
        .collect();
    let known = Arc::new(known);
    let specs: Vec<ToolSpec> = settings
        .commands
        .iter()
        .filter(|spec| settings.runs(&spec.id))
        .cloned()
        .collect();
    let unselected: Vec<(CheckId, crate::diagnostic::Item)> = known
        .values()
        .filter(|check| !settings.runs(&check.id))
        .map(|check| (check.id.clone(), check.item))
        .collect();

    let tools = {
        let progress = Arc::clone(&progress);
        // A change that cannot be worked out is reported before anything
        // is installed.
        let provision = settings.provision && !matches!(scope, Scope::Broken(_));
        let resolve = tool::resolve_all(
            &specs,
            &settings.commands,
            &settings.root,
            provision,
            move |event| progress(Event::Provision(event)),
        );
        resolve.await
    };

    // Which tests run: the whole suite, the changed test files, or what
    // test impact selects.
    let suite = match (&scope, settings.affected, settings.changed_tests_only) {
        (Scope::Change(change), true, _) => {
            let root = settings.root.clone();
            // git runs here: off the async workers.
            external::TestRun::Affected(tokio::task::block_in_place(|| {
                crate::impact::select(
                    &crate::environment::cache_dir(),
                    &settings.root,
                    change,
                    |ancestor, descendant| crate::git::is_ancestor(&root, ancestor, descendant),
                )
            }))
        }
        (Scope::Change(_), false, true) => external::TestRun::ChangedFiles,
        _ => external::TestRun::Suite,
    };
    let scope = Arc::new(scope);
    let semaphore = Arc::new(Semaphore::new(settings.jobs.max(1)));
    let mut tasks = JoinSet::new();
    // Which checks each task runs, so a task that panics is reported as
    // those checks' error.
    let mut owners: HashMap<tokio::task::Id, Vec<CheckId>> = HashMap::new();
    for spec in specs {
        let check = settings.check(&spec.id).clone();
        let tool = tools.get(&spec.id).cloned();
        let (scope, semaphore, progress, known) = (
            Arc::clone(&scope),
            Arc::clone(&semaphore),
            Arc::clone(&progress),
            Arc::clone(&known),
        );
        let root = settings.root.clone();
        let suite = suite.clone();
        let id = spec.id.clone();
        let handle = tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.ok();
            progress(Event::Started {
                id: spec.id.clone(),
            });
            let began = Instant::now();
            let outcome = match &tool {
                Some(Ok(tool)) => external::run(&spec, tool, &check, &root, &scope, &suite).await,
                Some(Err(error)) => Outcome::Errored(error.clone()),
                None => Outcome::Errored(CheckError::Unresolved {
                    tool: spec.tool.clone(),
                }),
            };
            let mut report =
                check_report(&known[&spec.id], &check, outcome, began.elapsed(), &scope);
            // Which program ran (or was to run), whatever the outcome.
            if let Some(Ok(tool)) = &tool {
                report.facts.tool = Some(Box::new(tool.fact()));
            }
            finished(progress.as_ref(), &report);
            vec![report]
        });
        owners.insert(handle.id(), vec![id]);
    }

    // The native checks share one read and parse of each file, on the
    // blocking pool, while the tools run.
    let native_checks: Vec<&'static dyn NativeCheck> = checks::Builtin::ALL
        .iter()
        .filter_map(|builtin| match builtin.implementation() {
            Implementation::Native(check) => Some(check),
            Implementation::Change(_) | Implementation::Command(_) => None,
        })
        .filter(|check| settings.runs(&check.meta().id.into()))
        .collect();
    if !native_checks.is_empty() {
        let ids: Vec<CheckId> = native_checks
            .iter()
            .map(|check| check.meta().id.into())
            .collect();
        let (settings, scope, progress, known) = (
            settings.clone(),
            Arc::clone(&scope),
            Arc::clone(&progress),
            Arc::clone(&known),
        );
        let handle = tasks.spawn_blocking(move || {
            for check in &native_checks {
                progress(Event::Started {
                    id: check.meta().id.into(),
                });
            }
            native::run(&native_checks, &settings, &scope)
                .into_iter()
                .map(|result| {
                    let id: CheckId = result.check.meta().id.into();
                    let report = check_report(
                        &known[&id],
                        settings.check(&id),
                        result.outcome,
                        result.duration,
                        &scope,
                    );
                    finished(progress.as_ref(), &report);
                    report
                })
                .collect::<Vec<_>>()
        });
        owners.insert(handle.id(), ids);
    }

    // Ctrl-C and SIGTERM are `process::exit_on_shutdown`'s, in every phase.
    let mut reports = Vec::new();
    while let Some(next) = tasks.join_next_with_id().await {
        match next {
            Ok((_, done)) => reports.extend(done),
            // A task panicked: a bug in dod. Its checks are errors; the
            // other checks still report.
            Err(error) => {
                let message = error.to_string();
                for id in owners.remove(&error.id()).unwrap_or_default() {
                    let outcome = Outcome::Errored(CheckError::Crashed {
                        path: None,
                        message: message.clone(),
                    });
                    reports.push(check_report(
                        &known[&id],
                        settings.check(&id),
                        outcome,
                        Duration::ZERO,
                        &scope,
                    ));
                }
            }
        }
    }

    // The change checks read this run's test results, so they come last.
    let tests = tests_that_ran(settings, &reports);
    let coverage = coverage_of(settings, &reports);
    // A full run under coverage keeps the map test impact selects from.
    let full_run = suite == external::TestRun::Suite
        || matches!(
            &suite,
            external::TestRun::Affected(crate::impact::Selection::Full { .. })
        );
    if let (true, Some(crate::checks::external::coverage::Coverage::Measured(data))) =
        (full_run, &coverage)
        && let Some(commit) =
            tokio::task::block_in_place(|| crate::git::head_commit(&settings.root))
    {
        let _ = crate::impact::save(
            &crate::environment::cache_dir(),
            &settings.root,
            &commit,
            data,
        );
    }
    let change_run = tokio::task::spawn_blocking({
        let (settings, scope, progress, known) = (
            settings.clone(),
            Arc::clone(&scope),
            Arc::clone(&progress),
            Arc::clone(&known),
        );
        move || {
            run_change_checks(
                &settings,
                &scope,
                tests.as_deref(),
                coverage.as_ref(),
                &known,
                progress.as_ref(),
            )
        }
    })
    .await;
    let (task, inventory) = match change_run {
        Ok(run) => {
            reports.extend(run.reports);
            (run.task, run.inventory)
        }
        Err(error) => {
            for info in known
                .values()
                .filter(|info| info.kind == checks::Kind::Change && settings.runs(&info.id))
            {
                let outcome = Outcome::Errored(CheckError::Crashed {
                    path: None,
                    message: error.to_string(),
                });
                reports.push(check_report(
                    info,
                    settings.check(&info.id),
                    outcome,
                    Duration::ZERO,
                    &scope,
                ));
            }
            (None, None)
        }
    };
    reports.sort_by(|a, b| a.id.cmp(&b.id));
    let items = Report::items_from(&reports, &unselected);
    let notes = match &task {
        Some(change::TaskFile::Found { task, .. }) => task
            .sections
            .iter()
            .map(|(heading, _, lines)| {
                let text: Vec<&str> = lines.iter().map(|line| line.text.as_str()).collect();
                (heading.clone(), text.join("\n"))
            })
            .collect(),
        Some(change::TaskFile::Missing { .. }) | None => Vec::new(),
    };
    let scope = match Arc::unwrap_or_clone(scope) {
        Scope::All => ScopeSummary::All,
        Scope::Change(change) => ScopeSummary::Change {
            base: change.base,
            files: change.files,
        },
        Scope::Broken(error) => ScopeSummary::Broken(error),
    };
    Ok(Report {
        dod_version: env!("CARGO_PKG_VERSION"),
        config: settings.source.clone(),
        repo_prefix: settings.repo_prefix.clone(),
        notes,
        task: TaskFile {
            path: crate::python::relative_path(&settings.task, &settings.root),
            exists: settings.task.is_file(),
        },
        scope,
        inventory,
        verdict: Verdict::of(&items),
        checks: reports,
        items,
        duration: started.elapsed(),
    })
}

fn finished(progress: &Progress, report: &CheckReport) {
    progress(Event::Finished {
        id: report.id.clone(),
        status: report.status,
        duration: report.duration,
    });
}

/// What the change checks gave: their reports, the task file as read,
/// and the change's inventory when a change was measured.
struct ChangeRun {
    reports: Vec<CheckReport>,
    task: Option<change::TaskFile>,
    inventory: Option<Inventory>,
}

/// The tests this run's test runners reported (the command checks whose
/// parser reads test results), or `None` when none of them ran.
fn tests_that_ran(settings: &Settings, reports: &[CheckReport]) -> Option<Vec<TestCaseResult>> {
    let runners: Vec<&CheckId> = settings
        .commands
        .iter()
        .filter(|spec| spec.produces_test_results())
        .map(|spec| &spec.id)
        .collect();
    let ran: Vec<&CheckReport> = reports
        .iter()
        .filter(|report| runners.contains(&&report.id))
        .filter(|report| !matches!(report.status, Status::Error | Status::Skip))
        .collect();
    (!ran.is_empty()).then(|| {
        ran.iter()
            .flat_map(|report| report.facts.tests.iter().cloned())
            .collect()
    })
}

/// The coverage a test runner of this run measured (pytest under
/// pytest-cov), or `None` when none ran.
fn coverage_of(
    settings: &Settings,
    reports: &[CheckReport],
) -> Option<crate::checks::external::coverage::Coverage> {
    let runners: Vec<&CheckId> = settings
        .commands
        .iter()
        .filter(|spec| spec.coverage)
        .map(|spec| &spec.id)
        .collect();
    reports
        .iter()
        .filter(|report| runners.contains(&&report.id))
        .find_map(|report| report.facts.coverage.as_deref().cloned())
}

/// Reads the change checks' input once and runs the selected ones; returns
/// their reports and the task file as found.
fn run_change_checks(
    settings: &Settings,
    scope: &Scope,
    tests: Option<&[TestCaseResult]>,
    coverage: Option<&crate::checks::external::coverage::Coverage>,
    known: &BTreeMap<CheckId, CheckInfo>,
    progress: &Progress,
) -> ChangeRun {
    let selected: Vec<&'static dyn change::ChangeCheck> = checks::Builtin::ALL
        .iter()
        .filter_map(|builtin| match builtin.implementation() {
            Implementation::Change(check) => Some(check),
            Implementation::Native(_) | Implementation::Command(_) => None,
        })
        .filter(|check| settings.runs(&check.meta().id.into()))
        .collect();
    // Without a change check nothing but the task file (for the report's
    // narrative) is read.
    if selected.is_empty() {
        return ChangeRun {
            reports: Vec::new(),
            task: Some(change::read_task(settings)),
            inventory: None,
        };
    }
    let (change, broken) = match scope {
        Scope::Change(change) => (Some(change), None),
        Scope::All => (None, None),
        Scope::Broken(error) => (None, Some(error)),
    };
    let prepared = match change::prepare(settings, change) {
        Ok(prepared) => prepared,
        Err(error) => {
            // Without both versions no change check can judge.
            let reports = selected
                .iter()
                .map(|check| {
                    let id: CheckId = check.meta().id.into();
                    let outcome = Outcome::Errored(CheckError::Change(error.clone()));
                    check_report(
                        &known[&id],
                        settings.check(&id),
                        outcome,
                        Duration::ZERO,
                        scope,
                    )
                })
                .collect();
            return ChangeRun {
                reports,
                task: None,
                inventory: None,
            };
        }
    };
    let Prepared {
        task,
        contents,
        python,
        context,
        inventory,
    } = prepared;
    let mut done = Vec::new();
    for check in selected {
        let id: CheckId = check.meta().id.into();
        progress(Event::Started { id: id.clone() });
        let began = Instant::now();
        let input = Input {
            change,
            contents: &contents,
            python: &python,
            context: &context,
            inventory: &inventory,
            task: task.found(),
            tests: tests.map_or(TestResults::NotRun, TestResults::Ran),
            coverage,
            check: settings.check(&id),
            own: &settings.own,
        };
        let outcome = change::run(check, &input, &task, broken, settings.require_task);
        let report = check_report(
            &known[&id],
            settings.check(&id),
            outcome,
            began.elapsed(),
            scope,
        );
        finished(progress, &report);
        done.push(report);
    }
    ChangeRun {
        reports: done,
        task: Some(task),
        inventory: change.map(|_| inventory),
    }
}

/// Turns an outcome into the check's report: the filter, the severity
/// override and the status.
fn check_report(
    info: &CheckInfo,
    check: &CheckSettings,
    outcome: Outcome,
    duration: Duration,
    scope: &Scope,
) -> CheckReport {
    let mut report = CheckReport {
        id: info.id.clone(),
        title: info.title.clone(),
        item: info.item,
        kind: info.kind,
        explanation: info.doc.clone(),
        status: Status::Skip,
        skipped: None,
        errors: Vec::new(),
        counted: 0,
        duration,
        filter: check.filter,
        findings: Vec::new(),
        hidden: 0,
        facts: Default::default(),
        secrets: Vec::new(),
    };
    match outcome {
        Outcome::Skipped(reason) => report.skipped = Some(reason),
        Outcome::Errored(error) => {
            report.status = Status::Error;
            report.errors.push(error);
        }
        Outcome::Ran(mut ran) => {
            report.secrets = ran
                .findings
                .iter_mut()
                .filter_map(|finding| finding.secret.take())
                .collect();
            let total = ran.findings.len();
            let mut findings: Vec<Finding> = ran
                .findings
                .into_iter()
                .filter(|finding| keep(finding, check, scope, &ran.facts.importers))
                .collect();
            report.hidden = total - findings.len();
            if check.warn_only {
                for finding in &mut findings {
                    finding.severity = finding.severity.min(Severity::Warning);
                }
            }
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            report.counted = findings
                .iter()
                .filter(|finding| finding.severity > Severity::Note)
                .count();
            // A part the check could not judge makes it an error, whatever
            // it found elsewhere.
            report.status = if ran.errors.is_empty() {
                status_of(&findings)
            } else {
                Status::Error
            };
            report.errors = ran.errors;
            report.findings = findings;
            report.facts = ran.facts;
        }
    }
    report
}

/// Whether a finding counts under the check's filter and excludes.
fn keep(finding: &Finding, check: &CheckSettings, scope: &Scope, importers: &[String]) -> bool {
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
        FilterMode::ChangedFilesAndImporters => {
            change.file(path).is_some() || importers.iter().any(|importer| importer == path)
        }
        FilterMode::ChangedLines => match (change.file(path), finding.location.line) {
            (Some(file), Some(line)) => file.lines.contains(line),
            (Some(_), None) => true,
            (None, _) => false,
        },
    }
}
