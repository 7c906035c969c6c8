#!/usr/bin/env bash
# The whole gate against its peers, in one hyperfine run on a copy of
# examples/upload-service:
#   dod check --all            (ruff, mypy and pytest concurrently)
#   ruff; mypy; pytest         (one after another, as a Makefile or pre-commit does)
#   ruff, mypy, pytest alone   (to find the slowest)
# Prints dod / sequential and dod / slowest-alone. Every command uses the same
# tools from one virtualenv (the pinned versions plus the example's
# requirements), so only the orchestration differs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet

venv=target/bench-venv
pin() { sed -n 's/^package = "\(.*\)"$/\1/p' "checks/$1.toml"; }
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "$(pin ruff)" "$(pin mypy)" "$(pin pytest)" -r examples/upload-service/requirements.txt
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/upload-service "$work/svc"
export PATH="$root/$venv/bin:$PATH" PYTHONDONTWRITEBYTECODE=1
cd "$work/svc"

dod="$root/target/release/dod check --all --no-provision --quiet"
ruff="ruff check --output-format json --no-fix --force-exclude ."
mypy="mypy -O json --python-executable $root/$venv/bin/python ."
pytest="pytest -q -p no:cacheprovider -o junit_family=xunit1 --junitxml $work/j.xml"

hyperfine --warmup 2 --runs "${RUNS:-10}" --export-json "$work/bench.json" --ignore-failure \
  -n dod "$dod" \
  -n sequential "$ruff; $mypy; $pytest" \
  -n ruff "$ruff" -n mypy "$mypy" -n pytest "$pytest"

python3 - "$work/bench.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
mean = {name: r["mean"] for name, r in results.items()}
slowest = max(("ruff", "mypy", "pytest"), key=mean.get)
print()
print(f"dod        {mean['dod']:.3f} s")
print(f"sequential {mean['sequential']:.3f} s")
print(f"slowest    {mean[slowest]:.3f} s ({slowest} alone)")
print(f"dod / sequential    = {mean['dod'] / mean['sequential']:.2f}x (target: < 1)")
print(f"dod / slowest alone = {mean['dod'] / mean[slowest]:.2f}x (target: <= 1.15)")
PY
