"""The layers (docs/architecture.md): no import from a lower layer into a higher one, no cycle between packages.

Every import of every non-test module counts, the ones inside functions too: an import moved into a function
to dodge a cycle is still the dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first: a package may import only the packages before it (and itself).
LAYERS = ["foundation", "prompts", "tools", "graphs", "service", "evals", "supportgraph"]
RANK = {name: rank for rank, name in enumerate(LAYERS)}


def _imported_packages(path: Path) -> list[tuple[str, int]]:
    """(top-level project package, line) for every absolute import in the file; relative ones stay inside."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return [(package, line) for package, line in found if package in RANK]


def _edges(root: Path) -> dict[tuple[str, str], list[str]]:
    """(importer, imported) top-level package -> where, for imports that cross a package boundary."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(p for name in LAYERS if (root / name).is_dir() for p in (root / name).rglob("*.py")):
        rel = path.relative_to(root)
        for package, line in _imported_packages(path):
            if package != rel.parts[0]:
                edges.setdefault((rel.parts[0], package), []).append(f"{rel}:{line}")
    return edges


def upward_imports(root: Path) -> list[str]:
    return [f"{low} imports {high} (higher layer): {', '.join(where[:5])}"
            for (low, high), where in sorted(_edges(root).items()) if RANK[high] > RANK[low]]


def package_cycles(root: Path) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    graph: dict[str, set[str]] = {name: set() for name in LAYERS}
    for low, high in _edges(root):
        graph[low].add(high)
    index: dict[str, int] = {}
    low_link: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low_link[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low_link[node] = min(low_link[node], low_link[nxt])
            elif nxt in stack:
                low_link[node] = min(low_link[node], index[nxt])
        if low_link[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in LAYERS:
        if name not in index:
            visit(name)
    return cycles


def test_every_layer_is_a_package_in_the_tree() -> None:
    assert [name for name in LAYERS if not (ROOT / name / "__init__.py").is_file()] == []


def test_no_import_from_a_lower_layer_into_a_higher_one() -> None:
    assert upward_imports(ROOT) == []


def test_no_cycle_between_top_level_packages() -> None:
    assert package_cycles(ROOT) == []


@pytest.mark.parametrize("importer, imported", [("foundation", "tools"), ("tools", "graphs"), ("graphs", "service")])
def test_the_check_sees_an_upward_import_inside_a_function(tmp_path: Path, importer: str, imported: str) -> None:
    for name in LAYERS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / importer / "m.py").write_text(f"def f():\n    from {imported}.x import y\n    return y\n")
    assert [line.split(":")[0] for line in upward_imports(tmp_path)] == [
        f"{importer} imports {imported} (higher layer)"]
    (tmp_path / imported / "n.py").write_text(f"import {importer}.m\n")
    assert package_cycles(tmp_path) == [sorted([importer, imported])]
