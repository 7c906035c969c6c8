//! Secrets in config files: `.env*`, YAML (Kubernetes manifests, compose
//! files), JSON, INI, CFG, TOML and Dockerfiles. Each line is scanned for
//! token formats, and a `key = value` / `key: value` / `"key": "value"` /
//! `ENV KEY=value` line whose key is secret-like is judged like a Python
//! assignment.

use std::sync::LazyLock;

use regex::Regex;

/// Whether `path` is a config file the check reads.
pub fn is_config_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.ends_with("-lock.json") || name.ends_with(".lock.json") {
        return false;
    }
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    name.starts_with(".env")
        || name.ends_with(".env")
        || matches!(
            extension,
            Some("yaml" | "yml" | "json" | "ini" | "cfg" | "toml" | "conf" | "properties")
        )
        || name.starts_with("docker-compose")
        || name == "dockerfile"
        || name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
}

/// A key and its value on one line; `column` is the value's byte offset.
pub struct KeyValue<'l> {
    pub key: String,
    pub value: &'l str,
    pub column: usize,
}

static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:export\s+|(?i:env|arg)\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=|\s)\s*(?P<value>.*)$")
        .expect("valid assignment pattern")
});

static YAML: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:-\s+)?["']?(?P<key>[A-Za-z_][\w.-]*)["']?\s*:\s+(?P<value>.+)$"#)
        .expect("valid yaml pattern")
});

static LIST_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*-\s*["']?(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*?)["']?\s*$"#)
        .expect("valid list pattern")
});

static JSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(?P<key>[^"\\]+)"\s*:\s*"(?P<value>(?:[^"\\]|\\.)*)""#)
        .expect("valid json pattern")
});

/// The key-value pairs of one line of a config file named `path`.
/// `last_name` carries a Kubernetes `- name: X` to the `value:` line after it.
pub fn key_values<'l>(
    path: &str,
    line: &'l str,
    last_name: &mut Option<String>,
) -> Vec<KeyValue<'l>> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with(';') || trimmed.starts_with("//") {
        return Vec::new();
    }
    if name.ends_with(".json") {
        return JSON
            .captures_iter(line)
            .filter_map(|captures| {
                let (key, value) = (captures.name("key")?, captures.name("value")?);
                Some(KeyValue {
                    key: key.as_str().to_owned(),
                    value: value.as_str(),
                    column: value.start(),
                })
            })
            .collect();
    }
    let is_yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if is_yaml {
        if let Some(captures) = LIST_ASSIGNMENT.captures(line) {
            return one(&captures);
        }
        let Some(captures) = YAML.captures(line) else {
            return Vec::new();
        };
        let (Some(key), Some(value)) = (captures.name("key"), captures.name("value")) else {
            return Vec::new();
        };
        let (start, value) = clean(value.start(), value.as_str(), true);
        if key.as_str() == "name" {
            *last_name = Some(value.to_owned());
            return Vec::new();
        }
        if key.as_str() == "value"
            && let Some(named) = last_name.take()
        {
            // `- name: DB_PASSWORD` / `value: ...`: the name is the key.
            return vec![KeyValue {
                key: named,
                value,
                column: start,
            }];
        }
        return vec![KeyValue {
            key: key.as_str().to_owned(),
            value,
            column: start,
        }];
    }
    let Some(captures) = ASSIGNMENT.captures(line) else {
        return Vec::new();
    };
    one(&captures)
}

fn one<'l>(captures: &regex::Captures<'l>) -> Vec<KeyValue<'l>> {
    let (Some(key), Some(value)) = (captures.name("key"), captures.name("value")) else {
        return Vec::new();
    };
    let (start, value) = clean(value.start(), value.as_str(), false);
    vec![KeyValue {
        key: key.as_str().to_owned(),
        value,
        column: start,
    }]
}

/// Strips quotes and trailing comments; YAML anchors, aliases, block
/// scalars and flow collections are not literal values.
fn clean(start: usize, value: &str, yaml: bool) -> (usize, &str) {
    let trimmed = value.trim_end();
    if yaml && trimmed.starts_with(['&', '*', '|', '>', '[', '{', '!']) {
        return (start, "");
    }
    for quote in ['"', '\''] {
        if let Some(rest) = trimmed.strip_prefix(quote) {
            let end = rest.find(quote).unwrap_or(rest.len());
            return (start + 1, &rest[..end]);
        }
    }
    let end = trimmed.find(" #").unwrap_or(trimmed.len());
    (start, trimmed[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(path: &str, text: &str) -> Vec<(String, String)> {
        let mut last_name = None;
        text.lines()
            .flat_map(|line| key_values(path, line, &mut last_name))
            .map(|pair| (pair.key, pair.value.to_owned()))
            .collect()
    }

    #[test]
    fn formats() {
        assert_eq!(
            pairs(".env", "export DB_PASSWORD='Zr7u'  # local\n"),
            [("DB_PASSWORD".into(), "Zr7u".into())]
        );
        assert_eq!(
            pairs("Dockerfile", "ENV API_TOKEN=abc123def\n"),
            [("API_TOKEN".into(), "abc123def".into())]
        );
        assert_eq!(
            pairs("app.json", r#"{"password": "Zr7u", "user": "app"}"#).len(),
            2
        );
        assert_eq!(
            pairs(
                "deploy.yaml",
                "env:\n  - name: DB_PASSWORD\n    value: \"Zr7uWq\"\n"
            ),
            [("DB_PASSWORD".into(), "Zr7uWq".into())]
        );
        assert_eq!(
            pairs("docker-compose.yml", "      - POSTGRES_PASSWORD=Zr7uWq\n"),
            [("POSTGRES_PASSWORD".into(), "Zr7uWq".into())]
        );
    }

    #[test]
    fn which_files() {
        for path in [
            ".env",
            ".env.production",
            "config/app.yaml",
            "k8s/secret.yml",
            "settings.ini",
            "Dockerfile",
            "docker-compose.override.yml",
        ] {
            assert!(is_config_file(path), "{path}");
        }
        for path in ["app.py", "package-lock.json", "README.md"] {
            assert!(!is_config_file(path), "{path}");
        }
    }
}
