"""The scenario format is defined once, by the pydantic models of evals/scenario_format.py: the committed
evals/scenarios/schema.json is what they generate, and files are validated against it."""

from __future__ import annotations

import json

from evals.scenario_files import parse_document
from evals.scenario_format import SCHEMA_PATH, ScenarioFile, file_schema, schema_text
from tests.evals.helpers import REFUND_SCENARIO


def test_the_committed_schema_is_the_generated_one() -> None:
    # python -m evals.scenario_format (or make generate) writes it; change the models, never the file.
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    assert json.loads(schema_text()) == file_schema()


def test_the_models_and_the_schema_accept_the_same_scenario() -> None:
    document = {"scenarios": [REFUND_SCENARIO]}
    parsed = ScenarioFile.model_validate(document)
    assert parsed.scenarios[0].id == REFUND_SCENARIO["id"]
    [scenario] = parse_document(document, "refund.yaml")
    assert scenario.expect == REFUND_SCENARIO["expect"], "loading keeps the file's own values"
