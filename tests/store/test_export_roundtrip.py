"""Every export restores: export -> a fresh store -> export gives the same file, for the
bundled playbook and for one that shares no id with it; SQLite and PostgreSQL store and
return the same JSON; an import that stops while writing says what it wrote.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from typer.testing import CliRunner

from dealflow import Deal, Engine, NextStep, Outcome, Playbook, load_playbook, parse_playbook
from dealflow.cli import app
from dealflow.errors import ImportProblems, ImportStopped, StoreError
from dealflow.evolution import upgrade
from dealflow.store import DEALS, EVENTS, Store, export_jsonl, import_jsonl
from dealflow.testing import fact_values, hostile_ids, hostile_text, stakeholders
from tests._lab import lab_playbook, lab_text
from tests.store.conftest import _postgres_url, reset_postgres

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
PLAYBOOKS = {"bundled": load_playbook(), "foreign": lab_playbook()}
Operation = Callable[[Engine, Deal], Outcome]


class Clock:
    """A clock that moves on when told to."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


def _export(store: Store) -> str:
    out = io.StringIO()
    export_jsonl(store, out)
    return out.getvalue()


@st.composite
def _operation(draw: st.DrawFn, playbook: Playbook) -> Operation:
    """One thing done to a deal; the engine may refuse it (then nothing is stored)."""
    kind = draw(st.sampled_from(["fact", "fact", "person", "item", "advance", "hold",
                                 "resume", "lose", "reopen", "back", "edit", "next"]))
    if kind == "fact":
        fact = draw(st.sampled_from(playbook.facts))
        value = draw(fact_values(fact))
        return lambda e, d: e.set_fact(d, fact.id, value, actor="ada")
    if kind == "person":
        person = draw(stakeholders(playbook, ids=hostile_ids()))
        return lambda e, d: e.add_stakeholder(d, person, actor="ada")
    if kind == "edit":
        amount = draw(st.sampled_from(["-0", "1e3", "12500.50", "0.5"]))
        return lambda e, d: e.edit(d, amount=amount, currency="EUR", actor="ada")
    if kind == "next":
        step = NextStep(what=draw(hostile_text(min_size=1)).strip() or "call", who="ada",
                        due=dt.date(2026, 2, 1))
        return lambda e, d: e.set_next_step(d, step, actor="ada")
    note = draw(hostile_text(max_size=30))
    moves: dict[str, Operation] = {
        "item": lambda e, d: _first_item(e, d, note),
        "advance": lambda e, d: e.advance(d, actor="ada"),
        "hold": lambda e, d: e.hold(d, reason="budget", resume_on=dt.date(2026, 6, 1),
                                    actor="ada"),
        "resume": lambda e, d: e.resume(d, actor="ada"),
        "lose": lambda e, d: e.lose(d, reason=playbook.lost_reasons[0].id, note=note,
                                    actor="ada"),
        "reopen": lambda e, d: e.reopen(d, actor="ada"),
        "back": lambda e, d: e.move_back(d, reason=note or "no budget", actor="ada"),
    }
    return moves[kind]


def _first_item(engine: Engine, deal: Deal, evidence: str) -> Outcome:
    items = engine.playbook.stage(deal.stage).items
    item = items[0].id if items else "none"
    return engine.complete_item(deal, item, evidence=evidence or "minutes", actor="ada")


@st.composite
def _histories(draw: st.DrawFn, playbook: Playbook) -> list[tuple[dict[str, Any],
                                                                   list[Operation]]]:
    """A few deals: how each is opened, and what is done to it."""
    ids = draw(st.lists(hostile_ids(max_size=12), min_size=1, max_size=3, unique=True))
    return [({"deal_id": deal_id, "title": draw(hostile_text(min_size=1)).strip() or "t",
              "account": "Rhine Labs", "owner": "ada", "actor": "ada",
              "amount": draw(st.sampled_from(["0", "-0", "80000", "1.2e6", "99.90"])),
              "currency": draw(st.sampled_from(["CNY", "EUR", "USD", "JPY"]))},
             draw(st.lists(_operation(playbook), max_size=8)))
            for deal_id in ids]


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_export_into_a_fresh_store_and_export_again_gives_the_same_file(name: str) -> None:
    playbook = PLAYBOOKS[name]

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(history=_histories(playbook))
    def check(history: list[tuple[dict[str, Any], list[Operation]]]) -> None:
        clock = Clock()
        with Store("sqlite://", clock=clock) as source:
            for fields, operations in history:
                source.create(playbook=playbook, **fields)
                for operation in operations:
                    clock.now += dt.timedelta(hours=5)
                    source.apply(fields["deal_id"], operation)
            first = _export(source)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "export.jsonl"
                path.write_text(first, encoding="utf-8")
                with Store("sqlite://") as fresh:
                    result = import_jsonl(fresh, path)
                    assert _export(fresh) == first
                    for fields, _ in history:
                        assert fresh.get(fields["deal_id"]) == source.get(fields["deal_id"])
                        assert fresh.replay(fields["deal_id"]) == fresh.get(fields["deal_id"])
        lines = first.split("\n")[:-1]
        assert lines == first.splitlines()  # no text breaks a line, even for splitlines
        assert result.added == len(lines) - 1  # one line is the playbook's
        assert json.loads(lines[0])["id"] == playbook.id

    check()


