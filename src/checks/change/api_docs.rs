//! `api-docs`: endpoints added, removed or changed come with API docs.

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input, Side};
use crate::checks::declare_check;
use crate::checks::options::Value;
use crate::config::FilterMode;
use crate::diagnostic::{Facts, Finding, Headline, Item, Location, Outcome, Ran};
use crate::model::routes::{self, Endpoint, Framework};
use crate::python;

declare_check! {
    /// ## What it does
    /// Finds the HTTP endpoints of both versions of each changed module:
    /// Flask `@app.route`, `@<blueprint>.route`, `@bp.get/post/put/patch/delete`,
    /// `add_url_rule` (with `MethodView` classes), and FastAPI
    /// `@app.<method>` / `@router.<method>`, with their full paths: the
    /// blueprint's `url_prefix` or the router's `prefix`, and the prefixes
    /// given where they are mounted (`register_blueprint(bp,
    /// url_prefix=...)`, `include_router(router, prefix=...)`), in any
    /// module, through imports. Endpoints are compared across the project
    /// by method and path, so a handler moved to another module is not a
    /// change. An endpoint added, removed, or changed (path, method, or the
    /// handler's signature) requires the API docs to be updated: a changed
    /// file matching `docs` (default `docs/api/**`, `docs/**/api*.md`,
    /// `API.md`, `openapi.{json,yaml,yml}`) that describes each added or
    /// changed endpoint with its method: the method under the path in an
    /// OpenAPI document, or the method and path on one line (or the path
    /// heading a section that names the method) in other docs. A handler
    /// with a docstring documents itself (FastAPI publishes it in OpenAPI;
    /// Flask's doc generators, such as apispec, flasgger and
    /// `autoflask`, read it), and so does FastAPI's `summary=` /
    /// `description=`; a changed Flask endpoint needs its docstring
    /// changed with it. HTML
    /// pages are not API endpoints and need no API docs: a handler whose
    /// returns render a template or redirect (`render_template`,
    /// `redirect`, `TemplateResponse`, ...) and never return data
    /// (`jsonify`, a dict or list, `JSONResponse`), or a FastAPI route with
    /// `response_class=HTMLResponse`.
    ///
    /// ## Why it matters
    /// An endpoint's clients read the docs, not the code; an undocumented
    /// endpoint does not exist for them, and a changed one breaks them.
    ///
    /// ## Example
    /// ```python
    /// @uploads.delete("/<int:upload_id>")      # new: docs/api/uploads.md must describe it
    /// def delete_upload(upload_id: int): ...
    /// ```
    ///
    /// ## How to fix
    /// Describe the endpoint (path, method, request, responses) in the API
    /// docs, or regenerate `openapi.json`.
    ///
    /// ## How to suppress
    /// `docs = [...]` in `[checks.api-docs]` for where your API docs live,
    /// or `enabled = false` there.
    pub struct ApiDocs;
    id: crate::checks::Builtin::ApiDocs,
    title: "API docs follow endpoint changes",
    item: Item::DocsApi,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: OPTIONS,
}

/// Where the docs live unless `docs` says otherwise.
pub const DEFAULT_DOCS: &[&str] = &[
    "docs/api/**",
    "docs/**/api*.md",
    "API.md",
    "openapi.json",
    "openapi.yaml",
    "openapi.yml",
];

pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "docs",
    default: Some(Value::Strings(DEFAULT_DOCS)),
    doc: "globs of the API documentation",
}];

