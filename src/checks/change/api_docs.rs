//! `api-docs`: endpoints added, removed or changed come with API docs.

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input, analysis};
use crate::checks::declare_check;
use crate::checks::options::Value;
use crate::config::FilterMode;
use crate::diagnostic::{Facts, Finding, Headline, Item, Location, Outcome, Ran};
use crate::python;

declare_check! {
    /// ## What it does
    /// Finds the HTTP endpoints of both versions of each changed module:
    /// Flask `@app.route`, `@<blueprint>.route`, `@bp.get/post/put/patch/delete`,
    /// `add_url_rule` (with `MethodView` classes), and FastAPI
    /// `@app.<method>` / `@router.<method>`, with the blueprint's
    /// `url_prefix` or the router's `prefix` when they are set in the same
    /// module. An endpoint added, removed, or changed (path, method, or the
    /// handler's signature) requires the API docs to be updated: a changed
    /// file matching `docs` (default `docs/api/**`, `docs/**/api*.md`,
    /// `API.md`, `openapi.{json,yaml,yml}`), in which every added or changed
    /// path appears. A FastAPI handler with a docstring or a `summary=` /
    /// `description=` counts as documented (FastAPI publishes it). HTML
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
        let changed_docs: Vec<&str> = input
            .changed_files()
            .iter()
            .filter(|file| docs.is_match(&file.path))
            .filter_map(|file| input.head_text(&file.path))
            .collect();
        let mut findings = Vec::new();
        let mut touched = 0;
        for versions in input.python {
            if python::is_test_file(&versions.file.path) {
                continue;
            }
            let before = versions
                .base
                .as_ref()
                .map(analysis::endpoints)
                .unwrap_or_default();
            let after = versions
                .head
                .as_ref()
                .map(analysis::endpoints)
                .unwrap_or_default();
            // HTML pages are not API: they need no API docs.
            for endpoint in after.iter().filter(|endpoint| !endpoint.page) {
                let old = before.iter().find(|old| old.key() == endpoint.key());
                let what = match old {
                    None => "added",
                    Some(old) if old.signature != endpoint.signature => "changed",
                    Some(_) => continue,
                };
                touched += 1;
                if endpoint.self_documented {
                    continue;
                }
                let in_docs = changed_docs.iter().any(|text| {
                    text.contains(&endpoint.path)
                        || text.contains(&flask_to_openapi(&endpoint.path))
                });
                if let (false, Some(head)) = (in_docs, versions.head.as_ref()) {
                    let (line, column) = head.line_column(endpoint.at);
                    findings.push(
                        Finding::new(
                            "undocumented-endpoint",
                            Location::at(versions.file.path.clone(), line, Some(column)),
                            format!(
                                "endpoint `{} {}` was {what} but the API docs do not describe it",
                                endpoint.method, endpoint.path
                            ),
                        )
                        .with_fix(
                            "describe it in the API docs (docs/api/, API.md or openapi.json)",
                        ),
                    );
                }
            }
            for endpoint in before
                .iter()
                .filter(|old| !old.page)
                .filter(|old| !after.iter().any(|new| new.key() == old.key()))
            {
                touched += 1;
                if changed_docs.is_empty() {
                    findings.push(
                        Finding::new(
                            "removed-endpoint-not-documented",
                            Location::file(versions.file.path.clone()),
                            format!(
                                "endpoint `{} {}` was removed but the API docs were not updated",
                                endpoint.method, endpoint.path
                            ),
                        )
                        .with_fix("remove it from the API docs and say what replaces it"),
                    );
                }
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
