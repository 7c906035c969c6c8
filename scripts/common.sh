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

# fresh_bin DIR: a folder holding only git and the real python3 (not a
# version manager's shim), for a PATH on which no Python tool is found.
fresh_bin() {
  mkdir -p "$1"
  ln -s "$(command -v git)" "$1/git"
  ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$1/python3"
}

# itsdangerous_source DIR: itsdangerous 2.2.0's PyPI sdist (source and its
# whole test suite) unpacked into DIR.
itsdangerous_source() {
  local download
  download=$(mktemp -d)
  pip download -q --no-deps --no-binary :all: itsdangerous==2.2.0 -d "$download" >/dev/null
  mkdir -p "$1"
  tar xzf "$download/itsdangerous-2.2.0.tar.gz" -C "$1" --strip-components=1
  rm -rf "$download"
}
