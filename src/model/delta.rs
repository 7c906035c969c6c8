//! The delta between the public API at base and at head, for the modules
//! a change touched: what an importer of the old version may find broken.
//! A name that left one module and is defined in another is a move; a name
//! still importable from its old place (re-export, alias, `__all__`,
//! `__getattr__`) is not gone. It knows no checks.

use std::collections::BTreeMap;

use ruff_text_size::TextSize;

use crate::model::api::{self, ModuleApi, SignatureBreak, SymbolKind};

/// How an importer of the old version may break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiBreak {
    /// A public module is gone, with where its names went, if one module
    /// now defines them all.
    ModuleRemoved {
        module: String,
        moved_to: Option<String>,
    },
    /// A public name is gone from its module.
    Removed { qualname: String, class: bool },
    /// A public top-level name now lives in another module only.
    Moved { qualname: String, to: String },
    /// A callable's parameters changed incompatibly.
    Signature {
        qualname: String,
        breaks: Vec<SignatureBreak>,
    },
    /// A property lost its setter.
    NoLongerSettable { qualname: String },
    /// A property became a method or a method a property.
    KindChanged { qualname: String },
    /// A class no longer derives from a base (`isinstance` checks and
    /// inherited members break).
    BaseRemoved { qualname: String, base: String },
    /// A class is now a function or a value: subclasses, `isinstance`
    /// checks and its members break (reported once, not per member).
    NoLongerClass { qualname: String },
}

impl ApiBreak {
    /// The name a changelog or the task file must mention.
    pub fn name(&self) -> &str {
        match self {
            ApiBreak::ModuleRemoved { module, .. } => module,
            ApiBreak::Removed { qualname, .. }
            | ApiBreak::Moved { qualname, .. }
            | ApiBreak::Signature { qualname, .. }
            | ApiBreak::NoLongerSettable { qualname }
            | ApiBreak::KindChanged { qualname }
            | ApiBreak::BaseRemoved { qualname, .. }
            | ApiBreak::NoLongerClass { qualname } => qualname,
        }
    }
}

/// A break, in the module where it is seen: the base path and offset for
/// what is gone, the head ones for what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub module: String,
    pub path: String,
    /// Whether `at` is in the base version of `path` (what is gone).
    pub in_base: bool,
    pub at: Option<TextSize>,
    pub change: ApiBreak,
}

