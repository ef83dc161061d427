"""Fixtures of the timers and automation tests: the example playbook of the docs
(segments, activity, automation) and a store whose clock moves only when told to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from dealflow import Playbook, Store, load_playbook
from tests.conftest import LAB_PLAYBOOK, REPO

TIMED_PLAYBOOK = REPO / "docs" / "examples" / "regional-software.yaml"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    """A clock that stands still until it is moved on."""

    def __init__(self, start: dt.datetime = START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def move_on(self, days: float) -> None:
        self.now += dt.timedelta(days=days)


@pytest.fixture
def timed() -> Playbook:
    return load_playbook(TIMED_PLAYBOOK)


@pytest.fixture
def lab() -> Playbook:
    return load_playbook(LAB_PLAYBOOK)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(timed: Playbook, clock: Clock) -> Iterator[Store]:
    with Store("sqlite://", playbook=timed, clock=clock) as opened:
        yield opened


def open_deal(store: Store, deal_id: str, segment: str | None = None, **fields: object) -> None:
    """Open a deal (in the store's playbook) and set its segment, when given."""
    store.create(deal_id=deal_id, title=f"Deal {deal_id}", account="Acme", owner="ana",
                 actor="ana", **fields)
    if segment is not None:
        store.apply(deal_id, lambda engine, deal: engine.set_fact(
            deal, "segment", segment, actor="ana"))
