//! Errors that stop a run before any check reports: usage, config and
//! environment. A check that cannot run is not an error here; it is an
//! `Outcome::Errored` and the other checks still report.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config in `{}`:\n{message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("invalid config in {source_name}: `{key}`: {message}")]
    Invalid {
        source_name: String,
        key: String,
        message: String,
    },
    #[error(
        "invalid config in {source_name}, line {line}: `{key}` is not an option of check `{check}`; \
         its options are: {accepted} (`dod explain {check}` documents them)"
    )]
    UnknownOption {
        source_name: String,
        line: usize,
        check: String,
        key: String,
        accepted: String,
    },
    #[error("invalid config in {source_name}: `checks.{check}.{key}`: {message}")]
    InvalidOption {
        source_name: String,
        check: String,
        key: String,
        message: String,
    },
    #[error("unknown check `{id}`; `dod checks` lists the check ids")]
    UnknownCheck { id: String },
    #[error(
        "{only_and_skip} selects no check; `dod checks` lists the check ids",
        only_and_skip = if skip.is_empty() {
            format!("--only {}", only.join(","))
        } else if only.is_empty() {
            format!("--skip {}", skip.join(","))
        } else {
            format!("--only {} with --skip {}", only.join(","), skip.join(","))
        }
    )]
    EmptySelection {
        only: Vec<String>,
        skip: Vec<String>,
    },
    #[error("`--jobs` must be at least 1")]
    ZeroJobs,
    #[error(
        "the task file `{}` named by {named_by} does not exist; create it, fix the path, \
         or drop {named_by} to check without one",
        path.display()
    )]
    MissingTask { path: PathBuf, named_by: String },
}

#[derive(Debug, Error)]
pub enum UsageError {
    #[error("`{}` is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    #[error(
        "`{}` is not inside a git repository, so there is no change to check; \
         run `git init`, or pass `--all` to check every file",
        path.display()
    )]
    NotARepository { path: PathBuf },
    #[error(
        "git is not installed or not on PATH; install git, or pass `--all` outside a repository"
    )]
    GitMissing,
    #[error(
        "the enclosing repository `{}` ignores this project (`{prefix}`), so git sees no change \
         in it and dod has nothing it may check; `git check-ignore -v {prefix}` says which \
         rule ignores it: make the project a repository of its own (`git init`), un-ignore it, \
         or pass `--all`",
        top.display()
    )]
    ProjectIgnored { top: PathBuf, prefix: String },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
