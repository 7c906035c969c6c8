//! `hardcoded-secrets`: credentials written into code or config.

mod config_files;
mod names;
pub mod patterns;
pub mod values;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use serde::Deserialize;

use crate::checks::OptionDoc;
use crate::checks::declare_check;
use crate::checks::native::NativeCheck;
use crate::checks::options::OwnSettings;
use crate::checks::options::Value;
use crate::config::FilterMode;
use crate::diagnostic::{Finding, Item, Location};
use crate::python::{self, Source};
use names::SecretKind;

declare_check! {
    /// ## What it does
    /// Finds credentials written into Python code and config files, and
    /// reports each at the line and column where the value begins, with a
    /// redacted preview: at most its first 4 characters (never more than a
    /// third of it) and its length. No output of dod contains the secret.
    ///
    /// **In Python** (from the shared parse), a string literal (plain,
    /// bytes, f-string text, implicitly concatenated, triple-quoted) is a
    /// secret when it is
    /// - assigned to a secret-like name, attribute or key
    ///   (`DB_PASSWORD = "..."`, `self.token = "..."`,
    ///   `app.config["SECRET_KEY"] = "..."`, `os.environ["API_KEY"] = "..."`),
    ///   a dict value under a secret-like key, a keyword argument with a
    ///   secret-like name (`password=`, `aws_secret_access_key=`, `api_key=`),
    ///   or a parameter default (rules `password-assignment`,
    ///   `secret-assignment`);
    /// - in a known secret slot of a common API (rule `secret-argument`):
    ///   `jwt.encode(payload, KEY)`, `smtp.login(user, PASSWORD)`,
    ///   `requests.get(..., auth=(user, PASSWORD))`, `Fernet(KEY)`, and the
    ///   default of `os.getenv("SECRET_NAME", "...")` /
    ///   `os.environ.get(...)`.
    ///
    /// **Token formats**, anywhere in Python strings and comments and in
    /// config files (`.env*`, YAML, JSON, INI, CFG, TOML, docker-compose,
    /// Dockerfile, Kubernetes manifests): `aws-access-key-id` (AKIA/ASIA…),
    /// `aws-secret-access-key` (next to its key), `github-token` (`ghp_`,
    /// `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), `gitlab-token`
    /// (`glpat-`), `slack-token`, `slack-webhook`, `stripe-secret-key`
    /// (`sk_`/`rk_`, never the publishable `pk_`), `google-api-key`,
    /// `openai-api-key`, `anthropic-api-key`, `huggingface-token`,
    /// `sendgrid-api-key`, `twilio-api-key`, `vault-token` (`hvs.`), `jwt`,
    /// `private-key` (PEM private key blocks, never public keys or
    /// certificates), `azure-storage-key`, `url-credentials` (postgres,
    /// mysql, mongodb+srv, redis, amqp, https… `://user:PASSWORD@host`),
    /// `connection-string-password` (libpq `password=`, ODBC `Pwd=`, with a
    /// `host=`/`dbname=`/`Server=` beside it) and `sql-password`
    /// (`WITH PASSWORD '...'`, `IDENTIFIED BY '...'`).
    ///
    /// **Secret-like names** are matched on the words of the name (split on
    /// `_`, `-`, `.` and camelCase): password, passwd, pwd, pass, passphrase,
    /// secret, secrets, token, apikey, credential(s), auth, and the pairs
    /// api key, access key, private key, signing key, secret key, encryption
    /// key, master key; `secret_names` in config adds words. A name whose
    /// last word says it names something else is not secret-like: type,
    /// kind, name, field, header, url, endpoint, path, file, env, prefix,
    /// length, pattern, format, label, prompt, message, text, title, help,
    /// id, ttl, expiry, timeout, scope, algorithm, version, mode, method,
    /// backend, model, template, class, hash, and the like (`TOKEN_TYPE`,
    /// `grant_type`, `password_prompt`, `secret_name`).
    ///
    /// **Not secrets**: values read from the environment, settings or a
    /// vault (they are not literals); values under 6 characters or with
    /// whitespace (human text such as `"Enter your password"`);
    /// placeholders and templates (`changeme`, `xxxx`, `REPLACE_ME`,
    /// `<your-token>`, `YOUR_API_KEY`, `${X}`, `{{ x }}`, `%(x)s`, `***`,
    /// one character repeated, anything saying `example`); references
    /// (URLs without credentials, paths, dotted import paths, environment
    /// variable names); bare words (`bearer`, `refresh_token`) unless they
    /// spell a secret out (`super-secret-key`); hashes and identifiers
    /// unless they sit under a secret-like name; public keys and
    /// publishable keys. Test files are scanned like the rest, but values
    /// there that say `fake`, `dummy`, `test`, `mock`, `sample` or
    /// `invalid` are not findings.
    ///
    /// ## Why it matters
    /// A secret in the repository is in every clone and in the history for
    /// good: anyone with read access has production access, and removing
    /// the line does not take it back.
    ///
    /// ## Example
    /// ```python
    /// s3 = boto3.client("s3", aws_secret_access_key="wJalr...")   # secret-assignment
    /// engine = create_engine("postgresql://app:pw@db/app")         # url-credentials
    /// ```
    ///
    /// ## How to fix
    /// Read it at run time (`os.environ["DB_PASSWORD"]`, your settings
    /// object, a secret manager), and rotate the secret: it is in the
    /// history now.
    ///
    /// ## How to suppress
    /// `# pragma: allowlist secret` on the line or
    /// `# pragma: allowlist nextline secret` on the line before
    /// (detect-secrets' markers), `# noqa: S105` / `S106` / `S107`,
    /// `# dod: ignore[hardcoded-secrets]`; in config, `exclude` globs and
    /// `allow = ["regex", ...]` for values that are never secrets.
    pub struct HardcodedSecrets;
    id: crate::checks::Builtin::HardcodedSecrets,
    title: "no hardcoded secrets",
    item: Item::CodeLint,
    skips_tests: false,
    filter: FilterMode::ChangedLines,
    needs: crate::checks::Needs::Files,
    options: OPTIONS,
}

