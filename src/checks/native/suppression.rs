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
}

fn comment_suppresses(comment: &str, check_id: &str, codes: &[&str]) -> bool {
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
