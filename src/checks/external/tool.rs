//! Finding the program a command check runs, in DESIGN's order: the command
//! given in config, the project's virtualenv, PATH, then dod's managed
//! environment (`crate::environment`), built or updated once for every
//! tool that is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::checks::CheckId;
use crate::checks::external::ToolSpec;
use crate::diagnostic::{CheckError, ToolFact};
use crate::environment::{self, PinnedBy, ProvisionEvent, ToolPin};
use crate::process::{self, ProcessSpec};

/// Where a tool was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolSource {
    Config,
    ProjectVenv,
    Path,
    Managed,
}

impl ToolSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolSource::Config => "config",
            ToolSource::ProjectVenv => "project virtualenv",
            ToolSource::Path => "PATH",
            ToolSource::Managed => "managed environment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTool {
    pub program: PathBuf,
    /// The interpreter for `{python}`: the project's when it has a venv.
    pub python: PathBuf,
    pub source: ToolSource,
    /// The version that runs, when it can be told.
    pub version: Option<String>,
    /// In the managed environment: whose pin it is.
    pub pinned_by: Option<PinnedBy>,
}

impl ResolvedTool {
    /// What the report states about the program that ran.
    pub fn fact(&self) -> ToolFact {
        ToolFact {
            program: self.program.display().to_string(),
            source: self.source.as_str(),
            version: self.version.clone(),
            pinned_by: self.pinned_by.as_ref().map(PinnedBy::describe),
        }
    }
}

/// The project's virtualenv `bin` directory: `$VIRTUAL_ENV`, `.venv`, `venv`.
pub fn project_venv(root: &Path) -> Option<PathBuf> {
    let active = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from);
    active
        .into_iter()
        .chain([root.join(".venv"), root.join("venv")])
        .map(|venv| venv.join("bin"))
        .find(|bin| bin.join("python").exists())
}

/// Looks a tool up without installing anything.
pub fn find(spec: &ToolSpec, root: &Path) -> Option<ResolvedTool> {
    let venv = project_venv(root);
    let project_python = venv.as_ref().map(|bin| bin.join("python"));
    if let Some(command) = &spec.command {
        let program = if command.components().count() > 1 {
            root.join(command)
        } else {
            process::which(&command.to_string_lossy()).unwrap_or_else(|| command.clone())
        };
        let python = project_python
            .clone()
            .unwrap_or_else(|| sibling_python(&program));
        return Some(ResolvedTool {
            program,
            python,
            source: ToolSource::Config,
            version: None,
            pinned_by: None,
        });
    }
    if let Some(bin) = &venv {
        let program = bin.join(&spec.tool);
        if process::is_executable(&program) {
            return Some(ResolvedTool {
                program,
                python: bin.join("python"),
                source: ToolSource::ProjectVenv,
                version: None,
                pinned_by: None,
            });
        }
    }
    let program = process::which(&spec.tool)?;
    let python = project_python.unwrap_or_else(|| sibling_python(&program));
    Some(ResolvedTool {
        program,
        python,
        source: ToolSource::Path,
        version: None,
        pinned_by: None,
    })
}

