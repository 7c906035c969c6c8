//! dod's managed environment (DESIGN §6): one virtualenv per project and
//! interpreter under dod's cache, reused whatever `--only` or `--skip`
//! select, and updated in place when the project's declared dependencies
//! change. It holds what the project declares (see `plan`), the project
//! itself when it builds, and the tools at dod's pins unless the project
//! pins its own. Its state (`dod-env.json`) says for which project it was
//! built, with what, and when it was last used; environments of projects
//! that are gone or unused for `MAX_IDLE_DAYS` are pruned.

mod installer;
pub mod plan;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use installer::{Installer, Preference};
pub use plan::{PinnedBy, Plan, ToolPin};

use crate::process::{self, Exit, ProcessSpec};

/// An environment unused this long is removed by the next build.
const MAX_IDLE_DAYS: u64 = 30;

/// The state file in each environment.
const STATE: &str = "dod-env.json";

/// Progress of the managed environment, for the caller to show.
#[derive(Debug, Clone)]
pub enum ProvisionEvent {
    /// Another dod run holds the environment's lock.
    Waiting {
        dir: PathBuf,
    },
    Started {
        dir: PathBuf,
        what: String,
        installer: String,
        /// The environment exists and is brought up to date.
        update: bool,
    },
    Finished {
        elapsed: Duration,
    },
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

fn envs_dir() -> PathBuf {
    cache_dir().join("envs")
}

/// What an environment was built from, kept beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The project root it serves.
    pub project: PathBuf,
    /// `Python 3.11.7`.
    pub python: String,
    /// The interpreter it was made from.
    pub interpreter: PathBuf,
    pub installer: String,
    /// What was installed, in words.
    pub installed: String,
    /// The plan's stamp when the last install succeeded; empty after a
    /// failure, so the next run tries again.
    pub stamp: String,
    /// Tool → where its version comes from, in words.
    pub pinned_by: BTreeMap<String, String>,
    /// Unix seconds.
    pub created: u64,
    pub updated: u64,
    pub used: u64,
}

