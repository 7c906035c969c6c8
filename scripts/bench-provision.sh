#!/usr/bin/env bash
# The managed environment's first build on examples/upload-service, from an
# empty cache, with uv against pip in one hyperfine run, then a reuse (the
# environment already there). Each first run starts with dod's cache, uv's
# cache and pip's cache all empty, so downloads are counted, and with no
# Python tool on PATH (only git and python3), as on a fresh machine.
# dod fetches its own uv with pip in the uv run (that is counted too).
# Usage: scripts/bench-provision.sh   (RUNS=N for more runs; 1 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/common.sh

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet
dod="$root/target/release/dod"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/upload-service "$work/project"
(cd "$work/project" && git init -q && git add -A && git -c user.name=b -c user.email=b@b commit -qm base)
fresh_bin "$work/bin"

# Every cache of the run lives under $work/cache, emptied before each run.
export DOD_CACHE_DIR="$work/cache/dod" UV_CACHE_DIR="$work/cache/uv" PIP_CACHE_DIR="$work/cache/pip"
run="cd $work/project && PATH=$work/bin $dod check --all --quiet"
echo "project: examples/upload-service (requirements.txt: $(tr '\n' ' ' < examples/upload-service/requirements.txt))"
hyperfine --runs "${RUNS:-1}" --prepare "rm -rf $work/cache" --export-json "$work/first.json" \
  -n uv "DOD_INSTALLER=uv sh -c '$run'" \
  -n pip "DOD_INSTALLER=pip sh -c '$run'"

# Reuse: the environment is built; each run only checks that it is current.
rm -rf "$work/cache"
DOD_INSTALLER=uv sh -c "$run" >/dev/null
hyperfine --warmup 1 --runs 5 --export-json "$work/reuse.json" \
  -n "reuse (--only ruff)" "sh -c '$run --only ruff'" \
  -n "reuse (whole gate)" "sh -c '$run'"

python3 - "$work/first.json" "$work/reuse.json" <<'EOF'
import json, sys
first = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
reuse = {r["command"]: r["mean"] for r in json.load(open(sys.argv[2]))["results"]}
print()
print(f"first run, uv:  {first['uv']:.1f} s")
print(f"first run, pip: {first['pip']:.1f} s")
print(f"pip / uv:       {first['pip'] / first['uv']:.2f}x")
for name, mean in reuse.items():
    print(f"{name}: {mean:.2f} s")
EOF
