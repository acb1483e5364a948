"""Process-wide settings, read from the environment (prefix ``SUPPORTGRAPH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from foundation.policy import Policy


class Settings(BaseSettings, Policy):
    """Where data lives and the defaults a run starts from, the support policy's values among them.

    ``SUPPORTGRAPH_DATABASE_URL`` is the one switch between the embedded default and production: unset, the
    checkpoints, business data and audit log live in a SQLite file under ``SUPPORTGRAPH_HOME``; set to a
    ``postgresql://`` URL, all of them live in that Postgres database. The policy's values (``Policy``'s fields)
    are read under their own names (``SUPPORTGRAPH_REFUND_APPROVAL_LIMIT``, ...).
    """

    model_config = SettingsConfigDict(env_prefix="SUPPORTGRAPH_", extra="ignore", frozen=False)

    home: Path = Field(default=Path(".supportgraph"), description="Directory for the embedded SQLite database.")
    database_url: str | None = Field(default=None, description="postgresql://… to use Postgres for everything.")
    demo_seed: int = Field(default=7, description="Seed of the deterministic demo-company generator.")
    provision_demo: bool = Field(
        default=False, description="Development and tests only: migrate an un-migrated business store and seed the "
                                   "demo company into an empty one when it is first opened.")

    # The LLM reasoner: unset model = the offline local reasoner only.
    model: str | None = Field(default=None, description="Chat model name (e.g. gpt-4o-mini); set = LLM reasoner.")
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp).")
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SUPPORTGRAPH_API_KEY", "OPENAI_API_KEY"),
        description="API key of the model endpoint (SUPPORTGRAPH_API_KEY, else OPENAI_API_KEY).")
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="Sampling temperature of the model.")
    timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for one model reply.")
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries of a failed model request (HTTP level).")
    input_cost_per_million: float = Field(default=0.15, ge=0, description="USD per million prompt tokens.")
    output_cost_per_million: float = Field(default=0.60, ge=0, description="USD per million completion tokens.")

    def policy(self) -> Policy:
        """The deployment's policy: the defaults, with what the environment overrides."""
        return Policy(**{name: getattr(self, name) for name in Policy.model_fields})

    def resolved_database_url(self) -> str:
        """The database URL in effect: the configured one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'supportgraph.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
