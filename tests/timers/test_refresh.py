"""A database written before timers and automation (schema 3) opens with every deal's
projection rebuilt from its events: `closed_at` and `activity` as a replay gives them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from dealflow import NextStep, Playbook, Stakeholder, Store
from dealflow.store import SCHEMA_VERSION
from tests.timers.conftest import Clock, open_deal

_NEW_FIELDS = ("activity", "closed_at", "items_opened")


def _as_schema_3(path: Path) -> None:
    """The database as the release before timers wrote it: version 3, and projections
    without the fields timers added."""
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        removed = ", ".join(f"'$.{name}'" for name in _NEW_FIELDS)
        conn.execute(f"UPDATE deals SET data = json_remove(data, {removed})")  # noqa: S608


def test_an_older_database_gets_projections_equal_to_a_replay(tmp_path: Path,
                                                              timed: Playbook) -> None:
    path = tmp_path / "old.db"
    clock = Clock()
    with Store(f"sqlite:///{path}", playbook=timed, clock=clock) as store:
        open_deal(store, "won", "mid")
        store.apply("won", lambda engine, deal: engine.set_next_step(deal, NextStep(
            what="Demo", who="ana", due=dt.date(2026, 3, 9)), actor="ana"))
        store.apply("won", lambda engine, deal: engine.add_stakeholder(deal, Stakeholder(
            id="olga", name="Olga", last_contact=dt.date(2026, 3, 1)), actor="ana"))
        for fact in ("demo_booked", "terms_signed"):
            clock.move_on(1)
            store.apply("won", lambda engine, deal, fact=fact: engine.set_fact(
                deal, fact, True, actor="ana"))
        store.apply("won", lambda engine, deal: engine.complete_item(
            deal, "qualify_segment", actor="ana"))
        store.apply("won", lambda engine, deal: engine.advance(deal, actor="ana"))
        store.apply("won", lambda engine, deal: engine.win(deal, actor="ana"))
        expected = store.get("won")
    assert expected.closed_at == clock()
    assert set(expected.activity) == {"next_step", "stakeholder_contact", "item_done"}
    _as_schema_3(path)
    with Store(f"sqlite:///{path}") as reopened:
        assert reopened.get("won") == expected == reopened.replay("won")
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchone()[0] == str(SCHEMA_VERSION)
