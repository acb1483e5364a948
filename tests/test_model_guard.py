"""The autouse guard in conftest.py: no test can reach a hosted model."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI


def test_a_real_model_call_fails_the_test() -> None:
    model = ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", base_url="https://api.openai.com/v1", max_retries=0)
    with pytest.raises(AssertionError, match="real model API"):
        model.invoke("hello")
