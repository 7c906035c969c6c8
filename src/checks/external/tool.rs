//! Finding the program a command check runs, in DESIGN's order: the command
//! given in config, the project's virtualenv, PATH, then the managed
//! environment that dod builds itself (a venv under the user cache dir, keyed
//! by the pinned tool versions and the project's declared requirements).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use crate::checks::CheckId;
use crate::checks::external::ToolSpec;
use crate::diagnostic::CheckError;
use crate::process::{self, Exit, ProcessSpec};

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
}

/// Progress of the managed environment, for the caller to show.
#[derive(Debug, Clone)]
pub enum ProvisionEvent {
    Started { dir: PathBuf, what: String },
    Finished { elapsed: Duration },
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
        });
    }
    if let Some(bin) = &venv {
        let program = bin.join(&spec.tool);
        if process::is_executable(&program) {
            return Some(ResolvedTool {
                program,
                python: bin.join("python"),
                source: ToolSource::ProjectVenv,
            });
        }
    }
    let program = process::which(&spec.tool)?;
    let python = project_python.unwrap_or_else(|| sibling_python(&program));
    Some(ResolvedTool {
        program,
        python,
        source: ToolSource::Path,
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

/// dod's cache directory: `$DOD_CACHE_DIR`, `$XDG_CACHE_HOME/dod`, `~/.cache/dod`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DOD_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir).join("dod");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("dod")
}

/// What the managed environment installs for a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPlan {
    /// Pinned tool requirements (`ruff==0.17.6`).
    pub tools: Vec<String>,
    /// The project's requirement files, absolute.
    pub requirement_files: Vec<PathBuf>,
    /// Requirements declared in pyproject (`[project] dependencies` and the
    /// `dev`/`test` extras), when there is no requirements file.
    pub requirements: Vec<String>,
}

impl EnvPlan {
    pub fn new(specs: &[&ToolSpec], root: &Path) -> EnvPlan {
        let mut tools: Vec<String> = specs
            .iter()
            .filter_map(|spec| spec.package.clone())
            .collect();
        tools.sort();
        tools.dedup();
        let requirement_files = requirement_files(root);
        let requirements = if requirement_files.is_empty() {
            pyproject_requirements(root)
        } else {
            Vec::new()
        };
        EnvPlan {
            tools,
            requirement_files,
            requirements,
        }
    }

    /// A stable key over everything that shapes the environment.
    fn key(&self, python_version: &str) -> String {
        let mut text = format!("{python_version}\n");
        for tool in &self.tools {
            let _ = writeln!(text, "tool {tool}");
        }
        for file in &self.requirement_files {
            let contents = std::fs::read_to_string(file).unwrap_or_default();
            let _ = writeln!(text, "file {}\n{contents}", file.display());
        }
        for requirement in &self.requirements {
            let _ = writeln!(text, "req {requirement}");
        }
        format!("{:016x}", fnv1a(text.as_bytes()))
    }

    fn describe(&self) -> String {
        let mut parts = self.tools.clone();
        parts.extend(self.requirement_files.iter().map(|file| {
            file.file_name()
                .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
        }));
        if !self.requirements.is_empty() {
            parts.push("pyproject dependencies".to_owned());
        }
        parts.join(", ")
    }
}

/// The managed environment's result: its `bin` directory, or why it could
/// not be built. `tools_ok` is false when even the tools failed to install;
/// `project_ok` is false when the project's requirements failed.
#[derive(Debug, Clone)]
pub struct ManagedEnv {
    pub bin: PathBuf,
    pub tools_error: Option<String>,
    pub project_error: Option<String>,
}

