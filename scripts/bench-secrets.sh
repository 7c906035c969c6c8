#!/usr/bin/env bash
# Scores dod's hardcoded-secrets, detect-secrets and ruff (S105, S106, S107)
# on the labelled corpus (tests/fixtures/secrets), with one scorer:
# a finding counts when its path and line are in EXPECTED (line-exact).
# Prints precision and recall per tool, then times the three on the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
scripts/tools-venv.sh >/dev/null
cargo build --release --quiet
venv=target/bench-secrets-venv
if [ ! -x "$venv/bin/detect-secrets" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "detect-secrets==1.5.0"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r tests/fixtures/secrets/corpus "$work/corpus"
cd "$work/corpus"

"$root/target/release/dod" check --all --only hardcoded-secrets --quiet --json "$work/dod.json" >/dev/null || true
"$root/$venv/bin/detect-secrets" scan --all-files . > "$work/detect-secrets.json"
"$root/target/venv/bin/ruff" check --isolated --no-cache --exit-zero --select S105,S106,S107 \
  --output-format json . > "$work/ruff.json"

python3 - "$root/tests/fixtures/secrets/EXPECTED" "$work" <<'PY'
import json, os, sys
expected_file, work = sys.argv[1], sys.argv[2]
corpus = os.path.join(work, "corpus")
expected = set()
for line in open(expected_file):
    if line.startswith("#") or not line.strip():
        continue
    path, number = line.split()[0].rsplit(":", 1)
    expected.add((path, int(number)))

def dod():
    doc = json.load(open(os.path.join(work, "dod.json")))
    return {(f["path"], f["line"]) for c in doc["checks"] for f in c["findings"]}

def detect_secrets():
    doc = json.load(open(os.path.join(work, "detect-secrets.json")))
    return {(os.path.normpath(path), f["line_number"]) for path, found in doc["results"].items() for f in found}

def ruff():
    return {(os.path.relpath(d["filename"], corpus), d["location"]["row"])
            for d in json.load(open(os.path.join(work, "ruff.json"))) if d["filename"] and d["location"]}

print(f"\ncorpus: {sum(len(f) for _, _, f in os.walk(corpus))} files, {len(expected)} expected findings\n")
print(f"{'tool':<16}{'found':>7}{'TP':>6}{'FP':>6}{'FN':>6}{'precision':>11}{'recall':>8}")
for name, found in (("dod", dod()), ("detect-secrets", detect_secrets()), ("ruff S105-S107", ruff())):
    tp = len(found & expected)
    fp, fn = len(found - expected), len(expected - found)
    precision = tp / len(found) if found else 0.0
    print(f"{name:<16}{len(found):>7}{tp:>6}{fp:>6}{fn:>6}{precision:>11.3f}{tp / len(expected):>8.3f}")
PY

echo
hyperfine --warmup 1 --runs "${RUNS:-5}" --ignore-failure -N \
  -n dod "$root/target/release/dod check --all --only hardcoded-secrets --quiet" \
  -n detect-secrets "$root/$venv/bin/detect-secrets scan --all-files ." \
  -n ruff "$root/target/venv/bin/ruff check --isolated --no-cache --exit-zero --select S105,S106,S107 ." 2>&1 \
  | grep -E "Benchmark|Time|faster"

# The CPython standard library (non-test directories): every dod finding is
# listed for review; ruff's S105-S107 count is the reference.
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
mkdir -p "$work/stdlib"
(cd "$stdlib" && tar --exclude=site-packages --exclude=__pycache__ --exclude=test --exclude=tests \
  --exclude=idle_test -cf - .) | (cd "$work/stdlib" && tar -xf -)
cd "$work/stdlib"
"$root/target/release/dod" check --all --only hardcoded-secrets --quiet --json "$work/std-dod.json" >/dev/null || true
"$root/target/venv/bin/ruff" check --isolated --no-cache --exit-zero --select S105,S106,S107 \
  --output-format json . > "$work/std-ruff.json"
python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
dod = [f for c in json.load(open(os.path.join(work, "std-dod.json")))["checks"] for f in c["findings"]]
ruff = json.load(open(os.path.join(work, "std-ruff.json")))
print(f"\nCPython standard library, non-test directories: dod {len(dod)} findings, ruff S105-S107 {len(ruff)}")
for f in dod:
    print(f"  dod: {f['path']}:{f['line']} {f['rule']} {f['message']}")
PY
