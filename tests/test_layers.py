"""The import rule of the pipeline, checked on the source: imports go one way.

commands -> present -> analyse -> store -> records; commands -> collect -> build and store.
present and analyse never import collect or build, and no module imports a
later stage. The check parses every module (imports inside functions count
too), so a lazy import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "gobench"

# Modules directly under gobench/ are the shared bottom layer.
BASE = "base"
ALLOWED = {
    BASE: {BASE},
    "build": {BASE, "build", "store"},
    "store": {BASE, "store"},
    "collect": {BASE, "build", "store", "collect"},
    "analyse": {BASE, "store", "analyse"},
    "present": {BASE, "store", "analyse", "present"},
    "commands": {BASE, "build", "collect", "store", "analyse", "present", "commands"},
}


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 3 and (PKG / parts[1]).is_dir():
        return parts[1]
    return BASE


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """_imports lists (line, module) for every gobench import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    me = _module_name(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # `from gobench.collect import bridge` imports the module gobench.collect.bridge
            for a in node.names:
                sub = f"{mod}.{a.name}"
                target = sub if (PKG.parent / Path(*sub.split("."))).with_suffix(".py").exists() else mod
                out.append((node.lineno, target))
    return [(ln, m) for ln, m in out if m == "gobench" or m.startswith("gobench.")]


def _graph() -> dict[str, list[tuple[int, str]]]:
    return {_module_name(p): _imports(p) for p in sorted(PKG.rglob("*.py"))}


def test_every_stage_package_is_known():
    stages = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages <= set(ALLOWED), f"new stage package(s) {stages - set(ALLOWED)}: add them to ALLOWED"


def test_imports_go_one_way():
    bad = []
    for mod, imports in _graph().items():
        src = _stage(mod)
        for line, target in imports:
            dst = _stage(target)
            if dst not in ALLOWED[src]:
                bad.append(f"{mod}:{line} ({src}) imports {target} ({dst})")
    assert not bad, "imports against the pipeline's direction:\n" + "\n".join(bad)


def test_no_import_cycles():
    graph = {m: {t for _, t in imps if t != m} for m, imps in _graph().items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if t not in graph:
                continue
            if state.get(t) == 1:
                cycle.extend(stack[stack.index(t):] + [t] if t in stack else [m, t])
                return True
            if state.get(t) is None and visit(t, stack + [t]):
                return True
        state[m] = 2
        return False

    for m in sorted(graph):
        if state.get(m) is None and visit(m, [m]):
            break
    assert not cycle, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module", ["gobench.present.report", "gobench.present.charts", "gobench.analyse.claims",
                                    "gobench.analyse.gate", "gobench.present.gatereport", "gobench.present.compare",
                                    "gobench.store.baseline", "gobench.metrics"])
def test_presenting_does_not_load_the_ffi_or_the_build(module):
    code = (f"import sys, {module}; bad = [m for m in ('cffi', 'gobench.build', 'gobench.collect') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, f"importing {module} loads {p.stdout.strip()}{p.stderr[-2000:]}"


def test_the_rule_catches_a_wrong_import(tmp_path, monkeypatch):
    # A present module importing collect must be reported: the check itself can fail.
    fake = PKG / "present" / "_layer_probe.py"
    fake.write_text("from gobench.collect import bridge\n")
    try:
        with pytest.raises(AssertionError, match="_layer_probe"):
            test_imports_go_one_way()
    finally:
        fake.unlink()
