//! Whether a literal value under a secret-like name is a live secret, and
//! how a secret is shown (redacted). The heuristics, in order:
//!
//! 1. Too short (under 6 characters) or containing whitespace: human text
//!    or nothing worth stealing.
//! 2. A placeholder or template: `changeme`, `xxxx`, `REPLACE_ME`,
//!    `<your-token>`, `YOUR_API_KEY`, `${X}`, `{{ x }}`, `%(x)s`, `{x}`,
//!    `$X`, `***`, a run of one character, or the words `example`,
//!    `placeholder`, `redacted`.
//! 3. Not a value but a reference: a URL or path, a dotted import path
//!    (`app.auth.Backend`), an environment variable name (`DB_PASSWORD`),
//!    dotted numbers (a version, an OID, an IP address).
//! 4. A word, not a secret: only letters and `-`, `_`, `.` (`bearer`,
//!    `refresh_token`, `client-credentials`), unless it spells out a secret
//!    itself (`super-secret-key`, `mypassword`) and is not a snake_case
//!    identifier (`client_secret` names a field).
//! 5. In a test file, visibly fake: `fake`, `dummy`, `test`, `mock`,
//!    `sample`, `invalid`.
//!
//! Token formats (`ghp_…`, `AKIA…`) skip only 2 and 5: their shape is the
//! evidence.

use std::sync::LazyLock;

use regex::Regex;

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        change[-_\x20]?me | replace[-_\x20]?me | x{4,} | \*{3,} | \.\.\. | todo | fixme | tbd
        | ^<.*>$ | <[a-z0-9_\x20-]+> | \byour[-_\x20]?[a-z_]*
        | example | placeholder | redacted | dummy[-_]?value | \$\{[^}]*\} | \{\{.*\}\} | %\([a-z_]+\)s | ^\{[a-z_0-9]*\}$
        | ^\$[a-z_][a-z0-9_]*$ | ^%[a-z_]+%$ | ^enc\[ | ^vault: | \$\(",
    )
    .expect("valid placeholder pattern")
});

static FAKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)fake|dummy|test|mock|sample|invalid|bogus|notreal|not[-_]real")
        .expect("valid fake pattern")
});

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ^[a-z][a-z0-9+.-]*://          # a URL (credentials in URLs have their own rule)
        | ^[./~]                       # a path
        | ^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$   # a dotted import path
        | ^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$                           # an environment variable name
        | ^v?[0-9]+(\.[0-9]+)+$                                   # a version, an OID, an address",
    )
    .expect("valid reference pattern")
});

static WORDS_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z]+([-_.][A-Za-z]+)*$").expect("valid words pattern"));

static SPELLS_A_SECRET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)secret|passw|pwd").expect("valid secret-word pattern"));

/// Whether `value` under the secret-like `name` is a live secret.
pub fn is_secret_value(name: &str, value: &str, in_test_file: bool, allow: &[Regex]) -> bool {
    let value = value.trim();
    // `PASSWORD = "password"` names a field; it is not a password.
    let letters = |text: &str| -> String {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .flat_map(char::to_lowercase)
            .collect()
    };
    if letters(value) == letters(name) {
        return false;
    }
    if value.chars().count() < 6 || value.chars().any(char::is_whitespace) {
        return false;
    }
    if is_placeholder(value) || REFERENCE.is_match(value) {
        return false;
    }
    // Words are names, not secrets: a snake_case identifier never is
    // (`client_secret`, a field name), other words only when they spell a
    // secret out (`super-secret-key`, `mypassword`).
    if WORDS_ONLY.is_match(value) && (value.contains('_') || !SPELLS_A_SECRET.is_match(value)) {
        return false;
    }
    !waved_off(value, in_test_file, allow)
}

/// Whether a password embedded in a URL, a connection string or SQL is live:
/// not a placeholder or template, and not a bare word (`user:password@`,
/// `guest:guest@`, `postgres:postgres@` are documentation and local
/// defaults).
pub fn is_embedded_password(value: &str, in_test_file: bool, allow: &[Regex]) -> bool {
    let value = value.trim();
    let not_a_password = value.chars().count() < 4
        || is_placeholder(value)
        || value.starts_with(['{', '$', '%', '<', '*'])
        || WORDS_ONLY.is_match(value);
    !not_a_password && !waved_off(value, in_test_file, allow)
}

/// Visibly fake in a test file, or allowed by config.
fn waved_off(value: &str, in_test_file: bool, allow: &[Regex]) -> bool {
    (in_test_file && FAKE.is_match(value)) || allow.iter().any(|regex| regex.is_match(value))
}

/// Whether a token-shaped match is a placeholder or, in a test file,
/// visibly fake.
pub fn is_fake_token(value: &str, in_test_file: bool, allow: &[Regex]) -> bool {
    is_placeholder(value) || waved_off(value, in_test_file, allow)
}

fn is_placeholder(value: &str) -> bool {
    if PLACEHOLDER.is_match(value) {
        return true;
    }
    // One character repeated (`aaaaaaaa`, `00000000`) is a filler.
    let mut chars = value.chars().filter(|c| c.is_alphanumeric());
    match chars.next() {
        Some(first) => chars.clone().count() >= 5 && chars.all(|c| c == first),
        None => true,
    }
}

/// What may be shown of a secret: at most its first 4 characters (fewer for
/// short values, never more than a third), and its length.
pub fn redact(value: &str) -> String {
    let length = value.chars().count();
    let shown: String = value.chars().take((length / 3).min(4)).collect();
    format!("`{shown}…` ({length} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_values() {
        for value in [
            "hunter2!",
            "s3cr3t-Pa55",
            "super-secret-key",
            "mypassword",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ] {
            assert!(is_secret_value("name", value, false, &[]), "{value}");
        }
    }

    #[test]
    fn not_secrets() {
        for value in [
            "",
            "short",
            "Enter your password",
            "changeme",
            "xxxxxxxx",
            "REPLACE_ME",
            "<your-token>",
            "YOUR_API_KEY",
            "${DB_PASSWORD}",
            "{{ vault_password }}",
            "%(password)s",
            "bearer",
            "refresh_token",
            "client-credentials",
            "app.auth.TokenBackend",
            "https://auth.example.com/token",
            "DB_PASSWORD",
            "********",
            "/run/secrets/db",
            "aaaaaaaaaa",
            "client_secret",
            "access_token",
        ] {
            assert!(!is_secret_value("name", value, false, &[]), "{value}");
        }
    }

    #[test]
    fn a_value_that_repeats_its_name_is_a_field_name() {
        assert!(!is_secret_value("password", "password", false, &[]));
        assert!(!is_secret_value("API_KEY", "api-key", false, &[]));
    }

    #[test]
    fn fake_values_only_in_tests() {
        assert!(!is_secret_value("name", "test-password-1", true, &[]));
        assert!(is_secret_value("name", "test-password-1", false, &[]));
    }

    #[test]
    fn allowlist() {
        let allow = [Regex::new("^sk_test_").unwrap()];
        assert!(!is_secret_value("name", "sk_test_abc123def", false, &allow));
    }

    #[test]
    fn redaction_shows_at_most_four_characters() {
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "`ghp_…` (40 chars)"
        );
        assert_eq!(redact("hunter2"), "`hu…` (7 chars)");
    }
}
