"""Checklists in Chinese and what they show beside the work (issue 21): no English words
but the ids and names the user typed, the buyer phase in the heading, gate hints under
each open control point, the enablement content of the stage and of the plays that fire,
and no Markdown escapes in plain text; on the bundled playbook and on the lab playbook."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from dealflow import Deal, Playbook, Stakeholder, Status, load_playbook, parse_playbook
from dealflow._safe_text import visible
from dealflow.deal import Evidence, Provenance
from dealflow.sop import build_checklist, render_checklist
from dealflow.testing import deals
from tests._zh_words import english_words, user_words
from tests.conftest import LAB_PLAYBOOK

ENTERED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NOW = ENTERED + dt.timedelta(days=20)
LAYOUTS = ("md", "html", "plain")

_LAB_CONTENT = """    probability: 40
    content:
      - kind: product_sheet
        title: {en: Spectrometer data sheet, zh: 光谱仪产品资料}
        url: https://example.com/sheets/spectro.pdf
      - kind: talk_track
        title: {en: Trial kickoff call, zh: 试用启动通话}
        text: {en: Agree the samples and the bar before shipping, zh: 发货前先约定样品和验收标准}
      - kind: other
        title: {en: Shared drive folder, zh: 共享盘目录}
        url: "file:///srv/trials"
"""
_LAB_HINT = """        when: facts.trial_outcome == 'passed'
        hint: {en: Call the lab head to agree the bar, zh: 致电实验室主任确认验收标准}
"""
_LAB_PLAY = """plays:
  - id: trial_stuck
    name: {en: Trial stuck, zh: 试用停滞}
    when: days_in_stage > 7
    action: {en: Visit the lab, zh: 上门拜访实验室}
    stages: [trial_run]
    content:
      - kind: reference_case
        title: {en: A lab that said yes, zh: 成功签约的实验室案例}
        url: https://example.com/cases/lab