impl State {
    pub fn read(dir: &Path) -> Option<State> {
        let text = std::fs::read_to_string(dir.join(STATE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    fn write(&self, dir: &Path) {
        if let Ok(text) = serde_json::to_string_pretty(self) {
            let _ = std::fs::write(dir.join(STATE), text);
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The interpreter environments are made from: `python3` on PATH.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub path: PathBuf,
    pub version: String,
}

pub async fn interpreter(root: &Path) -> Result<Interpreter, String> {
    let Some(path) = process::which("python3") else {
        return Err(
            "python3 is not on PATH, so dod cannot build its managed environment; \
                    install Python 3, or install the tools yourself"
                .to_owned(),
        );
    };
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let output = process::run(&ProcessSpec::new(&path, root).args(["--version"]))
        .await
        .map_err(|error| format!("cannot run `{}`: {error}", path.display()))?;
    let version = format!(
        "{}{}",
        output.stdout_text().trim(),
        output.stderr_text().trim()
    );
    Ok(Interpreter { path, version })
}

/// The environment's directory for a project and interpreter: the project
/// folder's name and a hash of its path and the interpreter.
pub fn env_dir(root: &Path, interpreter: &Interpreter) -> PathBuf {
    let key = format!(
        "{}\n{}\n{}",
        root.display(),
        interpreter.path.display(),
        interpreter.version
    );
    let name: String = root
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    envs_dir().join(format!("{name}-{:016x}", fnv1a(key.as_bytes())))
}

/// The managed environment as this run found or made it.
#[derive(Debug, Clone)]
pub struct ManagedEnv {
    pub bin: PathBuf,
    /// Why the tools could not be installed.
    pub tools_error: Option<String>,
    /// Why the project's dependencies could not be installed.
    pub project_error: Option<String>,
    /// Tool → where its version comes from.
    pub pinned_by: BTreeMap<String, PinnedBy>,
}

impl ManagedEnv {
    fn ready(bin: PathBuf, pinned_by: BTreeMap<String, PinnedBy>) -> ManagedEnv {
        ManagedEnv {
            bin,
            tools_error: None,
            project_error: None,
            pinned_by,
        }
    }

    fn failed(error: String) -> ManagedEnv {
        ManagedEnv {
            bin: PathBuf::new(),
            tools_error: Some(error.clone()),
            project_error: Some(error),
            pinned_by: BTreeMap::new(),
        }
    }
}

/// Makes sure the project's environment is there and up to date: reuses
/// it when its stamp matches the plan, updates it in place when not, and
/// builds it when there is none.
pub async fn ensure(
    root: &Path,
    pins: &[ToolPin],
    progress: &(dyn Fn(ProvisionEvent) + Sync),
) -> ManagedEnv {
    let preference = match Preference::from_env() {
        Ok(preference) => preference,
        Err(error) => return ManagedEnv::failed(error),
    };
    let interpreter = match interpreter(root).await {
        Ok(interpreter) => interpreter,
        Err(error) => return ManagedEnv::failed(error),
    };
    let dir = env_dir(root, &interpreter);
    let bin = dir.join("bin");
    let cache = cache_dir();
    // The plan as uv would install it, unless pip is asked for: dod can
    // always fetch uv, and a plan read once keeps the stamp stable.
    let mut plan = Plan::new(root, pins, preference != Preference::Pip);
    let ready = |state: &Option<State>, plan: &Plan| {
        state
            .as_ref()
            .is_some_and(|state| is_current(state, plan, root, pins))
            && bin.join("python").exists()
    };
    let state = State::read(&dir);
    if ready(&state, &plan) {
        touch(&dir, state);
        return ManagedEnv::ready(bin, plan.pinned_by);
    }
    if let Err(error) = std::fs::create_dir_all(envs_dir()) {
        return ManagedEnv::failed(format!(
            "cannot create `{}`: {error}; set DOD_CACHE_DIR to a writable directory",
            envs_dir().display()
        ));
    }
    // Two dod runs must not build the same environment at once.
    let _lock = match lock(&dir.with_extension("lock"), &dir, progress).await {
        Ok(lock) => lock,
        Err(error) => return ManagedEnv::failed(error),
    };
    let state = State::read(&dir);
    if ready(&state, &plan) {
        touch(&dir, state);
        return ManagedEnv::ready(bin, plan.pinned_by);
    }

    let started = Instant::now();
    let mut log = String::new();
    let installer = match choose_installer(preference, &cache, &interpreter.path, root).await {
        Ok((installer, note)) => {
            if let Some(note) = note {
                let _ = writeln!(log, "{note}");
            }
            installer
        }
        Err(error) => return ManagedEnv::failed(error),
    };
    if !installer.is_uv() && plan.uv_lock {
        plan = Plan::new(root, pins, false);
    }
    let update = bin.join("python").exists();
    progress(ProvisionEvent::Started {
        dir: dir.clone(),
        what: plan.describe(root),
        installer: installer.describe(),
        update,
    });

    let python = bin.join("python");
    let mut failures: Vec<(Part, String)> = Vec::new();
    let mut steps: Vec<(Part, ProcessSpec)> = Vec::new();
    if !update {
        steps.push((Part::Venv, installer.venv(&interpreter.path, &dir, root)));
    } else if !installer.is_uv() && !bin.join("pip").exists() {
        // An environment uv made has no pip.
        steps.push((
            Part::Venv,
            ProcessSpec::new(&python, root).args(["-m", "ensurepip", "--upgrade"]),
        ));
    }
    if let Some(sync) = plan.uv_lock.then(|| installer.sync(&dir, root)).flatten() {
        steps.push((Part::Project, sync));
    }
    let mut project_args: Vec<String> = plan
        .requirement_files
        .iter()
        .flat_map(|file| ["-r".to_owned(), file.display().to_string()])
        .collect();
    project_args.extend(plan.requirements.iter().cloned());
    if let Some(extras) = plan.editable.as_ref().filter(|_| !plan.uv_lock) {
        project_args.push("-e".to_owned());
        project_args.push(if extras.is_empty() {
            ".".to_owned()
        } else {
            format!(".[{}]", extras.join(","))
        });
    }
    if !project_args.is_empty() {
        steps.push((
            Part::Project,
            installer.install(&python, &project_args, root),
        ));
    }
    let tools: Vec<String> = plan
        .tools
        .iter()
        .map(|tool| tool.requirement.clone())
        .collect();
    if !tools.is_empty() {
        steps.push((Part::Tools, installer.install(&python, &tools, root)));
    }
    let log_path = dir.join("provision.log");
    for (part, spec) in steps {
        let result = process::run(&spec).await;
        let (ok, exit, output, tail) = match result {
            Ok(output) => (
                output.exit == Exit::Code(0),
                match output.exit {
                    Exit::Code(code) => format!("exit {code}"),
                    Exit::Signal(signal) => format!("signal {signal}"),
                    Exit::TimedOut => "timed out".to_owned(),
                },
                format!("{}{}", output.stdout_text(), output.stderr_text()),
                output.tail(8),
            ),
            Err(error) => (false, error.to_string(), String::new(), String::new()),
        };
        let _ = writeln!(log, "$ {}\n{output}", spec.display());
        if !ok {
            failures.push((
                part,
                format!(
                    "could not build dod's managed environment: `{}` failed ({exit}); see `{}`.\n{tail}",
                    spec.display(),
                    log_path.display()
                ),
            ));
            // Without the virtualenv nothing else can be installed.
            if part == Part::Venv {
                break;
            }
        }
    }
    let _ = std::fs::write(&log_path, &log);

    let failure = |wanted: &[Part]| {
        failures
            .iter()
            .find(|(part, _)| wanted.contains(part))
            .map(|(_, error)| error.clone())
    };
    let env = ManagedEnv {
        bin,
        tools_error: failure(&[Part::Venv, Part::Tools]),
        project_error: failure(&[Part::Venv, Part::Project, Part::Tools]),
        pinned_by: plan.pinned_by.clone(),
    };
    let time = now();
    let state = State {
        project: root.to_owned(),
        python: interpreter.version.clone(),
        interpreter: interpreter.path.clone(),
        installer: installer.describe(),
        installed: plan.describe(root),
        stamp: if failures.is_empty() {
            plan.stamp()
        } else {
            String::new()
        },
        pinned_by: plan
            .pinned_by
            .iter()
            .map(|(tool, by)| (tool.clone(), by.describe()))
            .collect(),
        created: state.map_or(time, |state| state.created),
        updated: time,
        used: time,
    };
    if dir.is_dir() {
        state.write(&dir);
    }
    prune(&dir);
    progress(ProvisionEvent::Finished {
        elapsed: started.elapsed(),
    });
    env
}

/// Whether an environment's last install was of this plan. One that pip
/// built (uv could not be had) was planned without `uv.lock`.
pub fn is_current(state: &State, plan: &Plan, root: &Path, pins: &[ToolPin]) -> bool {
    state.stamp == plan.stamp()
        || (plan.uv_lock
            && state.installer == "pip"
            && state.stamp == Plan::new(root, pins, false).stamp())
}

/// Whether the project's environment, as `dod check` would plan it now,
/// is up to date.
pub fn is_up_to_date(state: &State, root: &Path, pins: &[ToolPin]) -> bool {
    let uv = Preference::from_env().is_ok_and(|preference| preference != Preference::Pip);
    is_current(state, &Plan::new(root, pins, uv), root, pins)
}

/// The part of the environment an install step serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Venv,
    Project,
    Tools,
}

/// uv on PATH or in dod's cache, else a uv fetched with pip, else pip.
/// The note says why pip was used when uv was not asked against.
async fn choose_installer(
    preference: Preference,
    cache: &Path,
    python3: &Path,
    root: &Path,
) -> Result<(Installer, Option<String>), String> {
    if preference == Preference::Pip {
        return Ok((Installer::Pip, None));
    }
    if let Some(uv) = installer::find_uv(cache) {
        return Ok((Installer::Uv(uv), None));
    }
    match installer::bootstrap_uv(cache, python3, root).await {
        Ok(uv) => Ok((Installer::Uv(uv), None)),
        Err(error) if preference == Preference::Uv => Err(format!(
            "DOD_INSTALLER=uv, but uv is not on PATH and dod could not install it: {error}"
        )),
        Err(error) => Ok((
            Installer::Pip,
            Some(format!("uv could not be installed, so pip builds: {error}")),
        )),
    }
}

/// Takes the environment's lock, saying so when another run holds it.
async fn lock(
    path: &Path,
    dir: &Path,
    progress: &(dyn Fn(ProvisionEvent) + Sync),
) -> Result<std::fs::File, String> {
    let file = std::fs::File::create(path)
        .map_err(|error| format!("cannot create the lock `{}`: {error}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            progress(ProvisionEvent::Waiting {
                dir: dir.to_owned(),
            });
            tokio::task::spawn_blocking(move || file.lock().map(|()| file))
                .await
                .map_err(|error| error.to_string())?
                .map_err(|error| format!("cannot lock `{}`: {error}", path.display()))
        }
        Err(std::fs::TryLockError::Error(error)) => {
            Err(format!("cannot lock `{}`: {error}", path.display()))
        }
    }
}

/// Records that the environment was used, at most once an hour.
fn touch(dir: &Path, state: Option<State>) {
    if let Some(mut state) = state {
        let time = now();
        if time.saturating_sub(state.used) > 3600 {
            state.used = time;
            state.write(dir);
        }
    }
}

/// One environment in the cache, for `dod env`.
#[derive(Debug, Clone)]
pub struct Listed {
    pub dir: PathBuf,
    pub bytes: u64,
}

/// Every environment in the cache.
pub fn list() -> Vec<Listed> {
    let mut found: Vec<Listed> = std::fs::read_dir(envs_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .map(|dir| Listed {
            bytes: size(&dir),
            dir,
        })
        .collect();
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

/// Removes an environment (and its lock), unless another run holds it.
pub fn remove(dir: &Path) -> Result<(), String> {
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::File::create(&lock_path).ok();
    if let Some(lock) = &lock
        && lock.try_lock().is_err()
    {
        return Err(format!(
            "`{}` is in use by another dod run; try again when it ends",
            dir.display()
        ));
    }
    std::fs::remove_dir_all(dir)
        .or_else(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                Ok(())
            } else {
                Err(error)
            }
        })
        .map_err(|error| format!("cannot remove `{}`: {error}", dir.display()))?;
    let _ = std::fs::remove_file(lock_path);
    Ok(())
}

/// Removes environments whose project is gone, that an older dod made
/// (no state), or that were not used for `MAX_IDLE_DAYS`; never `keep`.
pub fn prune(keep: &Path) -> Vec<PathBuf> {
    let oldest = now().saturating_sub(MAX_IDLE_DAYS * 24 * 3600);
    let mut removed = Vec::new();
    for listed in std::fs::read_dir(envs_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let dir = listed.path();
        if dir == keep || !dir.is_dir() {
            continue;
        }
        let stale = match State::read(&dir) {
            None => true,
            Some(state) => !state.project.is_dir() || state.used < oldest,
        };
        if stale && remove(&dir).is_ok() {
            removed.push(dir);
        }
    }
    removed
}

/// Bytes under a directory, links not followed.
pub fn size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(metadata) = entry.path().symlink_metadata() else {
                continue;
            };
            if metadata.is_dir() {
                stack.push(entry.path());
            } else {
                total += metadata.len();
            }
        }
    }
    total
}

