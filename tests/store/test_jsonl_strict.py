"""`dealflow import` is as strict as the commands that made the events: every line that
the CLI would have refused is a problem on its line, and nothing is written (no deal, no
event, no playbook), on SQLite and PostgreSQL.

The file is an export of one deal under the foreign playbook with a fact of every type,
changed one line at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from dealflow import Stakeholder, parse_playbook
from dealflow.cli import app
from dealflow.store import Store, export_jsonl
from dealflow.store._tables import PLAYBOOKS
from tests._lab import lab_playbook, lab_text

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
Lines = list[str]


@pytest.fixture(scope="module")
def exported() -> Lines:
    """The export of deal L-1: its playbook, then 8 events (created, three facts, a
    person, an item, an advance, a loss)."""
    with Store("sqlite://", playbook=lab_playbook(), clock=lambda: START) as store:
        store.create(deal_id="L-1", title="Plate readers", account="Rhine Labs", owner="ada",
                     actor="ada", amount="80000", currency="EUR")
        for operation in (
            lambda e, d: e.set_fact(d, "seats", 12, actor="ada"),
            lambda e, d: e.set_fact(d, "utilisation", 0.5, actor="ada"),
            lambda e, d: e.add_stakeholder(d, Stakeholder(id="kim", name="Kim",
                                                          roles=("lab_head",)), actor="ada"),
            lambda e, d: e.complete_item(d, "intro_call", actor="ada"),
            lambda e, d: e.set_fact(d, "use_case_named", True, actor="ada"),
            lambda e, d: e.advance(d, actor="ada"),
            lambda e, d: e.lose(d, reason="went_dark", actor="ada"),
        ):
            store.apply("L-1", operation).raise_for_refusal()
        out = io.StringIO()
        export_jsonl(store, out)
    return out.getvalue().splitlines()


def _line(lines: Lines, kind: str, nth: int = 0) -> int:
    """The index of the `nth` line of record type `kind`."""
    return [i for i, line in enumerate(lines) if json.loads(line)["type"] == kind][nth]


def _edit(kind: str, **changes: object) -> Callable[[Lines], Lines]:
    """Change fields of the first record of type `kind`."""
    def change(lines: Lines) -> Lines:
        at = _line(lines, kind)
        record = json.loads(lines[at])
        record.update(changes)
        return [*lines[:at], json.dumps(record, ensure_ascii=False), *lines[at + 1:]]
    return change


def _raw(kind: str, old: str, new: str, nth: int = 0) -> Callable[[Lines], Lines]:
    """Replace text in the `nth` line of type `kind` (for what `json.dumps` cannot write)."""
    def change(lines: Lines) -> Lines:
        at = _line(lines, kind, nth)
        assert old in lines[at], lines[at]
        return [*lines[:at], lines[at].replace(old, new, 1), *lines[at + 1:]]
    return change


def _without_playbook(lines: Lines) -> Lines:
    return [line for line in lines if json.loads(line)["type"] != "playbook"]


def _playbook_last(lines: Lines) -> Lines:
    return [*_without_playbook(lines), lines[0]]


CASES: dict[str, tuple[Callable[[Lines], Lines], int, str]] = {
    "undeclared-fact": (
        _edit("fact_set", name="budget_status"), 3,
        "deal L-1: unknown fact 'budget_status' in playbook lab-subscriptions 3-all-facts"),
    "fact-of-another-type": (
        _edit("fact_set", value="a dozen"), 3,
        "deal L-1: fact seats takes int values: 'a dozen': expected a whole number like 12"),
    "NaN": (
        _raw("fact_set", '"value":0.5', '"value":NaN', 1), 4,
        "not valid JSON: NaN is not a number JSON allows"),
    "number-too-large": (
        _raw("fact_set", '"value":0.5', '"value":1e400', 1), 4,
        "not a valid event: value: not a finite number (NaN and infinity are refused)"),
    "duplicate-key": (
        _raw("fact_set", '"actor":"ada"', '"actor":"ada","actor":"eve"'), 3,
        "not valid JSON: the key 'actor' appears twice in one object"),
    "year-9999": (
        _edit("deal_created", at="9999-12-31T00:00:00Z"), 2,
        "not a valid event: at: 9999-12-31T00:00:00+00:00 is outside the times dealflow "
        "takes (1900-01-01 to 2200-12-31, UTC)"),
    "fullwidth-amount": (
        _edit("deal_created", amount="８００００"), 2,
        "not a valid event: amount: '８００００' uses the digit '８' (U+FF18 FULLWIDTH DIGIT "
        "EIGHT); write the amount with the digits 0-9"),
    "currency": (
        _edit("deal_created", currency="€€€"), 2,
        "not a valid event: currency: '€€€' is not an ISO 4217 currency code"),
    "id-line-break": (
        _edit("deal_created", deal_id="L-1\n"), 2,
        "not a valid event: deal_id: holds a line break (U+000A) at position 3"),
    "unknown-stage": (
        _edit("stage_advanced", to_stage="closing"), 8,
        "deal L-1: unknown stage 'closing' in playbook lab-subscriptions 3-all-facts"),
    "unknown-role": (
        _edit("stakeholder_added", stakeholder={"id": "kim", "name": "Kim",
                                                "roles": ["economic_buyer"]}), 5,
        "deal L-1: unknown role 'economic_buyer' in playbook lab-subscriptions 3-all-facts"),
    "unknown-lost-reason": (
        _edit("deal_lost", reason="price"), 9,
        "deal L-1: unknown lost reason 'price' in playbook lab-subscriptions 3-all-facts"),
    "unknown-item": (
        _edit("item_completed", item_id="kickoff"), 6,
        "deal L-1: unknown item 'kickoff' in stage inbound of playbook lab-subscriptions "
        "3-all-facts"),
    "created-later": (
        _edit("deal_created", seq=2), 2,
        "deal L-1: deal_created has seq 2; a deal begins with deal_created at seq 1"),
    "unknown-type": (
        _edit("fact_set", type="note"), 3,
        "not a valid event: 'note' is not one of"),
    "no-playbook": (
        _without_playbook, 1,
        "deal L-1 runs under playbook lab-subscriptions 3-all-facts, which neither this file "
        "(before this line) nor the store holds"),
    "playbook-after-its-deal": (
        _playbook_last, 1,
        "deal L-1 runs under playbook lab-subscriptions 3-all-facts, which neither this file "
        "(before this line) nor the store holds"),
    "invalid-playbook": (
        _edit("playbook", text="id: lab-subscriptions\nversion: 3-all-facts\n"), 1,
        "playbook lab-subscriptions 3-all-facts is not a valid playbook: <document> (line 1): "
        "missing required key 'title'"),
    "playbook-of-another-id": (
        _edit("playbook", id="lab"), 1,
        "the playbook record says lab 3-all-facts, but its text is playbook lab-subscriptions "
        "3-all-facts"),
}


def _playbooks(store: Store) -> int:
    with store.database.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(PLAYBOOKS).where(
            PLAYBOOKS.c.id == "lab-subscriptions")).scalar_one())


@pytest.mark.parametrize("case", CASES)
def test_a_line_the_cli_would_refuse_is_a_problem_and_nothing_is_imported(
    store_url: str, exported: Lines, tmp_path: Path, case: str,
) -> None:
    change, line, message = CASES[case]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(change(exported)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path), "--db", store_url])
    assert result.exit_code == 1, result.output
    assert "nothing was imported" in result.output
    assert f"{path}:{line}:1  <document>  {message}" in result.output, result.output
    assert "pydantic" not in result.output
    assert "Traceback" not in result.output
    with Store(store_url) as store:
        assert store.count_deals() == 0
        assert list(store.iter_events()) == []
        assert _playbooks(store) == 0


def test_a_playbook_whose_version_the_store_holds_with_other_content_is_refused(
    store_url: str, exported: Lines, tmp_path: Path,
) -> None:
    changed = parse_playbook(lab_text().replace("title: {en: Lab instrument subscriptions",
                                                "title: {en: Lab subscriptions", 1))
    with Store(store_url, playbook=changed):
        pass
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(exported) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path), "--db", store_url])
    assert result.exit_code == 1, result.output
    assert (f"{path}:1:1  <document>  the store holds playbook lab-subscriptions 3-all-facts "
            "with other content: a playbook version never changes once deals run under it; "
            "give the changed playbook a new version") in result.output
    with Store(store_url) as store:
        assert store.count_deals() == 0
        assert store.playbook_for("lab-subscriptions", "3-all-facts").title == changed.title


def test_the_export_itself_imports_whole(
    store_url: str, exported: Lines, tmp_path: Path,
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(exported) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path), "--db", store_url, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"lines": 9, "added": 8, "skipped": 0, "deals": 1,
                                         "playbooks": 1}
