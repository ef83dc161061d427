"""CSV export of deals and events: the `csv` module's quoting and formula neutralisation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dealflow import Deal, NextStep, load_playbook
from dealflow.cli import app
from dealflow.store import Store, export_csv, neutralise
from dealflow.store._csv_export import DEAL_COLUMNS, EVENT_COLUMNS, write_deals_csv
from dealflow.testing import HOSTILE_STRINGS, hostile_text

PLAYBOOK = load_playbook()
CREATED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DANGER = ("=", "+", "-", "@", "\t", "\r")


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _deal(title: str, **fields: object) -> Deal:
    values: dict[str, object] = {
        "id": "D-1", "title": title, "account": title, "owner": title, "amount": 5,
        "playbook_id": PLAYBOOK.id, "playbook_version": PLAYBOOK.version, "stage": "qualify",
        "created_at": CREATED, "stage_entered_at": CREATED,
        "next_step": NextStep(what=title, who=title, due=dt.date(2026, 4, 1)), **fields}
    return Deal.model_validate(values)


def _starts_formula(cell: str) -> bool:
    return cell[:1] in DANGER or cell.lstrip()[:1] in DANGER


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1-2", "'+1-2"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1", "'  =1"),
    ("\n@x", "'\n@x"), ("a=b", "a=b"), ("Acme - West", "Acme - West"), ("", ""),
    ("'quoted", "'quoted"), ("石油化工", "石油化工"),
], ids=repr)
def test_a_cell_that_would_start_a_formula_gets_a_quote_in_front(cell: str,
                                                                  written: str) -> None:
    assert neutralise(cell) == written


@given(hostile_text(max_size=60))
def test_no_neutralised_text_starts_a_formula(text: str) -> None:
    cell = neutralise(text)
    assert not _starts_formula(cell)
    assert cell in (text, "'" + text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile_text(min_size=1, max_size=60).filter(str.strip),
       fact=hostile_text(max_size=40), number=st.integers(-10**6, 10**6))
def test_a_deal_row_reads_back_as_its_neutralised_text(title: str, fact: str,
                                                        number: int) -> None:
    deal = _deal(title, facts={"competitor": fact, "x_score": number})
    out = io.StringIO(newline="")
    write_deals_csv(out, [deal], ["competitor"])
    header, row = _rows(out.getvalue())  # line breaks inside cells do not split rows
    cells = dict(zip(header, row, strict=True))
    for column in ("title", "account", "owner", "next_step", "next_step_who"):
        assert cells[column] == neutralise(title)
    assert cells["fact:competitor"] == neutralise(fact)
    assert cells["amount"] == "5"
    assert json.loads(cells["other_facts"]) == {"x_score": number}
    assert not any(_starts_formula(cell) for cell in row if cell != cells["other_facts"])


def test_numbers_held_as_numbers_are_written_plainly() -> None:
    deal = _deal("T", facts={"x_int": -5, "x_float": -0.25}, amount=Decimal("1200000.50"))
    out = io.StringIO(newline="")
    write_deals_csv(out, [deal], ["x_int", "x_float"])
    cells = dict(zip(*_rows(out.getvalue()), strict=True))
    assert (cells["fact:x_int"], cells["fact:x_float"], cells["amount"]) == (
        "-5", "-0.25", "1200000.50")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/x.db") as opened:
        yield opened


def _add(store: Store, deal_id: str, text: str) -> None:
    store.create(deal_id=deal_id, title=text, account=text, owner=text, actor=text[:200],
                 amount="12.5").raise_for_refusal()
    store.apply(deal_id, lambda e, d: e.set_fact(d, "competitor", text, actor=text[:200])
                ).raise_for_refusal()


def test_the_store_export_has_a_row_per_deal_and_a_column_per_fact(store: Store) -> None:
    for index, text in enumerate(HOSTILE_STRINGS):
        _add(store, f"D-{index:02}", text)
    out = io.StringIO(newline="")
    assert export_csv(store, out) == len(HOSTILE_STRINGS)
    header, *rows = _rows(out.getvalue())
    assert header[:len(DEAL_COLUMNS)] == list(DEAL_COLUMNS)
    assert header[len(DEAL_COLUMNS):-1] == [f"fact:{fact.id}" for fact in PLAYBOOK.facts]
    assert [row[header.index("title")] for row in rows] == [
        neutralise(text) for text in HOSTILE_STRINGS]
    assert [row[header.index("fact:competitor")] for row in rows] == [
        neutralise(text) for text in HOSTILE_STRINGS]


def test_the_events_export_has_a_row_per_event_with_its_data_as_json(store: Store) -> None:
    _add(store, "D-1", "=cmd|' /C calc'!A0")
    out = io.StringIO(newline="")
    assert export_csv(store, out, "events", "D-1") == 2
    header, *rows = _rows(out.getvalue())
    assert header == list(EVENT_COLUMNS)
    assert [row[:2] + row[4:5] for row in rows] == [["D-1", "1", "deal_created"],
                                                   ["D-1", "2", "fact_set"]]
    assert rows[0][3] == "'=cmd|' /C calc'!A0"
    assert json.loads(rows[0][5])["title"] == "=cmd|' /C calc'!A0"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    with Store(url) as opened:
        _add(opened, "D-1", "@SUM(1)\nline two, \"quoted\"")
    return url


def test_the_cli_writes_deals_as_csv(db: str) -> None:
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--db", db])
    assert result.exit_code == 0, result.output
    header, row = _rows(result.stdout)
    assert row[header.index("title")] == "'@SUM(1)\nline two, \"quoted\""


def test_the_cli_writes_events_as_csv_to_a_file(db: str, tmp_path: Path) -> None:
    target = tmp_path / "events.csv"
    result = CliRunner().invoke(app, ["export", "-f", "csv", "--what", "events", "-o",
                                      str(target), "--db", db])
    assert result.exit_code == 0, result.output
    assert "wrote 2 event(s)" in result.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 3
    assert target.read_bytes().count(b"\r\n") == 3  # RFC 4180 row ends; the cell's \n stays


def test_json_lines_hold_no_deals(db: str) -> None:
    result = CliRunner().invoke(app, ["export", "--what", "deals", "--db", db])
    assert result.exit_code == 2
    assert "--format csv" in result.output
