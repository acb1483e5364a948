"""What is installed works without the source checkout: no packaged module imports the test suite, and what the
packaged commands import at run time is a declared dependency, not a dev extra (issue 17: ``supportgraph fuzz
policy`` imported tests.policy and hypothesis, so it failed on an installed package)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = ["foundation", "prompts", "tools", "graphs", "service", "evals", "supportgraph"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower().replace("_", "-") for req in requirements}


def test_the_package_list_is_what_setuptools_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == [f"{name}*" for name in PACKAGED]


def test_no_installed_module_imports_the_test_suite() -> None:
    offenders = [str(path.relative_to(ROOT)) for name in PACKAGED for path in sorted((ROOT / name).rglob("*.py"))
                 if "tests" in _imports(path)]
    assert offenders == []


def test_what_the_commands_import_is_a_dependency_not_a_dev_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(project["dependencies"])
    dev_only = _requirement_names(project["optional-dependencies"]["dev"]) - runtime
    # a dev-only distribution whose import name a packaged module uses
    import_names = {name: name.replace("-", "_") for name in dev_only}
    used = {str(path.relative_to(ROOT)): _imports(path) & set(import_names.values())
            for name in PACKAGED for path in sorted((ROOT / name).rglob("*.py"))}
    assert {path: names for path, names in used.items() if names} == {}
    assert "hypothesis" in runtime

