"""The LLM reasoner reads the customer's reply against the same dialogue state as the local one."""

from __future__ import annotations

from langchain_core.messages import SystemMessage

from tests.llm.conftest import LlmService
from tests.llm.scripted import scripted, understood


def test_the_model_is_told_what_was_asked_what_is_on_record_and_the_reply_s_act(llm_service: LlmService) -> None:
    model = scripted(
        understood("track_order", order_ids=[10003]),
        understood("cancel_order", order_ids=[10001]),
    )
    service = llm_service(model)
    first = service.send("t-state", "where is my order 10003?")
    assert first.values["flow"]["asking"] == ["identity"], first.values["flow"]
    second = service.send("t-state", "and can you please cancel my other order 10001 as well?")
    assert second.understanding is not None and second.understanding["dialogue"]["act"] == "new_request"
    [system] = [m for m in model.prompts[-1] if isinstance(m, SystemMessage)]
    prompt = str(system.content)
    assert "The agent's last message asked: for identity." in prompt, prompt
    assert "Already on record (never ask for these again" in prompt and "order_id" in prompt, prompt
    assert "The local reading of the latest message: new request." in prompt, prompt
    [first_system] = [m for m in model.prompts[0] if isinstance(m, SystemMessage)]
    assert "The agent's last message asked: nothing." in str(first_system.content), first_system.content
    assert model.left == 0
