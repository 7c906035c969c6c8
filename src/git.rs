//! The change: which files differ between the base and the working tree, and
//! which lines of them were added or modified. Everything comes from the git
//! command line (as pre-commit and diff-cover do). This module knows nothing
//! about checks or docs rules.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{self, Exit, ProcessSpec};

/// Where the base came from, printed with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseSource {
    Flag,
    Config,
    GithubBaseRef,
    GitlabDiffBase,
    DefaultBranch,
    /// `--staged`: the index against HEAD.
    Staged,
}

impl BaseSource {
    pub fn describe(&self) -> &'static str {
        match self {
            BaseSource::Flag => "--base",
            BaseSource::Config => "config `base`",
            BaseSource::GithubBaseRef => "GITHUB_BASE_REF",
            BaseSource::GitlabDiffBase => "CI_MERGE_REQUEST_DIFF_BASE_SHA",
            BaseSource::DefaultBranch => "default branch",
            BaseSource::Staged => "--staged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The ref as given (`origin/main`) or found.
    pub reference: String,
    /// The merge-base commit of that ref and HEAD.
    pub commit: String,
    pub source: BaseSource,
}

impl Base {
    /// No base: the change of a run that has none (`--all`).
    pub const NONE: Base = Base {
        reference: String::new(),
        commit: String::new(),
        source: BaseSource::Flag,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Modified => "modified",
            FileStatus::Deleted => "deleted",
            FileStatus::Renamed => "renamed",
        }
    }
}

/// Sorted, non-overlapping 1-based line ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSet(Vec<RangeInclusive<u32>>);

impl LineSet {
    pub fn contains(&self, line: u32) -> bool {
        self.0.iter().any(|range| range.contains(&line))
    }

    pub fn ranges(&self) -> &[RangeInclusive<u32>] {
        &self.0
    }

    pub fn count(&self) -> u32 {
        self.0
            .iter()
            .map(|range| range.end() - range.start() + 1)
            .sum()
    }

    pub fn push(&mut self, range: RangeInclusive<u32>) {
        self.0.push(range);
        self.0.sort_by_key(|range| *range.start());
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Project-relative, with `/`.
    pub path: String,
    pub status: FileStatus,
    /// The old path of a rename.
    pub from: Option<String>,
    /// Lines the change added or modified (none for a deletion).
    pub lines: ChangedLines,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangedLines {
    /// A new file (committed or untracked): every line counts.
    Whole,
    Some(LineSet),
}

impl ChangedLines {
    pub fn contains(&self, line: u32) -> bool {
        match self {
            ChangedLines::Whole => true,
            ChangedLines::Some(lines) => lines.contains(line),
        }
    }
}

/// Everything between the base and the working tree, under the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub base: Base,
    /// Sorted by path.
    pub files: Vec<ChangedFile>,
}

impl Change {
    pub fn file(&self, path: &str) -> Option<&ChangedFile> {
        self.files
            .binary_search_by(|file| file.path.as_str().cmp(path))
            .ok()
            .map(|index| &self.files[index])
    }

    /// Files present after the change (not deleted).
    pub fn present(&self) -> impl Iterator<Item = &ChangedFile> {
        self.files
            .iter()
            .filter(|file| file.status != FileStatus::Deleted)
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ChangeError {
    #[error(
        "this is a shallow clone, so the base `{reference}` or its merge-base with HEAD is missing; \
         run `git fetch --unshallow` (in GitHub Actions: `actions/checkout` with `fetch-depth: 0`; \
         in GitLab: `GIT_DEPTH: 0`)"
    )]
    Shallow { reference: String },
    #[error(
        "the base `{reference}` does not exist in this repository; fetch it \
         (`git fetch origin {branch}`) or pass an existing ref with `--base`",
        branch = reference.trim_start_matches("origin/")
    )]
    MissingBase { reference: String },
    #[error(
        "no base branch found (tried origin/HEAD, origin/main, main, master); \
         pass `--base REF` or set `base` in dod.toml"
    )]
    NoDefaultBase,
    #[error("`{reference}` and HEAD have no common ancestor; pass a related ref with `--base`")]
    NoMergeBase { reference: String },
    #[error("the repository has no commit yet; commit once, or pass `--all`")]
    NoCommits,
    #[error("git failed: `{command}`: {stderr}")]
    Git { command: String, stderr: String },
}