/// `[checks.hardcoded-secrets]`: the check's own options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub allow: Option<Vec<String>>,
    pub secret_names: Option<Vec<String>>,
}

pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "allow",
        default: Some(Value::Toml("[]")),
        doc: "regexes of values that are never secrets",
    },
    OptionDoc {
        key: "secret_names",
        default: Some(Value::Toml("[]")),
        doc: "more words that make a name secret-like",
    },
];

/// The options, compiled.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Values that are never secrets.
    pub allow: Vec<regex::Regex>,
    /// Extra words that make a name secret-like, lower-case.
    pub secret_names: Vec<String>,
}

impl Options {
    /// Compiles the options; an error names the key.
    pub fn resolve(self) -> Result<Settings, (&'static str, String)> {
        let allow = self
            .allow
            .unwrap_or_default()
            .iter()
            .map(|pattern| regex::Regex::new(pattern))
            .collect::<Result<_, _>>()
            .map_err(|error| ("allow", error.to_string()))?;
        let secret_names = self
            .secret_names
            .unwrap_or_default()
            .iter()
            .map(|name| name.to_ascii_lowercase())
            .collect();
        Ok(Settings {
            allow,
            secret_names,
        })
    }
}

const FIX: &str = "read it at run time (environment, settings, a secret manager) and rotate it";

