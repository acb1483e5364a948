"""Model settings: environment → settings → run context → ChatOpenAI; the fitted confidence model keeps the
prior of a signal its labelled turns never vary; the CLI refuses a bad --base-url in one line."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI

from evals.confidence_fit import LabelledTurn, fit
from foundation.settings import get_settings
from graphs.reasoners.llm.model import ModelNotConfigured, chat_model_for
from graphs.support.confidence import SIGNALS, load_model
from graphs.support.context import Context
from supportgraph.cli.common import CliError
from supportgraph.cli.llm import model_context
from tests.llm.scripted import scripted


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SUPPORTGRAPH_MODEL", "SUPPORTGRAPH_BASE_URL", "SUPPORTGRAPH_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_without_a_model_the_local_reasoner_runs(fresh_settings: pytest.MonkeyPatch) -> None:
    context = Context()
    assert context.reasoner == "local" and not context.llm_enabled()
    with pytest.raises(ModelNotConfigured, match="SUPPORTGRAPH_MODEL"):
        chat_model_for(Context(reasoner="llm"))


def test_the_environment_configures_chat_openai_and_a_run_may_override_it(
        fresh_settings: pytest.MonkeyPatch) -> None:
    fresh_settings.setenv("SUPPORTGRAPH_MODEL", "gpt-4o-mini")
    fresh_settings.setenv("SUPPORTGRAPH_BASE_URL", "http://127.0.0.1:9/v1")
    fresh_settings.setenv("OPENAI_API_KEY", "sk-from-env")
    fresh_settings.setenv("SUPPORTGRAPH_TIMEOUT", "7.5")
    fresh_settings.setenv("SUPPORTGRAPH_MAX_RETRIES", "1")
    context = Context()
    assert context.reasoner == "llm" and context.llm_enabled()
    model = chat_model_for(context)
    assert isinstance(model, ChatOpenAI)
    assert (model.model_name, model.openai_api_base, model.request_timeout, model.max_retries) == (
        "gpt-4o-mini", "http://127.0.0.1:9/v1", 7.5, 1)
    assert model.openai_api_key is not None and model.openai_api_key.get_secret_value() == "sk-from-env"
    per_run = chat_model_for(Context(model="qwen2.5", base_url="http://127.0.0.1:8/v1", temperature=0.3))
    assert isinstance(per_run, ChatOpenAI)
    assert (per_run.model_name, per_run.openai_api_base, per_run.temperature) == (
        "qwen2.5", "http://127.0.0.1:8/v1", 0.3)
    given = scripted()
    assert chat_model_for(Context(reasoner="llm", chat_model=given)) is given


def test_fitting_keeps_the_prior_of_a_signal_the_labelled_turns_never_vary() -> None:
    prior = load_model().weights["model_disagreement"]
    assert prior < 0, "disagreement between the model and the router must lower confidence"
    turns = []
    for n in range(40):
        signals = dict.fromkeys(SIGNALS, 0.0)
        signals |= {"pattern_recognition": (n % 10) / 10, "margin": (n % 7) / 7, "data_completeness": 1.0,
                    "complexity": (n % 3) / 3}
        turns.append(LabelledTurn(f"t{n}", "track_order", "track_order", signals, n % 10 >= 4))
    report = fit(turns)
    assert report.model.weights["model_disagreement"] == prior
    varied = {"pattern_recognition", "margin", "complexity"}
    assert report.model.fitted["kept_from_prior"] == [s for s in SIGNALS if s not in varied]
    agreeing = turns[9].signals
    assert report.model.score({**agreeing, "model_disagreement": 1.0}) < report.model.score(agreeing)


def test_cli_model_options_become_run_settings_and_bad_ones_are_refused(
        fresh_settings: pytest.MonkeyPatch) -> None:
    assert model_context(None, None) == {}
    assert model_context("qwen2.5", "http://127.0.0.1:8080/v1") == {
        "reasoner": "llm", "model": "qwen2.5", "base_url": "http://127.0.0.1:8080/v1"}
    with pytest.raises(CliError, match="must be an http"):
        model_context("m", "ftp://x")
    with pytest.raises(CliError, match="needs a model"):
        model_context(None, "http://127.0.0.1:8080/v1")
    with pytest.raises(CliError, match="needs an API key"):
        model_context("gpt-4o-mini", None)
    fresh_settings.setenv("OPENAI_API_KEY", "sk-x")
    get_settings.cache_clear()
    assert model_context("gpt-4o-mini", None) == {"reasoner": "llm", "model": "gpt-4o-mini"}


def test_one_chat_model_per_model_configuration(fresh_settings: pytest.MonkeyPatch) -> None:
    fresh_settings.setenv("OPENAI_API_KEY", "sk-from-env")
    first = chat_model_for(Context(model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1"))
    assert chat_model_for(Context(model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1")) is first
    other = chat_model_for(Context(model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1", temperature=0.5))
    assert other is not first and isinstance(other, ChatOpenAI) and other.temperature == 0.5
    fresh_settings.setenv("OPENAI_API_KEY", "sk-another")
    get_settings.cache_clear()
    rekeyed = chat_model_for(Context(model="gpt-4o-mini", base_url="http://127.0.0.1:9/v1"))
    assert rekeyed is not first and isinstance(rekeyed, ChatOpenAI)
    assert rekeyed.openai_api_key is not None and rekeyed.openai_api_key.get_secret_value() == "sk-another"


def test_the_all_tools_token_count_is_computed_once_per_tool_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from graphs.reasoners.llm import accounting
    from graphs.reasoners.llm.tool_selection import all_tools, langchain_tools

    first = accounting.prompt_tokens([], langchain_tools(all_tools()))
    counted: list[str] = []
    real = accounting.count_tokens
    monkeypatch.setattr(accounting, "count_tokens", lambda text: counted.append(text) or real(text))
    for _ in range(3):  # as three plan calls build their all-tools list
        assert accounting.prompt_tokens([], langchain_tools(all_tools())) == first
    assert counted == []