lost_reasons:
"""


def _lab_with_content() -> Playbook:
    """The lab playbook with content on its trial stage and a play, and a gate hint."""
    text = LAB_PLAYBOOK.read_text(encoding="utf-8")
    for old, new in (("    probability: 40\n", _LAB_CONTENT),
                     ("        when: facts.trial_outcome == 'passed'\n", _LAB_HINT),
                     ("lost_reasons:\n", _LAB_PLAY)):
        assert old in text, "lab-subscriptions.yaml changed: update this test"
        text = text.replace(old, new, 1)
    return parse_playbook(text, "lab-with-content.yaml")


BUNDLED = load_playbook()
LAB = _lab_with_content()
TENDER = load_playbook("tender-cn")


def _deal(playbook: Playbook, stage: str) -> Deal:
    """A deal in `stage` with a person on the map and a fact set with evidence."""
    people = (Stakeholder(id="wang", name="Wang Jun", title="Plant manager",
                          stance="supporter", influence="high"),)
    fact = next(f.id for f in playbook.facts if f.type == "bool")
    known = Provenance(evidence=Evidence(evidence="Minutes of 2 March", source="meeting",
                                         confirmed_by="wang", on=dt.date(2026, 3, 2)),
                       set_by="li.wei", set_at=ENTERED)
    return Deal(id="zh-1", title="Ethylene & cracker_upgrade <phase 2>", account="R&D Lab",
                amount=1_200_000, owner="li.wei", playbook_id=playbook.id,
                playbook_version=playbook.version, stage=stage, stakeholders=people,
                facts={fact: True}, provenance={fact: known},
                created_at=ENTERED - dt.timedelta(days=40), stage_entered_at=ENTERED)


def _cases() -> list[object]:
    return [pytest.param(playbook, stage.id, id=f"{playbook.id}-{stage.id}")
            for playbook in (BUNDLED, LAB, TENDER) for stage in playbook.stages]


@pytest.mark.parametrize("fmt", LAYOUTS)
@pytest.mark.parametrize(("playbook", "stage"), _cases())
def test_a_chinese_checklist_shows_no_english_word_but_what_the_user_typed(
        playbook: Playbook, stage: str, fmt: str) -> None:
    deal = _deal(playbook, stage)
    sheet = build_checklist(playbook, deal, now=NOW, locale="zh")
    # the control points' missing reasons and the red flags' reasons are the engine's
    # and the stakeholder analysis' words: in Chinese too (the rule text they quote is
    # the playbook's, so its words are the user's)
    page = render_checklist(sheet, fmt)  # type: ignore[arg-type]
    allowed = user_words(playbook, deal) | {"UTC"} | _rule_words(playbook)
    assert english_words(page, allowed) == []


def _rule_words(playbook: Playbook) -> set[str]:
    """The words of the playbook's rules: a missing reason quotes the part of a rule that
    failed as the playbook wrote it (`stance_of('initiator')`, `selectattr('roles')`)."""
    rules: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key in ("when", "applies_when", "for_each") and isinstance(child, str):
                    rules.append(child)
                else:
                    walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(playbook.model_dump(mode="json"))
    return set(re.findall(r"[A-Za-z]{2,}", " ".join(rules)))


@pytest.mark.parametrize("fmt", [*LAYOUTS, "json"])
@pytest.mark.parametrize("playbook", [BUNDLED, LAB], ids=["complex-b2b", "lab"])
def test_an_open_deal_is_跟进中_and_the_heading_names_the_buyer_phase(
        playbook: Playbook, fmt: str) -> None:
    stage = playbook.stages[-1]
    sheet = build_checklist(playbook, _deal(playbook, stage.id), now=NOW, locale="zh")
    page = render_checklist(sheet, fmt)  # type: ignore[arg-type]
    phase = next(p for p in playbook.buyer_phases if p.id == stage.buyer_phase)
    assert sheet.buyer_phase == phase.id
    assert sheet.buyer_phase_name == playbook.text(phase.name, "zh")
    if fmt == "json":
        assert json.loads(page)["stage"]["buyer_phase"] == {"id": phase.id,
                                                             "name": sheet.buyer_phase_name}
        return
    first_line = page.split("<h1>", 1)[-1].splitlines()[0]
    assert f"客户决策阶段: {sheet.buyer_phase_name}" in first_line
    assert "跟进中" in page
    assert "待办" not in page.split("<table", 1)[0]


def test_a_stage_that_serves_no_phase_has_no_phase_in_its_heading() -> None:
    stages = tuple(stage.model_copy(update={"buyer_phase": None}) for stage in LAB.stages)
    playbook = LAB.model_copy(update={"stages": stages})
    sheet = build_checklist(playbook, _deal(playbook, "inbound"), now=NOW, locale="en")
    assert sheet.buyer_phase is None
    assert "Buyer phase" not in render_checklist(sheet, "md")
    assert json.loads(render_checklist(sheet, "json"))["stage"]["buyer_phase"] is None


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_hint_shows_under_an_open_control_point_and_not_under_one_that_holds(
        locale: str) -> None:
    hint = LAB.text(LAB.stage("trial_run").gates[0].hint, locale)
    open_deal = _deal(LAB, "trial_run")
    passed = open_deal.model_copy(update={"facts": {"trial_outcome": "passed"}})
    for fmt in (*LAYOUTS, "json"):
        failing = render_checklist(build_checklist(LAB, open_deal, now=NOW, locale=locale), fmt)  # type: ignore[arg-type]
        holding = render_checklist(build_checklist(LAB, passed, now=NOW, locale=locale), fmt)  # type: ignore[arg-type]
        assert hint in failing, fmt
        assert hint not in holding or fmt == "json", fmt  # JSON gives every gate's hint


def test_the_content_of_the_stage_and_of_a_firing_play_shows_in_every_layout() -> None:
    sheet = build_checklist(LAB, _deal(LAB, "trial_run"), now=NOW, locale="zh")
    assert [line.kind for line in sheet.content] == ["product_sheet", "talk_track", "other"]
    assert [p.play for p in sheet.plays] == ["trial_stuck"]
    md = render_checklist(sheet, "md")
    assert "- 产品资料: [光谱仪产品资料](<https://example.com/sheets/spectro.pdf>)" in md
    assert "- 话术: 试用启动通话 · 发货前先约定样品和验收标准" in md
    assert "  - 参考案例: [成功签约的实验室案例](<https://example.com/cases/lab>)" in md
    html = render_checklist(sheet, "html")
    assert '<a href="https://example.com/sheets/spectro.pdf" rel="noopener noreferrer">' in html
    assert '<a href="https://example.com/cases/lab"' in html
    plain = render_checklist(sheet, "plain")
    assert "产品资料: 光谱仪产品资料 <https://example.com/sheets/spectro.pdf>" in plain
    data = json.loads(render_checklist(sheet, "json"))
    assert data["stage"]["content"][0] == {
        "kind": "product_sheet", "kind_name": "产品资料", "title": "光谱仪产品资料",
        "url": "https://example.com/sheets/spectro.pdf", "text": None}
    assert data["plays"][0]["content"][0]["title"] == "成功签约的实验室案例"


def test_a_link_that_is_not_a_web_address_is_shown_as_text_never_as_a_link() -> None:
    sheet = build_checklist(LAB, _deal(LAB, "trial_run"), now=NOW, locale="en")
    html = render_checklist(sheet, "html")
    assert "file:///srv/trials" in html
    assert 'href="file:' not in html
    assert "](<file:" not in render_checklist(sheet, "md")
    assert "`file:///srv/trials`" in render_checklist(sheet, "md")


def test_the_bundled_playbook_without_content_shows_no_content_heading() -> None:
    sheet = build_checklist(BUNDLED, _deal(BUNDLED, "qualify"), now=NOW, locale="en")
    assert not sheet.content
    assert "Enablement content" not in render_checklist(sheet, "md")


@pytest.mark.parametrize("playbook", [BUNDLED, LAB], ids=["complex-b2b", "lab"])
def test_plain_text_has_no_markdown_escapes_and_markdown_only_those_needed(
        playbook: Playbook) -> None:
    deal = _deal(playbook, playbook.stages[0].id)
    sheet = build_checklist(playbook, deal, now=NOW, locale="en")
    plain = render_checklist(sheet, "plain")
    assert "Ethylene & cracker_upgrade <phase 2>" in plain
    for mark in ("&amp;", "&lt;", "\\_", "\\*", "**"):
        assert mark not in plain
    md = render_checklist(sheet, "md")
    assert "# Ethylene & cracker_upgrade &lt;phase 2> ·" in md  # `_` inside a word stays
    assert "R&D Lab" in md


@pytest.mark.parametrize(("value", "shown"), [
    ("contract_signed", "contract_signed"),
    ("_x_", "\\_x\\_"),
    ("a _b_ c", "a \\_b\\_ c"),
    ("snake__case", "snake__case"),
    ("R&D", "R&D"),
    ("&amp; &#42;", "&amp;amp; &amp;#42;"),
    ("> quote", "\\> quote"),
    ("a > b", "a > b"),
    ("<b>", "&lt;b>"),
], ids=repr)
def test_markdown_escapes_only_what_markdown_would_read(value: str, shown: str) -> None:
    deal = _deal(LAB, "inbound").model_copy(update={"title": value})
    md = render_checklist(build_checklist(LAB, deal, now=NOW, locale="en"), "md")
    assert md.startswith(f"# {shown} · ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal=deals(LAB), title=st.text(max_size=40))
def test_plain_text_keeps_a_value_on_its_line_as_written(deal: Deal, title: str) -> None:
    deal = deal.model_copy(update={"title": title})
    plain = render_checklist(build_checklist(LAB, deal, now=NOW, locale="zh"), "plain")
    twin = render_checklist(build_checklist(LAB, deal.model_copy(update={"title": "x"}),
                                            now=NOW, locale="zh"), "plain")
    shown = " ".join(visible(title.replace("\r\n", "\n")).splitlines()).strip()
    assert plain.splitlines()[0] == f"{shown} · {twin.splitlines()[0].removeprefix('x · ')}"
    assert len(plain.splitlines()) == len(twin.splitlines())


@pytest.mark.parametrize(("playbook", "reason", "name"), [
    (BUNDLED, "competitor", None), (LAB, "went_dark", "失联")], ids=["complex-b2b", "lab"])
def test_a_lost_deal_shows_its_lost_reason_by_name_not_id(playbook: Playbook, reason: str,
                                                          name: str | None) -> None:
    known = next(r for r in playbook.lost_reasons if r.id == reason)
    name = name or playbook.text(known.name, "zh")
    deal = _deal(playbook, playbook.stages[0].id).model_copy(
        update={"status": Status.lost, "lost_reason": reason})
    sheet = build_checklist(playbook, deal, now=NOW, locale="zh")
    assert sheet.lost_reason_name == name
    for fmt in LAYOUTS:
        page = render_checklist(sheet, fmt)  # type: ignore[arg-type]
        assert f"状态: 丢单 · 丢单原因: {name}" in page, fmt
        assert reason not in page.split("\n\n", 2)[1], fmt
    data = json.loads(render_checklist(sheet, "json"))["deal"]
    assert (data["lost_reason"], data["lost_reason_name"]) == (reason, name)


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize(("playbook", "stage"), _cases())
def test_every_open_control_point_with_a_hint_shows_it(playbook: Playbook, stage: str,
                                                       locale: str) -> None:
    sheet = build_checklist(playbook, _deal(playbook, stage), now=NOW, locale=locale)
    hints = [gate.hint for gate in sheet.gates if gate.hint and not gate.passed
             and gate.state != "not_applicable"]
    for fmt in LAYOUTS:
        page = render_checklist(sheet, fmt)  # type: ignore[arg-type]
        for hint in hints:
            shown = str(escape(hint)) if fmt == "html" else hint
            assert shown in page, (fmt, hint)


def test_evidence_shows_its_source_and_a_yes_in_the_locale() -> None:
    sheet = build_checklist(LAB, _deal(LAB, "inbound"), now=NOW, locale="zh")
    for fmt in LAYOUTS:
        page = render_checklist(sheet, fmt)  # type: ignore[arg-type]
        assert "= 是: Minutes of 2 March (会议, 2026-03-02)" in page, fmt
    english = render_checklist(build_checklist(LAB, _deal(LAB, "inbound"), now=NOW), "plain")
    assert "use_case_named = true: Minutes of 2 March (meeting, 2026-03-02)" in english
