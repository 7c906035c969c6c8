//! Token formats: secrets recognised by their shape wherever they appear
//! (Python strings and comments, config files). Each rule is one regex whose
//! `secret` group is the value; a `RegexSet` finds which rules can match a
//! text in one pass, so most strings cost one scan.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

pub struct Pattern {
    pub rule: &'static str,
    /// The value is a password typed by a person (in a URL, a DSN, SQL), not
    /// a token with a recognisable shape, so it is judged like one.
    pub is_password: bool,
    /// How a message names it.
    pub what: &'static str,
    regex: &'static str,
    /// When set, the text must also match this for the rule to apply
    /// (a libpq password needs `host=` or `dbname=` beside it).
    context: Option<&'static str>,
}

pub const PATTERNS: &[Pattern] = &[
    Pattern {
        is_password: false,
        rule: "private-key",
        what: "private key",
        regex: r"(?P<secret>-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "aws-access-key-id",
        what: "AWS access key id",
        regex: r"\b(?P<secret>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})\b",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "aws-secret-access-key",
        what: "AWS secret access key",
        regex: r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+]{40})\b"#,
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "github-token",
        what: "GitHub token",
        regex: r"\b(?P<secret>(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "gitlab-token",
        what: "GitLab token",
        regex: r"\b(?P<secret>glpat-[A-Za-z0-9_-]{20,})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "slack-webhook",
        what: "Slack webhook",
        regex: r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]+/[A-Z0-9]+/[A-Za-z0-9]{16,})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "slack-token",
        what: "Slack token",
        regex: r"\b(?P<secret>xox[abposr]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "stripe-secret-key",
        what: "Stripe secret key",
        regex: r"\b(?P<secret>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,})\b",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "google-api-key",
        what: "Google API key",
        regex: r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "anthropic-api-key",
        what: "Anthropic API key",
        regex: r"\b(?P<secret>sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{40,})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "openai-api-key",
        what: "OpenAI API key",
        regex: r"\b(?P<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{48})\b",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "huggingface-token",
        what: "Hugging Face token",
        regex: r"\b(?P<secret>hf_[A-Za-z0-9]{34,})\b",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "sendgrid-api-key",
        what: "SendGrid API key",
        regex: r"\b(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "twilio-api-key",
        what: "Twilio API key",
        regex: r"\b(?P<secret>SK[0-9a-f]{32})\b",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "vault-token",
        what: "Vault token",
        regex: r"\b(?P<secret>hvs\.[A-Za-z0-9_-]{24,})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "jwt",
        what: "JSON Web Token",
        regex: r"\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})",
        context: None,
    },
    Pattern {
        is_password: false,
        rule: "azure-storage-key",
        what: "Azure storage account key",
        regex: r"AccountKey=(?P<secret>[A-Za-z0-9+/]{40,}={0,2})",
        context: None,
    },
    Pattern {
        is_password: true,
        rule: "url-credentials",
        what: "password in a URL",
        regex: r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|https?|ftps?|mssql|oracle|sqlserver)(?:\+[a-z0-9]+)?://[^:/\s@'\x22]*:(?P<secret>[^@/\s'\x22]{3,})@",
        context: None,
    },
    Pattern {
        is_password: true,
        rule: "connection-string-password",
        what: "password in a connection string",
        regex: r"(?i)\b(?:password|pwd)\s*=\s*(?P<secret>[^\s;'\x22]{3,})",
        context: Some(r"(?i)\b(?:host|hostaddr|dbname|server|uid|user id|driver|data source)\s*="),
    },
    Pattern {
        is_password: true,
        rule: "sql-password",
        what: "password in SQL",
        regex: r"(?i)\b(?:with\s+(?:encrypted\s+)?password|identified\s+by|password\s+for\s+\S+\s*=)\s*'(?P<secret>[^']{3,})'",
        context: None,
    },
];

struct Compiled {
    set: RegexSet,
    regexes: Vec<Regex>,
    contexts: Vec<Option<Regex>>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| Compiled {
    set: RegexSet::new(PATTERNS.iter().map(|pattern| pattern.regex))
        .expect("valid secret patterns"),
    regexes: PATTERNS
        .iter()
        .map(|pattern| Regex::new(pattern.regex).expect("valid secret pattern"))
        .collect(),
    contexts: PATTERNS
        .iter()
        .map(|pattern| {
            pattern
                .context
                .map(|context| Regex::new(context).expect("valid context pattern"))
        })
        .collect(),
});

/// A token found in a text: which rule, and the byte range of the secret.
pub struct Match<'t> {
    pub pattern: &'static Pattern,
    pub start: usize,
    pub value: &'t str,
}

/// Every token in `text`. Overlapping matches of later rules are dropped, so
/// a URL's password is not also reported as a connection-string password.
pub fn scan(text: &str) -> Vec<Match<'_>> {
    // Every format is at least this long: skip the many short strings.
    if text.len() < 12 {
        return Vec::new();
    }
    let compiled = &*COMPILED;
    let mut found: Vec<Match<'_>> = Vec::new();
    for index in compiled.set.matches(text).iter() {
        if let Some(context) = &compiled.contexts[index]
            && !context.is_match(text)
        {
            continue;
        }
        for captures in compiled.regexes[index].captures_iter(text) {
            let Some(secret) = captures.name("secret") else {
                continue;
            };
            let overlaps = found.iter().any(|other| {
                secret.start() < other.start + other.value.len() && other.start < secret.end()
            });
            if !overlaps {
                found.push(Match {
                    pattern: &PATTERNS[index],
                    start: secret.start(),
                    value: secret.as_str(),
                });
            }
        }
    }
    found.sort_by_key(|found| found.start);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<&'static str> {
        scan(text).iter().map(|found| found.pattern.rule).collect()
    }

    #[test]
    fn formats() {
        assert_eq!(rules("key = 'AKIAZ7Q3M2XK9RB4TN5W'"), ["aws-access-key-id"]);
        assert_eq!(
            rules("ghp_R8nT2kLq9ZxV4mW7pY3sB6dF1hJ5cE0aGu2K"),
            ["github-token"]
        );
        assert_eq!(
            rules("postgresql://app:Kq8s!xP2v@db:5432/app"),
            ["url-credentials"]
        );
        assert_eq!(
            rules("host=db dbname=app user=app password=Zr7uWq2pLx"),
            ["connection-string-password"]
        );
        assert_eq!(
            rules("password=Zr7uWq2pLx"),
            Vec::<&str>::new(),
            "no connection context"
        );
        assert_eq!(rules("-----BEGIN RSA PRIVATE KEY-----"), ["private-key"]);
        assert_eq!(rules("-----BEGIN PUBLIC KEY-----"), Vec::<&str>::new());
        assert_eq!(
            rules("CREATE USER app WITH PASSWORD 'Tq9vLm2xRw'"),
            ["sql-password"]
        );
    }

    #[test]
    fn publishable_keys_are_not_secret() {
        assert!(rules("pk_live_51Hx9TqLm2XkR8vB4nC7dW1pY").is_empty());
    }
}
