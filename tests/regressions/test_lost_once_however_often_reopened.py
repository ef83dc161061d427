"""Regression: a deal lost, reopened and lost again counted as lost twice in the funnel
(once per loss and reason), and a deal lost, reopened and then won still counted as lost
in the stage of its first loss. A deal counts with its outcome now, once: lost in the stage
(and for the reason) of its last loss, or won, or open. On any playbook, both backends.

    A  lost (first reason), reopened, lost again (second reason), in the first stage
    B  lost in the first stage, reopened, moved on, lost in the second stage
    C  lost in the first stage, reopened, moved on to the last stage, won
    D  lost in the first stage, reopened: open now
    E  lost in the first stage, once
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from dealflow import Playbook
from dealflow.analytics import closed_deals, cycle_time, funnel, win_rates
from dealflow.store import Store, import_events
from tests.analytics._histories import History
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

T0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)


def _deals(playbook: Playbook) -> list[History]:
    first, second = (reason.id for reason in playbook.lost_reasons[:2])

    def deal(deal_id: str, amount: str) -> History:
        return History(playbook, deal_id, at=T0, amount=Decimal(amount))

    return [
        deal("A", "1000.10").lose(first, hours=24).reopen(hours=24).lose(second, hours=24),
        deal("B", "2000.20").lose(first, hours=24).reopen(hours=24).advance(hours=24)
        .lose(second, hours=24),
        deal("C", "3000.30").lose(first, hours=24).reopen(hours=24).to_last_stage(hours=24)
        .win(hours=24),
        deal("D", "4000.40").lose(first, hours=24).reopen(hours=24),
        deal("E", "5000.50").lose(first, hours=24),
    ]


@pytest.fixture
def store(store_url: str, any_playbook: Playbook) -> Iterator[Store]:  # noqa: F811
    with Store(store_url, playbook=any_playbook) as opened:
        import_events(opened, [e for deal in _deals(any_playbook) for e in deal.events])
        yield opened


def test_the_funnel_counts_each_lost_deal_once_where_it_was_last_lost(
    store: Store, any_playbook: Playbook,
) -> None:
    first, second = (reason.id for reason in any_playbook.lost_reasons[:2])
    layers = funnel(store).stages
    assert layers[0].lost == {first: 1, second: 1}  # E, and A at its last loss
    assert layers[0].lost_total == 2
    assert layers[1].lost == {second: 1}  # B
    assert all(layer.lost == {} for layer in layers[2:])
    assert layers[0].open == 1  # D
    assert layers[0].won == 1  # C


def test_win_rates_count_each_deal_once_with_its_outcome_now(store: Store) -> None:
    rates = win_rates(store)
    assert (rates.overall.won, rates.overall.lost) == (1, 3)  # C; A, B, E
    first_stage = next(iter(rates.by_stage_reached.values()))
    assert (first_stage.won, first_stage.lost) == (1, 3)


def test_the_lost_total_adds_each_lost_deal_once(store: Store) -> None:
    result = closed_deals(store)
    assert (result.lost.deals, result.lost.amount) == (3, {"CNY": Decimal("8000.80")})
    assert (result.won.deals, result.won.amount) == (1, {"CNY": Decimal("3000.30")})
    # each closed deal's days to close run to its last close: A 3 days, B 4, E 1
    assert cycle_time(store, outcome="lost").mean == pytest.approx((3 + 4 + 1) / 3)
