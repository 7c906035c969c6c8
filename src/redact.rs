//! One pass over the finished report before any renderer sees it: every
//! value `hardcoded-secrets` found (in the change or not) and every match
//! of a token format is masked wherever it appears (findings, fixes, paths,
//! test ids and messages, tool output in errors, the task file's notes),
//! the same way `hardcoded-secrets` shows its own findings: the first
//! characters and the length. Control characters from files and tools
//! (NUL, ANSI escapes) are made visible, so nothing raw reaches a terminal,
//! a CI log or the hook's reason.

use std::borrow::Cow;

use crate::checks::native::secrets::{patterns, values};
use crate::diagnostic::CheckError;
use crate::git::ChangeError;
use crate::report::{Report, ScopeSummary};

/// A found value shorter than this is not masked elsewhere: it would
/// mangle ordinary words.
const SHORTEST: usize = 6;

/// Masks and cleans the whole report in place.
pub fn report(report: &mut Report) {
    let mut secrets: Vec<String> = report
        .checks
        .iter_mut()
        .flat_map(|check| std::mem::take(&mut check.secrets))
        .filter(|secret| secret.chars().count() >= SHORTEST)
        .collect();
    // The longest first, so a secret that contains another is masked whole.
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    let clean = |text: &mut String| {
        if let Cow::Owned(cleaned) = scrub(text, &secrets) {
            *text = cleaned;
        }
    };
    for check in &mut report.checks {
        for finding in &mut check.findings {
            clean(&mut finding.message);
            if let Some(fix) = &mut finding.fix {
                clean(fix);
            }
            if let Some(path) = &mut finding.location.path {
                clean(path);
            }
        }
        for error in &mut check.errors {
            clean_error(error, &clean);
        }
        for test in &mut check.facts.tests {
            for text in [&mut test.node_id, &mut test.classname, &mut test.name] {
                clean(text);
            }
            for text in [&mut test.path, &mut test.message, &mut test.details]
                .into_iter()
                .flatten()
            {
                clean(text);
            }
        }
        for (node_id, _) in &mut check.facts.tests_added {
            clean(node_id);
        }
        for importer in &mut check.facts.importers {
            clean(importer);
        }
    }
    for (_, text) in &mut report.notes {
        clean(text);
    }
    match &mut report.scope {
        ScopeSummary::Change { files, .. } => {
            for file in files {
                clean(&mut file.path);
                if let Some(from) = &mut file.from {
                    clean(from);
                }
            }
        }
        ScopeSummary::Broken(error) => clean_change_error(error, &clean),
        ScopeSummary::All => {}
    }
}

fn clean_error(error: &mut CheckError, clean: &impl Fn(&mut String)) {
    match error {
        CheckError::Change(error) => clean_change_error(error, clean),
        CheckError::Crashed { path, message } => {
            clean(message);
            if let Some(path) = path {
                clean(path);
            }
        }
        CheckError::Tool(message) => clean(message),
        CheckError::AllIgnored { example, .. } => clean(example),
        CheckError::Unresolved { tool } => clean(tool),
    }
}

fn clean_change_error(error: &mut ChangeError, clean: &impl Fn(&mut String)) {
    match error {
        ChangeError::Shallow { reference }
        | ChangeError::MissingBase { reference }
        | ChangeError::NoMergeBase { reference } => clean(reference),
        ChangeError::Git { command, stderr } => {
            clean(command);
            clean(stderr);
        }
        ChangeError::NoDefaultBase | ChangeError::NoCommits => {}
    }
}

/// `text` with every secret and token masked and control characters
/// escaped; borrowed when there was nothing to change.
pub fn scrub<'t>(text: &'t str, secrets: &[String]) -> Cow<'t, str> {
    let mut text: Cow<'t, str> = Cow::Borrowed(text);
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), &values::redact(secret)));
        }
    }
    let tokens: Vec<(usize, usize)> = patterns::scan(&text)
        .iter()
        .map(|token| (token.start, token.start + token.value.len()))
        .collect();
    if !tokens.is_empty() {
        let mut masked = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in tokens {
            if start < at {
                continue;
            }
            masked.push_str(&text[at..start]);
            masked.push_str(&values::redact(&text[start..end]));
            at = end;
        }
        masked.push_str(&text[at..]);
        text = Cow::Owned(masked);
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        text = Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() && !matches!(c, '\n' | '\t') {
                        format!("\\u{{{:x}}}", u32::from(c))
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_R8nT2kLq9ZxV4mW7pY3sB6dF1hJ5cE0aGu2K";

    #[test]
    fn found_values_and_token_formats_are_masked() {
        let found = vec!["s3cr3t-Passw0rd!".to_owned()];
        let text = format!("assert 'x' == '{TOKEN}' and pw='s3cr3t-Passw0rd!'");
        let masked = scrub(&text, &found);
        assert!(!masked.contains(TOKEN), "{masked}");
        assert!(!masked.contains("s3cr3t-Passw0rd!"), "{masked}");
        assert!(masked.contains("`ghp_…` (40 chars)"), "{masked}");
        assert!(masked.contains("`s3cr…` (16 chars)"), "{masked}");
    }

    #[test]
    fn control_characters_are_made_visible_and_clean_text_is_borrowed() {
        let masked = scrub("red \x1b[31mtext\x1b[0m and a NUL \0 here\nnext", &[]);
        assert_eq!(
            masked,
            "red \\u{1b}[31mtext\\u{1b}[0m and a NUL \\u{0} here\nnext"
        );
        assert!(matches!(scrub("plain text", &[]), Cow::Borrowed(_)));
    }
}
