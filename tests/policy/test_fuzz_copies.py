"""The fuzzer's copies of its template store: with ``ahead`` (the long run) the next example's Postgres database is
created while an example runs and used ones are dropped in the background; every example still starts from an
untouched copy of the template, and nothing is left behind."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy import func, select, text, update

from evals.policy_fuzz.invariants import CHANGES
from evals.policy_fuzz.world import Copies, prepare_template, release
from foundation.db import psycopg_url
from tools.store import open_store
from tools.store.schema import orders


def test_every_copy_made_ahead_starts_from_the_template_and_none_is_left(database_url: str,
                                                                          tmp_path: Path) -> None:
    prepare_template(database_url)
    release(database_url)
    copies = Copies(database_url, tmp_path, ahead=True)
    used = []
    try:
        for n in range(4):
            with copies.fresh() as url:
                with open_store(url).db.begin() as conn:
                    assert conn.execute(text(f"SELECT count(*) FROM {CHANGES}")).scalar() == 0, f"copy {n} was used"
                    city = conn.execute(select(orders.c.ship_city).where(orders.c.id == 10001)).scalar()
                    assert city != "Elsewhere", f"copy {n} holds an earlier example's write"
                    conn.execute(update(orders).where(orders.c.id == 10001).values(ship_city="Elsewhere"))
                    assert conn.execute(select(func.count()).select_from(orders)).scalar()
                used.append(url)
    finally:
        copies.close()
    assert len(set(used)) == 4
    if database_url.startswith("sqlite:///"):
        assert not list(tmp_path.glob("example-*")), "an example's file was left behind"
        return
    names = [u.rsplit("/", 1)[1] for u in used]
    with psycopg.connect(psycopg_url(database_url), autocommit=True) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", (names,)).fetchall()
    assert not left, f"databases not dropped: {left}"
