"""``supportgraph policy``: the support policy in effect, and the written policy rendered from its defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import prompts
from foundation.policy import Policy
from foundation.settings import get_settings
from graphs.support.policy import written_policy
from supportgraph.cli.common import console

policy_app = typer.Typer(help="The support policy: its values, and the written policy rendered from them.",
                         no_args_is_help=True)
DEFAULT_DOCUMENT = Path(prompts.__file__).parent / "policy.md"


@policy_app.command("show")
def show(
    written: Annotated[bool, typer.Option("--written", help="Print the written policy with these values.")] = False,
) -> None:
    """The policy in effect here: the defaults with what SUPPORTGRAPH_<NAME> overrides (a run's context may
    override them again, under the same names)."""
    policy = get_settings().policy()
    if written:
        print(written_policy(policy), end="")
        return
    default = Policy()
    for name, spec in Policy.model_fields.items():
        value, overridden = getattr(policy, name), getattr(policy, name) != getattr(default, name)
        console.print(f"{name} = {value}" + (f"  [yellow](default {getattr(default, name)})[/]" if overridden else "")
                      + f"  [dim]SUPPORTGRAPH_{name.upper()} · {spec.description}[/]")


@policy_app.command("render")
def render(
    check: Annotated[bool, typer.Option(help="Only check that prompts/policy.md is up to date (exit 1 if not).")]
    = False,
) -> None:
    """Write prompts/policy.md from prompts/policy.md.j2 with the default values (the published policy)."""
    text = written_policy(Policy())
    current = DEFAULT_DOCUMENT.read_text("utf-8") if DEFAULT_DOCUMENT.exists() else ""
    if check:
        if current != text:
            console.print(f"{DEFAULT_DOCUMENT} is out of date: run supportgraph policy render")
            raise typer.Exit(1)
        return
    if current != text:
        DEFAULT_DOCUMENT.write_text(text, "utf-8")
    console.print(f"{DEFAULT_DOCUMENT} {'written' if current != text else 'is up to date'}")
