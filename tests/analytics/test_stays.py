"""The `stage_changes` table: written with each event, rebuilt alike from the events.

Each stage change is also the stay it begins; the stay's end (`left_at`, `days`) is filled
when the deal's next stage change is written, in the same batch or in a later one.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text, update

from dealflow.engine import Event
from dealflow.store import STAGE_CHANGES, Store, import_events
from dealflow.store._tables import META


def _rows(store: Store) -> list[tuple[Any, ...]]:
    c = STAGE_CHANGES.c
    query = STAGE_CHANGES.select().order_by(c.deal_id, c.seq)
    with store.database.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def _days(value: float | None) -> Any:
    """Days to a tenth of a second: the databases keep times to the millisecond."""
    return None if value is None else pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize("batch_size", [7, 100_000], ids=["across-batches", "one-batch"])
def test_stays_end_where_the_next_change_begins(store_url: str, history: list[Event],
                                               batch_size: int) -> None:
    with Store(store_url) as store:
        import_events(store, history, batch_size=batch_size)
        rows = _rows(store)
    by_deal: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_deal.setdefault(row[0], []).append(row)
    for stays in by_deal.values():
        for stay, following in zip(stays, [*stays[1:], None], strict=True):
            left_at, days = stay[-2], stay[-1]
            if following is None:
                assert (left_at, days) == (None, None)
            else:
                assert left_at == following[3]
                assert days == _days((following[3] - stay[3]).total_seconds() / 86400)


def test_a_schema_1_database_gets_the_same_rows_from_its_events(
    store_url: str, history: list[Event],
) -> None:
    with Store(store_url) as store:
        import_events(store, history, batch_size=50)
        written = _rows(store)
        with store.writing() as conn:  # back to what schema 1 had
            for statement in ("DROP TABLE stage_changes", "DROP INDEX ix_deals_figures",
                              "DROP INDEX ix_deals_owner",
                              "CREATE INDEX ix_deals_owner ON deals (owner)"):
                conn.execute(text(statement))
            conn.execute(update(META).where(META.c.key == "schema_version").values(value="1"))
    with Store(store_url) as reopened:
        assert _rows(reopened) == [(*row[:-1], _days(row[-1])) for row in written]
