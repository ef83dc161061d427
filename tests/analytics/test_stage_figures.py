"""The per-stage counters kept at write time (`stage_figures`, `loss_figures`) always equal
the figures counted from the stage changes and the deals: the funnel, the win rates and
the time in stage read from them give what counting the rows gives, whatever the history,
the batches it was written in, the playbook, and the order the rows were written in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, insert, select, text, update

from dealflow import Playbook, load_playbook
from dealflow.analytics import Filters, funnel, win_rates
from dealflow.analytics._funnel import _counted, _recounted
from dealflow.analytics._query import counted_playbook, reached_by_status
from dealflow.analytics._timing import _stay_summaries
from dealflow.engine import Event
from dealflow.store import (
    DEALS,
    LOSS_FIGURES,
    STAGE_CHANGES,
    STAGE_FIGURES,
    Store,
    import_events,
)
from dealflow.store._counters import refill_figures
from dealflow.store._tables import META
from tests._lab import lab_playbook
from tests.analytics._histories import History
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
MOVES = ("advance", "back", "win", "lose", "reopen")


def _history(playbook: Playbook, deal_id: str, moves: list[tuple[str, int]]) -> list[Event]:
    """A deal's history from `moves` (each a move and hours), skipping the moves its state
    does not allow (advance from the last stage, reopen an open deal, ...)."""
    deal = History(playbook, deal_id, at=T0, owner="ann" if len(deal_id) % 2 else "bo")
    last, closed = len(deal.stages) - 1, False
    reasons = [reason.id for reason in playbook.lost_reasons] or [None]
    for number, (move, hours) in enumerate(moves):
        if move == "advance" and not closed and deal.position < last:
            deal.advance(hours=hours)
        elif move == "back" and not closed and deal.position > 0:
            deal.back(hours=hours)
        elif move == "win" and not closed:
            deal.win(hours=hours)
            closed = True
        elif move == "lose" and not closed:
            deal.lose(reasons[number % len(reasons)], hours=hours)  # type: ignore[arg-type]
            closed = True
        elif move == "reopen" and closed:
            deal.reopen(hours=hours)
            closed = False
    return deal.events


def _stored(conn: Connection) -> tuple[list[Any], list[Any]]:
    stages = sorted(tuple(row) for row in conn.execute(select(STAGE_FIGURES)))
    losses = sorted(tuple(row) for row in conn.execute(
        select(LOSS_FIGURES).where(LOSS_FIGURES.c.deals > 0)))
    return stages, losses


def _assert_counters_right(store: Store, playbook: Playbook) -> None:
    """The counters equal a recount, and every figure read from them equals the figure
    counted from the rows."""
    with store.database.connect() as conn:
        kept = _stored(conn)
    with store.writing() as conn:
        refill_figures(conn)
        again = _stored(conn)
    assert [row[:-1] for row in again[0]] == [row[:-1] for row in kept[0]]
    # the stays' lengths: the same days, added up in another order
    assert [row[-1] for row in again[0]] == pytest.approx([row[-1] for row in kept[0]],
                                                          rel=1e-12)
    assert again[1] == kept[1]
    counted = _counted(store, playbook.id)
    recounted = _recounted(store, Filters(playbook_id=playbook.id))
    for figure, (ours, theirs) in enumerate(zip(counted, recounted, strict=True)):
        assert {k: v for k, v in ours.items() if v} == theirs, figure
    with store.database.connect() as conn:
        for status, column in (("won", "won"), ("lost", "lost")):
            rows = dict(conn.execute(reached_by_status(Filters(playbook_id=playbook.id),
                                                       status)).all())
            figures = {row.stage: getattr(row, column) for row in conn.execute(
                select(STAGE_FIGURES).where(STAGE_FIGURES.c.playbook_id == playbook.id))}
            assert {k: v for k, v in figures.items() if v} == rows
    stays = _stay_summaries(store, None, playbook.id)
    recounted_stays = _stay_summaries(store, Filters(playbook_id=playbook.id))
    assert stays.keys() == recounted_stays.keys()
    for stage, summary in stays.items():  # the mean: added up in another order than AVG
        other = recounted_stays[stage]
        assert (summary.count, summary.ranks) == (other.count, other.ranks), stage
        assert summary.mean == pytest.approx(other.mean, rel=1e-12), stage


deal_moves = st.lists(st.tuples(st.sampled_from(MOVES), st.integers(1, 400)), max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=st.lists(deal_moves, min_size=1, max_size=6), batch=st.integers(1, 20))
def test_the_counters_equal_the_figures_counted_from_the_events(
    any_playbook: Playbook, deals: list[list[tuple[str, int]]], batch: int,
) -> None:
    events = [event for number, moves in enumerate(deals)
              for event in _history(any_playbook, f"d{number}", moves)]
    # deal after deal, or interleaved: the batches cut histories anywhere
    events.sort(key=lambda event: (event.seq, event.deal_id) if batch % 2 else 0)
    with Store("sqlite://", playbook=any_playbook) as store:
        import_events(store, events, batch_size=batch)
        _assert_counters_right(store, any_playbook)


def test_the_counters_hold_on_every_backend(store_url: str) -> None:  # noqa: F811
    playbook = load_playbook()
    moves = [("advance", 30), ("lose", 2), ("reopen", 5), ("advance", 9), ("win", 3),
             ("reopen", 1), ("back", 4), ("lose", 8)]
    events = [event for number in range(8)
              for event in _history(playbook, f"b{number}", moves[:number + 1])]
    with Store(store_url, playbook=playbook) as store:
        import_events(store, events, batch_size=7)
        _assert_counters_right(store, playbook)


def test_each_playbook_of_a_store_has_its_own_counters(any_playbook: Playbook) -> None:
    default, lab = load_playbook(), any_playbook
    other = lab_playbook() if lab.id == default.id else default
    moves = [("advance", 10), ("advance", 10), ("lose", 1)]
    with Store("sqlite://", playbook=lab) as store:
        store.register_playbook(other)
        import_events(store, [*_history(lab, "a1", moves), *_history(other, "o1", moves[:1]),
                              *_history(other, "o2", moves)])
        for playbook in (lab, other):
            _assert_counters_right(store, playbook)
            layers = funnel(store, playbook=playbook.id).stages
            assert layers[0].entered == (1 if playbook is lab else 2)


@pytest.mark.parametrize("filters", [
    Filters(owner="ann"), Filters(amount_min=0), Filters(playbook_id="complex-b2b",
                                                         playbook_version="1.0.0"),
], ids=["owner", "amount", "version"])
def test_a_figure_over_some_deals_is_counted_from_the_rows(filters: Filters) -> None:
    assert counted_playbook(load_playbook(), filters) is None


@pytest.mark.parametrize("filters", [None, Filters(), Filters(playbook_id="complex-b2b")],
                         ids=["none", "empty", "the-playbook"])
def test_a_figure_over_every_deal_reads_the_counters(filters: Filters | None) -> None:
    assert counted_playbook(load_playbook(), filters) == "complex-b2b"


@pytest.fixture
def written(any_playbook: Playbook) -> Iterator[tuple[Store, Playbook]]:
    moves = [("advance", 20), ("lose", 3), ("reopen", 2), ("advance", 5), ("win", 1)]
    with Store("sqlite://", playbook=any_playbook) as store:
        import_events(store, [event for number in range(5) for event in _history(
            any_playbook, f"w{number}", moves[:number + 1])])
        yield store, any_playbook


def test_a_deal_row_written_after_its_stage_changes_is_counted(
    written: tuple[Store, Playbook],
) -> None:
    store, playbook = written
    with store.writing() as conn:
        deals = [dict(row._mapping) for row in conn.execute(select(DEALS))]
        changes = [dict(row._mapping) for row in conn.execute(select(STAGE_CHANGES))]
        for table in (DEALS, STAGE_CHANGES, STAGE_FIGURES, LOSS_FIGURES):
            conn.execute(delete(table))
        conn.execute(insert(STAGE_CHANGES), changes)  # the stays first, then the deals
        conn.execute(insert(DEALS), deals)
    _assert_counters_right(store, playbook)
    assert funnel(store).stages[0].entered == 5


def test_a_schema_4_database_gets_its_counters(tmp_path: Any, any_playbook: Playbook) -> None:
    url = f"sqlite:///{tmp_path / 'v4.db'}"
    moves = [("advance", 20), ("lose", 3), ("reopen", 2), ("win", 1)]
    with Store(url, playbook=any_playbook) as store:
        import_events(store, [event for number in range(4) for event in _history(
            any_playbook, f"v{number}", moves[:number + 1])])
        before = funnel(store).to_dict(), win_rates(store).to_dict()
        with store.writing() as conn:  # back to what schema 4 had
            for name in ("figures_stage_change", "figures_stay_ended", "figures_stay_length",
                         "figures_status", "figures_deal"):
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text("DROP TABLE stage_figures"))
            conn.execute(text("DROP TABLE loss_figures"))
            conn.execute(update(META).where(META.c.key == "schema_version").values(value="4"))
    with Store(url) as reopened:
        _assert_counters_right(reopened, any_playbook)
        assert (funnel(reopened).to_dict(), win_rates(reopened).to_dict()) == before
        import_events(reopened, _history(any_playbook, "later", moves))  # triggers back
        _assert_counters_right(reopened, any_playbook)