/// The breaks between the base and head APIs of the modules given (the
/// changed ones and any unchanged context). A private module counts for
/// the names a public package re-exports from it, reported under the
/// public module.
pub fn api_breaks(base: &[ModuleApi], head: &[ModuleApi]) -> Vec<Located> {
    let heads: BTreeMap<&str, &ModuleApi> =
        head.iter().map(|api| (api.module.as_str(), api)).collect();
    let mut found = Vec::new();
    for old in base
        .iter()
        .filter(|api| api.public || !api.exported.is_empty())
    {
        let Some(new) = heads.get(old.module.as_str()) else {
            if !old.public {
                continue;
            }
            let top: Vec<&str> = old
                .symbols
                .keys()
                .filter(|name| !name.contains('.'))
                .map(String::as_str)
                .collect();
            if top.is_empty() {
                continue;
            }
            let moved_to = head
                .iter()
                .find(|api| top.iter().all(|name| api.symbols.contains_key(*name)))
                .map(|api| api.module.clone());
            found.push(Located {
                module: old.module.clone(),
                path: old.path.clone(),
                in_base: true,
                at: None,
                change: ApiBreak::ModuleRemoved {
                    module: old.module.clone(),
                    moved_to,
                },
            });
            continue;
        };
        // Names the old `__getattr__` answered for that nothing answers now.
        for name in old.getattr_names.iter().filter(|_| old.public) {
            let identifier = name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if identifier
                && api::is_public_name(name)
                && !new.symbols.contains_key(name)
                && !new.still_importable(name)
            {
                found.push(Located {
                    module: old.module.clone(),
                    path: old.path.clone(),
                    in_base: true,
                    at: None,
                    change: ApiBreak::Removed {
                        qualname: name.clone(),
                        class: false,
                    },
                });
            }
        }
        for (qualname, symbol) in &old.symbols {
            let top = qualname.split('.').next().unwrap_or(qualname);
            // Of a private module, only what a public package re-exports.
            let module = match old.exported.get(top) {
                Some(public) if !old.public => public.clone(),
                _ if !old.public => continue,
                _ => old.module.clone(),
            };
            // A class that is gone, or is no longer a class, is reported
            // once, not with its members.
            if let Some((parent, _)) = qualname.rsplit_once('.')
                && !new
                    .symbols
                    .get(parent)
                    .is_some_and(|symbol| matches!(symbol.kind, SymbolKind::Class { .. }))
            {
                continue;
            }
            let located = |in_base: bool, at: TextSize, change: ApiBreak| Located {
                module: module.clone(),
                path: if in_base {
                    old.path.clone()
                } else {
                    new.path.clone()
                },
                in_base,
                at: Some(at),
                change,
            };
            let Some(current) = new.symbols.get(qualname) else {
                if gone_but_reachable(qualname, new, head) {
                    continue;
                }
                let moved = (!qualname.contains('.'))
                    .then(|| {
                        // Where the name is new: a module that already had
                        // one by that name did not receive this one.
                        head.iter().find(|api| {
                            api.module != old.module
                                && api
                                    .symbols
                                    .get(qualname)
                                    .is_some_and(|other| same_kind(&other.kind, &symbol.kind))
                                && !base.iter().any(|before| {
                                    before.module == api.module
                                        && before.symbols.contains_key(qualname)
                                })
                        })
                    })
                    .flatten();
                let change = match moved {
                    Some(api) => ApiBreak::Moved {
                        qualname: qualname.clone(),
                        to: api.module.clone(),
                    },
                    None => ApiBreak::Removed {
                        qualname: qualname.clone(),
                        class: matches!(symbol.kind, SymbolKind::Class { .. }),
                    },
                };
                found.push(located(true, symbol.at, change));
                continue;
            };
            let change = match (&symbol.kind, &current.kind) {
                (SymbolKind::Function(before), SymbolKind::Function(after)) => {
                    let breaks = before.breaks(after);
                    (!breaks.is_empty()).then(|| ApiBreak::Signature {
                        qualname: qualname.clone(),
                        breaks,
                    })
                }
                (
                    SymbolKind::Property { settable: true },
                    SymbolKind::Property { settable: false },
                ) => Some(ApiBreak::NoLongerSettable {
                    qualname: qualname.clone(),
                }),
                (SymbolKind::Property { .. }, SymbolKind::Function(_))
                | (SymbolKind::Function(_), SymbolKind::Property { .. }) => {
                    Some(ApiBreak::KindChanged {
                        qualname: qualname.clone(),
                    })
                }
                (SymbolKind::Class { bases: before }, SymbolKind::Class { bases: after }) => before
                    .iter()
                    .find(|base| base_lost(base, before, after, head))
                    .map(|base| ApiBreak::BaseRemoved {
                        qualname: qualname.clone(),
                        base: base.clone(),
                    }),
                (SymbolKind::Class { .. }, _) => Some(ApiBreak::NoLongerClass {
                    qualname: qualname.clone(),
                }),
                _ => None,
            };
            if let Some(change) = change {
                found.push(located(false, current.at, change));
            }
        }
    }
    found
}

