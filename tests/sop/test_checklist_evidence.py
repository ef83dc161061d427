"""The checklist outputs (Markdown, HTML, JSON) show each fact's evidence and the waived
control points, on a playbook of another business (tests/playbooks/lab-evidence.yaml)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dealflow import (
    Engine,
    Stakeholder,
    Team,
    TeamMember,
    build_checklist,
    load_playbook,
    render_checklist,
)
from dealflow.deal import Deal, Evidence, Source
from tests.conftest import FIXED, TESTS

PLAYBOOK = load_playbook(TESTS / "playbooks" / "lab-evidence.yaml")


@pytest.fixture(scope="module")
def deal() -> Deal:
    team = Team(people=(TeamMember(id="sam", name="Sam", roles=("sales_lead",)),))
    engine = Engine(PLAYBOOK, clock=lambda: FIXED, team=team)
    deal = engine.create(deal_id="L-1", title="Spectrometer", account="Lab A", owner="ana",
                         actor="ana").deal
    for step in (
        lambda d: engine.add_stakeholder(d, Stakeholder(id="hana", name="Hana <b>",
                                                        roles=("lab_head",)), actor="ana"),
        lambda d: engine.set_fact(d, "order_in", True, actor="ana", evidence=Evidence(
            evidence="PO <118>", source=Source.email, confirmed_by="hana",
            on=dt.date(2026, 3, 1))),
        lambda d: engine.verify_fact(d, "order_in", by="lee", actor="lee"),
        lambda d: engine.waive(d, "trial_passed", person="sam", role="sales_lead",
                               reason="PO signed", actor="sam"),
    ):
        outcome = step(deal)
        assert outcome.ok, str(outcome.report)
        deal = outcome.deal
    return deal


def test_the_json_checklist_lists_the_evidence_and_the_waiver(deal: Deal) -> None:
    data = json.loads(render_checklist(build_checklist(PLAYBOOK, deal, now=FIXED), "json"))

    assert data["evidence"] == [{
        "fact": "order_in", "value": True, "evidence": "PO <118>", "source": "email",
        "confirmed_by": "hana", "on": "2026-03-01", "set_by": "ana",
        "set_at": FIXED.isoformat(), "verified_by": "lee", "verification_note": ""}]
    (gate,) = [g for g in data["gates"] if g["id"] == "trial_passed"]
    assert gate["passed"] is True
    assert gate["waiver"].startswith("waived by sam (sales_lead)")


@pytest.mark.parametrize(("fmt", "shown"), [
    ("md", "- `order_in` = true: PO &lt;118> (email, 2026-03-01) · confirmed by hana · "
           "set by ana · verified by lee"),
    ("html", "<li><code>order_in</code> = true: PO &lt;118&gt; (email, 2026-03-01) · "
             "confirmed by hana · set by ana · verified by lee</li>"),
], ids=["md", "html"])
def test_the_layouts_show_the_evidence_and_the_waiver(deal: Deal, fmt: str,
                                                      shown: str) -> None:
    page = render_checklist(build_checklist(PLAYBOOK, deal, now=FIXED), fmt)  # type: ignore[arg-type]

    assert shown in page
    assert "waived" in page
    assert "PO signed" in page