impl NativeCheck for HardcodedSecrets {
    fn noqa_codes(&self, _rule: &str) -> &'static [&'static str] {
        &["S105", "S106", "S107"]
    }

    fn check(&self, source: &Source, own: &OwnSettings) -> Vec<Finding> {
        let settings = &own.secrets;
        let Source::Parsed(file) = source else {
            return Vec::new();
        };
        let in_test = python::is_test_file(&file.path);
        let mut found: Vec<(TextSize, Finding)> = Vec::new();
        let mut token_offsets: Vec<TextSize> = Vec::new();
        for range in file.strings_and_comments() {
            for token in patterns::scan(file.text(range)) {
                if !is_live(&token, in_test, settings) {
                    continue;
                }
                let offset = range.start() + TextSize::try_from(token.start).unwrap_or_default();
                token_offsets.push(offset);
                let (line, column) = file.line_column(offset);
                let message = format!("{} {}", token.pattern.what, values::redact(token.value));
                found.push((
                    offset,
                    finding(token.pattern.rule, &file.path, line, column, message)
                        .with_secret(token.value),
                ));
            }
        }
        let mut contexts = Contexts {
            candidates: Vec::new(),
        };
        contexts.visit_body(file.suite());
        for candidate in contexts.candidates {
            let Some(kind) = candidate
                .kind
                .or_else(|| SecretKind::of(&candidate.name, &settings.secret_names))
            else {
                continue;
            };
            // A token inside the value already says more.
            if token_offsets
                .iter()
                .any(|offset| candidate.range.contains_inclusive(*offset))
            {
                continue;
            }
            let Some(value) = literal(candidate.value) else {
                continue;
            };
            if !values::is_secret_value(&candidate.name, &value, in_test, &settings.allow) {
                continue;
            }
            let (line, column) = file.line_column(candidate.range.start());
            let rule = if candidate.kind.is_some() {
                "secret-argument"
            } else {
                kind.rule()
            };
            let message = format!(
                "hardcoded {} in `{}` {}",
                kind.noun(),
                candidate.name,
                values::redact(&value)
            );
            found.push((
                candidate.range.start(),
                finding(rule, &file.path, line, column, message).with_secret(&value),
            ));
        }
        found.sort_by_key(|(offset, _)| *offset);
        found.dedup_by_key(|(offset, _)| *offset);
        found.into_iter().map(|(_, finding)| finding).collect()
    }

    fn reads_text(&self, path: &str) -> bool {
        config_files::is_config_file(path)
    }

    fn check_text(&self, path: &str, text: &str, own: &OwnSettings) -> Vec<Finding> {
        let settings = &own.secrets;
        let in_test = python::is_test_file(path);
        let mut findings = Vec::new();
        let mut last_name = None;
        for (index, line) in text.lines().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let column =
                |byte: usize| u32::try_from(line[..byte].chars().count() + 1).unwrap_or(u32::MAX);
            let tokens: Vec<_> = patterns::scan(line)
                .into_iter()
                .filter(|token| is_live(token, in_test, settings))
                .collect();
            for token in &tokens {
                let message = format!("{} {}", token.pattern.what, values::redact(token.value));
                findings.push(
                    finding(
                        token.pattern.rule,
                        path,
                        number,
                        column(token.start),
                        message,
                    )
                    .with_secret(token.value),
                );
            }
            if !tokens.is_empty() {
                continue;
            }
            for pair in config_files::key_values(path, line, &mut last_name) {
                let Some(kind) = SecretKind::of(&pair.key, &settings.secret_names) else {
                    continue;
                };
                if !values::is_secret_value(&pair.key, pair.value, in_test, &settings.allow) {
                    continue;
                }
                let message = format!(
                    "hardcoded {} in `{}` {}",
                    kind.noun(),
                    pair.key,
                    values::redact(pair.value)
                );
                findings.push(
                    finding(kind.rule(), path, number, column(pair.column), message)
                        .with_secret(pair.value),
                );
            }
        }
        findings
    }
}

/// Whether a token-format match is a live secret.
fn is_live(token: &patterns::Match<'_>, in_test: bool, settings: &Settings) -> bool {
    if token.pattern.is_password {
        values::is_embedded_password(token.value, in_test, &settings.allow)
    } else {
        !values::is_fake_token(token.value, in_test, &settings.allow)
    }
}

fn finding(rule: &str, path: &str, line: u32, column: u32, message: String) -> Finding {
    Finding::new(rule, Location::at(path, line, Some(column)), message).with_fix(FIX)
}

/// The text of a literal string expression; `None` for anything computed.
fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(string) => Some(string.value.to_str().to_owned()),
        Expr::BytesLiteral(bytes) => {
            let collected: Vec<u8> = bytes.value.bytes().collect();
            Some(String::from_utf8_lossy(&collected).into_owned())
        }
        // An f-string with no interpolation is a plain literal.
        Expr::FString(fstring) => {
            let mut text = String::new();
            for part in &fstring.value {
                match part {
                    ruff_python_ast::FStringPart::Literal(literal) => text.push_str(&literal.value),
                    ruff_python_ast::FStringPart::FString(inner) => {
                        for element in &inner.elements {
                            match element.as_literal() {
                                Some(literal) => text.push_str(&literal.value),
                                None => return None,
                            }
                        }
                    }
                }
            }
            Some(text)
        }
        _ => None,
    }
}

