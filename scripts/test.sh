#!/usr/bin/env bash
# The test command: installs the pinned Python tools into target/venv, then
# runs every Rust test (unit, snapshot and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools-venv.sh
cargo test --locked --all-targets "$@"
