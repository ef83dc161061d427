"""Every analytics figure equals an independent computation over the same events,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from dealflow.analytics import (
    Chain,
    Filters,
    absorption,
    closed_deals,
    cycle_time,
    forecast,
    funnel,
    stalled,
    time_in_stage,
    transition_chain,
    velocity,
    win_rates,
)
from dealflow.engine import Event
from dealflow.store import Store
from tests.analytics._independent import days, nearest_rank, per_deal
from tests.analytics.conftest import END, PLAYBOOK

STAGES = [stage.id for stage in PLAYBOOK.stages]


def test_the_funnel_counts_each_deal_once_per_stage(store: Store, history: list[Event]) -> None:
    deals = per_deal(history, PLAYBOOK)
    result = {layer.stage: layer for layer in funnel(store).stages}
    for stage in STAGES:
        layer = result[stage]
        assert layer.entered == sum(stage in d.entered for d in deals.values()), stage
        assert layer.moved_on == sum(stage in d.moved_on for d in deals.values()), stage
        lost = Counter(reason for d in deals.values() for where, reason in set(d.lost)
                       if where == stage)
        assert layer.lost == dict(lost), stage
        assert layer.open == sum(d.status == "open" and d.stage == stage
                                 for d in deals.values()), stage
        assert layer.won == sum(d.status == "won" and stage in d.entered
                                for d in deals.values()), stage


def test_the_funnel_filters_by_owner_and_amount_band(store: Store, history: list[Event]) -> None:
    deals = per_deal(history, PLAYBOOK)
    owner = next(iter(deals.values())).owner
    layer = funnel(store, Filters(owner=owner, amount_min=50_000)).stages[0]
    assert layer.entered == sum(d.owner == owner and d.amount >= 50_000
                                for d in deals.values())


def test_time_in_stage_matches_nearest_rank_percentiles(
    store: Store, history: list[Event]
) -> None:
    deals = per_deal(history, PLAYBOOK)
    result = {row.stage: row for row in time_in_stage(store, now=END)}
    for stage in STAGES:
        stays = [length for d in deals.values() for where, length in d.stays
                 if where == stage and length is not None]
        row = result[stage]
        assert row.stays == len(stays), stage
        if not stays:
            continue
        assert row.mean == pytest.approx(sum(stays) / len(stays), abs=1e-3)
        assert row.median == pytest.approx(nearest_rank(stays, 0.5), abs=1e-3)
        assert row.p75 == pytest.approx(nearest_rank(stays, 0.75), abs=1e-3)
        assert row.p90 == pytest.approx(nearest_rank(stays, 0.9), abs=1e-3)


def test_cycle_time_runs_from_creation_to_close(store: Store, history: list[Event]) -> None:
    deals = per_deal(history, PLAYBOOK)
    cycles = [days(d.created, d.closed_at) for d in deals.values()
              if d.status in ("won", "lost") and d.closed_at]
    result = cycle_time(store)
    assert result.deals == len(cycles)
    assert result.mean == pytest.approx(sum(cycles) / len(cycles), abs=1e-3)
    assert result.median == pytest.approx(nearest_rank(cycles, 0.5), abs=1e-3)


def test_stalled_deals_are_open_longer_than_the_stage_expects(
    store: Store, history: list[Event]
) -> None:
    deals = per_deal(history, PLAYBOOK)
    expected = {s.id: s.expected_days for s in PLAYBOOK.stages}
    now = END + dt.timedelta(days=10)
    independent = sorted(
        deal_id for deal_id, d in deals.items()
        if d.status == "open" and d.stage_entered is not None
        and expected[d.stage] and days(d.stage_entered, now) > expected[d.stage])
    assert sorted(s.deal_id for s in stalled(store, now=now)) == independent


def test_win_rates_overall_by_owner_band_and_stage_reached(
    store: Store, history: list[Event]
) -> None:
    deals = per_deal(history, PLAYBOOK)
    closed = [d for d in deals.values() if d.status in ("won", "lost")]
    result = win_rates(store)
    assert result.overall.won == sum(d.status == "won" for d in closed)
    assert result.overall.lost == sum(d.status == "lost" for d in closed)
    owners: dict[str, Counter[str]] = defaultdict(Counter)
    for d in closed:
        owners[d.owner][d.status] += 1
    assert {k: (v.won, v.lost) for k, v in result.by_owner.items()} == {
        k: (v["won"], v["lost"]) for k, v in owners.items()}
    small = [d for d in closed if d.amount < 50_000]
    assert result.by_band["< 50,000"].won == sum(d.status == "won" for d in small)
    for stage in STAGES:
        reached = [d for d in closed if stage in d.entered]
        assert result.by_stage_reached[stage].won == sum(d.status == "won" for d in reached)
        assert result.by_stage_reached[stage].lost == sum(d.status == "lost" for d in reached)


def test_the_won_and_lost_deals_add_up_their_amounts_and_days_to_close(
    store: Store, history: list[Event]
) -> None:
    deals = per_deal(history, PLAYBOOK)
    amounts = {e.deal_id: e.amount for e in history if e.type == "deal_created"}  # type: ignore[union-attr]
    result = closed_deals(store)
    for outcome, closed in (("won", result.won), ("lost", result.lost)):
        ids = [deal_id for deal_id, d in deals.items() if d.status == outcome]
        cycles = [days(deals[i].created, deals[i].closed_at) for i in ids]  # type: ignore[arg-type]
        assert closed.deals == len(ids), outcome
        assert closed.amount == {"CNY": sum((amounts[i] for i in ids), Decimal(0))}, outcome
        assert closed.days_to_close.mean == pytest.approx(sum(cycles) / len(cycles), abs=1e-6)
        assert closed.days_to_close.median == pytest.approx(nearest_rank(cycles, 0.5), abs=1e-6)
        assert closed.days_to_close.p75 == pytest.approx(nearest_rank(cycles, 0.75), abs=1e-6)
        assert closed.days_to_close == cycle_time(store, outcome=outcome)


def test_velocity_is_made_of_its_four_numbers(store: Store, history: list[Event]) -> None:
    deals = per_deal(history, PLAYBOOK)
    result = velocity(store)
    won = [d for d in deals.values() if d.status == "won"]
    assert result.open_deals == sum(d.status == "open" for d in deals.values())
    assert float(result.average_won_amount or 0) == pytest.approx(
        sum(d.amount for d in won) / len(won), abs=0.01)
    assert result.per_day == pytest.approx(
        result.open_deals * (result.win_rate or 0) * float(result.average_won_amount or 0)
        / (result.cycle_days or 1))


def test_the_crm_forecast_is_amount_times_stage_probability(
    store: Store, history: list[Event]
) -> None:
    deals = per_deal(history, PLAYBOOK)
    probability = {s.id: s.probability / 100 for s in PLAYBOOK.stages}
    expected = sum(d.amount * probability[d.stage] for d in deals.values()
                   if d.status == "open")
    result = forecast(store, runs=500)
    assert float(result.crm_total) == pytest.approx(expected, abs=1.0)
    assert result.low <= result.history_total <= result.high


def _walk(chain: Chain, start: str, rng: random.Random) -> bool:
    state = start
    for _ in range(10_000):
        targets = chain.counts[state]
        total = sum(targets.values())
        roll, acc = rng.random() * total, 0
        for target, count in targets.items():
            acc += count
            if roll < acc:
                state = target
                break
        if state in ("won", "lost"):
            return state == "won"
    raise AssertionError("the walk did not end")


def test_history_probabilities_match_a_direct_simulation_of_the_chain(store: Store) -> None:
    """Tolerance: 0.015 absolute, with 20,000 walks per stage (3 standard errors ~ 0.01)."""
    chain = transition_chain(store)
    probabilities = absorption(chain)
    rng = random.Random(3)
    for stage, p in probabilities.items():
        walks = 20_000
        share = sum(_walk(chain, stage, rng) for _ in range(walks)) / walks
        assert share == pytest.approx(p, abs=0.015), stage
