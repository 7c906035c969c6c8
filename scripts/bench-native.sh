#!/usr/bin/env bash
# dod's native checks against ruff on the same copy of the CPython standard
# library (without site-packages), each pair in one hyperfine run:
#   dod --only print-calls,type-hints                    vs ruff T201,T203,ANN001-003,ANN201,ANN204-206
#   dod --only print-calls,type-hints,hardcoded-secrets  vs the same plus S105,S106,S107
# (test files included on both sides). Prints the wall-time ratio and both
# peak memory figures, then times diff mode on a 5-file change in the same
# tree (as a git repository).
# Usage: scripts/bench-native.sh [TREE]   (RUNS=N for more runs)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/common.sh
tree=${1:-$(stdlib_dir)}
checks=print-calls,type-hints

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
scripts/tools-venv.sh >/dev/null
cargo build --release --quiet
dod="$root/target/release/dod"
ruff="$root/target/venv/bin/ruff"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy_tree "$tree" "$work/tree"
cd "$work/tree"
echo "tree: $tree ($(find . -name '*.py' | wc -l) Python files)"

peak() { # peak resident memory of a command, in MiB
  python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1))' "$@"
}

# One hyperfine run per pair: dod's checks against ruff's matching rules.
compare() {
  local checks=$1 rules=$2
  echo
  echo "== dod --only $checks  vs  ruff --select $rules"
  hyperfine --warmup 2 --runs "${RUNS:-10}" --ignore-failure --export-json "$work/bench.json" \
    -n dod "$dod check --all --only $checks --quiet" \
    -n ruff "$ruff check --isolated --no-cache --exit-zero --select $rules ."
  local dod_mem ruff_mem
  dod_mem=$(peak "$dod" check --all --only "$checks" --quiet)
  ruff_mem=$(peak "$ruff" check --isolated --no-cache --exit-zero --select "$rules" .)
  python3 - "$work/bench.json" "$dod_mem" "$ruff_mem" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
dod, ruff = results["dod"]["mean"], results["ruff"]["mean"]
dod_mem, ruff_mem = float(sys.argv[2]), float(sys.argv[3])
print(f"wall time: dod {dod * 1000:.1f} ms, ruff {ruff * 1000:.1f} ms, dod / ruff = {dod / ruff:.2f}x (target <= 1.0)")
print(f"peak memory: dod {dod_mem} MiB, ruff {ruff_mem} MiB, dod / ruff = {dod_mem / ruff_mem:.2f}x (target <= 1.5)")
PY
}

ann=ANN001,ANN002,ANN003,ANN201,ANN204,ANN205,ANN206
compare print-calls,type-hints "T201,T203,$ann"
compare print-calls,type-hints,hardcoded-secrets "T201,T203,S105,S106,S107,$ann"

# Diff mode: the same tree as a repository, with 5 files changed.
rm dod.toml
git init -q -b main . && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -qm base
for file in json/encoder.py http/client.py logging/handlers.py email/utils.py csv.py; do
  printf '\n\ndef added(value):\n    print(value)\n    return value\n' >> "$file"
done
echo
# The second command adds the change checks, so the project model is built
# (both versions of the changed files parsed, their package `__init__`
# files read, the delta taken).
model="$checks,readme,api-docs,migration-docs,tests-added,handoff-breaking,comments"
hyperfine --warmup 3 --runs "${RUNS:-10}" --ignore-failure -N \
  -n "dod diff mode, 5 files" "$dod check --only $checks --quiet --json $work/diff.json" \
  -n "dod diff mode, 5 files, with the change checks (model built)" \
  "$dod check --only $model --no-provision --quiet --json $work/model.json"
for report in "$work/diff.json" "$work/model.json"; do
python3 - "$report" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(sys.argv[1].rsplit("/", 1)[-1])
for check in doc["checks"]:
    print(f"  {check['id']}: {check['summary'].splitlines()[0] if check['summary'] else ''}, {check['duration_ms']} ms")
print(f"  whole run as dod measured it: {doc['duration_ms']} ms")
PY
done
