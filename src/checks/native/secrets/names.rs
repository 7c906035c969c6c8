//! Secret-like names: a name is secret-like when one of its words (split on
//! `_`, `-`, `.`, spaces and camelCase) is a secret word, or two adjacent
//! words form a secret pair (`api key`, `private key`), unless its last word
//! says it names something else (`TOKEN_TYPE`, `password_prompt`,
//! `secret_name`).

/// Words that make a name secret-like on their own.
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "credential",
    "credentials",
    "auth",
];

/// Words that are password-like: their findings are `password-assignment`.
const PASSWORD_WORDS: &[&str] = &["password", "passwd", "pwd", "pass", "passphrase"];

/// Adjacent word pairs that make a name secret-like (`api_key`, `accessKey`).
pub const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("private", "key"),
    ("signing", "key"),
    ("secret", "key"),
    ("encryption", "key"),
    ("master", "key"),
];

/// A last word that makes the name about something other than the secret
/// itself: its kind, its name, where it lives, how long it lasts, how it is
/// asked for.
pub const NOT_SECRET_LAST_WORDS: &[&str] = &[
    "type",
    "types",
    "kind",
    "name",
    "names",
    "field",
    "fields",
    "header",
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "filename",
    "dir",
    "env",
    "var",
    "prefix",
    "suffix",
    "len",
    "length",
    "size",
    "min",
    "max",
    "pattern",
    "regex",
    "format",
    "fmt",
    "label",
    "prompt",
    "message",
    "msg",
    "text",
    "title",
    "hint",
    "help",
    "description",
    "error",
    "errors",
    "id",
    "ids",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "timeout",
    "lifetime",
    "age",
    "count",
    "policy",
    "scope",
    "scopes",
    "algorithm",
    "alg",
    "algorithms",
    "version",
    "mode",
    "method",
    "backend",
    "backends",
    "model",
    "template",
    "class",
    "module",
    "param",
    "parameter",
    "column",
    "attr",
    "attribute",
    "setting",
    "settings",
    "enabled",
    "required",
    "flag",
    "validator",
    "validators",
    "hash",
    "hashed",
    "hasher",
    "reset",
    "placeholder",
    "location",
    "source",
    "store",
    "manager",
    "provider",
    "service",
    "client",
    "ref",
    "arn",
    "index",
    "cache",
    "view",
    "form",
    "route",
    "handler",
    "policy",
    "rotation",
    "strength",
    "changed",
    "changes",
    "check",
    "verify",
    "verified",
];

pub struct Words(Vec<String>);

impl Words {
    pub fn of(name: &str) -> Words {
        let mut words = Vec::new();
        let mut current = String::new();
        let mut previous_lower = false;
        for c in name.chars() {
            if !c.is_alphanumeric() {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
                previous_lower = false;
                continue;
            }
            if c.is_uppercase() && previous_lower && !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            current.extend(c.to_lowercase());
        }
        if !current.is_empty() {
            words.push(current);
        }
        Words(words)
    }

    /// What kind of secret the name holds, if any.
    pub fn secret_kind(&self, extra: &[String]) -> Option<SecretKind> {
        let words = &self.0;
        let last = words.last()?;
        if NOT_SECRET_LAST_WORDS.contains(&last.as_str()) {
            return None;
        }
        if words
            .iter()
            .any(|word| PASSWORD_WORDS.contains(&word.as_str()))
        {
            return Some(SecretKind::Password);
        }
        let single = words
            .iter()
            .any(|word| SECRET_WORDS.contains(&word.as_str()) || extra.contains(word));
        let pair = words
            .windows(2)
            .any(|pair| SECRET_PAIRS.contains(&(pair[0].as_str(), pair[1].as_str())));
        (single || pair).then_some(SecretKind::Secret)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Password,
    Secret,
}

impl SecretKind {
    pub fn of(name: &str, extra: &[String]) -> Option<SecretKind> {
        Words::of(name).secret_kind(extra)
    }

    pub fn rule(self) -> &'static str {
        match self {
            SecretKind::Password => "password-assignment",
            SecretKind::Secret => "secret-assignment",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::Secret => "secret",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str) -> Option<SecretKind> {
        SecretKind::of(name, &[])
    }

    #[test]
    fn secret_like_names() {
        for name in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "SECRET_KEY",
            "api_key",
            "apiKey",
            "APIKey",
            "aws_secret_access_key",
            "client_secret",
            "GITHUB_TOKEN",
            "auth",
            "signing_key",
            "private_key",
            "credentials",
            "smtp_pass",
        ] {
            assert!(kind(name).is_some(), "{name}");
        }
        assert_eq!(kind("DB_PASSWORD"), Some(SecretKind::Password));
        assert_eq!(kind("SECRET_KEY"), Some(SecretKind::Secret));
    }

    #[test]
    fn names_about_something_else() {
        for name in [
            "TOKEN_TYPE",
            "grant_type",
            "password_prompt",
            "secret_name",
            "token_url",
            "PASSWORD_MIN_LENGTH",
            "access_key_id",
            "keyboard",
            "passenger",
            "monkey",
            "tokenizer",
            "compass",
            "key",
            "cache_key",
            "bypass",
        ] {
            assert_eq!(kind(name), None, "{name}");
        }
    }

    #[test]
    fn config_extends_the_words() {
        assert_eq!(
            SecretKind::of("license", &["license".to_owned()]),
            Some(SecretKind::Secret)
        );
    }
}