/// The interpreter that sits beside a tool's script, else `python3`.
fn sibling_python(program: &Path) -> PathBuf {
    program
        .parent()
        .map(|dir| dir.join("python"))
        .filter(|python| python.exists())
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// dod's pins for every tool it can provision: the configured command
/// checks, selected or not, so that `--only` and `--skip` share one
/// environment.
pub fn pins(specs: &[ToolSpec]) -> Vec<ToolPin> {
    let mut pins = Vec::new();
    for spec in specs {
        let Some(requirement) = &spec.package else {
            continue;
        };
        pins.push(ToolPin {
            tool: spec.tool.clone(),
            requirement: requirement.clone(),
        });
        for extra in &spec.extra_packages {
            pins.push(ToolPin {
                tool: crate::model::dependencies::requirement_name(extra)
                    .unwrap_or_else(|| extra.clone()),
                requirement: extra.clone(),
            });
        }
    }
    pins
}

/// The version of the tool that runs: from its distribution's metadata
/// beside it when there is one, else from `TOOL --version`.
pub async fn version(tool: &ResolvedTool, spec: &ToolSpec, root: &Path) -> Option<String> {
    let distribution = spec
        .package
        .as_deref()
        .and_then(crate::model::dependencies::requirement_name)
        .unwrap_or_else(|| spec.tool.clone());
    if let Some(version) = environment::installed_version(&tool.program, &distribution) {
        return Some(version);
    }
    let probe = ProcessSpec::new(&tool.program, root)
        .args(["--version"])
        .timeout(std::time::Duration::from_secs(20))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let output = process::run(&probe).await.ok()?;
    let text = format!("{}\n{}", output.stdout_text(), output.stderr_text());
    text.split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .find(|word| {
            word.starts_with(|c: char| c.is_ascii_digit())
                && word.contains('.')
                && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        })
        .map(str::to_owned)
}

/// Finds every tool, then builds or updates the managed environment once
/// for those that are missing (unless provisioning is off), and tells each
/// tool's version.
pub async fn resolve_all(
    specs: &[ToolSpec],
    configured: &[ToolSpec],
    root: &Path,
    provision: bool,
    progress: impl Fn(ProvisionEvent) + Sync,
) -> BTreeMap<CheckId, Result<ResolvedTool, CheckError>> {
    let mut tools = BTreeMap::new();
    let mut missing = Vec::new();
    for spec in specs {
        match find(spec, root) {
            Some(found) => {
                tools.insert(spec.id.clone(), Ok(found));
            }
            None => missing.push(spec),
        }
    }
    let provisionable = missing.iter().any(|spec| spec.package.is_some());
    let managed = if provision && provisionable {
        Some(environment::ensure(root, &pins(configured), &progress).await)
    } else {
        None
    };
    for spec in missing {
        let resolved = match (&managed, &spec.package) {
            (Some(env), Some(_)) => {
                let program = env.bin.join(&spec.tool);
                let error = if spec.imports_project {
                    &env.project_error
                } else {
                    &env.tools_error
                };
                match error {
                    Some(error) if !program.exists() || spec.imports_project => Err(error.clone()),
                    _ if program.exists() => Ok(ResolvedTool {
                        program,
                        python: env.bin.join("python"),
                        source: ToolSource::Managed,
                        version: None,
                        pinned_by: env.pinned_by.get(&spec.tool).cloned(),
                    }),
                    _ => Err(format!(
                        "`{}` is not in dod's managed environment `{}`; {}",
                        spec.tool,
                        env.bin.display(),
                        crate::checks::external::install_hint(spec)
                    )),
                }
            }
            _ if !provision => Err(format!(
                "`{}` is not installed (looked in the project's virtualenv and on PATH) and provisioning is off; {}",
                spec.tool,
                crate::checks::external::install_hint(spec)
            )),
            _ => Err(format!(
                "`{}` is not installed (looked in the project's virtualenv and on PATH); {}",
                spec.tool,
                crate::checks::external::install_hint(spec)
            )),
        };
        tools.insert(spec.id.clone(), resolved.map_err(CheckError::Tool));
    }
    // Each tool's version, all at once.
    let mut probes = tokio::task::JoinSet::new();
    for spec in specs {
        if let Some(Ok(tool)) = tools.get(&spec.id) {
            let (tool, spec, root) = (tool.clone(), spec.clone(), root.to_owned());
            probes.spawn(async move { (spec.id.clone(), version(&tool, &spec, &root).await) });
        }
    }
    while let Some(Ok((id, found))) = probes.join_next().await {
        if let Some(Ok(tool)) = tools.get_mut(&id) {
            tool.version = found;
        }
    }
    tools
}
