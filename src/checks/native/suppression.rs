//! Suppression comments on a finding's line: `# noqa` (every rule),
//! `# noqa: T201, ANN001` (those codes), and dod's own
//! `# dod: ignore[print-calls, type-hints]` (those checks) or
//! `# dod: ignore` (every check).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Finding;
use crate::python::PythonFile;

static NOQA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?")
        .expect("valid noqa pattern")
});

static DOD_IGNORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#\s*dod:\s*ignore(?:\[(?P<ids>[^\]]*)\])?").expect("valid dod ignore pattern")
});

pub fn is_suppressed(file: &PythonFile, finding: &Finding, check_id: &str, codes: &[&str]) -> bool {
    let Some(line) = finding.location.line else {
        return false;
    };
    file.comments_on(line)
        .any(|comment| comment_suppresses(comment, check_id, codes))
        || (check_id == SECRETS && line > 1 && file.comments_on(line - 1).any(allows_next_line))
}

/// The same markers in a non-Python text file (YAML, `.env`, INI, TOML,
/// Dockerfile), after the first `#` of the line.
pub fn is_suppressed_in_text(
    text: &str,
    finding: &Finding,
    check_id: &str,
    codes: &[&str],
) -> bool {
    let Some(line) = finding
        .location
        .line
        .and_then(|line| usize::try_from(line).ok())
    else {
        return false;
    };
    let comment = |number: usize| -> Option<&str> {
        let text = text.lines().nth(number.checked_sub(1)?)?;
        text.find('#').map(|at| &text[at..])
    };
    comment(line).is_some_and(|comment| comment_suppresses(comment, check_id, codes))
        || (check_id == SECRETS && comment(line - 1).is_some_and(allows_next_line))
}

/// The check whose findings detect-secrets' pragmas suppress.
const SECRETS: &str = crate::checks::Builtin::HardcodedSecrets.as_str();

static ALLOWLIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"pragma:\s*allowlist[ -]secret").expect("valid allowlist pattern")
});

static ALLOWLIST_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"pragma:\s*allowlist[ -]nextline[ -]secret").expect("valid allowlist pattern")
});

fn allows_next_line(comment: &str) -> bool {
    ALLOWLIST_NEXT.is_match(comment)
}

fn comment_suppresses(comment: &str, check_id: &str, codes: &[&str]) -> bool {
    if check_id == SECRETS && ALLOWLIST.is_match(comment) {
        return true;
    }
    for captures in NOQA.captures_iter(comment) {
        match captures.name("codes") {
            None => return true,
            Some(listed) => {
                let hit = listed
                    .as_str()
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|code| !code.is_empty())
                    .any(|code| {
                        codes
                            .iter()
                            .any(|prefix| code.to_ascii_uppercase().starts_with(prefix))
                    });
                if hit {
                    return true;
                }
            }
        }
    }
    DOD_IGNORE
        .captures_iter(comment)
        .any(|captures| match captures.name("ids") {
            None => true,
            Some(ids) => ids.as_str().split(',').any(|id| id.trim() == check_id),
        })
}

#[cfg(test)]
mod tests {
    use super::comment_suppresses;

    #[test]
    fn noqa_forms() {
        assert!(comment_suppresses("# noqa", "print-calls", &["T201"]));
        assert!(comment_suppresses("# NOQA: T201", "print-calls", &["T201"]));
        assert!(comment_suppresses(
            "# noqa: E501, T201",
            "print-calls",
            &["T201"]
        ));
        assert!(!comment_suppresses(
            "# noqa: E501",
            "print-calls",
            &["T201"]
        ));
        assert!(comment_suppresses("# noqa: ANN001", "type-hints", &["ANN"]));
        assert!(comment_suppresses(
            "# type: ignore  # noqa: ANN201",
            "type-hints",
            &["ANN"]
        ));
    }

    #[test]
    fn detect_secrets_pragmas() {
        assert!(comment_suppresses(
            "# pragma: allowlist secret",
            "hardcoded-secrets",
            &[]
        ));
        assert!(!comment_suppresses(
            "# pragma: allowlist secret",
            "print-calls",
            &[]
        ));
        assert!(!comment_suppresses(
            "# pragma: allowlist nextline secret",
            "hardcoded-secrets",
            &[]
        ));
        assert!(super::allows_next_line(
            "# pragma: allowlist nextline secret"
        ));
    }

    #[test]
    fn dod_ignore_forms() {
        assert!(comment_suppresses(
            "# dod: ignore[print-calls]",
            "print-calls",
            &[]
        ));
        assert!(comment_suppresses(
            "# dod: ignore[type-hints, print-calls]",
            "print-calls",
            &[]
        ));
        assert!(!comment_suppresses(
            "# dod: ignore[type-hints]",
            "print-calls",
            &[]
        ));
        assert!(comment_suppresses("# dod: ignore", "print-calls", &[]));
    }
}
