//! Child processes: every spawn in dod goes through here. A command runs in
//! its own process group with a timeout that kills the whole tree, both pipes
//! are drained concurrently with a size cap, and the result is a typed
//! `ProcessOutput`. Ctrl-C kills every group still running. Nothing here
//! knows what the command is for.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// How long a tool gets to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// The process groups of running children, for Ctrl-C.
static GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
    pub env: Vec<(OsString, OsString)>,
    pub timeout: Duration,
    /// Bytes kept of each of stdout and stderr; the rest is drained and dropped.
    pub output_cap: usize,
    /// Written to the child's stdin, which is then closed; `None` gives it
    /// no stdin at all.
    pub stdin: Option<Vec<u8>>,
}

impl ProcessSpec {
    pub fn new(program: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> ProcessSpec {
        ProcessSpec {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: Vec::new(),
            timeout: Duration::from_secs(60),
            output_cap: 16 * 1024 * 1024,
            stdin: None,
        }
    }

    pub fn output_cap(mut self, bytes: usize) -> ProcessSpec {
        self.output_cap = bytes;
        self
    }

    pub fn stdin(mut self, input: Vec<u8>) -> ProcessSpec {
        self.stdin = Some(input);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> ProcessSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> ProcessSpec {
        self.timeout = timeout;
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> ProcessSpec {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The command as a person would type it, for messages.
    pub fn display(&self) -> String {
        std::iter::once(self.program.to_string_lossy().into_owned())
            .chain(
                self.args
                    .iter()
                    .map(|arg| arg.to_string_lossy().into_owned()),
            )
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How the process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// Killed by a signal it did not ask for (a crash, the OOM killer).
    Signal(i32),
    /// Still running at the timeout; dod killed its process group.
    TimedOut,
}

#[derive(Debug, Clone)]
pub struct ProcessOutput {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Some output went past `output_cap` and was dropped.
    pub truncated: bool,
}

impl ProcessOutput {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The last lines of stderr (or stdout when stderr is empty), for an
    /// error message that shows what the tool said; says so when it said
    /// nothing.
    pub fn tail(&self, lines: usize) -> String {
        let text = if self.stderr.iter().any(|byte| !byte.is_ascii_whitespace()) {
            self.stderr_text()
        } else {
            self.stdout_text()
        };
        let all: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        if all.is_empty() {
            // A message never ends in an empty colon.
            return "(it printed nothing)".to_owned();
        }
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("`{}` was not found", program.display())]
    NotFound { program: PathBuf },
    #[error("cannot run `{}`", program.display())]
    Io {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs a command to completion or to its timeout.
pub async fn run(spec: &ProcessSpec) -> Result<ProcessOutput, SpawnError> {
    if SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(SpawnError::Io {
            program: spec.program.clone(),
            source: std::io::Error::new(std::io::ErrorKind::Interrupted, "dod is shutting down"),
        });
    }
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .current_dir(&spec.cwd)
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (key, value) in &spec.env {
        command.env(key, value);
    }
    // Spawned and registered under the lock the orphan sweep takes, so the
    // sweep never mistakes a tool that is starting for an orphan.
    let (mut child, group) = {
        let mut groups = GROUPS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let child = command.spawn().map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => SpawnError::NotFound {
                program: spec.program.clone(),
            },
            _ => SpawnError::Io {
                program: spec.program.clone(),
                source,
            },
        })?;
        // With `process_group(0)` the child's pid is its group id.
        let group = child.id().and_then(|pid| i32::try_from(pid).ok());
        if let Some(group) = group {
            groups.insert(group);
        }
        (child, group)
    };
    let _registration = group.map(GroupRegistration);

    // The input is written while the output is read, so neither pipe can
    // fill up and stall the other.
    if let (Some(input), Some(mut pipe)) = (spec.stdin.clone(), child.stdin.take()) {
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt as _;
            let _ = pipe.write_all(&input).await;
        });
    }
    let stdout = tokio::spawn(read_capped(child.stdout.take(), spec.output_cap));
    let stderr = tokio::spawn(read_capped(child.stderr.take(), spec.output_cap));

    let exit = tokio::select! {
        status = child.wait() => exit_of(status),
        () = tokio::time::sleep(spec.timeout) => {
            if let Some(group) = group {
                signal_group(group, libc::SIGTERM);
            }
            if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
                if let Some(group) = group {
                    signal_group(group, libc::SIGKILL);
                }
                let _ = child.wait().await;
            }
            Exit::TimedOut
        }
    };
    // Whatever the leader left behind in its group goes with it, so no
    // grandchild outlives the check or holds the pipes open; so do the
    // descendants that left the group (`setsid`) and were orphaned to dod.
    if let Some(group) = group {
        signal_group(group, libc::SIGKILL);
    }
    kill_orphans();
    let (stdout, stdout_truncated) = collect(stdout).await;
    let (stderr, stderr_truncated) = collect(stderr).await;
    Ok(ProcessOutput {
        exit,
        stdout,
        stderr,
        truncated: stdout_truncated || stderr_truncated,
    })
}

/// Runs a short command (git) from synchronous code.
pub fn run_blocking(spec: &ProcessSpec) -> Result<ProcessOutput, SpawnError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| SpawnError::Io {
            program: spec.program.clone(),
            source,
        })?;
    runtime.block_on(run(spec))
}