/// git itself could not be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitMissing;

/// The repository that holds `dir`, or `None` when it is not in one.
pub fn toplevel(dir: &Path) -> Result<Option<PathBuf>, GitMissing> {
    match git(dir, &["rev-parse", "--show-toplevel"]) {
        Ok(out) => Ok(Some(PathBuf::from(out.trim_end_matches('\n')))),
        Err(GitFailure::Spawn) => Err(GitMissing),
        Err(_) => Ok(None),
    }
}

/// The checkout's git directory (`.git`, or `.git/worktrees/NAME` in a
/// worktree), absolute.
pub fn git_dir(dir: &Path) -> Option<PathBuf> {
    git(dir, &["rev-parse", "--absolute-git-dir"])
        .ok()
        .map(|out| PathBuf::from(out.trim_end_matches('\n')))
        .filter(|path| path.is_dir())
}

/// Where the base ref comes from when neither `--base` nor config names it.
#[derive(Debug, Clone, Default)]
pub struct CiEnv {
    pub github_base_ref: Option<String>,
    pub gitlab_diff_base_sha: Option<String>,
}

impl CiEnv {
    pub fn from_process() -> CiEnv {
        let non_empty = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        CiEnv {
            github_base_ref: non_empty("GITHUB_BASE_REF"),
            gitlab_diff_base_sha: non_empty("CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        }
    }
}

/// Works out the change of the project at `root` (which may sit below the
/// repository's root): base resolution, then committed, staged, unstaged and
/// untracked-but-not-ignored files with their changed lines.
pub fn change(
    root: &Path,
    flag: Option<&str>,
    config: Option<&str>,
    ci: &CiEnv,
) -> Result<Change, ChangeError> {
    if git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).is_err() {
        return Err(ChangeError::NoCommits);
    }
    let base = resolve_base(root, flag, config, ci)?;
    let files = changed_files(root, &base.commit, Against::WorkingTree)?;
    Ok(Change { base, files })
}

/// What is staged, against HEAD: the change a commit is about to make (the
/// pre-commit mode). In a repository with no commit yet, against nothing.
pub fn staged(root: &Path) -> Result<Change, ChangeError> {
    let head = git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).ok();
    let commit = head.map_or_else(|| EMPTY_TREE.to_owned(), |head| head.trim().to_owned());
    let files = changed_files(root, &commit, Against::Index)?;
    let base = Base {
        reference: "HEAD".to_owned(),
        commit,
        source: BaseSource::Staged,
    };
    Ok(Change { base, files })
}

/// Up to this many paths, `contents_at` lists them by name.
const FEW_PATHS: usize = 256;