/// Whether a class that derived from `base` no longer does: no base now
/// is `base` or derives from it (through the classes of `head`). Bases
/// that promise nothing to callers are left out, and so is an outside
/// base replaced by another outside one: `BaseQuery` → `Query` is
/// Flask-SQLAlchemy's rename, which the model cannot see through.
fn base_lost(base: &str, before: &[String], after: &[String], head: &[ModuleApi]) -> bool {
    const NOT_API: [&str; 5] = ["object", "Generic", "Protocol", "ABC", "NamedTuple"];
    if NOT_API.contains(&base) || !api::is_public_name(base) {
        return false;
    }
    let is_project_class = |name: &str| {
        head.iter()
            .flat_map(|api| api.symbols.iter())
            .any(|(qualname, symbol)| {
                qualname.rsplit('.').next() == Some(name)
                    && matches!(symbol.kind, SymbolKind::Class { .. })
            })
    };
    let replaced_outside = after
        .iter()
        .any(|new| !before.contains(new) && !is_project_class(new));
    if !is_project_class(base) && replaced_outside {
        return false;
    }
    // A base kept as a deprecated alias (`__getattr__` answers for it with
    // the class that replaced it): `isinstance` checks still hold.
    let defined = head.iter().any(|api| api.symbols.contains_key(base));
    if !defined && head.iter().any(|api| api.getattr_names.contains(base)) {
        return false;
    }
    let mut queue: Vec<String> = after.to_vec();
    let mut seen: Vec<String> = Vec::new();
    while let Some(current) = queue.pop() {
        if current == base {
            return false;
        }
        if seen.contains(&current) || seen.len() > 64 {
            continue;
        }
        for api in head {
            for (name, symbol) in &api.symbols {
                if name.rsplit('.').next() == Some(current.as_str())
                    && let SymbolKind::Class { bases } = &symbol.kind
                {
                    queue.extend(bases.iter().cloned());
                }
            }
        }
        seen.push(current);
    }
    true
}

fn same_kind(a: &SymbolKind, b: &SymbolKind) -> bool {
    matches!(
        (a, b),
        (SymbolKind::Function(_), SymbolKind::Function(_))
            | (SymbolKind::Class { .. }, SymbolKind::Class { .. })
            | (SymbolKind::Property { .. }, SymbolKind::Property { .. })
            | (SymbolKind::Attribute, SymbolKind::Attribute)
    )
}

