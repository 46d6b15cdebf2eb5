"""The layout's promises, checked on the source: no import circle anywhere in `sim` (imports
inside functions and under TYPE_CHECKING count too), the engine never imports a face, and no
module outside `sim/rules/` branches on a rule's kind."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
FACES = ("sim.app", "sim.report", "sim.sweep", "sim.calibration", "sim.cli", "sim.charts",
         "sim.docs", "sim.runcache", "sim.runplan", "sim.runstore", "sim.alerts")


def _module_name(path: Path) -> str:
    rel = path.relative_to(SIM.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SIM.rglob("*.py")}


def _imports(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    """Every sim module `path` imports, wherever the import statement stands."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # `from pkg import mod` imports the module pkg.mod when there is one.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t.startswith("sim") and t != name:
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, name, known) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_in_sim():
    assert _cycles(_graph()) == []


def test_cycle_finder_finds_a_planted_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_engine_imports_no_face():
    graph = _graph()
    bad = {(m, t) for m, ts in graph.items() if m.startswith("sim.engine") for t in ts
           if t.startswith(FACES)}
    assert bad == set()


def _rule_kinds() -> set[str]:
    """Every rule kind the schema knows (the `kind` literal of each rule class in sim/rules)."""
    import inspect

    from sim.rules import contributions, payments, reserves

    kinds = set()
    for module in (contributions, payments, reserves):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            field = getattr(cls, "model_fields", {}).get("kind")
            if field is not None and isinstance(field.default, str):
                kinds.add(field.default)
    return kinds


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_no_rule_kind_branches_outside_rules():
    """A rule's behaviour lives in its class: nothing else compares something to a rule's kind
    name or keeps a list of kinds (`*_KINDS`)."""
    kinds = _rule_kinds()
    assert {"payroll_levy", "public_match", "on_placement", "countercyclical"} <= kinds
    hits = []
    for path in SIM.rglob("*.py"):
        rel = path.relative_to(SIM).as_posix()
        if rel.startswith(("rules/", "scenario/", "app/")):
            continue  # the schema defines kinds; the app's editor lists them to build widgets
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and any(_strings(c) & kinds for c in node.comparators):
                hits.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id.endswith("_KINDS"):
                hits.append(f"{rel}:{node.lineno}")
    assert hits == []
