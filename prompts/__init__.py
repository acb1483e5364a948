"""What supportgraph says: reply templates, prompt templates and the written policy, loaded by name.

Reply templates are Jinja2 files in ``prompts/replies/NAME.j2``; the sentences people read about why a step
waits for a human are the macros of ``prompts/holds.j2``; documents such as ``policy.md`` sit beside this
module, rendered from ``NAME.j2`` when they carry values (``render_document``). No prompt or reply text lives in
Python code.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

from jinja2 import ChainableUndefined, Environment, PackageLoader, StrictUndefined


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("prompts", "replies"),
        # Tool results differ in which optional fields they carry; a missing one renders empty instead of
        # failing the turn. tests/test_templates.py checks templates against the flows' step ids.
        undefined=ChainableUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["money"] = _money
    return env


def _money(value: object) -> str:
    return f"${float(value):,.2f}" if isinstance(value, int | float | str) and value != "" else ""


@lru_cache(maxsize=1)
def _documents() -> Environment:
    # Documents and sentences are rendered exactly as written; a value missing is an error, not an empty string.
    env = Environment(loader=PackageLoader("prompts", "."), undefined=StrictUndefined, autoescape=False,
                      keep_trailing_newline=True)
    env.filters["money"] = _money
    return env


def compile_replies() -> int:
    """Compile every reply template now (a worker's start), not in the first turn that renders each; returns
    how many. Jinja keeps a compiled template for as long as the environment lives."""
    env = _environment()
    names = env.list_templates(extensions=["j2"])
    for name in names:
        env.get_template(name)
    return len(names)


def render_reply(name: str, /, **values: object) -> str:
    """Render ``prompts/replies/NAME.j2`` with ``values``; whitespace is tidied, blank lines kept single."""
    text = _environment().get_template(f"{name}.j2").render(**values)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy)


@cache
def reply_mentions(name: str, tool: str) -> bool:
    """Does reply template NAME describe steps that run ``tool`` (it names the tool)?"""
    source = resources.files("prompts").joinpath("replies", f"{name}.j2").read_text("utf-8")
    return f'"{tool}"' in source


def reply_exists(name: str) -> bool:
    return resources.files("prompts").joinpath("replies", f"{name}.j2").is_file()


def render_text(text: str, /, **values: object) -> str:
    """Render ``text`` as a document template (the same filters; a value missing is an error)."""
    return _documents().from_string(text).render(**values)


def render_document(name: str, /, **values: object) -> str:
    """Render the document template ``prompts/NAME.j2`` (e.g. ``policy.md``) with ``values``."""
    return _documents().get_template(f"{name}.j2").render(**values)


def render_hold(kind: str, /, **values: object) -> str:
    """Why a step waits for a human: the macro ``kind`` of prompts/holds.j2 (customers may read it)."""
    macro = getattr(_documents().get_template("holds.j2").module, kind, None)
    if macro is None:
        raise KeyError(f"prompts/holds.j2 has no hold sentence {kind!r}")
    return str(macro(**values))


def load_document(name: str) -> str:
    """A text document shipped in prompts/ (for example ``policy.md``)."""
    return resources.files("prompts").joinpath(name).read_text("utf-8")