/// The contents of files at a commit, by project-relative path: the blob
/// of each path from one `git ls-tree -r` of the commit (given the paths
/// when there are few of them), then every blob
/// from one `git cat-file --batch` process. A path missing at the commit is
/// absent from the map. `repo_prefix` is the project root relative to the
/// repository root (`services/api/`, or empty).
///
/// Blob ids, not `commit:path` names: `cat-file` resolves a path by reading
/// every tree on the way for each request, which on a 10,000-file change
/// in one directory is most of a minute. See: #10
pub fn contents_at(
    root: &Path,
    repo_prefix: &str,
    commit: &str,
    paths: &[&str],
) -> Result<BTreeMap<String, Vec<u8>>, ChangeError> {
    if paths.is_empty() {
        return Ok(BTreeMap::new());
    }
    let failed = |command: &str, stderr: String| ChangeError::Git {
        command: command.to_owned(),
        stderr,
    };
    // A few paths are listed by name, so `ls-tree` reads only the trees on
    // their way; many paths, by one listing of the whole tree (matching
    // thousands of pathspecs costs more than reading every tree once).
    let named: Vec<String> = if paths.len() <= FEW_PATHS {
        paths
            .iter()
            .map(|path| format!("{repo_prefix}{path}"))
            .collect()
    } else {
        Vec::new()
    };
    let mut args = vec![
        "--literal-pathspecs",
        "ls-tree",
        "-r",
        "-z",
        "--full-tree",
        commit,
    ];
    if !named.is_empty() {
        args.push("--");
        args.extend(named.iter().map(String::as_str));
    }
    let listing = ProcessSpec::new("git", root)
        .args(args)
        .output_cap(usize::MAX)
        .timeout(Duration::from_secs(300));
    let output = process::run_blocking(&listing)
        .map_err(|error| failed("git ls-tree", error.to_string()))?;
    if output.exit != Exit::Code(0) {
        return Err(failed(
            "git ls-tree",
            output.stderr_text().trim().to_owned(),
        ));
    }
    let blobs = parse_ls_tree(&output.stdout);
    let wanted: Vec<(&str, &str)> = paths
        .iter()
        .filter_map(|path| {
            blobs
                .get(format!("{repo_prefix}{path}").as_str())
                .map(|oid| (*path, *oid))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut input = Vec::new();
    for (_, oid) in &wanted {
        input.extend_from_slice(oid.as_bytes());
        input.push(b'\n');
    }
    let spec = ProcessSpec::new("git", root)
        .args(["cat-file", "--batch"])
        .stdin(input)
        .output_cap(usize::MAX)
        .timeout(Duration::from_secs(300));
    let output = process::run_blocking(&spec)
        .map_err(|error| failed("git cat-file --batch", error.to_string()))?;
    if output.exit != Exit::Code(0) {
        return Err(failed(
            "git cat-file --batch",
            output.stderr_text().trim().to_owned(),
        ));
    }
    let names: Vec<&str> = wanted.iter().map(|(path, _)| *path).collect();
    parse_batch(&output.stdout, &names).map_err(|message| failed("git cat-file --batch", message))
}

/// Whether commit `ancestor` is `descendant` or one of its ancestors.
pub fn is_ancestor(root: &Path, ancestor: &str, descendant: &str) -> bool {
    git(root, &["merge-base", "--is-ancestor", ancestor, descendant]).is_ok()
}

/// The commit HEAD names.
pub fn head_commit(root: &Path) -> Option<String> {
    git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
        .ok()
        .map(|out| out.trim().to_owned())
}

/// Whether git ignores `path` (relative to the repository root `top`).
pub fn is_ignored(top: &Path, path: &str) -> bool {
    let spec = ProcessSpec::new("git", top)
        .args(["check-ignore", "-q", "--", path])
        .env("GIT_OPTIONAL_LOCKS", "0");
    process::run_blocking(&spec).is_ok_and(|output| output.exit == Exit::Code(0))
}

/// The Python files under `root` (tracked or untracked, not ignored) whose
/// text contains any of `needles`, project-relative: one `git grep`.
/// Exit 1 (no match) is an empty list.
pub fn python_files_mentioning(root: &Path, needles: &[&str]) -> Result<Vec<String>, ChangeError> {
    let mut args = vec!["-F"];
    for needle in needles {
        args.extend(["-e", needle]);
    }
    python_files_grep(root, &args)
}

/// The Python files whose text matches an extended regular expression
/// (`git grep -E`), as `python_files_mentioning`.
pub fn python_files_matching(root: &Path, pattern: &str) -> Result<Vec<String>, ChangeError> {
    python_files_grep(root, &["-E", "-e", pattern])
}

fn python_files_grep(root: &Path, patterns: &[&str]) -> Result<Vec<String>, ChangeError> {
    let mut args = vec!["grep", "-l", "-z", "--untracked"];
    args.extend_from_slice(patterns);
    args.extend(["--", "*.py"]);
    match git(root, &args) {
        Ok(output) => Ok(output
            .split('\0')
            .filter(|path| !path.is_empty())
            .map(str::to_owned)
            .collect()),
        Err(GitFailure::NoMatch) => Ok(Vec::new()),
        Err(failure) => Err(ChangeError::Git {
            command: format!("git {}", args.join(" ")),
            stderr: failure.reason(),
        }),
    }
}

/// `git ls-tree -r -z` output: the blob id of each repository path.
fn parse_ls_tree(output: &[u8]) -> BTreeMap<&str, &str> {
    output
        .split(|byte| *byte == 0)
        .filter_map(|entry| std::str::from_utf8(entry).ok())
        .filter_map(|entry| {
            let (meta, path) = entry.split_once('\t')?;
            let mut fields = meta.split(' ');
            let (_mode, kind, oid) = (fields.next()?, fields.next()?, fields.next()?);
            (kind == "blob").then_some((path, oid))
        })
        .collect()
}

/// Reads `git cat-file --batch` output: per request a header
/// `<oid> <type> <size>` and the contents, or `<name> missing`.
fn parse_batch(mut output: &[u8], paths: &[&str]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut found = BTreeMap::new();
    for path in paths {
        let end = output
            .iter()
            .position(|byte| *byte == b'\n')
            .ok_or_else(|| format!("the output ended before `{path}`"))?;
        let header = String::from_utf8_lossy(&output[..end]).into_owned();
        output = &output[end + 1..];
        // Each request is a blob id the commit's tree lists: git not having
        // it is an incomplete object store (a partial clone offline, a
        // corrupt repository), never a file that was not there.
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            return Err(format!(
                "the commit lists `{path}` but git cannot read its contents (`{header}`): the \
                 repository is incomplete (a partial or shallow clone?); `git fetch` the base, \
                 or check it with `git fsck`"
            ));
        }
        let mut fields = header.split(' ');
        let (Some(_), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("unexpected header `{header}` for `{path}`"));
        };
        let size: usize = size
            .parse()
            .map_err(|_| format!("unexpected header `{header}` for `{path}`"))?;
        if output.len() < size + 1 {
            return Err(format!("the output ended inside `{path}`"));
        }
        if kind == "blob" {
            found.insert((*path).to_owned(), output[..size].to_vec());
        }
        output = &output[size + 1..];
    }
    Ok(found)
}