/// A value in a secret-like place, judged once the whole file is walked.
struct Candidate<'a> {
    name: String,
    value: &'a Expr,
    range: TextRange,
    /// Set for a known API slot, whose name is not what makes it secret.
    kind: Option<SecretKind>,
}

struct Contexts<'a> {
    candidates: Vec<Candidate<'a>>,
}

impl<'a> Contexts<'a> {
    fn push(&mut self, name: impl Into<String>, value: &'a Expr, kind: Option<SecretKind>) {
        if matches!(
            value,
            Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::FString(_)
        ) {
            self.candidates.push(Candidate {
                name: name.into(),
                value,
                range: value.range(),
                kind,
            });
        }
    }

    fn call(&mut self, call: &'a ruff_python_ast::ExprCall) {
        let args = &call.arguments.args;
        for keyword in &call.arguments.keywords {
            let Some(name) = &keyword.arg else { continue };
            if name.as_str() == "auth"
                && let Expr::Tuple(tuple) = &keyword.value
                && tuple.elts.len() == 2
            {
                self.push("auth", &tuple.elts[1], Some(SecretKind::Password));
            }
            self.push(name.as_str(), &keyword.value, None);
        }
        let (receiver, function) = match call.func.as_ref() {
            Expr::Attribute(attribute) => (Some(attribute.value.as_ref()), attribute.attr.as_str()),
            Expr::Name(name) => (None, name.id.as_str()),
            _ => return,
        };
        let receiver_name = match receiver {
            Some(Expr::Name(name)) => Some(name.id.as_str()),
            Some(Expr::Attribute(attribute)) => Some(attribute.attr.as_str()),
            _ => None,
        };
        match (receiver_name, function) {
            (Some("jwt"), "encode") if args.len() >= 2 => {
                self.push("jwt.encode", &args[1], Some(SecretKind::Secret))
            }
            (Some(_), "login") if args.len() >= 2 => {
                self.push("login", &args[1], Some(SecretKind::Password))
            }
            (_, "Fernet") if !args.is_empty() => {
                self.push("Fernet", &args[0], Some(SecretKind::Secret))
            }
            (Some("os") | None, "getenv") | (Some("environ"), "get" | "setdefault") => {
                let Some(Expr::StringLiteral(variable)) = args.first() else {
                    return;
                };
                let default = args.get(1).or_else(|| {
                    call.arguments
                        .find_keyword("default")
                        .map(|keyword| &keyword.value)
                });
                if let Some(default) = default {
                    self.push(variable.value.to_str(), default, None);
                }
            }
            _ => {}
        }
    }
}

/// The name an assignment target gives its value: `x`, `obj.x`, `d["x"]`.
fn target_name(target: &Expr) -> Option<String> {
    match target {
        Expr::Name(name) => Some(name.id.to_string()),
        Expr::Attribute(attribute) => Some(attribute.attr.to_string()),
        Expr::Subscript(subscript) => match subscript.slice.as_ref() {
            Expr::StringLiteral(key) => Some(key.value.to_str().to_owned()),
            _ => None,
        },
        _ => None,
    }
}

impl<'a> Visitor<'a> for Contexts<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if let Some(name) = target_name(target) {
                        self.push(name, &assign.value, None);
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                if let (Some(name), Some(value)) = (target_name(&assign.target), &assign.value) {
                    self.push(name, value, None);
                }
            }
            Stmt::FunctionDef(function) => {
                for parameter in function.parameters.iter_non_variadic_params() {
                    if let Some(default) = &parameter.default {
                        self.push(parameter.parameter.name.as_str(), default, None);
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Dict(dict) => {
                for item in &dict.items {
                    if let Some(Expr::StringLiteral(key)) = &item.key {
                        self.push(key.value.to_str(), &item.value, None);
                    }
                }
            }
            Expr::Call(call) => self.call(call),
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}
