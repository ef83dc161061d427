"""Round trips to a PostgreSQL server per store operation, counted on the wire by a proxy
(`_round_trips.RoundTrips`). The target is at most four for an operation: BEGIN, the
deal read locked, the write's statements sent together, COMMIT (see
benchmarks/README.md, "PostgreSQL round trips")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dealflow import Stakeholder
from dealflow.store import Store
from tests.store._round_trips import RoundTrips

postgres_only = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)


@pytest.fixture
def counted(store_url: str) -> Iterator[tuple[Store, RoundTrips]]:
    """A store on the test server, through the counting proxy, holding deal d1."""
    with RoundTrips(store_url) as trips:
        store = Store(trips.url)
        store.create(deal_id="d1", title="T", account="A", owner="o", actor="o")
        store.apply("d1", lambda e, d: e.set_fact(d, "pain_confirmed", True, actor="o"))
        trips.reset()
        yield store, trips
        store.close()


def _operations() -> dict[str, object]:
    person = Stakeholder(id="ines", name="Ines", roles=("initiator",))
    return {
        "set_fact": lambda e, d: e.set_fact(d, "pain_confirmed", False, actor="o"),
        "add_stakeholder": lambda e, d: e.add_stakeholder(d, person, actor="o"),
    }


@postgres_only
def test_the_proxy_counts_a_plain_read(counted: tuple[Store, RoundTrips]) -> None:
    store, trips = counted
    store.get("d1")
    first = trips.count
    store.get("d1")
    assert first >= 1
    assert trips.count == 2 * first  # each read makes the same round trips


@postgres_only
def test_a_read_of_one_statement_is_one_round_trip(counted: tuple[Store, RoundTrips]) -> None:
    store, trips = counted
    assert store.get("d1").version == 2
    assert [deal.id for deal in store.list_deals()] == ["d1"]
    assert store.count_deals() == 1
    assert trips.count == 3  # no BEGIN and ROLLBACK around them


@postgres_only
@pytest.mark.parametrize("name", ["set_fact", "add_stakeholder"])
def test_a_store_operation_makes_at_most_four_round_trips(
    counted: tuple[Store, RoundTrips], name: str
) -> None:
    store, trips = counted
    assert store.apply("d1", _operations()[name]).ok  # type: ignore[arg-type]
    assert trips.count <= 4
