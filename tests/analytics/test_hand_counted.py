"""Every figure of a six-deal history, counted by hand, on SQLite and on PostgreSQL.

The playbook has three stages whose gates always hold. Days are counted from DAY0; the
figures are computed at day 20. The deals (owner, amount):

    A  ann  100,000  s1 d0 -> s2 d2 -> s3 d5 -> won d9
    B  ann  200,000  s1 d0 -> s2 d4 -> back to s1 d6 -> s2 d7 -> s3 d10 (open)
    C  bob   30,000  s1 d1 -> lost d4 (price)
    D  bob  600,000  s1 d1 -> s2 d3 -> lost d8 (competitor)
    E  ann   40,000  s1 d2 (open)
    F  bob  500,000  s1 d2 -> s2 d5, on hold from d12 until d40

B goes back from s2 to s1 and comes again: it counts once in each stage's funnel, but
each of its stays counts in time in stage and each move in the Markov chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from dealflow import Deal, Engine, Outcome, Playbook, parse_playbook
from dealflow.analytics import (
    Filters,
    absorption,
    cycle_time,
    forecast,
    funnel,
    stalled,
    time_in_stage,
    transition_chain,
    velocity,
    win_rates,
)
from dealflow.store import Store, import_events
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

DAY0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
NOW = DAY0 + dt.timedelta(days=20)

PLAYBOOK_TEXT = """
id: three-stage
version: "1"
title: Three stages
locales: [en]
buyer_phases: [{id: needs, name: Needs}]
stages:
  - {id: s1, name: One, buyer_phase: needs, goal: Qualify, probability: 20, expected_days: 10,
     gates: [{id: g1, text: Always, when: "true"}]}
  - {id: s2, name: Two, buyer_phase: needs, goal: Propose, probability: 50, expected_days: 5,
     gates: [{id: g2, text: Always, when: "true"}]}
  - {id: s3, name: Three, buyer_phase: needs, goal: Sign, probability: 80,
     gates: [{id: g3, text: Always, when: "true"}]}