/// Git's empty tree: the base of a first commit.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// What the base is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Against {
    /// Committed, staged, unstaged and untracked work.
    WorkingTree,
    /// Only what is staged.
    Index,
}

fn resolve_base(
    root: &Path,
    flag: Option<&str>,
    config: Option<&str>,
    ci: &CiEnv,
) -> Result<Base, ChangeError> {
    let explicit = flag
        .map(|reference| (reference.to_owned(), BaseSource::Flag))
        .or_else(|| config.map(|reference| (reference.to_owned(), BaseSource::Config)))
        .or_else(|| {
            ci.github_base_ref
                .as_ref()
                .map(|branch| (format!("origin/{branch}"), BaseSource::GithubBaseRef))
        })
        .or_else(|| {
            ci.gitlab_diff_base_sha
                .clone()
                .map(|sha| (sha, BaseSource::GitlabDiffBase))
        });
    let (reference, source) = match explicit {
        Some((reference, source)) => {
            if !ref_exists(root, &reference) {
                return Err(if is_shallow(root) {
                    ChangeError::Shallow { reference }
                } else {
                    ChangeError::MissingBase { reference }
                });
            }
            (reference, source)
        }
        None => {
            let found = first_existing(root, &["origin/HEAD", "origin/main", "main", "master"]);
            match found {
                Some(reference) => (reference.to_owned(), BaseSource::DefaultBranch),
                None if is_shallow(root) => {
                    return Err(ChangeError::Shallow {
                        reference: "origin/main".to_owned(),
                    });
                }
                None => return Err(ChangeError::NoDefaultBase),
            }
        }
    };
    match git(root, &["merge-base", &reference, "HEAD"]) {
        Ok(commit) => Ok(Base {
            reference,
            commit: commit.trim().to_owned(),
            source,
        }),
        Err(_) if is_shallow(root) => Err(ChangeError::Shallow { reference }),
        Err(_) => Err(ChangeError::NoMergeBase { reference }),
    }
}

fn ref_exists(root: &Path, reference: &str) -> bool {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .is_ok()
}