# -- through the CLI, on both databases ----------------------------------------------------

@pytest.fixture
def foreign_export(tmp_path: Path) -> Path:
    """An export of two deals under the foreign playbook, one of them lost."""
    clock = Clock()
    with Store(f"sqlite:///{tmp_path}/source.db", clock=clock) as store:
        for deal_id in ("L-1", "L-2"):
            store.create(playbook=lab_playbook(), deal_id=deal_id, title="Plate readers",
                         account="Rhine Labs", owner="ada", actor="ada", amount="-0")
        for operation in (lambda e, d: e.set_fact(d, "utilisation", -0.0, actor="ada"),
                          lambda e, d: e.set_fact(d, "go_live", "2026-09-01", actor="ada"),
                          lambda e, d: e.lose(d, reason="went_dark", actor="ada")):
            clock.now += dt.timedelta(days=1)
            store.apply("L-2", operation).raise_for_refusal()
        path = tmp_path / "lab.jsonl"
        path.write_text(_export(store), encoding="utf-8")
    return path


def test_an_export_of_a_foreign_playbook_restores_into_a_fresh_store_by_the_cli(
    store_url: str, foreign_export: Path, tmp_path: Path,
) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["import", str(foreign_export), "--db", store_url])
    assert result.exit_code == 0, result.output
    assert "lines: 6, added: 5, skipped: 0, deals: 2, playbooks added: 1" in result.stdout
    again = tmp_path / "again.jsonl"
    result = runner.invoke(app, ["export", "-o", str(again), "--db", store_url])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == foreign_export.read_bytes()
    shown = json.loads(runner.invoke(app, ["deal", "show", "L-2", "--db", store_url,
                                           "--format", "json"]).stdout)
    assert (shown["deal"]["amount"], shown["deal"]["facts"]) == (
        "0", {"utilisation": 0.0, "go_live": "2026-09-01"})


def test_sqlite_and_postgresql_store_and_return_the_same_json(
    foreign_export: Path, tmp_path: Path,
) -> None:
    postgres = reset_postgres(_postgres_url())
    stored = []
    for url in (f"sqlite:///{tmp_path}/copy.db", postgres):
        with Store(url) as store:
            import_jsonl(store, foreign_export)
            with store.database.connect() as conn:
                data = [row.data for row in conn.execute(select(DEALS.c.data)
                                                         .order_by(DEALS.c.id))]
                payloads = [row.payload for row in conn.execute(
                    select(EVENTS.c.payload).order_by(EVENTS.c.deal_id, EVENTS.c.seq))]
            stored.append((json.dumps(data), json.dumps(payloads), _export(store)))
    assert stored[0] == stored[1]
    assert stored[0][2] == foreign_export.read_text(encoding="utf-8")


