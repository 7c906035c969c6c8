//! `acceptance-criteria`: every criterion is checked, and the tests it names
//! passed in this run.

use crate::checks::change::{ChangeCheck, Context};
use crate::checks::native::{Meta, declare_check};
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location, Outcome, Ran, TestOutcome};

declare_check! {
    /// ## What it does
    /// Reads `## Acceptance criteria` in the task file (default `TASK.md`,
    /// or `--task FILE`): every criterion must be checked (`- [x]`), and a
    /// criterion that names the tests proving it
    /// (`(tests: tests/test_upload.py::test_upload_returns_201, ...)`)
    /// passes only when each named test ran and passed in this run. An
    /// unchecked criterion, an unknown test and a failed test are findings
    /// at the criterion's line. Without a task file the check is skipped,
    /// unless `require_task = true`.
    ///
    /// ## Why it matters
    /// "Implementation complete" means every criterion of the task was
    /// addressed, and a criterion with a test is only met when that test
    /// passes now, not when it passed on someone's machine last week.
    ///
    /// ## Example
    /// ```markdown
    /// ## Acceptance criteria
    /// - [x] Uploads return 201 (tests: tests/test_upload.py::test_upload_returns_201)
    /// - [ ] Files over 10 MiB are rejected with 413
    /// ```
    ///
    /// ## How to fix
    /// Finish the criterion and tick it, or fix the named test; name tests
    /// by their pytest node id.
    ///
    /// ## How to suppress
    /// Remove a criterion that no longer applies, or `enabled = false` in
    /// `[checks.acceptance-criteria]`.
    pub struct AcceptanceCriteria;
    id: "acceptance-criteria",
    title: "acceptance criteria met",
    item: Item::CodeAcceptance,
    skips_tests: false,
    filter: FilterMode::All,
}

impl ChangeCheck for AcceptanceCriteria {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, context: &Context<'_>) -> Outcome {
        let (path, task) = match context.task(Self::META.id) {
            Ok(found) => found,
            Err(outcome) => return *outcome,
        };
        let at = |line: u32| Location::at(path, line, None);
        if !task.has_criteria || task.criteria.is_empty() {
            let finding = Finding::new(
                "no-criteria",
                Location::file(path),
                "the task file lists no acceptance criteria",
            )
            .with_fix("add `## Acceptance criteria` with one `- [ ] ...` line per criterion");
            return Outcome::Ran(Ran::findings(vec![finding]));
        }
        let mut findings = Vec::new();
        for criterion in &task.criteria {
            if !criterion.checked {
                findings.push(
                    Finding::new(
                        "unchecked-criterion",
                        at(criterion.line),
                        format!("not checked: {}", criterion.text),
                    )
                    .with_fix("finish it and tick it (`- [x]`)"),
                );
            }
            for test in &criterion.tests {
                let (rule, message) = match context.test_outcome(test) {
                    Some(TestOutcome::Passed) => continue,
                    Some(TestOutcome::Skipped) => ("test-skipped", format!("`{test}` was skipped")),
                    Some(TestOutcome::Failed | TestOutcome::Error) => {
                        ("test-failed", format!("`{test}` failed"))
                    }
                    None if context.tests.is_none() => (
                        "test-not-run",
                        format!("`{test}` did not run: pytest did not run"),
                    ),
                    None => (
                        "unknown-test",
                        format!("`{test}` did not run: no such test"),
                    ),
                };
                findings.push(
                    Finding::new(rule, at(criterion.line), message)
                        .with_fix("name the test by its pytest node id, and make it pass"),
                );
            }
        }
        let checked = task
            .criteria
            .iter()
            .filter(|criterion| criterion.checked)
            .count();
        let summary = findings
            .is_empty()
            .then(|| format!("{checked} of {} criteria met", task.criteria.len()));
        Outcome::Ran(Ran {
            findings,
            summary,
            ..Ran::default()
        })
    }
}