/// The first of `candidates` (a remote-tracking or local branch, by short
/// name) that exists: one `git for-each-ref` for all of them.
fn first_existing<'a>(root: &Path, candidates: &[&'a str]) -> Option<&'a str> {
    let full: Vec<String> = candidates
        .iter()
        .map(|candidate| match candidate.strip_prefix("origin/") {
            Some(branch) => format!("refs/remotes/origin/{branch}"),
            None => format!("refs/heads/{candidate}"),
        })
        .collect();
    let mut args = vec!["for-each-ref", "--format=%(refname)"];
    args.extend(full.iter().map(String::as_str));
    let listed = git(root, &args).ok()?;
    let existing: Vec<&str> = listed.lines().collect();
    candidates
        .iter()
        .zip(&full)
        .find(|(_, name)| existing.contains(&name.as_str()))
        .map(|(candidate, _)| *candidate)
}

fn is_shallow(root: &Path) -> bool {
    git(root, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|out| out.trim() == "true")
}

fn changed_files(
    root: &Path,
    base: &str,
    against: Against,
) -> Result<Vec<ChangedFile>, ChangeError> {
    // `git diff BASE` compares the base with the working tree, so it covers
    // committed, staged and unstaged edits at once. `--relative` limits it to
    // the project directory and makes paths relative to it.
    let mut common = vec!["-c", "core.quotePath=false", "diff"];
    if against == Against::Index {
        common.push("--cached");
    }
    common.extend([
        "--relative",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
    ]);
    // The three reads are independent: run at once, they cost the slowest
    // of them rather than their sum (none takes a lock: see `git`).
    let name_status_args = [&common[..], &["--name-status", "-z", base]].concat();
    let patch_args = [
        &common[..],
        &["-U0", "--src-prefix=a/", "--dst-prefix=b/", base],
    ]
    .concat();
    let (name_status, patch, untracked) = std::thread::scope(|scope| {
        let name_status = scope.spawn(|| run_git(root, &name_status_args));
        let patch = scope.spawn(|| run_git(root, &patch_args));
        let untracked = match against {
            Against::WorkingTree => {
                run_git(root, &["ls-files", "--others", "--exclude-standard", "-z"])
            }
            Against::Index => Ok(String::new()),
        };
        let joined = |handle: std::thread::ScopedJoinHandle<'_, Result<String, ChangeError>>| {
            handle.join().unwrap_or_else(|_| {
                Err(ChangeError::Git {
                    command: "git diff".to_owned(),
                    stderr: "the thread reading git's output panicked".to_owned(),
                })
            })
        };
        (joined(name_status), joined(patch), untracked)
    });
    let (name_status, patch, untracked) = (name_status?, patch?, untracked?);

    let mut lines = parse_patch(&patch);
    let mut files: BTreeMap<String, ChangedFile> = BTreeMap::new();
    for (status, from, path) in parse_name_status(&name_status) {
        let changed = match status {
            FileStatus::Added => ChangedLines::Whole,
            FileStatus::Deleted => ChangedLines::Some(LineSet::default()),
            FileStatus::Modified | FileStatus::Renamed => {
                ChangedLines::Some(lines.remove(&path).unwrap_or_default())
            }
        };
        files.insert(
            path.clone(),
            ChangedFile {
                path,
                status,
                from,
                lines: changed,
            },
        );
    }
    for path in untracked.split('\0').filter(|path| !path.is_empty()) {
        files.entry(path.to_owned()).or_insert_with(|| ChangedFile {
            path: path.to_owned(),
            status: FileStatus::Added,
            from: None,
            lines: ChangedLines::Whole,
        });
    }
    Ok(files.into_values().collect())
}

/// Parses `git diff --name-status -z`: `M\0path\0`, `R087\0old\0new\0`.
fn parse_name_status(output: &str) -> Vec<(FileStatus, Option<String>, String)> {
    let mut fields = output.split('\0').filter(|field| !field.is_empty());
    let mut entries = Vec::new();
    while let Some(code) = fields.next() {
        let entry = match code.as_bytes().first() {
            Some(b'R' | b'C') => {
                let (Some(from), Some(to)) = (fields.next(), fields.next()) else {
                    break;
                };
                let status = if code.starts_with('R') {
                    FileStatus::Renamed
                } else {
                    FileStatus::Added
                };
                (status, Some(from.to_owned()), to.to_owned())
            }
            Some(letter) => {
                let Some(path) = fields.next() else { break };
                let status = match letter {
                    b'A' => FileStatus::Added,
                    b'D' => FileStatus::Deleted,
                    _ => FileStatus::Modified,
                };
                (status, None, path.to_owned())
            }
            None => continue,
        };
        entries.push(entry);
    }
    entries
}

