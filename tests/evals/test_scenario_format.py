"""Scenario files: the project's own set is valid and complete; a bad file is refused with one clear line."""

from __future__ import annotations

import copy
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.scenario_files import load_scenarios, parse_document
from evals.scenario_format import ScenarioError
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


@pytest.mark.parametrize(("args", "message"), [
    (["BAD"], "error: BAD: scenario refund-small (#1), messages: [] should be non-empty"),
    (["BAD", "--reasoner", "oracle"], "error: unknown reasoner 'oracle': this build has local"),
    (["--only", "no-such-scenario"], "error: no scenario has the id or tag 'no-such-scenario'"),
    (["--only", "greeting-only", "--twins", "evals/scenarios/blind/para8"],
     "error: no twin (id p-<id>) of the scenarios played"),
    (["--only", "greeting-only", "--database-url", "postgresql://nobody@127.0.0.1:FREE_PORT/x"],
     "error: cannot create scenario databases on 127.0.0.1:FREE_PORT/x: connection failed"),
])
def test_the_cli_refuses_bad_input_with_one_line(args: list[str], message: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from supportgraph.cli import main

    raw = copy.deepcopy(REFUND_SCENARIO)
    raw["messages"] = []
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"scenarios": [raw]}), encoding="utf-8")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TRANSFORMERS_VERBOSITY", "TOKENIZERS_PARALLELISM",
                 "OMP_WAIT_POLICY"):  # main() sets defaults for these; keep the test process's environment as it was
        monkeypatch.setenv(name, os.environ.get(name, "1"))
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    spelled = [a.replace("BAD", str(bad)).replace("FREE_PORT", port) for a in args]
    monkeypatch.setattr(sys, "argv", ["supportgraph", "eval", "scenarios", *spelled])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(message.replace("BAD", str(bad)).replace("FREE_PORT", port)), err
