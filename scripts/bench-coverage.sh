#!/usr/bin/env bash
# What running pytest under coverage costs on examples/upload-service: the
# example's suite with and without `--cov --cov-context=test` (what dod adds
# for diff-coverage), in one hyperfine run, with the tools of dod's managed
# environment for the example (built first), then the `coverage json
# --show-contexts` step dod runs after it.
# Usage: scripts/bench-coverage.sh   (RUNS=N for more runs)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/common.sh
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/upload-service "$work/project"
cd "$work/project"
git init -q && git add -A && git -c user.name=b -c user.email=b@b commit -qm base
fresh_bin "$work/bin"
export DOD_CACHE_DIR="$work/cache"
PATH="$work/bin" "$root/target/release/dod" check --all --quiet --only pytest >/dev/null 2>&1 || true
env=$(ls -d "$work"/cache/envs/*/)
hyperfine --warmup 2 --runs "${RUNS:-10}" -N --export-json "$work/coverage.json" \
  -n "pytest" "$env/bin/pytest -q -p no:cacheprovider" \
  -n "pytest under coverage" "env COVERAGE_FILE=$work/.coverage $env/bin/pytest -q -p no:cacheprovider --cov --cov-context=test --cov-report="
hyperfine --warmup 1 --runs "${RUNS:-10}" -N \
  -n "coverage json --show-contexts" "$env/bin/python -m coverage json --show-contexts -q --data-file $work/.coverage -o $work/c.json"
python3 - "$work/coverage.json" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
plain, covered = runs["pytest"], runs["pytest under coverage"]
print(f"\npytest {plain:.2f} s, under coverage {covered:.2f} s: {covered / plain:.2f}x (+{covered - plain:.2f} s)")
PY