/// Builds (or reuses) the managed environment for `plan`.
pub async fn provision_env(
    plan: &EnvPlan,
    root: &Path,
    progress: &(dyn Fn(ProvisionEvent) + Sync),
) -> ManagedEnv {
    let Some(python3) = process::which("python3") else {
        let error = "python3 is not on PATH, so dod cannot build its managed environment; \
                     install Python 3, or install the tools yourself"
            .to_owned();
        return ManagedEnv {
            bin: PathBuf::new(),
            tools_error: Some(error.clone()),
            project_error: Some(error),
        };
    };
    let version = match process::run(&ProcessSpec::new(&python3, root).args(["--version"])).await {
        Ok(output) => format!(
            "{}{}",
            output.stdout_text().trim(),
            output.stderr_text().trim()
        ),
        Err(_) => String::new(),
    };
    let envs = cache_dir().join("envs");
    let dir = envs.join(plan.key(&version));
    let bin = dir.join("bin");
    let ready = dir.join(".dod-ready");
    if ready.exists() {
        return ManagedEnv {
            bin,
            tools_error: None,
            project_error: None,
        };
    }
    if let Err(error) = std::fs::create_dir_all(&envs) {
        let error = format!(
            "cannot create `{}`: {error}; set DOD_CACHE_DIR to a writable directory",
            envs.display()
        );
        return ManagedEnv {
            bin,
            tools_error: Some(error.clone()),
            project_error: Some(error),
        };
    }
    // Two dod runs must not build the same environment at once.
    let lock = std::fs::File::create(dir.with_extension("lock"));
    let _guard = match &lock {
        Ok(file) => file.lock().ok().map(|()| file),
        Err(_) => None,
    };
    if ready.exists() {
        return ManagedEnv {
            bin,
            tools_error: None,
            project_error: None,
        };
    }
    let started = Instant::now();
    progress(ProvisionEvent::Started {
        dir: dir.clone(),
        what: plan.describe(),
    });
    let log = dir.join("provision.log");
    let result = build(plan, &python3, &dir, root).await;
    let mut log_text = String::new();
    let mut env = ManagedEnv {
        bin,
        tools_error: None,
        project_error: None,
    };
    for step in &result {
        let _ = writeln!(log_text, "$ {}\n{}", step.command, step.output);
    }
    let _ = std::fs::write(&log, &log_text);
    let failure = |step: &Step| {
        format!(
            "could not build dod's managed environment: `{}` failed ({}); see `{}`.\n{}",
            step.command,
            step.exit,
            log.display(),
            step.tail
        )
    };
    match result.iter().find(|step| !step.ok) {
        Some(step) if step.kind == StepKind::Project => env.project_error = Some(failure(step)),
        Some(step) => {
            env.tools_error = Some(failure(step));
            env.project_error = env.tools_error.clone();
        }
        None => {
            let _ = std::fs::write(&ready, plan.describe());
        }
    }
    progress(ProvisionEvent::Finished {
        elapsed: started.elapsed(),
    });
    env
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Venv,
    Tools,
    Project,
}

struct Step {
    kind: StepKind,
    command: String,
    ok: bool,
    exit: String,
    output: String,
    tail: String,
}

async fn build(plan: &EnvPlan, python3: &Path, dir: &Path, root: &Path) -> Vec<Step> {
    let python = dir.join("bin").join("python");
    let uv = process::which("uv");
    let venv = match &uv {
        Some(uv) => ProcessSpec::new(uv, root)
            .args(["venv", "--quiet", "--python"])
            .args([python3.as_os_str(), dir.as_os_str()]),
        None => ProcessSpec::new(python3, root)
            .args(["-m", "venv", "--clear"])
            .args([dir.as_os_str()]),
    };
    let install = |args: Vec<String>| match &uv {
        Some(uv) => ProcessSpec::new(uv, root)
            .args(["pip", "install", "--quiet", "--python"])
            .args([python.as_os_str()])
            .args(args),
        None => ProcessSpec::new(&python, root)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
            ])
            .args(args),
    };
    let mut project_args: Vec<String> = plan
        .requirement_files
        .iter()
        .flat_map(|file| ["-r".to_owned(), file.display().to_string()])
        .collect();
    project_args.extend(plan.requirements.iter().cloned());

    let mut steps = vec![
        (StepKind::Venv, venv),
        (StepKind::Tools, install(plan.tools.clone())),
    ];
    if !project_args.is_empty() {
        steps.push((StepKind::Project, install(project_args)));
    }
    let mut done = Vec::new();
    for (kind, spec) in steps {
        let spec = spec
            .timeout(Duration::from_secs(900))
            .env("PIP_PROGRESS_BAR", "off");
        let step = match process::run(&spec).await {
            Ok(output) => Step {
                kind,
                command: spec.display(),
                ok: output.exit == Exit::Code(0),
                exit: match output.exit {
                    Exit::Code(code) => format!("exit {code}"),
                    Exit::Signal(signal) => format!("signal {signal}"),
                    Exit::TimedOut => "timed out".to_owned(),
                },
                output: format!("{}{}", output.stdout_text(), output.stderr_text()),
                tail: output.tail(8),
            },
            Err(error) => Step {
                kind,
                command: spec.display(),
                ok: false,
                exit: error.to_string(),
                output: String::new(),
                tail: String::new(),
            },
        };
        let ok = step.ok;
        done.push(step);
        if !ok {
            break;
        }
    }
    done
}

