#!/usr/bin/env bash
# Compares dod's `handoff-breaking` with griffe, the peer for breaking
# changes, on pairs of real released versions of real packages: each pair's
# two PyPI sdists are unpacked into one temp git repository as two commits,
# then `griffe check` and `dod check --only handoff-breaking` judge the
# second against the first. Prints, per pair, both tools' findings by
# public name and where they agree or differ.
#
#   scripts/compare-griffe.sh            # every pair below
#   PAIRS="flask 3.0.3 3.1.0 flask src" scripts/compare-griffe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

GRIFFE="griffe==2.4.1"
venv=target/griffe-venv
if ! "$venv/bin/griffe" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "$GRIFFE"
fi
cargo build -q --release
dod="$root/target/release/dod"
sdists="$root/target/compare-griffe/sdists"
mkdir -p "$sdists"

# name old new import-name search-path
default_pairs="flask 3.0.3 3.1.0 flask src
werkzeug 3.0.6 3.1.0 werkzeug src
httpx 0.27.2 0.28.0 httpx .
requests 2.31.0 2.32.3 requests src
starlette 0.40.0 0.41.0 starlette .
itsdangerous 2.1.2 2.2.0 itsdangerous src
sqlmodel 0.0.21 0.0.22 sqlmodel .
pydantic-settings 2.5.2 2.6.0 pydantic_settings .
click 8.1.8 8.2.0 click src"
pairs="${PAIRS:-$default_pairs}"

# The release's own changelog names its breaking changes, which flags them
# for dod; the comparison is about detecting them, so changelogs are left out.
unpack() { # sdist-file into-dir
  local tmp
  tmp=$(mktemp -d)
  tar xzf "$1" -C "$tmp"
  cp -r "$tmp"/*/. "$2"/
  rm -rf "$tmp"
  find "$2" -maxdepth 2 \( -iname 'CHANGES*' -o -iname 'CHANGELOG*' -o -iname 'HISTORY*' -o -iname 'NEWS*' \) \
    -not -path '*/.git/*' -exec rm -rf {} +
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
while read -r name old new import search; do
  [ -n "$name" ] || continue
  for version in "$old" "$new"; do
    ls "$sdists"/*"-$version.tar.gz" 2>/dev/null | grep -qi "${name//-/[-_]}" ||
      pip download -q --no-deps --no-binary :all: "$name==$version" -d "$sdists" >/dev/null
  done
  sdist() { ls "$sdists" | grep -i "^${name//-/[-_]}-$1.tar.gz$" | head -1; }
  repo="$work/$name"
  mkdir -p "$repo"
  git -C "$repo" init -q -b main
  unpack "$sdists/$(sdist "$old")" "$repo"
  git -C "$repo" add -A
  git -C "$repo" -c user.name=c -c user.email=c@c commit -qm "$old"
  git -C "$repo" tag old
  git -C "$repo" rm -rq .
  unpack "$sdists/$(sdist "$new")" "$repo"
  git -C "$repo" add -A
  git -C "$repo" -c user.name=c -c user.email=c@c commit -qm "$new"

  # griffe writes its findings to stderr, between its own log lines.
  (cd "$repo" && "$root/$venv/bin/griffe" check "$import" -s "$search" -a old -b HEAD -f oneline \
    >"$work/griffe.txt" 2>&1) || true
  (cd "$repo" && "$dod" check --base old --only handoff-breaking --no-provision -q \
    --json "$work/dod.json" >/dev/null 2>"$work/dod.err") || true

  python3 - "$name" "$old" "$new" "$import" "$search" "$work" <<'PY'
import json, re, sys
name, old, new, package, search, work = sys.argv[1:]

def module_of(path):
    path = path[len(search) + 1:] if search != "." and path.startswith(search + "/") else path
    path = re.sub(r"\.pyi?$", "", path)
    path = re.sub(r"/__init__$", "", path)
    return path.replace("/", ".")

# griffe oneline: `src/flask/app.py:12: Flask.run(debug): Parameter was removed`
griffe = {}
for line in open(f"{work}/griffe.txt"):
    m = re.match(r"^(.+?):(\d+): ([\w.]+)(\(.*?\))?: (.*)$", line.strip())
    if not m:
        continue
    obj = m.group(3)
    griffe.setdefault(f"{module_of(m.group(1))}.{obj}", []).append(m.group(5))

dod = {}
try:
    report = json.load(open(f"{work}/dod.json"))
    check = next(c for c in report["checks"] if c["id"] == "handoff-breaking")
    for finding in check["findings"]:
        message = finding["message"]
        module = module_of(finding["path"])
        m = re.search(r"`([\w.]+)`", message)
        if not m:
            continue
        obj = m.group(1)
        key = obj if message.startswith("public module") else f"{module}.{obj}"
        dod.setdefault(key, []).append(message)
except (OSError, StopIteration, KeyError, json.JSONDecodeError) as error:
    print(f"dod did not report: {error}: {open(f'{work}/dod.err').read()[-400:]}")

both = sorted(set(griffe) & set(dod))
only_griffe = sorted(set(griffe) - set(dod))
only_dod = sorted(set(dod) - set(griffe))
print(f"## {name} {old} -> {new}: griffe {len(griffe)}, dod {len(dod)}, both {len(both)}")
for key in both:
    print(f"  both   {key}: griffe: {'; '.join(griffe[key])}")
for key in only_griffe:
    print(f"  griffe {key}: {'; '.join(griffe[key])}")
for key in only_dod:
    print(f"  dod    {key}: {'; '.join(dod[key])}")
PY
done <<<"$pairs"
