#!/usr/bin/env bash
# Runs dod's change checks on real changes: for each pair, two releases of
# a real Flask or FastAPI extension or application, unpacked from their
# PyPI sdists (`pip download --no-deps --no-binary :all:`) into one temp
# git repository as two commits. Prints every finding of the change
# checks, for judging against the diff (the repositories are kept under
# target/real-changes/repos/ for reading it: `git -C REPO diff old`).
#
#   scripts/real-changes.sh                       # every pair below
#   PAIRS="flask-login 0.6.2 0.6.3" scripts/real-changes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build -q --release
dod="$root/target/release/dod"
base="$root/target/real-changes"
sdists="$base/sdists"
mkdir -p "$sdists" "$base/repos"

default_pairs="fastapi-users 13.0.0 14.0.0
sqladmin 0.19.0 0.20.1
flask-security 5.5.2 5.6.0
flask-login 0.6.2 0.6.3
flask-wtf 1.2.1 1.2.2
flask-migrate 4.0.7 4.1.0
flask-smorest 0.44.0 0.45.0
flask-restx 1.2.0 1.3.0
flask-cors 4.0.2 5.0.0
flask-caching 2.3.0 2.3.1
flask-appbuilder 4.6.3 4.6.4
ihatemoney 6.1.5 7.0.0
fastapi-users-db-sqlalchemy 5.0.0 6.0.0
privacyidea 3.12.2 3.12.3
privacyidea 3.11.4 3.12
flask-appbuilder 4.4.1 4.5.0
fastapi-users-db-sqlalchemy 6.0.1 7.0.0
ihatemoney 5.2.0 6.0.0
flask-admin 1.6.0 1.6.1"
pairs="${PAIRS:-$default_pairs}"
checks="readme,api-docs,migration-docs,tests-added,handoff-breaking,comments"

unpack() { # sdist-file into-dir
  local tmp
  tmp=$(mktemp -d)
  tar xzf "$1" -C "$tmp"
  cp -r "$tmp"/*/. "$2"/
  rm -rf "$tmp"
}

while read -r name old new; do
  [ -n "$name" ] || continue
  for version in "$old" "$new"; do
    ls "$sdists" | grep -qi "^${name//-/[-_]}-$version.tar.gz$" ||
      pip download -q --no-deps --no-binary :all: "$name==$version" -d "$sdists" >/dev/null
  done
  sdist() { ls "$sdists" | grep -i "^${name//-/[-_]}-$1.tar.gz$" | head -1; }
  repo="$base/repos/$name-$old-$new"
  rm -rf "$repo"
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
  (cd "$repo" && "$dod" check --base old --only "$checks" --no-provision -q \
    --json "$base/$name.json" >/dev/null 2>"$base/$name.err") || true
  python3 - "$name" "$old" "$new" "$base/$name.json" "$(git -C "$repo" diff --shortstat old HEAD)" <<'PY'
import json, sys
name, old, new, path, stat = sys.argv[1:]
print(f"## {name} {old} -> {new} ({stat.strip()})")
try:
    report = json.load(open(path))
except (OSError, json.JSONDecodeError) as error:
    print(f"  dod did not report: {error}")
    sys.exit()
for check in report["checks"]:
    findings = [f for f in check["findings"] if f["severity"] != "note"]
    print(f"  {check['id']}: {check['status']}, {len(findings)} findings: {check['summary'].splitlines()[0] if check['summary'] else ''}")
    for f in findings:
        where = f"{f['path']}:{f['line']}" if f.get("line") else f["path"]
        print(f"    {where} {f['rule']}: {f['message']}")
PY
done <<<"$pairs"
