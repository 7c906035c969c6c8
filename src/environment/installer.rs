//! The installer that builds the managed environment: uv when it can be had
//! (on PATH, or a pinned uv that dod installs into its cache with pip), pip
//! otherwise. `DOD_INSTALLER=uv|pip` forces one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{self, Exit, ProcessSpec};

/// The uv that dod installs into its cache when none is on PATH.
pub const UV_PIN: &str = "0.13.9";

/// How long one install step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(900);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installer {
    Uv(PathBuf),
    Pip,
}

/// What `DOD_INSTALLER` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    Auto,
    Uv,
    Pip,
}

impl Preference {
    pub fn from_env() -> Result<Preference, String> {
        match std::env::var("DOD_INSTALLER").as_deref() {
            Err(_) | Ok("" | "auto") => Ok(Preference::Auto),
            Ok("uv") => Ok(Preference::Uv),
            Ok("pip") => Ok(Preference::Pip),
            Ok(other) => Err(format!(
                "DOD_INSTALLER is `{other}`; set it to `uv`, `pip` or `auto` (or unset it)"
            )),
        }
    }
}

impl Installer {
    pub fn is_uv(&self) -> bool {
        matches!(self, Installer::Uv(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Installer::Uv(program) => format!("uv ({})", program.display()),
            Installer::Pip => "pip".to_owned(),
        }
    }

    /// Creates the virtualenv at `dir` (replacing what is there).
    pub fn venv(&self, python3: &Path, dir: &Path, root: &Path) -> ProcessSpec {
        let spec = match self {
            Installer::Uv(uv) => ProcessSpec::new(uv, root)
                .args(["venv", "--quiet", "--clear", "--python"])
                .args([python3.as_os_str(), dir.as_os_str()]),
            Installer::Pip => ProcessSpec::new(python3, root)
                .args(["-m", "venv", "--clear"])
                .args([dir.as_os_str()]),
        };
        quiet(spec)
    }

    /// Installs `args` (`-r file`, requirements, `-e .`) into the
    /// environment whose interpreter is `python`.
    pub fn install(&self, python: &Path, args: &[String], root: &Path) -> ProcessSpec {
        let spec = match self {
            Installer::Uv(uv) => ProcessSpec::new(uv, root)
                .args(["pip", "install", "--quiet", "--python"])
                .args([python.as_os_str()])
                .args(args),
            Installer::Pip => pip_install(python, root).args(args),
        };
        quiet(spec)
    }

    /// `uv sync` from the project's `uv.lock` into the environment at
    /// `dir`, leaving the tools installed beside it (`--inexact`).
    pub fn sync(&self, dir: &Path, root: &Path) -> Option<ProcessSpec> {
        let Installer::Uv(uv) = self else {
            return None;
        };
        let spec = ProcessSpec::new(uv, root)
            .args(["sync", "--quiet", "--frozen", "--inexact", "--project"])
            .args([root.as_os_str()])
            .args(["--python"])
            .args([dir.join("bin").join("python")])
            .env("UV_PROJECT_ENVIRONMENT", dir);
        Some(quiet(spec))
    }
}

/// `python -m pip install`, quiet and never asking.
fn pip_install(python: &Path, root: &Path) -> ProcessSpec {
    ProcessSpec::new(python, root).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ])
}

fn quiet(spec: ProcessSpec) -> ProcessSpec {
    spec.timeout(STEP_TIMEOUT)
        .env("PIP_PROGRESS_BAR", "off")
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .env("UV_NO_PROGRESS", "1")
}

/// Where dod keeps its own uv.
fn bootstrapped(cache: &Path) -> PathBuf {
    cache.join("uv").join(UV_PIN)
}

/// A uv that is already there: on PATH, or the one dod installed.
pub fn find_uv(cache: &Path) -> Option<PathBuf> {
    process::which("uv").or_else(|| {
        let program = bootstrapped(cache).join("bin").join("uv");
        process::is_executable(&program).then_some(program)
    })
}

/// Installs the pinned uv into dod's cache with pip (`pip install
/// --target`), and returns its path, or why it could not.
pub async fn bootstrap_uv(cache: &Path, python3: &Path, root: &Path) -> Result<PathBuf, String> {
    let target = bootstrapped(cache);
    let staging = target.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging);
    let spec = quiet(
        pip_install(python3, root)
            .args(["--target"])
            .args([staging.as_os_str()])
            .args([format!("uv=={UV_PIN}")]),
    );
    let output = process::run(&spec)
        .await
        .map_err(|error| error.to_string())?;
    if output.exit != Exit::Code(0) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!("`{}` failed:\n{}", spec.display(), output.tail(6)));
    }
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&staging, &target)
        .map_err(|error| format!("cannot move uv into `{}`: {error}", target.display()))?;
    let program = target.join("bin").join("uv");
    if process::is_executable(&program) {
        Ok(program)
    } else {
        Err(format!(
            "pip installed uv {UV_PIN} but `{}` is not there",
            program.display()
        ))
    }
}
