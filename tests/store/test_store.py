"""The store API on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from dealflow import Engine, Stakeholder, load_playbook
from dealflow.errors import ConflictError, DealNotFound, StoreError
from dealflow.store import SCHEMA_VERSION, Store

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(store_url: str) -> Store:
    with Store(store_url, clock=lambda: NOW) as opened:
        yield opened  # type: ignore[misc]


def _new(store: Store, deal_id: str = "d1", **extra: object) -> None:
    store.create(deal_id=deal_id, title="Cracker upgrade", account="Zhenhai", owner="li",
                 actor="li", amount=80_000, **extra)


def test_a_created_deal_reads_back_equal(store: Store) -> None:
    _new(store)
    deal = store.get("d1")
    assert deal.title == "Cracker upgrade"
    assert deal.version == 1
    assert store.replay("d1") == deal


def test_operations_append_events_and_update_the_projection_together(store: Store) -> None:
    _new(store)
    store.apply("d1", lambda e, d: e.set_fact(d, "tender_date", "2026-06-30", actor="li"))
    person = Stakeholder(id="wang", name="Wang", roles=("initiator",), stance="supporter")
    store.apply("d1", lambda e, d: e.add_stakeholder(d, person, actor="li"))
    deal = store.get("d1")
    assert deal.facts["tender_date"] == dt.date(2026, 6, 30)
    assert [event.seq for event in store.events("d1")] == [1, 2, 3]
    assert store.replay("d1") == deal


def test_a_refused_operation_writes_nothing(store: Store) -> None:
    _new(store)
    outcome = store.apply("d1", lambda e, d: e.advance(d, actor="li"))
    assert not outcome.ok
    assert store.get("d1").version == 1
    assert len(store.events("d1")) == 1


def test_a_write_based_on_a_stale_read_is_a_conflict_naming_both_versions(store: Store) -> None:
    _new(store)
    stale = store.get("d1")
    store.apply("d1", lambda e, d: e.set_fact(d, "pain_confirmed", True, actor="a"))
    engine = store.engine_for(stale)
    late = engine.set_fact(stale, "pain_confirmed", False, actor="b")
    with pytest.raises(ConflictError) as caught:
        store.save(late, expected_version=stale.version)
    assert (caught.value.deal_id, caught.value.expected, caught.value.actual) == ("d1", 1, 2)
    assert caught.value.exit_code == 3
    assert store.get("d1").facts["pain_confirmed"] is True
    assert len(store.events("d1")) == 2


def test_creating_a_deal_twice_is_a_conflict(store: Store) -> None:
    _new(store)
    with pytest.raises(ConflictError):
        _new(store)


def test_an_unknown_deal_is_not_found(store: Store) -> None:
    with pytest.raises(DealNotFound):
        store.get("nope")


def test_deals_are_listed_and_filtered(store: Store) -> None:
    for index in range(5):
        _new(store, deal_id=f"d{index}")
    store.apply("d3", lambda e, d: e.lose(d, reason="competitor", actor="li"))
    assert [d.id for d in store.list_deals()] == ["d0", "d1", "d2", "d3", "d4"]
    assert [d.id for d in store.list_deals(status="lost")] == ["d3"]
    assert [d.id for d in store.list_deals(stage="qualify", status="open", limit=2)] == [
        "d0", "d1"]
    assert store.count_deals() == 5


def test_a_deal_keeps_the_playbook_version_it_runs_under(store_url: str) -> None:
    old = load_playbook()
    with Store(store_url, clock=lambda: NOW) as first:
        first.create(deal_id="d1", title="T", account="A", owner="o", actor="o")
    newer = old.model_copy(update={"version": "2.0.0"})
    with Store(store_url, playbook=newer, clock=lambda: NOW) as second:
        deal = second.get("d1")
        assert deal.playbook_version == old.version
        assert second.engine_for(deal).playbook.version == old.version


def test_a_database_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store(url).close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer than this dealflow understands"):
        Store(url)


def test_a_database_not_made_by_dealflow_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(StoreError, match="not made by dealflow"):
        Store(f"sqlite:///{tmp_path / 'other.db'}")


def test_a_database_of_the_first_released_schema_opens_and_works(tmp_path: Path) -> None:
    ddl = (Path(__file__).parent / "schema_v1.sqlite.sql").read_text(encoding="utf-8")
    with sqlite3.connect(tmp_path / "v1.db") as conn:
        conn.executescript(ddl)
    with Store(f"sqlite:///{tmp_path / 'v1.db'}", clock=lambda: NOW) as store:
        _new(store)
        assert store.replay("d1") == store.get("d1")


def test_sqlite_files_run_in_wal_mode(tmp_path: Path) -> None:
    Store(f"sqlite:///{tmp_path / 'w.db'}").close()
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        Store(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")


def test_the_store_and_the_engine_agree_on_time(store: Store) -> None:
    _new(store)
    assert store.get("d1").created_at == NOW
    assert isinstance(store.engine_for(store.get("d1")), Engine)
