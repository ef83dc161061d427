"""A deal whose first stage is undated (`DealCreated.undated`, from a CRM import) counts
as having reached the stage, and its stay there is left out of time in stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from dealflow.analytics import cycle_time, funnel, stalled, time_in_stage
from dealflow.engine import DealCreated, DealWon, Event, StageAdvanced
from dealflow.store import STAGE_CHANGES, Store, import_events
from tests.analytics.conftest import PLAYBOOK

DAY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _deal(deal_id: str, *, undated: bool, qualify_days: int = 4) -> list[Event]:
    base = {"deal_id": deal_id, "actor": "li"}
    return [
        DealCreated(**base, seq=1, at=DAY, title=deal_id, account="Acme", amount=Decimal(1),
                    currency="CNY", owner="li", playbook_id=PLAYBOOK.id,
                    playbook_version=PLAYBOOK.version, stage="qualify", undated=undated),
        StageAdvanced(**base, seq=2, at=DAY + dt.timedelta(days=qualify_days),
                      from_stage="qualify",
                      to_stage="discover"),
        DealWon(**base, seq=3, at=DAY + dt.timedelta(days=10), stage="discover"),
    ]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        import_events(opened, [*_deal("dated", undated=False),
                               *_deal("undated", undated=True, qualify_days=1)])
        yield opened


def test_stays_say_which_have_an_undated_entry_and_how_long_they_lasted(store: Store) -> None:
    c = STAGE_CHANGES.c
    query = select(c.deal_id, c.to_stage, c.undated, c.days).order_by(c.deal_id, c.seq)
    with store.database.connect() as conn:
        rows = [(d, s, bool(u), days) for d, s, u, days in conn.execute(query)]
    assert rows == [("dated", "qualify", False, 4.0), ("dated", "discover", False, 6.0),
                    ("dated", "won", False, None),
                    ("undated", "qualify", True, 1.0), ("undated", "discover", False, 9.0),
                    ("undated", "won", False, None)]


def test_an_undated_stay_counts_as_reached_but_not_in_time_in_stage(store: Store) -> None:
    assert funnel(store).stages[0].entered == 2
    qualify, discover = time_in_stage(store)[:2]
    assert (qualify.stays, qualify.mean) == (1, 4.0)
    assert (discover.stays, discover.mean) == (2, 7.5)


def test_cycle_time_of_an_undated_deal_runs_from_its_earliest_dated_event(
    store: Store,
) -> None:
    assert (cycle_time(store).deals, cycle_time(store).mean) == (2, 10.0)


def test_stalled_percentiles_leave_undated_stays_out(store: Store) -> None:
    import_events(store, _deal("open", undated=False)[:1])
    assert stalled(store, percentile=0.5, now=DAY + dt.timedelta(days=3)) == []
    late = stalled(store, percentile=0.5, now=DAY + dt.timedelta(days=5))
    assert [(deal.deal_id, deal.limit) for deal in late] == [("open", 4.0)]


def test_an_undated_flag_is_stored_only_when_true(store: Store) -> None:
    created = {e.deal_id: e for e in store.iter_events() if isinstance(e, DealCreated)}
    assert (created["dated"].undated, created["undated"].undated) == (False, True)
    assert "undated" not in created["dated"].model_dump(mode="json")
