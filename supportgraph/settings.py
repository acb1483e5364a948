"""Process-wide settings, read from the environment (prefix ``SUPPORTGRAPH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where data lives and the defaults a run starts from.

    ``SUPPORTGRAPH_DATABASE_URL`` is the one switch between the embedded default and production: unset, the
    checkpoints, business data and audit log live in a SQLite file under ``SUPPORTGRAPH_HOME``; set to a
    ``postgresql://`` URL, all of them live in that Postgres database.
    """

    model_config = SettingsConfigDict(env_prefix="SUPPORTGRAPH_", extra="ignore")

    home: Path = Field(default=Path(".supportgraph"), description="Directory for the embedded SQLite database.")
    database_url: str | None = Field(default=None, description="postgresql://… to use Postgres for everything.")
    demo_seed: int = Field(default=7, description="Seed of the deterministic demo-company generator.")

    def resolved_database_url(self) -> str:
        """The database URL in effect: the configured one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'supportgraph.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
