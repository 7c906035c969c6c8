# Shared by the comparison and benchmark scripts; source it from the
# repository root.

# The CPython standard library of the python3 on PATH.
stdlib_dir() {
  python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'
}

# copy_tree SRC DST: a copy of a Python tree without site-packages and
# caches, with a dod.toml that brings test files into print-calls and
# type-hints (ruff has no notion of test files, so both sides see the same).
copy_tree() {
  mkdir -p "$2"
  (cd "$1" && tar --exclude=site-packages --exclude=__pycache__ -cf - .) | (cd "$2" && tar -xf -)
  cat > "$2/dod.toml" <<'TOML'
[checks.print-calls]
include_tests = true

[checks.type-hints]
include_tests = true
TOML
}