/// `requirements*.txt` at the root and `requirements/*.txt`, sorted.
fn requirement_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let is_txt = |path: &Path| path.extension().is_some_and(|ext| ext == "txt");
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("requirements") && is_txt(&path) && path.is_file() {
                files.push(path);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(root.join("requirements")) {
        files.extend(
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| is_txt(path) && path.is_file()),
        );
    }
    files.sort();
    files
}

/// `[project] dependencies` plus the `dev`, `test` and `tests` extras.
fn pyproject_requirements(root: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml")) else {
        return Vec::new();
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(project) = table.get("project").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let strings = |value: Option<&toml::Value>| -> Vec<String> {
        value
            .and_then(toml::Value::as_array)
            .map(|array| {
                array
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut requirements = strings(project.get("dependencies"));
    if let Some(extras) = project
        .get("optional-dependencies")
        .and_then(toml::Value::as_table)
    {
        for extra in ["dev", "test", "tests"] {
            requirements.extend(strings(extras.get(extra)));
        }
    }
    requirements
}

/// FNV-1a: a stable hash for the cache key (std's hasher may change between
/// Rust releases, which would orphan every environment).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Finds every tool, then builds the managed environment once for those
/// that are missing (unless provisioning is off).
pub async fn resolve_all(
    specs: &[ToolSpec],
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
    let provisionable: Vec<&ToolSpec> = missing
        .iter()
        .copied()
        .filter(|spec| spec.package.is_some())
        .collect();
    let managed = if provision && !provisionable.is_empty() {
        let pinned: Vec<&ToolSpec> = specs.iter().filter(|spec| spec.package.is_some()).collect();
        let plan = EnvPlan::new(&pinned, root);
        Some(provision_env(&plan, root, &progress).await)
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
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_come_from_files_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "flask==3.1.3\n").unwrap();
        std::fs::write(dir.path().join("requirements-dev.txt"), "pytest\n").unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname='x'\ndependencies=['click']\n",
        )
        .unwrap();
        let plan = EnvPlan::new(&[], dir.path());
        assert_eq!(plan.requirement_files.len(), 2);
        assert!(plan.requirements.is_empty());
    }

    #[test]
    fn pyproject_dependencies_and_test_extras() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname='x'\ndependencies=['click']\n[project.optional-dependencies]\ntest=['hypothesis']\ndocs=['sphinx']\n",
        )
        .unwrap();
        let plan = EnvPlan::new(&[], dir.path());
        assert_eq!(plan.requirements, ["click", "hypothesis"]);
    }

    #[test]
    fn key_changes_with_the_requirements() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("requirements.txt");
        std::fs::write(&file, "flask==3.1.3\n").unwrap();
        let plan = EnvPlan::new(&[], dir.path());
        let before = plan.key("Python 3.11.7");
        std::fs::write(&file, "flask==3.1.2\n").unwrap();
        assert_ne!(before, plan.key("Python 3.11.7"));
        assert_ne!(plan.key("Python 3.11.7"), plan.key("Python 3.12.0"));
    }
}