/// Parses a `-U0` patch into the added/modified line ranges of each new path.
fn parse_patch(patch: &str) -> BTreeMap<String, LineSet> {
    let mut files: BTreeMap<String, LineSet> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in patch.lines() {
        if line.starts_with("diff --git ") {
            current = None;
        } else if let Some(path) = line.strip_prefix("+++ ") {
            current = unquote(path).strip_prefix("b/").map(str::to_owned);
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current)
            && let Some(range) = parse_hunk(hunk)
        {
            files.entry(path.clone()).or_default().push(range);
        }
    }
    files
}

/// `-12,3 +14,5 @@ context` to the new side's `14..=18`; `None` when the
/// hunk only deletes.
fn parse_hunk(hunk: &str) -> Option<RangeInclusive<u32>> {
    let new = hunk
        .split_whitespace()
        .find_map(|part| part.strip_prefix('+'))?;
    let (start, count) = match new.split_once(',') {
        Some((start, count)) => (start.parse::<u32>().ok()?, count.parse::<u32>().ok()?),
        None => (new.parse::<u32>().ok()?, 1),
    };
    (count > 0).then(|| start..=start + count - 1)
}

/// Undoes git's C-style quoting of unusual path names (`"b/na\303\257ve.py"`).
fn unquote(path: &str) -> String {
    let Some(inner) = path
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return path.to_owned();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(digit @ b'0'..=b'7') => {
                let mut value = u32::from(digit - b'0');
                for _ in 0..2 {
                    if let Some(next @ b'0'..=b'7') = chars.peek().copied() {
                        value = value * 8 + u32::from(next - b'0');
                        chars.next();
                    }
                }
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

enum GitFailure {
    Spawn,
    /// Exit 1 with nothing on stderr: `git grep` found nothing.
    NoMatch,
    Failed(String),
    TimedOut,
}

/// How long one git command may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(120);

impl GitFailure {
    /// Why, in words; never empty.
    fn reason(self) -> String {
        match self {
            GitFailure::Spawn => "git could not be started".to_owned(),
            GitFailure::NoMatch => "exit 1, and git said nothing".to_owned(),
            GitFailure::Failed(stderr) => stderr,
            GitFailure::TimedOut => format!(
                "git did not finish in {} s and was stopped: a `.gitattributes` filter or \
                 textconv, or a hook, that hangs? `GIT_TRACE=1` on the command shows which",
                GIT_TIMEOUT.as_secs()
            ),
        }
    }
}

/// Runs git, read-only: `GIT_OPTIONAL_LOCKS=0` keeps `git diff` from
/// refreshing the index (and taking `index.lock`) behind the user's back,
/// which also lets dod run several reads at once.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitFailure> {
    git_within(dir, args, GIT_TIMEOUT)
}

fn git_within(dir: &Path, args: &[&str], timeout: Duration) -> Result<String, GitFailure> {
    let spec = ProcessSpec::new("git", dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .timeout(timeout);
    let output = process::run_blocking(&spec).map_err(|_| GitFailure::Spawn)?;
    let stderr = output.stderr_text().trim().to_owned();
    match output.exit {
        Exit::Code(0) => Ok(output.stdout_text()),
        Exit::Code(1) if stderr.is_empty() => Err(GitFailure::NoMatch),
        Exit::TimedOut => Err(GitFailure::TimedOut),
        Exit::Signal(signal) => Err(GitFailure::Failed(format!(
            "git was killed by signal {signal}"
        ))),
        Exit::Code(code) if stderr.is_empty() => Err(GitFailure::Failed(format!(
            "exit {code}, and git said nothing"
        ))),
        Exit::Code(_) => Err(GitFailure::Failed(stderr)),
    }
}

fn run_git(dir: &Path, args: &[&str]) -> Result<String, ChangeError> {
    git(dir, args).map_err(|failure| ChangeError::Git {
        command: format!("git {}", args.join(" ")),
        stderr: failure.reason(),
    })
}

/// Real git repositories for the unit tests of dod's modules.
#[cfg(test)]
pub mod test_support {
    use std::path::Path;

    /// Runs git in `dir` with no user config; panics when it fails.
    pub fn git(dir: &Path, args: &[&str]) {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
    }

    /// A new repository on `branch` with one empty commit.
    pub fn repository(branch: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", branch]);
        git(
            dir.path(),
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "a",
            ],
        );
        dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_base_is_the_first_branch_that_exists() {
        let dir = test_support::repository("master");
        let run = |args: &[&str]| test_support::git(dir.path(), args);
        let candidates = ["origin/HEAD", "origin/main", "main", "master"];
        assert_eq!(first_existing(dir.path(), &candidates), Some("master"));
        run(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
        assert_eq!(first_existing(dir.path(), &candidates), Some("origin/main"));
        assert_eq!(first_existing(dir.path(), &["main"]), None);
    }

    #[test]
    fn hunks_give_new_side_ranges() {
        assert_eq!(parse_hunk("-1,0 +2,3 @@"), Some(2..=4));
        assert_eq!(parse_hunk("-5 +5 @@ def f():"), Some(5..=5));
        assert_eq!(parse_hunk("-5,2 +4,0 @@"), None);
    }

    #[test]
    fn name_status_reads_renames() {
        let parsed = parse_name_status("M\0a.py\0R095\0old.py\0new.py\0D\0gone.py\0A\0n.py\0");
        assert_eq!(
            parsed,
            [
                (FileStatus::Modified, None, "a.py".to_owned()),
                (
                    FileStatus::Renamed,
                    Some("old.py".to_owned()),
                    "new.py".to_owned()
                ),
                (FileStatus::Deleted, None, "gone.py".to_owned()),
                (FileStatus::Added, None, "n.py".to_owned()),
            ]
        );
    }

    /// A `.gitattributes` filter that hangs: stopped, and the reason says
    /// what to look at, never an empty message.
    #[test]
    fn a_git_that_hangs_is_stopped_with_a_reason() {
        let repo = test_support::repository("main");
        std::fs::write(repo.path().join(".gitattributes"), "*.py filter=hang\n").unwrap();
        test_support::git(repo.path(), &["config", "filter.hang.clean", "sleep 30"]);
        std::fs::write(repo.path().join("x.py"), "x = 1\n").unwrap();
        let started = std::time::Instant::now();
        let failure = git_within(repo.path(), &["add", "x.py"], Duration::from_millis(500))
            .expect_err("it hangs");
        assert!(started.elapsed() < Duration::from_secs(10));
        let reason = failure.reason();
        assert!(reason.contains(".gitattributes"), "{reason}");
    }

    #[test]
    fn ls_tree_gives_the_blob_of_each_path() {
        let output =
            b"100644 blob aaa\tapp/x.py\x00040000 tree bbb\tapp\x00100644 blob ccc\tREADME.md\x00";
        let blobs = parse_ls_tree(output);
        assert_eq!(blobs.get("app/x.py"), Some(&"aaa"));
        assert_eq!(blobs.get("README.md"), Some(&"ccc"));
        assert!(!blobs.contains_key("app"));
    }

    #[test]
    fn batch_output_gives_contents_and_a_missing_blob_is_an_error() {
        let output = b"abc blob 3\nx=1\ndef blob 0\n\n";
        let found = parse_batch(output, &["a.py", "empty.py"]).unwrap();
        assert_eq!(found["a.py"], b"x=1");
        assert_eq!(found["empty.py"], b"");
        // The tree lists it, git cannot read it: never "no base version".
        let missing = parse_batch(b"abc blob 3\nx=1\nbbb missing\n", &["a.py", "new.py"]);
        assert!(missing.unwrap_err().contains("`new.py`"));
        assert!(parse_batch(b"abc blob 9\nshort\n", &["a.py"]).is_err());
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        assert_eq!(unquote("\"b/na\\303\\257ve.py\""), "b/naïve.py");
        assert_eq!(unquote("b/plain.py"), "b/plain.py");
    }

    #[test]
    fn patch_ranges_per_file() {
        let patch = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n-a\n+b\n+c\n@@ -9,0 +10 @@\n+d\n";
        let files = parse_patch(patch);
        assert_eq!(files["x.py"].ranges(), &[1..=2, 10..=10]);
    }
}