impl ChangeCheck for ApiDocs {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let docs = &input.own.api_docs.docs;
        let changed_docs: Vec<(&str, &str)> = input
            .changed_files()
            .iter()
            .filter(|file| docs.is_match(&file.path))
            .filter_map(|file| Some((file.path.as_str(), input.head_text(&file.path)?)))
            .collect();
        // Endpoints of the whole model on each side, by method and full
        // path: a handler that moved to another module is unchanged, and
        // HTML pages are not API (they need no API docs).
        let served = |side: Side| -> Vec<Endpoint> {
            routes::endpoints(&input.modules(side))
                .into_iter()
                .filter(|endpoint| !endpoint.page && !python::is_test_file(&endpoint.file))
                .collect()
        };
        let (before, after) = (served(Side::Base), served(Side::Head));
        let mut findings = Vec::new();
        let mut touched = 0;
        for endpoint in &after {
            let old = before.iter().find(|old| old.key() == endpoint.key());
            let what = match old {
                None => "added",
                Some(old) if old.signature != endpoint.signature => "changed",
                Some(_) => continue,
            };
            touched += 1;
            // A docstring documents a new endpoint; a changed one's (a new
            // path or parameters for an old handler) only if it changed too.
            // FastAPI republishes the signature itself.
            let docs_followed = endpoint.framework != Framework::Flask
                || !before.iter().any(|old| {
                    old.handler == endpoint.handler && old.docstring == endpoint.docstring
                });
            if endpoint.self_documented && docs_followed {
                continue;
            }
            let in_docs = changed_docs
                .iter()
                .any(|(path, text)| documents(path, text, &endpoint.method, &endpoint.path));
            if in_docs {
                continue;
            }
            let location = match input.head_file(&endpoint.file) {
                Some(head) => {
                    let (line, column) = head.line_column(endpoint.at);
                    Location::at(endpoint.file.clone(), line, Some(column))
                }
                None => Location::file(endpoint.file.clone()),
            };
            findings.push(
                Finding::new(
                    "undocumented-endpoint",
                    location,
                    format!(
                        "endpoint `{} {}` was {what} but the API docs do not describe it",
                        endpoint.method, endpoint.path
                    ),
                )
                .with_fix("describe it in the API docs (docs/api/, API.md or openapi.json)"),
            );
        }
        for endpoint in before
            .iter()
            .filter(|old| !after.iter().any(|new| new.key() == old.key()))
        {
            touched += 1;
            if changed_docs.is_empty() {
                findings.push(
                    Finding::new(
                        "removed-endpoint-not-documented",
                        // The base file: what was removed is there.
                        Location::file(endpoint.file.clone()),
                        format!(
                            "endpoint `{} {}` was removed but the API docs were not updated",
                            endpoint.method, endpoint.path
                        ),
                    )
                    .with_fix("remove it from the API docs and say what replaces it"),
                );
            }
        }
        Outcome::Ran(Ran {
            findings,
            facts: Facts {
                headline: (touched == 0).then_some(Headline::NoEndpointChanged),
                ..Facts::default()
            },
            ..Ran::default()
        })
    }
}

/// Whether a doc describes one method on one path. An OpenAPI document
/// (JSON or YAML) must have the method under the path; in other text the
/// path (Flask's `<id>` or OpenAPI's `{id}` spelling) must stand on a line
/// with the method (`POST /tokens`, `| DELETE | /tokens |`) or head a
/// section that names the method before the next heading.
pub fn documents(path: &str, text: &str, method: &str, endpoint: &str) -> bool {
    let spellings = [endpoint.to_owned(), flask_to_openapi(endpoint)];
    if path.ends_with(".json")
        && let Ok(document) = serde_json::from_str::<serde_json::Value>(text)
    {
        let Some(paths) = document.get("paths").and_then(|paths| paths.as_object()) else {
            return false;
        };
        return spellings.iter().any(|spelling| {
            paths
                .get(spelling)
                .and_then(|operations| operations.as_object())
                .is_some_and(|operations| operations.contains_key(&method.to_ascii_lowercase()))
        });
    }
    let lines: Vec<&str> = text.lines().collect();
    let names_method = |line: &str| {
        line.split(|c: char| !c.is_ascii_alphabetic())
            .any(|word| word.eq_ignore_ascii_case(method))
    };
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    for (index, line) in lines.iter().enumerate() {
        if !spellings.iter().any(|spelling| names_path(line, spelling)) {
            continue;
        }
        if names_method(line) && !yaml {
            return true;
        }
        // The block under the path: more indented lines (YAML), or the
        // lines up to the next heading (Markdown, reStructuredText).
        let indent = line.len() - line.trim_start().len();
        let heading = line.trim_start().starts_with('#');
        for next in &lines[index + 1..] {
            let next_indent = next.len() - next.trim_start().len();
            let ends = if yaml {
                !next.trim().is_empty() && next_indent <= indent
            } else {
                heading && next.trim_start().starts_with('#')
            };
            if ends || (!yaml && !heading) {
                break;
            }
            let found = if yaml {
                next.trim_start()
                    .strip_prefix(&method.to_ascii_lowercase())
                    .is_some_and(|rest| rest.starts_with(':'))
            } else {
                names_method(next)
            };
            if found {
                return true;
            }
        }
    }
    false
}

/// Whether `line` names `path` as a whole path: `/tokens` is not named by
/// `/tokens/{id}` or `/tokenset`.
fn names_path(line: &str, path: &str) -> bool {
    line.match_indices(path).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + path.len()..].chars().next();
        let part_of_path =
            |c: char| c.is_alphanumeric() || matches!(c, '/' | '_' | '-' | '{' | '<');
        before.is_none_or(|c| !c.is_alphanumeric() && c != '/' && c != '_')
            && after.is_none_or(|c| !part_of_path(c))
    })
}

/// Flask's `/uploads/<int:upload_id>` as OpenAPI writes it: `/uploads/{upload_id}`.
fn flask_to_openapi(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let inner = &rest[start + 1..start + end];
        let name = inner.rsplit(':').next().unwrap_or(inner);
        out.push_str(&format!("{{{name}}}"));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}
