"""The business store's versioned migrations (component "business"), applied in order by ``Database.migrate``."""

from __future__ import annotations

from sqlalchemy import Connection, DefaultClause, func, insert, inspect, select

# Every system's tables module is imported so that ``metadata`` holds all tables before ``create_all``.
from tools.store.tables import crm, kb, ticketing  # noqa: F401
from tools.store.tables.base import counters, metadata
from tools.store.tables.orders import orders
from tools.store.tables.payments import account_credits, subscriptions

COMPONENT = "business"


def _v1_create_tables(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


# Columns added in v2 to tables that v1 created (a fresh store gets them from v1's create_all already).
_V2_COLUMNS = {
    "customers": ["status", "merged_into", "deletion_requested_at", "deleted_at"],
    "orders": ["replaces_order_id"],
    "charges": ["invoice_id"],
    "refunds": ["destination_pm_id"],
}
NEW_COUNTERS = ("return", "dispute", "order", "subscription")


def _add_columns(conn: Connection, columns: dict[str, list[str]]) -> None:
    """``ALTER TABLE … ADD COLUMN`` for each named column of ``metadata`` the table does not have yet."""
    existing = inspect(conn)
    for table_name, names in columns.items():
        have = {c["name"] for c in existing.get_columns(table_name)}
        for name in names:
            if name in have:
                continue
            column = metadata.tables[table_name].c[name]
            ddl = f"ALTER TABLE {table_name} ADD COLUMN {name} {column.type.compile(dialect=conn.dialect)}"
            if isinstance(column.server_default, DefaultClause):
                default = column.server_default.arg
                literal = f"'{default}'" if isinstance(default, str) else str(getattr(default, "text", default))
                ddl += f" NOT NULL DEFAULT {literal}"
            for fk in column.foreign_keys:
                ddl += f" REFERENCES {fk.column.table.name}({fk.column.name})"
            conn.exec_driver_sql(ddl)


def _v2_returns_disputes_accounts(conn: Connection) -> None:
    """Returns, exchanges, disputes, gift-card refunds, soft deletion and account merges."""
    _add_columns(conn, _V2_COLUMNS)
    metadata.create_all(conn, checkfirst=True)
    seeded = conn.execute(select(counters.c.name)).scalars().all()
    if seeded:  # an existing store: start the new counters after its data (a new one gets them when seeded)
        top = conn.execute(select(func.max(orders.c.id))).scalar_one() or 10000
        subs = conn.execute(select(subscriptions.c.id)).scalars().all()
        top_sub = max((int(i.rsplit("-", 1)[1]) for i in subs if i.rsplit("-", 1)[1].isdigit()), default=3000)
        starts = {"return": 1, "dispute": 1, "order": int(top) + 1, "subscription": top_sub + 1}
        for name in NEW_COUNTERS:
            if name not in seeded:
                conn.execute(insert(counters).values(name=name, value=starts[name]))


def _v3_account_credit(conn: Connection) -> None:
    """Account credit: credit notes (a downgrade nothing refundable paid for) that membership invoices use up."""
    _add_columns(conn, {"invoices": ["credit_applied_cents"]})
    metadata.create_all(conn, tables=[account_credits], checkfirst=True)
    seeded = conn.execute(select(counters.c.name)).scalars().all()
    if seeded and "credit" not in seeded:  # an existing store (a new one gets the counter when seeded)
        conn.execute(insert(counters).values(name="credit", value=1))


def _v4_refund_reason_codes(conn: Connection) -> None:
    """Refunds carry a structured reason code beside their (redacted) note."""
    _add_columns(conn, {"refunds": ["reason_code"]})


MIGRATIONS = [_v1_create_tables, _v2_returns_disputes_accounts, _v3_account_credit, _v4_refund_reason_codes]
