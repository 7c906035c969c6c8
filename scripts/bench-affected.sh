#!/usr/bin/env bash
# Test impact on a real suite: itsdangerous 2.2.0 (its sdist's source and
# its whole test suite), a one-module change that breaks the module on
# purpose. Measures, in one hyperfine run, `dod check --only pytest` (the
# full suite) against the same with `--affected` (what the hook's
# `pytest = "affected"` runs), and compares the tests dod selects with
# pytest-testmon's selection for the same change and with the tests that
# actually fail when the change breaks the code (every one of them must be
# selected).
# Usage: scripts/bench-affected.sh   (RUNS=N for more runs)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/common.sh
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet
dod="$root/target/release/dod"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

venv="$root/target/affected-venv"
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    pytest==9.2.0 pytest-cov==7.1.0 coverage==7.17.3 pytest-testmon==2.2.0 freezegun==1.4.0
fi
repo="$work/its"
itsdangerous_source "$repo"
cd "$repo"
git init -q -b main && git add -A && git -c user.name=b -c user.email=b@b commit -qm base
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -e "$repo"
# testmon's data outside the repository, or it would be part of the change.
export PATH="$venv/bin:$PATH" DOD_CACHE_DIR="$work/cache" TESTMON_DATAFILE="$work/.testmondata"

# The map: a full run under coverage at the base. testmon's own data too.
git checkout -q -b change
"$dod" check --only pytest --no-provision --json "$work/full.json" >/dev/null 2>&1 || true
# (testmon needs pytest's cache provider)
"$venv/bin/pytest" -q --testmon >/dev/null 2>&1 || true
total=$(python3 -c "import json; print(len(json.load(open('$work/full.json'))['report']['tests']))")

# The change: `timed.py` broken on purpose (every timestamp is 0).
python3 - <<'PY'
p = "src/itsdangerous/timed.py"
s = open(p).read()
s = s.replace("return int(time.time())", "return 0", 1)
open(p, "w").write(s)
PY
git add -A && git -c user.name=b -c user.email=b@b commit -qm "break timed"

hyperfine --warmup 1 --runs "${RUNS:-5}" --ignore-failure --export-json "$work/bench.json" \
  -n "full suite" "$dod check --only pytest --no-provision --quiet" \
  -n "affected" "$dod check --only pytest --affected --no-provision --quiet"

"$dod" check --only pytest --affected --no-provision --json "$work/affected.json" >/dev/null 2>&1 || true
"$dod" check --only pytest --no-provision --json "$work/broken.json" >/dev/null 2>&1 || true
"$venv/bin/pytest" -q --testmon -o junit_family=xunit1 --junitxml "$work/testmon.xml" >/dev/null 2>&1 || true

python3 - "$work" "$total" <<'PY'
import json, sys, xml.etree.ElementTree as ET
work, total = sys.argv[1], int(sys.argv[2])
def tests(name):
    return json.load(open(f"{work}/{name}.json"))["report"]["tests"]
affected = {t["node_id"] for t in tests("affected")}
failing = {t["node_id"] for t in tests("broken") if t["outcome"] in ("failed", "error")}
testmon = set()
for case in ET.parse(f"{work}/testmon.xml").iter("testcase"):
    # The node id from the classname: its modules are the path (a test a
    # class inherits has the `file` of its definition, not of its class).
    parts = case.get("classname", "").split(".")
    modules = [p for p in parts if not p[:1].isupper()]
    classes = [p for p in parts if p[:1].isupper()]
    testmon.add("::".join(["/".join(modules) + ".py", *classes, case.get("name")]))
pytest_line = next(c for c in json.load(open(f"{work}/affected.json"))["checks"] if c["id"] == "pytest")["summary"]
bench = {r["command"]: r["mean"] for r in json.load(open(f"{work}/bench.json"))["results"]}
print()
print(f"suite: {total} tests; the change breaks {len(failing)}")
print(f"dod --affected selected {len(affected)}: {pytest_line}")
print(f"pytest-testmon selected {len(testmon)}")
print(f"every failing test selected by dod: {'yes' if failing <= affected else 'NO: ' + str(sorted(failing - affected))}")
print(f"dod and testmon: {len(affected & testmon)} in both, {len(affected - testmon)} dod only, {len(testmon - affected)} testmon only")
full, fast = bench["full suite"], bench["affected"]
print(f"time: full suite {full:.2f} s, --affected {fast:.2f} s: {fast / full:.2f}x")
PY