roles: [{id: buyer, name: Buyer}]
our_roles: [{id: sales, name: Sales}]
lost_reasons: [{id: price, name: Price}, {id: competitor, name: Competitor}]
"""


class _Clock:
    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> dt.datetime:
        return self.now


Step = Callable[[Engine, Deal], Outcome]


def _advance(engine: Engine, deal: Deal) -> Outcome:
    return engine.advance(deal, actor="t", raise_on_refusal=True)


def _back(engine: Engine, deal: Deal) -> Outcome:
    return engine.move_back(deal, reason="re-scoped", actor="t", raise_on_refusal=True)


def _win(engine: Engine, deal: Deal) -> Outcome:
    return engine.win(deal, actor="t", raise_on_refusal=True)


def _lose(reason: str) -> Step:
    def step(engine: Engine, deal: Deal) -> Outcome:
        return engine.lose(deal, reason=reason, actor="t", raise_on_refusal=True)
    return step


def _hold(until_day: int) -> Step:
    def step(engine: Engine, deal: Deal) -> Outcome:
        resume = (DAY0 + dt.timedelta(days=until_day)).date()
        return engine.hold(deal, reason="budget review", resume_on=resume, actor="t",
                           raise_on_refusal=True)
    return step


# deal id: (owner, amount, created on day, [(day, step), ...])
DEALS: dict[str, tuple[str, int, int, list[tuple[int, Step]]]] = {
    "A": ("ann", 100_000, 0, [(2, _advance), (5, _advance), (9, _win)]),
    "B": ("ann", 200_000, 0, [(4, _advance), (6, _back), (7, _advance), (10, _advance)]),
    "C": ("bob", 30_000, 1, [(4, _lose("price"))]),
    "D": ("bob", 600_000, 1, [(3, _advance), (8, _lose("competitor"))]),
    "E": ("ann", 40_000, 2, []),
    "F": ("bob", 500_000, 2, [(5, _advance), (12, _hold(40))]),
}


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return parse_playbook(PLAYBOOK_TEXT, "three-stage.yaml")


@pytest.fixture
def store(store_url: str, playbook: Playbook) -> Iterator[Store]:  # noqa: F811
    """The six deals: A to D saved outcome by outcome, E and F through `import_events`."""
    clock = _Clock()
    engine = Engine(playbook, clock=clock)
    with Store(store_url, playbook=playbook, clock=clock) as opened:
        imported = []
        for deal_id, (owner, amount, created, steps) in DEALS.items():
            clock.now = DAY0 + dt.timedelta(days=created)
            outcome = engine.create(deal_id=deal_id, title=f"Deal {deal_id}", account="Acme",
                                    owner=owner, actor=owner, amount=amount)
            outcomes = [(outcome, 0)]
            for day, step in steps:
                clock.now = DAY0 + dt.timedelta(days=day)
                previous = outcome.deal
                outcome = step(engine, previous)
                outcomes.append((outcome, previous.version))
            for done, version in outcomes:
                if deal_id in ("E", "F"):
                    imported.extend(done.events)
                else:
                    opened.save(done, expected_version=version)
        import_events(opened, imported)
        yield opened


def test_the_funnel_counts_each_deal_once_per_stage(store: Store) -> None:
    layers = {layer.stage: layer for layer in funnel(store).stages}
    # s1: entered by all six. Moved on: A, B (twice, counted once), D, F = 4.
    #     Lost: C (price). Open now: E. Won now, having entered: A.
    assert layers["s1"].to_dict() == {
        "stage": "s1", "entered": 6, "moved_on": 4, "lost": {"price": 1}, "lost_total": 1,
        "open": 1, "won": 1, "conversion_next": 4 / 6, "conversion_won": 1 / 6}
    # s2: entered by A, B (twice, counted once), D, F = 4. Moved on (advanced): A, B = 2;
    #     B's move back is not moving on. Lost: D (competitor). Open: F (on hold). Won: A.
    assert layers["s2"].to_dict() == {
        "stage": "s2", "entered": 4, "moved_on": 2, "lost": {"competitor": 1},
        "lost_total": 1, "open": 1, "won": 1, "conversion_next": 2 / 4,
        "conversion_won": 1 / 4}
    # s3 (the last stage): entered by A and B; moved on = won: A. Open: B.
    assert layers["s3"].to_dict() == {
        "stage": "s3", "entered": 2, "moved_on": 1, "lost": {}, "lost_total": 0,
        "open": 1, "won": 1, "conversion_next": 1 / 2, "conversion_won": 1 / 2}


def test_the_funnel_narrows_to_the_deals_the_filters_select(store: Store) -> None:
    # bob's deals: C, D, F. s1: all three entered; D and F moved on; C lost.
    # s2: D and F entered; D lost; F open. s3: none.
    bob = {layer.stage: layer for layer in funnel(store, Filters(owner="bob")).stages}
    assert (bob["s1"].entered, bob["s1"].moved_on, bob["s1"].lost_total) == (3, 2, 1)
    assert (bob["s2"].entered, bob["s2"].open, bob["s2"].lost) == (2, 1, {"competitor": 1})
    assert bob["s3"].entered == 0
    assert bob["s3"].conversion_next is None
    # Amount at least 200,000: B, D, F (500,000 is included: the minimum is inclusive).
    big = funnel(store, Filters(amount_min=200_000)).stages[0]
    assert big.entered == 3
    # Created on day 1 or later: C, D, E, F.
    later = funnel(store, Filters(created_from=DAY0 + dt.timedelta(days=1))).stages[0]
    assert later.entered == 4


def test_time_in_stage_counts_finished_stays_with_nearest_rank_percentiles(
    store: Store,
) -> None:
    rows = {row.stage: row for row in time_in_stage(store, now=NOW)}
    # s1 finished stays (days): A 0-2 = 2, B 0-4 = 4, B again 6-7 = 1, C 1-4 = 3,
    #   D 1-3 = 2, F 2-5 = 3; E is still there (not finished, not counted).
    #   Sorted 1 2 2 3 3 4: n = 6, mean 15 / 6 = 2.5. Nearest rank k = ceil(p * n):
    #   median k = 3 -> 2; p75 k = ceil(4.5) = 5 -> 3; p90 k = ceil(5.4) = 6 -> 4.
    assert _figures(rows["s1"]) == pytest.approx((6, 2.5, 2, 3, 4), abs=1e-6)
    # s2: A 2-5 = 3, B 4-6 = 2, B again 7-10 = 3, D 3-8 = 5; F still there.
    #   Sorted 2 3 3 5: mean 13 / 4 = 3.25; median k = 2 -> 3; p75 k = 3 -> 3;
    #   p90 k = ceil(3.6) = 4 -> 5.
    assert _figures(rows["s2"]) == pytest.approx((4, 3.25, 3, 3, 5), abs=1e-6)
    # s3: A 5-9 = 4; B still there.
    assert _figures(rows["s3"]) == pytest.approx((1, 4, 4, 4, 4), abs=1e-6)


def _figures(row: object) -> tuple[float, ...]:
    return tuple(getattr(row, name) for name in ("stays", "mean", "median", "p75", "p90"))


def test_cycle_time_runs_from_creation_to_close(store: Store) -> None:
    # Closed: A d0-d9 = 9, C d1-d4 = 3, D d1-d8 = 7. Sorted 3 7 9: mean 19 / 3;
    # median k = 2 -> 7; p75 k = ceil(2.25) = 3 -> 9; p90 k = 3 -> 9.
    result = cycle_time(store)
    assert result.deals == 3
    assert (result.mean, result.median, result.p75, result.p90) == pytest.approx(
        (19 / 3, 7, 9, 9), abs=1e-6)
    won = cycle_time(store, outcome="won")
    assert (won.deals, won.mean) == (1, pytest.approx(9, abs=1e-6))


def test_stalled_deals_are_open_not_on_hold_and_past_the_limit(store: Store) -> None:
    # At day 20: B in s3 for 10 days (s3 has no expected days), E in s1 for 18 > 10,
    # F in s2 for 15 > 5 but on hold. Stalled: E only.
    (only,) = stalled(store, now=NOW)
    assert (only.deal_id, only.stage, only.limit) == ("E", "s1", 10)
    assert only.days == pytest.approx(18, abs=1e-6)
    # Against the median of history (s1 2, s2 3, s3 4 days): B (10 > 4) and E (18 > 2).
    by_median = stalled(store, now=NOW, percentile=0.5)
    assert [(d.deal_id, d.limit) for d in by_median] == [
        ("E", pytest.approx(2, abs=1e-6)), ("B", pytest.approx(4, abs=1e-6))]


def test_win_rates_count_closed_deals_only(store: Store) -> None:
    rates = win_rates(store)
    # Closed: A won; C and D lost. B, E, F are open and do not count.
    assert rates.overall.to_dict() == {"won": 1, "lost": 2, "rate": 1 / 3}
    # ann: A won (B, E open); bob: C and D lost (F open).
    assert {k: (v.won, v.lost) for k, v in rates.by_owner.items()} == {
        "ann": (1, 0), "bob": (0, 2)}
    # Bands: C 30,000 is below 50,000; A 100,000 in between; D 600,000 at or above 500,000.
    assert {k: (v.won, v.lost) for k, v in rates.by_band.items()} == {
        "< 50,000": (0, 1), "50,000 - 500,000": (1, 0), ">= 500,000": (0, 1)}
    # Reached s1: A, C, D; s2: A, D; s3: A.
    assert {k: (v.won, v.lost) for k, v in rates.by_stage_reached.items()} == {
        "s1": (1, 2), "s2": (1, 1), "s3": (1, 0)}


def test_velocity_is_open_deals_times_win_rate_times_amount_over_cycle(store: Store) -> None:
    # Open (on hold too): B, E, F = 3; win rate 1/3; average won amount 100,000 (A);
    # won cycle 9 days: 3 x 1/3 x 100,000 / 9 = 11,111.11 per day.
    result = velocity(store)
    assert (result.open_deals, result.win_rate, result.average_won_amount) == (
        3, pytest.approx(1 / 3), Decimal("100000.00"))
    assert result.per_day == pytest.approx(100_000 / 9, abs=1e-3)


def test_the_crm_forecast_is_amount_times_the_playbook_probability(store: Store) -> None:
    result = forecast(store, runs=2000, seed=0)
    # Open: E 40,000 in s1 x 20% = 8,000; F 500,000 in s2 x 50% = 250,000;
    # B 200,000 in s3 x 80% = 160,000. Total 418,000.
    assert result.crm_total == Decimal("418000.00")
    assert [(s.stage, s.open_deals, s.amount) for s in result.stages] == [
        ("s1", 1, Decimal("40000.00")), ("s2", 1, Decimal("500000.00")),
        ("s3", 1, Decimal("200000.00"))]


def test_the_history_forecast_solves_the_chain_counted_by_hand(store: Store) -> None:
    # Departures: s1 -> s2 five times (A, B twice, D, F), s1 -> lost once (C);
    # s2 -> s3 twice (A, B), s2 -> s1 once (B), s2 -> lost once (D); s3 -> won once (A).
    chain = transition_chain(store)
    assert chain.counts == {"s1": {"s2": 5, "lost": 1},
                            "s2": {"s3": 2, "s1": 1, "lost": 1}, "s3": {"won": 1}}
    # P3 = 1; P2 = 2/4 P3 + 1/4 P1; P1 = 5/6 P2  =>  P2 (1 - 5/24) = 1/2:
    # P2 = 12/19, P1 = 10/19.
    assert absorption(chain) == pytest.approx({"s1": 10 / 19, "s2": 12 / 19, "s3": 1.0})
    result = forecast(store, runs=2000, seed=0)
    assert [(s.history_transitions, s.from_history) for s in result.stages] == [
        (6, True), (4, True), (1, True)]
    # E 40,000 x 10/19 + F 500,000 x 12/19 + B 200,000 x 1 = 536,842.105...
    assert result.history_total == Decimal("536842.11")
    # B always closes; E and F each close or not: totals 200,000 (neither, chance
    # 9/19 x 7/19 = 17%), 240,000, 700,000 or 740,000 (both, 33%). The 5th percentile is
    # 200,000 and the 95th 740,000.
    assert (result.low, result.high) == (Decimal("200000.00"), Decimal("740000.00"))
