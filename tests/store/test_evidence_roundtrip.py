"""Evidence, verifications, waivers and reviews are stored, exported and imported like
every other event: export -> a fresh store -> the same deal, and the same file again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from dealflow import Evidence, Source, Stakeholder, Store, Team, TeamMember, load_playbook
from dealflow.errors import ImportProblems
from dealflow.store import export_csv, export_jsonl, import_jsonl
from tests.conftest import FIXED, TESTS

PLAYBOOK = load_playbook(TESTS / "playbooks" / "lab-evidence.yaml")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    kept = Store(f"sqlite:///{tmp_path}/a.db", playbook=PLAYBOOK, clock=lambda: FIXED,
                 team=Team(people=(TeamMember(id="sam", name="Sam", roles=("sales_lead",)),)))
    kept.create(deal_id="L1", title="Spectrometer", account="Lab", owner="ana", actor="ana")
    for operation in (
        lambda e, d: e.add_stakeholder(d, Stakeholder(id="hana", name="Hana",
                                                      roles=("lab_head",)), actor="ana"),
        lambda e, d: e.set_fact(d, "order_in", True, actor="ana", evidence=Evidence(
            evidence="Report", source=Source.document, confirmed_by="hana",
            on=dt.date(2026, 3, 1))),
        lambda e, d: e.verify_fact(d, "order_in", by="lee", note="checked", actor="lee"),
        lambda e, d: e.set_fact(d, "trial_ok", True, actor="ana"),
        lambda e, d: e.waive(d, "trial_passed", person="sam", role="sales_lead",
                             reason="ok", until=dt.date(2026, 3, 9), actor="sam"),
        lambda e, d: e.lose(d, reason="went_quiet", actor="ana",
                            answers={"weakest": "trial_passed", "cause": "fit"}),
    ):
        assert kept.apply("L1", operation).ok
    return kept


def _export(store: Store) -> str:
    out = io.StringIO()
    export_jsonl(store, out)
    return out.getvalue()


def test_the_new_events_round_trip_through_json_lines(store: Store, tmp_path: Path) -> None:
    exported = _export(store)
    (tmp_path / "backup.jsonl").write_text(exported, encoding="utf-8")

    with Store(f"sqlite:///{tmp_path}/b.db") as restored:
        import_jsonl(restored, tmp_path / "backup.jsonl")
        assert restored.get("L1") == store.get("L1") == store.replay("L1")
        assert _export(restored) == exported
    types = [json.loads(line).get("type") for line in exported.splitlines()]
    assert {"fact_verified", "gate_waived", "review_given"} <= set(types)


def test_the_events_csv_carries_the_evidence(store: Store) -> None:
    out = io.StringIO()
    export_csv(store, out, "events")

    rows = {row["type"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert json.loads(rows["gate_waived"]["data"])["person"] == "sam"
    assert json.loads(rows["review_given"]["data"])["answers"] == {
        "weakest": "trial_passed", "cause": "fit"}


def test_an_import_that_names_what_the_playbook_lacks_is_refused(store: Store,
                                                                  tmp_path: Path) -> None:
    exported = _export(store).replace('"gate":"trial_passed","stage":"trial_run"',
                                      '"gate":"trial_passed","stage":"nowhere"')
    assert '"stage":"nowhere"' in exported
    (tmp_path / "bad.jsonl").write_text(exported, encoding="utf-8")

    with Store(f"sqlite:///{tmp_path}/c.db") as restored, pytest.raises(ImportProblems) as info:
        import_jsonl(restored, tmp_path / "bad.jsonl")
    assert "unknown stage 'nowhere'" in str(info.value)
