#!/usr/bin/env bash
# Creates target/venv with the tools the end-to-end tests run, at the
# versions pinned in checks/*.toml, plus junitparser (the tests read dod's
# JUnit back with it), flask (the Flask apps of the tests import it), uv
# (a test locks a project with it), pre-commit (the hook is tried with it)
# and maturin (the wheel is built with it).
# Idempotent: a venv that already has them is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

pin() { sed -n 's/^package = "\(.*\)"$/\1/p' "checks/$1.toml"; }
extra() { sed -n 's/^extra_packages = \[\(.*\)\]$/\1/p' "checks/$1.toml" | tr -d '",'; }
# shellcheck disable=SC2046 # the extra pins are words
wanted=("$(pin ruff)" "$(pin mypy)" "$(pin pytest)" $(extra pytest) "uv==0.13.9" "junitparser==5.0.3" "flask==3.1.3" "pre-commit==4.7.0" "maturin==1.16.0")
venv=target/venv
stamp="$venv/.dod-tools"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${wanted[*]}" ]; then
  exit 0
fi
mkdir -p target
python3 -m venv --clear "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "${wanted[@]}"
echo "${wanted[*]}" > "$stamp"
echo "tools installed in $venv: ${wanted[*]}"
