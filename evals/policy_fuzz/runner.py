"""Run the policy fuzzer: ``examples`` generated scenarios, each on a fresh copy of a seeded store, every breach
shrunk by hypothesis to a minimal reproducing scenario. Used by tests/policy (a bounded run) and by
``supportgraph fuzz policy``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded

from evals.policy_fuzz.driver import Driver, Stats
from evals.policy_fuzz.invariants import Snapshot, snapshot
from evals.policy_fuzz.model import FuzzChatModel
from evals.policy_fuzz.plans import Scenario, scenarios
from evals.policy_fuzz.world import Copies, World, load_world, prepare_template, release
from service.conversations import open_service


@dataclass
class Breach:
    invariant: str
    detail: str
    example: str  # the minimal reproducing scenario, as hypothesis printed it


@dataclass
class FuzzResult:
    examples: int = 0
    turns: int = 0
    plans: int = 0
    reviews: int = 0
    writes: int = 0
    seconds: float = 0.0
    breaches: list[Breach] = field(default_factory=list)
    ran: Counter[str] = field(default_factory=Counter)

    def add(self, stats: Stats) -> None:
        self.examples += 1
        self.turns += stats.turns
        self.plans += stats.plans
        self.reviews += stats.reviews
        self.writes += stats.writes
        self.ran.update(stats.ran)

    def summary(self) -> str:
        return (f"{self.examples} examples ({self.turns} customer turns, {self.plans} model plans, {self.reviews} "
                f"reviewer decisions, {self.writes} writes) in {self.seconds:.1f} s "
                f"({self.plans / self.seconds if self.seconds else 0.0:.2f} plans/s); {len(self.breaches)} breach(es)")


def play(copies: Copies, world: World, template: Snapshot, scenario: Scenario) -> Stats:
    """One scenario on a fresh copy of the store, with the LLM reasoner on the fuzzer's scripted model."""
    with copies.fresh() as url:
        model = FuzzChatModel()
        with open_service(url, reasoner="llm", chat_model=model) as service:
            driver = Driver(service, model, url, world, service.context.policy(), template)
            return driver.play(scenario)


def fuzz(template_url: str, workdir: Path, examples: int, *, seed: int | None = None, max_turns: int = 6,
         shrink: bool = True, progress: Callable[[FuzzResult], None] | None = None, every: int = 250) -> FuzzResult:
    """Generate and play ``examples`` scenarios; every breach found is in the result with its minimal scenario."""
    prepare_template(template_url)
    world = load_world(template_url)
    template = snapshot(template_url)
    release(template_url)
    copies = Copies(template_url, workdir, ahead=True)
    result = FuzzResult()
    started = time.perf_counter()
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    @settings(max_examples=examples, deadline=None, database=None, phases=phases, report_multiple_bugs=True,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(scenarios(world, max_turns))
    def example(scenario: Scenario) -> None:
        try:
            stats = play(copies, world, template, scenario)
        except BaseException as exc:  # the scenario, even when a replay passes (a race: hypothesis says flaky)
            exc.add_note(f"scenario={scenario!r}")
            raise
        result.add(stats)
        if progress is not None and result.examples % every == 0:
            result.seconds = time.perf_counter() - started
            progress(result)

    run = seeded(seed)(example) if seed is not None else example
    try:
        run()
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.breaches = [_breach(e) for e in _leaves(exc)]
    finally:
        copies.close()
    result.seconds = time.perf_counter() - started
    return result


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in _leaves(e)]
    return [exc]


def _breach(exc: BaseException) -> Breach:
    notes = [str(n) for n in getattr(exc, "__notes__", [])]
    # The scenario of the last run that failed: hypothesis's minimal one (it replays that last), or the one that
    # failed when no replay did (flaky).
    ours = [n for n in notes if n.startswith("scenario=")]
    example = ours[-1] if ours else "\n".join(n for n in notes if "Falsifying" in n)
    return Breach(type(exc).__name__, str(exc).splitlines()[0] if str(exc) else repr(exc), example)
