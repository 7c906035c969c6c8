//! `acceptance-criteria`: every criterion is checked, and the tests it names
//! passed in this run.

use crate::checks::change::{ChangeCheck, Input, TaskRef};
use crate::checks::declare_check;
use crate::config::FilterMode;
use crate::diagnostic::{
    Facts, Finding, Headline, Item, Location, Outcome, Ran, Severity, TestOutcome,
};

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
    id: crate::checks::Builtin::AcceptanceCriteria,
    title: "acceptance criteria met",
    item: Item::CodeAcceptance,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Task,
    options: &[],
}

impl ChangeCheck for AcceptanceCriteria {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let TaskRef { path, task } = input.task();
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
                if !input.tests_ran() {
                    // Without a test run, say so; never fail for it.
                    findings.push(
                        Finding::new(
                            "test-not-run",
                            at(criterion.line),
                            format!("`{test}` was not run: no test runner ran in this run"),
                        )
                        .with_severity(Severity::Note),
                    );
                    continue;
                }
                let (rule, message) = match input.test_outcome(test) {
                    Some(TestOutcome::Passed) => continue,
                    Some(TestOutcome::Skipped) => ("test-skipped", format!("`{test}` was skipped")),
                    Some(TestOutcome::Failed | TestOutcome::Error) => {
                        ("test-failed", format!("`{test}` failed"))
                    }
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
        let blocking = findings
            .iter()
            .any(|finding| finding.severity > Severity::Note);
        let headline = if !blocking && !input.tests_ran() && criteria_name_tests(task) {
            Headline::TestsNotRun
        } else {
            Headline::Criteria {
                met: checked,
                total: task.criteria.len(),
            }
        };
        Outcome::Ran(Ran {
            facts: Facts {
                headline: (!blocking).then_some(headline),
                ..Facts::default()
            },
            findings,
            ..Ran::default()
        })
    }
}

fn criteria_name_tests(task: &crate::task::Task) -> bool {
    task.criteria
        .iter()
        .any(|criterion| !criterion.tests.is_empty())
}
