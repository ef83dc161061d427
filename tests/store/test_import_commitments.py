"""Importing commitment events: they come back exactly, and one that names a play its
playbook does not declare is refused with its line (issue 19)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from dealflow import (
    Engine,
    ImportProblems,
    Influence,
    Stakeholder,
    Stance,
    Store,
    add_plan_step,
    load_playbook,
    set_close_date,
    take_play,
)
from dealflow.store import export_jsonl, import_events, import_jsonl

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    engine = Engine(load_playbook(), clock=lambda: NOW)
    outcome = engine.create(deal_id="P-1", title="T", account="A", owner="li", actor="li")
    events = list(outcome.events)
    deal = outcome.deal
    opponent = Stakeholder(id="op", name="Op", roles=("technical_buyer",),
                           stance=Stance.opponent, influence=Influence.high)
    for step in (lambda d: engine.add_stakeholder(d, opponent, actor="li"),
                 lambda d: set_close_date(engine, d, dt.date(2026, 6, 30), actor="li"),
                 lambda d: add_plan_step(engine, d, what="Visit", due=dt.date(2026, 4, 1),
                                         our_owner="sales", their_owner="op", actor="li"),
                 lambda d: take_play(engine, d, "high_influence_opponent", actor="li")):
        outcome = step(deal)
        assert outcome.ok, str(outcome.report)
        deal, events = outcome.deal, events + list(outcome.events)
    with Store("sqlite://", playbook=engine.playbook) as store:
        import_events(store, events)
        out = io.StringIO()
        export_jsonl(store, out)
    path = tmp_path / "deals.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_commitment_events_import_back_exactly(exported: Path) -> None:
    with Store("sqlite://") as store:
        import_jsonl(store, exported)
        deal = store.get("P-1")
        assert deal.close_date == dt.date(2026, 6, 30)
        assert deal.close_plan[0].their_owner == "op"
        assert deal.plays["high_influence_opponent"].owner == "li"
        assert store.replay("P-1") == deal


def test_a_play_the_playbook_does_not_declare_is_refused_with_its_line(
        exported: Path) -> None:
    lines = exported.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        record = json.loads(line)
        if record.get("type") == "play_taken":
            record["play"] = "high_influence_oponent"
            lines[index] = json.dumps(record)
            broken = index + 1
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Store("sqlite://") as store, pytest.raises(ImportProblems) as caught:
        import_jsonl(store, exported)
    text = str(caught.value)
    assert f":{broken}" in text
    assert "unknown play 'high_influence_oponent'" in text
    assert "did you mean 'high_influence_opponent'" in text