/// Whether a name no longer defined in its module can still be reached:
/// a top-level name the module still binds (import, alias, `__all__`,
/// `__getattr__`), or a member the class now inherits from a base class
/// (at any depth) that a changed module defines with it.
fn gone_but_reachable(qualname: &str, new: &ModuleApi, head: &[ModuleApi]) -> bool {
    let Some((class, member)) = qualname.rsplit_once('.') else {
        return new.still_importable(qualname);
    };
    let bases_of = |class: &str| -> Vec<String> {
        head.iter()
            .flat_map(|api| api.symbols.iter())
            .filter(|(name, _)| name.rsplit('.').next() == Some(class))
            .filter_map(|(_, symbol)| match &symbol.kind {
                SymbolKind::Class { bases } => Some(bases.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    };
    let defines = |class: &str| {
        head.iter().any(|api| {
            api.symbols.keys().any(|other| {
                other.rsplit_once('.').is_some_and(|(owner, name)| {
                    name == member && owner.rsplit('.').next() == Some(class)
                })
            })
        })
    };
    let Some(SymbolKind::Class { bases }) = new.symbols.get(class).map(|symbol| &symbol.kind)
    else {
        return false;
    };
    let mut seen: Vec<String> = Vec::new();
    let mut queue: Vec<String> = bases.clone();
    while let Some(base) = queue.pop() {
        if seen.contains(&base) || seen.len() > 64 {
            continue;
        }
        if defines(&base) {
            return true;
        }
        queue.extend(bases_of(&base));
        seen.push(base);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::api::tests::api;

    fn names(base: &[ModuleApi], head: &[ModuleApi]) -> Vec<ApiBreak> {
        api_breaks(base, head)
            .into_iter()
            .map(|located| located.change)
            .collect()
    }

    #[test]
    fn an_unchanged_property_and_overload_set_break_nothing() {
        let source = "from typing import overload\nclass App:\n    @property\n    def debug(self) -> bool: ...\n    @debug.setter\n    def debug(self, value: bool) -> None: ...\n    @overload\n    def get(self, k: int) -> int: ...\n    @overload\n    def get(self, k: str) -> str: ...\n    def get(self, k): ...\n";
        let base = api("app.py", source);
        let head = api("app.py", &format!("{source}\nX = 1\n"));
        assert!(names(&[base], &[head]).is_empty());
    }

    #[test]
    fn a_removed_class_is_reported_once_and_a_move_says_where() {
        let base = api(
            "pkg/a.py",
            "class Old:\n    def m(self): ...\ndef moved(x): ...\n",
        );
        let head_a = api("pkg/a.py", "X = 1\n");
        let head_b = api("pkg/b.py", "def moved(x): ...\n");
        assert_eq!(
            names(&[base], &[head_a, head_b]),
            [
                ApiBreak::Removed {
                    qualname: "Old".into(),
                    class: true
                },
                ApiBreak::Moved {
                    qualname: "moved".into(),
                    to: "pkg.b".into()
                }
            ]
        );
    }

    #[test]
    fn a_reexport_or_getattr_alias_keeps_the_name() {
        let base = api("pkg/a.py", "def f(): ...\nclass Old: ...\n");
        let head = api(
            "pkg/a.py",
            "from pkg.b import f\n\ndef __getattr__(name):\n    if name == \"Old\":\n        return 1\n",
        );
        assert!(names(&[base], &[head]).is_empty());
    }

    #[test]
    fn a_method_moved_to_a_base_class_is_inherited() {
        let base = api(
            "pkg/a.py",
            "class Mixin: ...\nclass C(Mixin):\n    def m(self): ...\n",
        );
        let head = api(
            "pkg/a.py",
            "class Mixin:\n    def m(self): ...\nclass C(Mixin): ...\n",
        );
        assert!(names(&[base], &[head]).is_empty());
        let base = api("pkg/a.py", "class C:\n    def m(self): ...\n");
        let head = api("pkg/a.py", "class C: ...\n");
        assert_eq!(
            names(&[base], &[head]),
            [ApiBreak::Removed {
                qualname: "C.m".into(),
                class: false
            }]
        );
    }

    #[test]
    fn operator_parameters_may_be_renamed() {
        let base = api("m.py", "class E:\n    def __contains__(self, item): ...\n");
        let head = api("m.py", "class E:\n    def __contains__(self, etag): ...\n");
        assert!(names(&[base], &[head]).is_empty());
    }

    #[test]
    fn a_lost_base_class_breaks_but_a_new_intermediate_base_does_not() {
        let base = api("pkg/a.py", "class Base: ...\nclass C(Base): ...\n");
        let head = api("pkg/a.py", "class Base: ...\nclass C: ...\n");
        assert_eq!(
            names(std::slice::from_ref(&base), &[head]),
            [ApiBreak::BaseRemoved {
                qualname: "C".into(),
                base: "Base".into()
            }]
        );
        let head = api(
            "pkg/a.py",
            "class Base: ...\nclass Middle(Base): ...\nclass C(Middle, Generic[T]): ...\n",
        );
        assert!(names(&[base], &[head]).is_empty());
    }

    #[test]
    fn an_outside_base_renamed_is_not_lost_but_one_dropped_is() {
        let base = api(
            "app/models.py",
            "from flask_sqlalchemy import BaseQuery\nclass ProjectQuery(BaseQuery): ...\n",
        );
        let renamed = api(
            "app/models.py",
            "from flask_sqlalchemy.query import Query\nclass ProjectQuery(Query): ...\n",
        );
        assert!(names(std::slice::from_ref(&base), &[renamed]).is_empty());
        let dropped = api("app/models.py", "class ProjectQuery: ...\n");
        assert_eq!(
            names(&[base], &[dropped]),
            [ApiBreak::BaseRemoved {
                qualname: "ProjectQuery".into(),
                base: "BaseQuery".into()
            }]
        );
    }

    #[test]
    fn a_name_that_already_existed_elsewhere_was_not_moved_there() {
        let other = api("pkg/tokens.py", "class ACTION: ...\n");
        let base = [api("pkg/policy.py", "class ACTION: ...\n"), other.clone()];
        let head = [api("pkg/policy.py", "class PolicyAction: ...\n"), other];
        assert_eq!(
            names(&base, &head),
            [ApiBreak::Removed {
                qualname: "ACTION".into(),
                class: true
            }]
        );
    }

    #[test]
    fn a_class_turned_into_a_dict_is_one_break() {
        let base = api(
            "pkg/compare.py",
            "class COMPARATORS:\n    EQUALS = \"equals\"\n    IN = \"in\"\n",
        );
        let head = api(
            "pkg/compare.py",
            "COMPARATORS = {\"equals\": 1, \"in\": 2}\n",
        );
        assert_eq!(
            names(&[base], &[head]),
            [ApiBreak::NoLongerClass {
                qualname: "COMPARATORS".into()
            }]
        );
    }

    #[test]
    fn a_private_module_counts_for_what_its_package_reexports() {
        let init = api("httpx/__init__.py", "from ._client import Client\n");
        let mut base = vec![
            init.clone(),
            api(
                "httpx/_client.py",
                "class Client:\n    def send(self, request): ...\ndef helper(a): ...\n",
            ),
        ];
        let mut head = vec![
            init,
            api(
                "httpx/_client.py",
                "class Client:\n    def send(self, request, *, auth): ...\ndef helper(): ...\n",
            ),
        ];
        api::resolve_reexports(&mut base);
        api::resolve_reexports(&mut head);
        let found = api_breaks(&base, &head);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].module, "httpx");
        assert!(
            matches!(&found[0].change, ApiBreak::Signature { qualname, .. } if qualname == "Client.send")
        );
    }

    #[test]
    fn a_star_import_in_the_package_reexports_what_its_all_lists() {
        let init = api(
            "httpx/__init__.py",
            "from ._api import *\n\n__all__ = [\"get\"]\n",
        );
        let mut base = vec![
            init.clone(),
            api(
                "httpx/_api.py",
                "def get(url, proxies=None): ...\ndef helper(a): ...\n",
            ),
        ];
        let mut head = vec![
            init,
            api("httpx/_api.py", "def get(url): ...\ndef helper(): ...\n"),
        ];
        api::resolve_reexports(&mut base);
        api::resolve_reexports(&mut head);
        let found = api_breaks(&base, &head);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            matches!(&found[0].change, ApiBreak::Signature { qualname, .. } if qualname == "get")
        );
    }

    #[test]
    fn a_private_package_passes_its_star_reexports_on() {
        let init = api(
            "httpx/__init__.py",
            "from ._transports import *\n\n__all__ = [\"HTTPTransport\"]\n",
        );
        let transports = api(
            "httpx/_transports/__init__.py",
            "from .default import *\n\n__all__ = [\"HTTPTransport\"]\n",
        );
        let module = |source: &str| api("httpx/_transports/default.py", source);
        let mut base = vec![
            init.clone(),
            transports.clone(),
            module(
                "__all__ = [\"HTTPTransport\"]\nclass HTTPTransport:\n    def __init__(self, verify=True, cert=None, trust_env=True): ...\n",
            ),
        ];
        let mut head = vec![
            init,
            transports,
            module(
                "__all__ = [\"HTTPTransport\"]\nclass HTTPTransport:\n    def __init__(self, verify=True, trust_env=True, cert=None): ...\n",
            ),
        ];
        api::resolve_reexports(&mut base);
        api::resolve_reexports(&mut head);
        let found = api_breaks(&base, &head);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(matches!(
            &found[0].change,
            ApiBreak::Signature { qualname, .. } if qualname == "HTTPTransport.__init__"
        ));
    }

    #[test]
    fn private_modules_break_nothing() {
        let base = api("pkg/_impl.py", "def f(a): ...\n");
        let head = api("pkg/_impl.py", "def f(): ...\n");
        assert!(names(&[base], &[head]).is_empty());
    }
}
