#!/usr/bin/env bash
# Compares dod's print-calls and type-hints with ruff on the same tree
# (default: the CPython standard library of the python3 on this machine,
# without site-packages), line for line, and prints matched / missing /
# extra counts per check, then the differences.
#
#   print-calls: dod print-call + pprint-call   vs  ruff T201 + T203
#   type-hints:  dod missing-*-annotation       vs  ruff ANN001-003, ANN201, ANN204-206
#
# Test files are included on both sides (dod: `include_tests = true`).
# Usage: scripts/compare-ruff.sh [TREE] [--show N]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/common.sh
tree=${1:-$(stdlib_dir)}
show=${SHOW:-15}

scripts/tools-venv.sh >/dev/null
cargo build --release --quiet
ruff="$root/target/venv/bin/ruff"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy_tree "$tree" "$work/tree"

cd "$work/tree"
"$root/target/release/dod" check --all --only print-calls,type-hints,python-syntax --json "$work/dod.json" >/dev/null || true
"$ruff" check --isolated --no-cache --exit-zero --output-format json --select T201,T203 . > "$work/ruff-print.json"
"$ruff" check --isolated --no-cache --exit-zero --output-format json \
  --select ANN001,ANN002,ANN003,ANN201,ANN204,ANN205,ANN206 . > "$work/ruff-ann.json"

python3 - "$work" "$show" <<'PY'
import json, os, sys
work, show = sys.argv[1], int(sys.argv[2])
tree = os.path.join(work, "tree")
dod = json.load(open(os.path.join(work, "dod.json")))

def dod_lines(check, rules):
    for c in dod["checks"]:
        if c["id"] == check:
            return {(f["path"], f["line"], rules[f["rule"]]) for f in c["findings"] if f["rule"] in rules}
    return set()

def ruff_lines(name, codes):
    out = set()
    for d in json.load(open(os.path.join(work, name))):
        if d["code"] in codes and d["filename"] and d["location"]:
            out.add((os.path.relpath(d["filename"], tree), d["location"]["row"], codes[d["code"]]))
    return out

comparisons = [
    ("print-calls",
     dod_lines("print-calls", {"print-call": "print", "pprint-call": "pprint"}),
     ruff_lines("ruff-print.json", {"T201": "print", "T203": "pprint"})),
    ("type-hints",
     dod_lines("type-hints", {"missing-param-annotation": "param", "missing-return-annotation": "return"}),
     ruff_lines("ruff-ann.json", {"ANN001": "param", "ANN002": "param", "ANN003": "param",
                                  "ANN201": "return", "ANN204": "return", "ANN205": "return", "ANN206": "return"})),
]
syntax = [c for c in dod["checks"] if c["id"] == "python-syntax"][0]
print(f"files dod could not parse or read: {len(syntax['findings'])}")
for f in syntax["findings"]:
    print(f"  {f['path']}:{f['line']} {f['rule']}")
unparsed = {f["path"] for f in syntax["findings"]}
import ast
from collections import Counter

def functions_by_line(path):
    """(line, kind) -> facts about the function a finding on that line is about."""
    try:
        tree = ast.parse(open(os.path.join(tree_root, path), "rb").read())
    except (SyntaxError, ValueError):
        return {}
    module_private = any(part.startswith("_") and part != "__init__.py" and part != "__main__.py"
                         for part in path.split("/"))
    # The names `__all__` lists, as far as its string literals tell.
    exported = None
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value is not None:
            exported = (exported or set()) | {c.value for c in ast.walk(node.value)
                                               if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    facts = {}
    def visit(node, enclosing_private, nested, in_class, top=None):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = child.name
                dunder = name.startswith("__") and name.endswith("__") and len(name) > 4
                outer = top or name
                info = dict(private_name=name.startswith("_") and not dunder, enclosing_private=enclosing_private,
                            nested=nested, module_private=module_private, dunder=dunder,
                            unexported=exported is not None and outer not in exported, in_class=in_class,
                            accessor=any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
                                         for d in child.decorator_list))
                facts[(child.lineno, "return")] = info
                for arg in child.args.posonlyargs + child.args.args + child.args.kwonlyargs + \
                        [a for a in (child.args.vararg, child.args.kwarg) if a]:
                    facts[(arg.lineno, "param")] = info
                visit(child, enclosing_private or name.startswith("_"), True, False, outer)
            elif isinstance(child, ast.ClassDef):
                visit(child, enclosing_private or child.name.startswith("_"), nested, True, top or child.name)
            else:
                visit(child, enclosing_private, nested, in_class, top)
    visit(tree, False, False, False)
    return facts

tree_root = tree
cache = {}
def reason(row, side):
    path, line, kind = row
    if path not in cache:
        cache[path] = functions_by_line(path)
    info = cache[path].get((line, kind))
    if info is None:
        return "other"
    if side == "missing":
        if info["private_name"]:
            return "private function: ruff's ANN001-003 cover private functions too"
        if info["enclosing_private"] and info["dunder"] and kind == "return":
            return "dunder method of a private class: ruff's ANN204 covers every special method"
        if info["enclosing_private"]:
            return "inside a private class or function: dod counts it as private"
        return "other"
    if info["dunder"] and not info["in_class"]:
        return "dunder function outside a class (`__getattr__`): ruff counts it as private (no ANN201)"
    if info["accessor"]:
        return "property setter or deleter: ruff counts it as private (no ANN201)"
    if info["nested"]:
        return "function nested in a function: ruff counts it as private (no ANN201)"
    if info["module_private"]:
        return "function in a private module (`_name.py`): ruff counts it as private (no ANN201)"
    if info["unexported"]:
        return "not in the module's `__all__`: ruff counts it as private (no ANN201)"
    return "other"

for check, mine, theirs in comparisons:
    # A file dod cannot read is reported by python-syntax, not compared.
    theirs_cmp = {t for t in theirs if t[0] not in unparsed}
    matched, missing, extra = mine & theirs_cmp, theirs_cmp - mine, mine - theirs_cmp
    print(f"\n{check}: matched {len(matched)}, missing {len(missing)} (ruff only), extra {len(extra)} (dod only)")
    for label, rows in (("missing", missing), ("extra", extra)):
        if check == "type-hints" and rows:
            reasons = Counter(reason(row, label) for row in rows)
            for why, count in reasons.most_common():
                print(f"  {label} {count:6}: {why}")
            rows = {row for row in rows if reason(row, label) == "other"}
        for row in sorted(rows)[:show]:
            print(f"  {label}: {row[0]}:{row[1]} {row[2]}")
        if len(rows) > show:
            print(f"  ... {len(rows) - show} more {label}")
PY
