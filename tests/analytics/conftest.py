"""Analytics fixtures: a simulated history stored on each backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from dealflow import Playbook, load_playbook
from dealflow.analytics import simulate
from dealflow.events import Event
from dealflow.store import Store, import_events
from tests.store.conftest import store_url  # noqa: F401 - the backend fixture

END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
PLAYBOOK = load_playbook()
FOREIGN = Path(__file__).resolve().parents[1] / "playbooks" / "foreign.yaml"


@pytest.fixture(scope="session", params=["complex-b2b", "lab-subscriptions"])
def any_playbook(request: pytest.FixtureRequest) -> Playbook:
    """The bundled playbook, and one that shares no stage, fact, role or reason id with it."""
    return PLAYBOOK if request.param == "complex-b2b" else load_playbook(FOREIGN)


@pytest.fixture(scope="session")
def history() -> list[Event]:
    """Events of 300 simulated deals (seeded)."""
    return list(simulate(PLAYBOOK, deals=300, seed=7, end=END))


@pytest.fixture
def store(store_url: str, history: list[Event]) -> Iterator[Store]:  # noqa: F811
    """A store holding the simulated history."""
    with Store(store_url) as opened:
        import_events(opened, history, batch_size=1000)
        yield opened
