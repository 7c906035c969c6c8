#!/usr/bin/env bash
# The test command, both tiers: installs the pinned Python tools into
# target/venv, then runs every Rust test: tier 1 (unit, snapshot, fixture
# and end-to-end tests that need no Python tool and no network) and tier 2
# (the end-to-end tests marked `#[ignore = "tier 2: ..."]`, which run the
# real ruff, mypy and pytest and reach PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools-venv.sh
cargo test --locked --all-targets "$@" -- --include-ignored