def test_a_migrated_deal_exports_both_its_versions_and_restores(
    store_url: str, tmp_path: Path,
) -> None:
    newer = parse_playbook(lab_text().replace('version: "3-all-facts"', 'version: "4"'))
    with Store(f"sqlite:///{tmp_path}/source.db") as source:
        source.create(playbook=lab_playbook(), deal_id="L-1", title="Plate readers",
                      account="Rhine Labs", owner="ada", actor="ada")
        upgrade(source, newer, actor="ada", apply_changes=True)
        source.apply("L-1", lambda e, d: e.set_fact(d, "seats", 3, actor="ada")
                     ).raise_for_refusal()
        first = _export(source)
    records = [json.loads(line) for line in first.splitlines()]
    assert [(r["id"], r["version"]) for r in records if r["type"] == "playbook"] == [
        ("lab-subscriptions", "3-all-facts"), ("lab-subscriptions", "4")]
    path = tmp_path / "migrated.jsonl"
    path.write_text(first, encoding="utf-8")
    with Store(store_url) as fresh:
        assert import_jsonl(fresh, path).playbooks == 2
        assert _export(fresh) == first
        assert fresh.get("L-1").playbook_version == "4"
    wrong = first.replace('"to_version":"4"', '"to_version":"5"')
    path.write_text(wrong, encoding="utf-8")
    with Store(f"sqlite:///{tmp_path}/other.db") as other:
        with pytest.raises(ImportProblems) as caught:
            import_jsonl(other, path)
        assert "deal L-1 runs under playbook lab-subscriptions 5, which neither this file " \
               "(before this line) nor the store holds" in str(caught.value)
        assert other.count_deals() == 0


# -- what an import that stops says ----------------------------------------------------------

def test_an_import_that_stops_after_a_batch_says_exactly_what_it_wrote(
    foreign_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(f"sqlite:///{tmp_path}/target.db")
    calls = []
    real = Store.write_changes

    def failing_second_batch(self: Store, conn: Any, changes: Any) -> None:
        calls.append(len(changes))
        if len(calls) == 2:
            raise StoreError("the disk is full")
        real(self, conn, changes)

    monkeypatch.setattr(Store, "write_changes", failing_second_batch)
    with pytest.raises(ImportStopped) as caught:
        import_jsonl(store, foreign_export, batch_size=2)
    assert str(caught.value) == (
        f"the import of {foreign_export} stopped at line 4: the disk is full\n"
        "  written: 2 event(s) added and 0 already there, from lines 1 to 3 and 1 playbook "
        "version(s)\n"
        "  not written: the events from line 4 on\n"
        "  run the same import again to complete it: what is stored is skipped")
    assert (caught.value.added, caught.value.through, caught.value.playbooks) == (2, 3, 1)
    assert len(list(store.iter_events())) == 2
    monkeypatch.setattr(Store, "write_changes", real)
    result = import_jsonl(store, foreign_export, batch_size=2)
    assert (result.added, result.skipped, result.playbooks) == (3, 2, 0)
    store.close()


def test_an_import_that_stops_in_its_first_batch_says_nothing_was_written(
    foreign_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = Store(f"sqlite:///{tmp_path}/target.db", playbook=lab_playbook())

    def failing(self: Store, conn: Any, changes: Any) -> None:
        raise StoreError("the database is read-only; nothing was written")

    monkeypatch.setattr(Store, "write_changes", failing)
    with pytest.raises(StoreError) as caught:
        import_jsonl(store, foreign_export)
    assert str(caught.value) == "the database is read-only; nothing was written"
    assert store.count_deals() == 0
    store.close()


# -- a value out of its form already in a database -----------------------------------------

def test_a_stored_value_out_of_its_form_is_a_clear_error_when_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    with Store(url) as store:
        store.create(deal_id="D-1", title="t", account="a", owner="o", actor="o",
                     amount=Decimal(5))
        with store.writing() as conn:  # as another program (or an older dealflow) left it
            conn.execute(text("UPDATE deals SET data = json_set(data, '$.stage_entered_at', "
                              "'9999-12-31T00:00:00Z')"))
    result = CliRunner().invoke(app, ["deal", "show", "D-1", "--db", url])
    assert result.exit_code == 1
    assert ("deal 'D-1' in the store holds a value this dealflow does not take: "
            "stage_entered_at: 9999-12-31T00:00:00+00:00 is outside the times dealflow takes "
            "(1900-01-01 to 2200-12-31, UTC)") in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_an_export_keeps_each_record_on_its_line_and_its_text_whole(tmp_path: Path) -> None:
    title = "a\u2028b\u2029c\x85d\x1ce\u202ef"  # all of them break a line for splitlines()
    url = f"sqlite:///{tmp_path}/x.db"
    with Store(url) as store:
        store.create(deal_id="D-1", title=title, account="a", owner="o", actor="o")
    result = CliRunner().invoke(app, ["export", "--db", url])
    lines = result.stdout.splitlines()
    assert len(lines) == 2  # the playbook, the event
    assert json.loads(lines[1])["title"] == title
