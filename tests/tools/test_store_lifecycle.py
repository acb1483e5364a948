"""The business store's lifecycle: Alembic revisions on both databases, seeding only when asked, and a store
that cannot serve refused with one line that says what to run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select

from foundation.db import open_database, schema_migrations
from foundation.settings import get_settings
from tests.tools.conftest import REFERENCE_TIME
from tools.store import StoreNotReady, close_store, open_store, prepare_demo_store
from tools.store import schema as s
from tools.store.lifecycle import (
    VERSION_TABLE,
    alembic_config,
    current_revision,
    head_revision,
    seed_demo_store,
    store_problem,
    upgrade_store,
)


@pytest.fixture(autouse=True)
def _not_provisioned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests run the lifecycle themselves: nothing is migrated or seeded behind their back."""
    monkeypatch.setenv("SUPPORTGRAPH_PROVISION_DEMO", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _count(url: str, table: str) -> int:
    with open_database(url).begin() as conn:
        return int(conn.execute(select(func.count()).select_from(s.metadata.tables[table])).scalar_one())


def test_an_unmigrated_store_is_refused_and_left_untouched(empty_database_url: str) -> None:
    with pytest.raises(StoreNotReady) as refused:
        open_store(empty_database_url)
    assert "is not migrated: run `supportgraph db upgrade`" in str(refused.value)
    assert "\n" not in str(refused.value)
    with open_database(empty_database_url).begin() as conn:
        assert not inspect(conn).has_table("customers"), "opening a store created its tables"
    with pytest.raises(StoreNotReady, match="supportgraph db upgrade"):
        seed_demo_store(empty_database_url, customers=5)


def test_upgrade_then_seed_on_request_only(empty_database_url: str) -> None:
    assert upgrade_store(empty_database_url) == (None, head_revision())
    assert upgrade_store(empty_database_url) == (head_revision(), head_revision()), "a second upgrade does nothing"
    with pytest.raises(StoreNotReady) as refused:
        open_store(empty_database_url)
    assert "is empty" in str(refused.value) and "supportgraph demo seed" in str(refused.value)
    assert _count(empty_database_url, "customers") == 0, "an empty store was seeded without being asked"

    assert seed_demo_store(empty_database_url, customers=12, reference_time=REFERENCE_TIME) is True
    assert seed_demo_store(empty_database_url, customers=50) is False, "a store with data is never seeded again"
    assert _count(empty_database_url, "customers") == 12
    store = open_store(empty_database_url)
    assert store.reference_time == REFERENCE_TIME and store_problem(store.db) is None
    close_store(empty_database_url)


def test_a_store_with_its_own_data_is_never_seeded(empty_database_url: str) -> None:
    upgrade_store(empty_database_url)
    with open_database(empty_database_url).begin() as conn:
        conn.execute(insert(s.plans).values(id="basic", name="Basic", monthly_price_cents=0, description="-"))
        conn.execute(insert(s.customers).values(id="C9999", name="Own Customer", email="own@example.com",
                                                zip_code="12345", card_last4="4242", plan_id="basic",
                                                newsletter=False, created_at=REFERENCE_TIME))
    assert seed_demo_store(empty_database_url) is False
    assert _count(empty_database_url, "customers") == 1
    open_store(empty_database_url)  # a company's own data: ready
    close_store(empty_database_url)


def test_the_revisions_build_exactly_the_tables(empty_database_url: str) -> None:
    upgrade_store(empty_database_url)
    with open_database(empty_database_url).engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, s.metadata)
                 if not (d[0] == "remove_table" and d[1].name in (VERSION_TABLE, schema_migrations.name))]
    assert diffs == [], "the tables differ from what the revisions build: write a revision (supportgraph db revision)"
    # and every revision can be undone
    with open_database(empty_database_url).begin() as conn:
        command.downgrade(alembic_config(conn), "base")
        assert current_revision(conn) is None and not inspect(conn).has_table("orders")


def test_a_store_migrated_before_alembic_is_stamped_and_keeps_its_data(empty_database_url: str) -> None:
    prepare_demo_store(empty_database_url, customers=5, reference_time=REFERENCE_TIME)
    close_store(empty_database_url)
    db = open_database(empty_database_url)
    with db.begin() as conn:  # what the migrations before Alembic left: their record, no Alembic version
        conn.exec_driver_sql(f"DROP TABLE {VERSION_TABLE}")
        schema_migrations.create(conn, checkfirst=True)
        conn.execute(insert(schema_migrations), [{"component": "business", "version": v, "name": f"v{v}"}
                                                 for v in range(1, 5)])
    with pytest.raises(StoreNotReady, match="not migrated"):
        open_store(empty_database_url)
    assert upgrade_store(empty_database_url) == (None, head_revision())
    assert _count(empty_database_url, "customers") == 5
    open_store(empty_database_url)
    close_store(empty_database_url)
