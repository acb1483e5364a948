"""Scenario files: the project's own set is valid and complete; a bad file is refused with one clear line."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.scenario_format import ScenarioError, load_scenarios, parse_document
from graphs.support.flows import load_flows
from tests.evals.helpers import REFUND_SCENARIO

HARD_CASES = {"policy-limit", "injection", "verification", "several-issues", "angry", "multi-product",
              "out-of-scope", "hard-case"}


def test_the_project_scenarios_are_valid_and_cover_every_flow() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 60
    assert {s.flow for s in scenarios} >= set(load_flows())
    assert {t for s in scenarios for t in s.tags} >= HARD_CASES
    ids = {s.id for s in scenarios}
    assert {"account-migration-approved", "billing-dispute-upheld", "injection-refund-5000",
            "identity-fails-three-times", "refund-above-limit-approved", "refund-above-limit-rejected"} <= ids
    for s in scenarios:  # self-contained: whoever is signed in is part of the scenario's own data
        assert s.signed_in_as is None or s.signed_in_as in {c["id"] for c in s.data.get("customers", [])}


def test_only_selects_by_id_or_tag() -> None:
    assert [s.id for s in load_scenarios(only=["track-order-signed-in"])] == ["track-order-signed-in"]
    assert {s.id for s in load_scenarios(only=["injection"])} >= {"injection-refund-5000", "injection-no-order"}
    with pytest.raises(ScenarioError, match="no scenario has the id or tag 'nope'"):
        load_scenarios(only=["nope"])


def _problem(raw: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse_document({"scenarios": [raw]}, "bad.yaml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_schema_errors_name_the_file_the_scenario_and_the_place() -> None:
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["expect"]["data"][0]["refund"]["amount"] = "lots"
    assert _problem(raw) == "bad.yaml: scenario refund-small (#1), expect.data[0].refund.amount: 'lots' is not of " \
                            "type 'number'"
    raw = copy.deepcopy(REFUND_SCENARIO)
    del raw["expect"]
    assert _problem(raw) == "bad.yaml: scenario refund-small (#1): 'expect' is a required property"
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["expect"]["outcome"] = "fixed"
    assert _problem(raw).startswith("bad.yaml: scenario refund-small (#1), expect.outcome: 'fixed' is not valid")
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["reviewer"] = [{"type": "maybe"}]
    assert _problem(raw) == ("bad.yaml: scenario refund-small (#1), reviewer[0].type: 'maybe' is not one of "
                             "['approve', 'edit', 'reject', 'respond']")


def test_references_the_schema_cannot_see_are_checked() -> None:
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["data"]["orders"][0]["items"][0]["product"] = "Hoverboard"
    assert _problem(raw) == ("bad.yaml: scenario refund-small: data.orders[0]: 'Hoverboard' is not a product of "
                             "the catalogue")
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["signed_in_as"] = "C9999"
    assert _problem(raw) == "bad.yaml: scenario refund-small: signed_in_as C9999 is not among data.customers"
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["expect"]["forbidden_tools"] = ["launch_rocket"]
    assert "'launch_rocket', which is not a tool" in _problem(raw)
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["flow"] = "teleport"
    assert "'teleport' is not a flow" in _problem(raw)


def test_bad_files_and_duplicate_ids(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("scenarios: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken.yaml: not valid YAML"):
        load_scenarios(tmp_path / "broken.yaml")
    (tmp_path / "a.json").write_text(json.dumps({"scenarios": [REFUND_SCENARIO]}), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"scenarios": [REFUND_SCENARIO]}), encoding="utf-8")
    (tmp_path / "broken.yaml").unlink()
    with pytest.raises(ScenarioError, match="scenario id refund-small is already used in"):
        load_scenarios(tmp_path)
    with pytest.raises(ScenarioError, match="no such file or folder"):
        load_scenarios(tmp_path / "missing")


def test_the_cli_refuses_a_bad_file_with_one_line(tmp_path: Path) -> None:
    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["messages"] = []
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"scenarios": [raw]}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "supportgraph", "eval", "scenarios", str(bad)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: {bad}: scenario refund-small (#1), messages: [] should be non-empty"
