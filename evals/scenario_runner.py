"""Run scenarios K times each and score them — directly, or through LangSmith's ``evaluate`` offline.

Through LangSmith (the default of ``supportgraph eval scenarios``) each scenario is an ``Example`` (its whole
definition as inputs, its expectations as reference outputs), the target plays it on a fresh store, and
evaluators report the run: ``passed`` (every expectation, with the failed ones as the comment) and one key per
part of the tau2-style score (business data, outcome, escalation). The target scores each trial once and the
evaluators read that score. The client is offline (``Client(api_key=..., info={}, tracing_sampling_rate=0.0)``,
``upload_runs=False``): nothing leaves the machine. Both paths produce the same :class:`TrialResult` list, scored
by the same function.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evals.scenario_format import Scenario
from evals.scenario_play import Transcript, play_scenario
from evals.scenario_scoring import TrialResult, score, summarise

NAMESPACE = uuid.UUID("5f0c6a2e-6a57-4a8f-9f0d-2f1f0c6b7a11")
OnTrial = Callable[[TrialResult], None]


@dataclass
class ScenarioRun:
    results: list[TrialResult]
    transcripts: list[Transcript]
    summary: dict[str, Any]
    langsmith: dict[str, Any] = field(default_factory=dict)


def run_scenarios(scenarios: list[Scenario], *, trials: int = 1, server_url: str | None = None,
                  run_settings: Mapping[str, Any] | None = None, langsmith: bool = False,
                  on_trial: OnTrial | None = None) -> ScenarioRun:
    """Play every scenario ``trials`` times on fresh stores and score each play.

    ``run_settings``: the graph's Context fields for every play (see :func:`play_scenario`; default local).
    """
    if trials < 1:
        raise ValueError("trials must be at least 1")
    if langsmith:
        return _run_through_langsmith(scenarios, trials=trials, server_url=server_url,
                                      run_settings=run_settings, on_trial=on_trial)
    results, transcripts = [], []
    for scenario in scenarios:
        for trial in range(1, trials + 1):
            transcript = play_scenario(scenario, trial=trial, server_url=server_url, run_settings=run_settings)
            result = score(scenario, transcript)
            transcripts.append(transcript)
            results.append(result)
            if on_trial:
                on_trial(result)
    return ScenarioRun(results, transcripts, summarise(results, trials))


def offline_client() -> Any:
    """A LangSmith client that never sends anything (DESIGN.md: how evaluate runs offline)."""
    # inside: LangSmith only for a LangSmith run
    from langsmith import Client

    return Client(api_key="offline-evaluation", info={}, tracing_sampling_rate=0.0)


def _plain(run_settings: Mapping[str, Any]) -> dict[str, Any]:
    """The run settings an experiment's metadata can hold (a ready chat model object is named, not kept)."""
    return {k: v if isinstance(v, str | int | float | bool | None) else type(v).__name__
            for k, v in run_settings.items()}


def _run_through_langsmith(scenarios: list[Scenario], *, trials: int, server_url: str | None,
                           run_settings: Mapping[str, Any] | None, on_trial: OnTrial | None) -> ScenarioRun:
    # inside: LangSmith only for a LangSmith run
    from langsmith.evaluation import evaluate
    from langsmith.schemas import Example

    dataset_id = uuid.uuid5(NAMESPACE, "supportgraph-scenarios")
    by_id = {s.id: s for s in scenarios}
    examples = [Example(id=uuid.uuid5(NAMESPACE, s.id), dataset_id=dataset_id, inputs={"scenario": s.to_json()},
                        outputs={"expect": s.expect}) for s in scenarios]
    played: dict[str, int] = {}

    def target(inputs: dict[str, Any]) -> dict[str, Any]:
        scenario = by_id[inputs["scenario"]["id"]]
        played[scenario.id] = played.get(scenario.id, 0) + 1
        transcript = play_scenario(scenario, trial=played[scenario.id], server_url=server_url,
                                   run_settings=run_settings)
        result = score(scenario, transcript)  # each trial is scored once, here; the evaluators report it
        if on_trial:
            on_trial(result)
        return {"transcript": transcript.to_json(), "result": result.to_json()}

    def passed(run: Any, example: Any) -> dict[str, Any]:
        result = run.outputs["result"]
        return {"key": "passed", "score": float(result["passed"]), "comment": "; ".join(result["reasons"]) or None}

    def parts(run: Any, example: Any) -> dict[str, Any]:
        return {"results": [{"key": k, "score": float(v)} for k, v in run.outputs["result"]["parts"].items()]}

    # evaluate() prints its own tqdm bar and beta/ingestion notices on stderr; the caller shows progress itself.
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        experiment = evaluate(
            target, data=examples, evaluators=[passed, parts], client=offline_client(), upload_runs=False,
            num_repetitions=trials, max_concurrency=0, experiment_prefix="supportgraph-scenarios",
            metadata={**_plain(run_settings or {"reasoner": "local"}), "trials": trials},
        )
    results, transcripts = [], []
    feedback: list[dict[str, Any]] = []
    for row in experiment:
        run, example = row["run"], row["example"]
        scenario = by_id[(example.inputs or {})["scenario"]["id"]]
        if run.error or not run.outputs:
            raise RuntimeError(f"scenario {scenario.id} crashed the LangSmith target: {run.error}")
        transcript = Transcript(**run.outputs["transcript"])
        scores = {r.key: r.score for r in row["evaluation_results"]["results"]}
        result = TrialResult(**run.outputs["result"])
        results.append(result)
        transcripts.append(transcript)
        feedback.append({"scenario_id": scenario.id, "trial": transcript.trial, **scores})
    order = {s.id: n for n, s in enumerate(scenarios)}
    paired = sorted(zip(results, transcripts, strict=True), key=lambda p: (order[p[0].scenario_id], p[0].trial))
    results = [p[0] for p in paired]
    transcripts = [p[1] for p in paired]
    return ScenarioRun(results, transcripts, summarise(results, trials),
                       langsmith={"experiment": experiment.experiment_name, "feedback": feedback})
