"""Every figure counts days the same way: elapsed time / 24 hours, fractional, so 36
hours are 1.5 days; on SQLite and PostgreSQL, on any playbook, whichever way the stays
were written, and whatever time zone the moment of the question is given in.

The deals (T0 an odd time of day, so no figure is right by luck):

    W  created T0 in the first stage, 36 h in every stage, won 36 h into the last one
    L  created T0, lost 36 h later in the first stage
    O  created T0, still open in the first stage
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, literal, select

from dealflow import Playbook
from dealflow._days import DAY
from dealflow.analytics import closed_deals, cycle_time, stalled, time_in_stage, velocity
from dealflow.engine import Event
from dealflow.store import STAGE_CHANGES, Store, days_between, import_events
from tests.analytics._histories import History
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

T0 = dt.datetime(2026, 3, 2, 9, 13, 7, tzinfo=dt.UTC)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NEW_YORK = dt.timezone(dt.timedelta(hours=-5))


def _histories(playbook: Playbook) -> list[list[Event]]:
    won = History(playbook, "W", at=T0).to_last_stage(hours=36).win(hours=36)
    lost = History(playbook, "L", at=T0).lose(playbook.lost_reasons[0].id, hours=36)
    return [won.events, lost.events, History(playbook, "O", at=T0).events]


@pytest.fixture(params=["one-import", "event-by-event"])
def store(request: pytest.FixtureRequest, store_url: str,  # noqa: F811
          any_playbook: Playbook) -> Iterator[Store]:
    """The three deals, imported at once (each stay's length computed as its end is
    written, in Python) or event by event (each stay closed in the database, in SQL)."""
    histories = _histories(any_playbook)
    with Store(store_url, playbook=any_playbook) as opened:
        if request.param == "one-import":
            import_events(opened, [event for events in histories for event in events])
        else:
            for event in sorted((e for events in histories for e in events),
                                key=lambda e: (e.at, e.deal_id)):
                import_events(opened, [event])
        yield opened


def test_a_stay_of_36_hours_counts_one_and_a_half_days_in_time_in_stage(
    store: Store,
) -> None:
    for row in time_in_stage(store):
        assert (row.mean, row.median, row.p75, row.p90) == (1.5, 1.5, 1.5, 1.5), row
    assert time_in_stage(store)[0].stays == 2  # W and L; O's stay goes on


def test_days_to_close_count_36_hours_a_stage_as_one_and_a_half_days_each(
    store: Store, any_playbook: Playbook,
) -> None:
    stages = len(any_playbook.stages)
    result = closed_deals(store)
    won = result.won.days_to_close
    assert (won.deals, won.mean, won.median, won.p75, won.p90) == (1, *[1.5 * stages] * 4)
    assert (result.lost.days_to_close.deals, result.lost.days_to_close.median) == (1, 1.5)
    assert cycle_time(store, outcome="won") == won
    assert cycle_time(store).mean == (1.5 * stages + 1.5) / 2
    assert velocity(store).cycle_days == 1.5 * stages


@pytest.mark.parametrize("zone", [dt.UTC, SHANGHAI, NEW_YORK], ids=["utc", "utc+8", "utc-5"])
def test_a_stalled_deal_is_as_old_as_the_hours_since_it_entered_its_stage(
    store: Store, any_playbook: Playbook, zone: dt.tzinfo,
) -> None:
    limit = any_playbook.stages[0].expected_days
    assert limit is not None
    now = (T0 + limit * DAY + dt.timedelta(hours=36)).astimezone(zone)
    (deal,) = stalled(store, now=now)
    assert (deal.deal_id, deal.days, deal.limit) == ("O", limit + 1.5, limit)
    assert stalled(store, now=now - dt.timedelta(hours=36, milliseconds=1)) == []


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[Connection]:
    """A bare connection to each backend, for the SQL of the definition alone."""
    if request.param == "sqlite":
        engine = create_engine("sqlite://")
    else:
        from tests.store.conftest import _postgres_url

        engine = create_engine(_postgres_url())
    with engine.connect() as conn:
        yield conn
    engine.dispose()


moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                       timezones=st.just(dt.UTC)).map(
    lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, end=moments)
def test_the_database_counts_days_as_elapsed_time_over_24_hours(
    database: Connection, start: dt.datetime, end: dt.datetime,
) -> None:
    at = STAGE_CHANGES.c.at.type
    days = days_between(database, literal(start, at), literal(end, at))
    assert database.execute(select(days)).scalar_one() == (end - start) / DAY