/// The installed version of a distribution in an environment whose `bin`
/// holds `program`: read from its `.dist-info` folder, no process started.
pub fn installed_version(program: &Path, distribution: &str) -> Option<String> {
    let prefix = program.parent()?.parent()?;
    let wanted = distribution.to_ascii_lowercase().replace(['-', '.'], "_");
    for lib in std::fs::read_dir(prefix.join("lib")).ok()?.flatten() {
        let site = lib.path().join("site-packages");
        for entry in std::fs::read_dir(&site).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".dist-info") else {
                continue;
            };
            if let Some((dist, version)) = stem.split_once('-')
                && dist.to_ascii_lowercase().replace(['-', '.'], "_") == wanted
            {
                return Some(version.to_owned());
            }
        }
    }
    None
}

/// FNV-1a: a stable hash for cache keys (std's hasher may change between
/// Rust releases, which would orphan every environment).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second run that finds the environment's lock held says it waits
    /// (it used to wait in silence), then goes on when the lock is free.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_run_waiting_for_the_lock_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env.lock");
        let holder = std::fs::File::create(&path).unwrap();
        holder.lock().unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(holder);
        });
        let events = std::sync::Mutex::new(Vec::new());
        let record = |event: ProvisionEvent| events.lock().unwrap().push(format!("{event:?}"));
        let taken = lock(&path, dir.path(), &record).await;
        assert!(taken.is_ok());
        release.join().unwrap();
        let events = events.into_inner().unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(events[0].starts_with("Waiting"), "{events:?}");
    }

    #[test]
    fn versions_are_read_from_dist_info() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("lib/python3.11/site-packages");
        std::fs::create_dir_all(site.join("pytest-8.2.0.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("typing_extensions-4.12.2.dist-info")).unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        let program = dir.path().join("bin/pytest");
        assert_eq!(
            installed_version(&program, "pytest").as_deref(),
            Some("8.2.0")
        );
        assert_eq!(
            installed_version(&program, "typing-extensions").as_deref(),
            Some("4.12.2")
        );
        assert_eq!(installed_version(&program, "mypy"), None);
    }

    #[test]
    fn sizes_count_files_and_not_links() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/f"), vec![0u8; 1000]).unwrap();
        std::fs::write(dir.path().join("g"), vec![0u8; 24]).unwrap();
        std::os::unix::fs::symlink("/usr", dir.path().join("link")).unwrap();
        let total = size(dir.path());
        assert!((1024..1200).contains(&total), "{total}");
    }
}