/// Set once a shutdown signal arrived: no new child is started.
static SHUTTING_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The run's one shutdown handler, for every phase (git, the tools, the
/// native and change checks): on SIGINT or SIGTERM no new child starts,
/// every child's process group is killed, `cleanup` runs (the outputs of
/// this run are removed: they would not be its), and dod exits 130. It
/// returns once the handler is listening.
pub fn exit_on_shutdown(cleanup: impl FnOnce() + Send + 'static) {
    let (ready, listening) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("dod-shutdown".to_owned())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready.send(());
                return;
            };
            runtime.block_on(async {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut interrupt), Ok(mut terminate)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) else {
                    let _ = ready.send(());
                    return;
                };
                let _ = ready.send(());
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
            SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
            kill_all();
            cleanup();
            #[expect(clippy::print_stderr, reason = "the last word of an interrupted run")]
            {
                eprintln!("dod: interrupted; every check was stopped");
            }
            std::process::exit(130);
        });
    if spawned.is_ok() {
        let _ = listening.recv_timeout(Duration::from_secs(2));
    }
}

/// Once a shutdown signal arrived, the handler ends the process (exit
/// 130): a run whose checks ended because their tools were killed must not
/// print or write a result of its own. This waits for that.
pub fn halt_if_shutting_down() {
    while SHUTTING_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills every process group dod started that is still running (Ctrl-C),
/// and every orphan that was reparented to dod.
pub fn kill_all() {
    for group in groups_snapshot() {
        signal_group(group, libc::SIGTERM);
    }
    std::thread::sleep(Duration::from_millis(200));
    for group in groups_snapshot() {
        signal_group(group, libc::SIGKILL);
    }
    kill_orphans();
}

/// Makes dod the reaper of every process orphaned below it (Linux's
/// `PR_SET_CHILD_SUBREAPER`): a process a tool started in a session of its
/// own (`setsid`, `start_new_session=True`) leaves the tool's process
/// group, and when its parent dies it is reparented to dod instead of init,
/// where `kill_orphans` finds it.
#[expect(unsafe_code, reason = "prctl has no safe wrapper in std")]
pub fn become_subreaper() {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and changes only
    // which process inherits this process's orphans.
    let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    SUBREAPER.store(done == 0, std::sync::atomic::Ordering::SeqCst);
}

/// Whether dod is its orphans' reaper; only then does `kill_orphans` look
/// (a test binary spawns children of its own that are not orphans).
static SUBREAPER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Kills (and reaps) the processes whose parent is dod that are not one of
/// the tools it runs: descendants orphaned to dod (see `become_subreaper`).
/// The children of those orphans are orphaned to dod in turn when they
/// die, so the sweep repeats until none is left.
#[expect(unsafe_code, reason = "kill and waitpid have no safe wrapper in std")]
pub fn kill_orphans() {
    if !SUBREAPER.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let me = std::process::id();
    for _ in 0..20 {
        let groups = GROUPS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let orphans: Vec<i32> = children_of(me)
            .into_iter()
            .filter(|pid| !groups.contains(pid))
            .collect();
        drop(groups);
        if orphans.is_empty() {
            return;
        }
        for pid in orphans {
            // SAFETY: the pid is a child of this process (read from /proc
            // just now) that dod did not spawn as a tool; kill only sends a
            // signal, and waitpid on our own child only reaps it.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// The pids whose parent is `parent`, from /proc (Linux).
fn children_of(parent: u32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid ...`: comm may hold spaces and parens.
            let after = &stat[stat.rfind(')')? + 1..];
            let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

fn groups_snapshot() -> Vec<i32> {
    GROUPS
        .lock()
        .map(|groups| groups.iter().copied().collect())
        .unwrap_or_default()
}

/// Finds a program on PATH, as a shell would.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Removes a child's group from `GROUPS` when its run ends.
struct GroupRegistration(i32);

impl Drop for GroupRegistration {
    fn drop(&mut self) {
        if let Ok(mut groups) = GROUPS.lock() {
            groups.remove(&self.0);
        }
    }
}

#[expect(unsafe_code, reason = "killpg has no safe wrapper in std")]
fn signal_group(group: i32, signal: i32) {
    // SAFETY: killpg only sends a signal; a group that is already gone gives
    // ESRCH, which is fine to ignore. `group` is never 0 or 1 here, because it
    // is the pid of a child we spawned.
    if group > 1 {
        unsafe {
            libc::killpg(group, signal);
        }
    }
}

fn exit_of(status: std::io::Result<std::process::ExitStatus>) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Code(-1),
        },
        Err(_) => Exit::Code(-1),
    }
}

async fn read_capped<R: AsyncRead + Unpin>(reader: Option<R>, cap: usize) -> (Vec<u8>, bool) {
    let Some(mut reader) = reader else {
        return (Vec::new(), false);
    };
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..read.min(room)]);
                truncated |= read > room;
            }
        }
    }
    (kept, truncated)
}

async fn collect(handle: tokio::task::JoinHandle<(Vec<u8>, bool)>) -> (Vec<u8>, bool) {
    // The group was killed above, so the pipes close promptly; the timeout
    // guards against a process that left the group and kept them open.
    match tokio::time::timeout(Duration::from_secs(2), handle).await {
        Ok(Ok(output)) => output,
        Ok(Err(_)) | Err(_) => (Vec::new(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_printed_nothing_says_so() {
        let spec = ProcessSpec::new("sh", ".").args(["-c", "exit 1"]);
        let output = run_blocking(&spec).unwrap();
        assert_eq!(output.tail(5), "(it printed nothing)");
    }

    #[test]
    fn captures_output_and_exit_code() {
        let spec = ProcessSpec::new("sh", ".").args(["-c", "echo out; echo err >&2; exit 3"]);
        let output = run_blocking(&spec).unwrap();
        assert_eq!(output.exit, Exit::Code(3));
        assert_eq!(output.stdout_text(), "out\n");
        assert_eq!(output.stderr_text(), "err\n");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
        let spec = ProcessSpec::new("sh", ".")
            .args(["-c", &script])
            .timeout(Duration::from_millis(300));
        let output = run_blocking(&spec).unwrap();
        assert_eq!(output.exit, Exit::TimedOut);
        let pid = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .to_owned();
        // SIGKILL is delivered asynchronously: give the kernel a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while process_alive(&pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !process_alive(&pid),
            "grandchild {pid} survived the timeout"
        );
    }

    #[test]
    fn output_is_capped() {
        let mut spec = ProcessSpec::new("sh", ".").args(["-c", "yes | head -c 100000"]);
        spec.output_cap = 1000;
        let output = run_blocking(&spec).unwrap();
        assert_eq!(output.stdout.len(), 1000);
        assert!(output.truncated);
    }

    #[test]
    fn missing_program_is_not_found() {
        let spec = ProcessSpec::new("dod-no-such-program", ".");
        assert!(matches!(
            run_blocking(&spec),
            Err(SpawnError::NotFound { .. })
        ));
    }

    fn process_alive(pid: &str) -> bool {
        // A zombie waiting for its reaper is dead for our purposes.
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .split(") ")
                .nth(1)
                .is_some_and(|rest| rest.starts_with('Z'))
        })
    }
}
