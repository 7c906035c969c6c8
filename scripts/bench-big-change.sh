#!/usr/bin/env bash
# A change of 10,000 files: builds a repository whose base has 10,000
# Python modules (and a README), changes every one of them (a new public
# function and a changed signature), and times `dod check` with the change
# checks and the native checks (no tools: `--no-provision`, the command
# checks skipped) with hyperfine. The cost that follows the change: one
# `git cat-file --batch` for the base versions, one parse per version.
# Usage: scripts/bench-big-change.sh   (FILES=N, RUNS=N to change)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
files=${FILES:-10000}
runs=${RUNS:-3}

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet
dod="$root/target/release/dod"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo/pkg"
cd "$repo"
git init -q -b main
printf '# svc\n' > README.md
touch pkg/__init__.py
python3 - "$files" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    with open(f"pkg/m{i:05}.py", "w") as f:
        f.write(f'"""Module {i}."""\n\n\ndef f{i}(a: int, b: int = 1) -> int:\n    """Add."""\n    return a + b\n')
PY
git add -A
git -c user.name=b -c user.email=b@b commit -qm base
python3 - "$files" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    with open(f"pkg/m{i:05}.py", "w") as f:
        f.write(f'"""Module {i}."""\n\n\ndef f{i}(a: int, b: int) -> int:\n    """Add."""\n    return a + b\n\n\ndef g{i}(x: int) -> int:\n    """Double."""\n    return 2 * x\n')
PY
echo "change: $(git status --porcelain | wc -l) files"
checks=readme,api-docs,migration-docs,tests-added,handoff-breaking,comments,print-calls,type-hints,hardcoded-secrets,python-syntax
"$dod" check --base main --only "$checks" --no-provision -q >/dev/null || true
hyperfine --runs "$runs" --warmup 1 -i \
  "$dod check --base main --only $checks --no-provision -q"
