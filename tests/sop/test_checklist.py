"""Per-deal checklists: items, owners and due dates, in every format and locale."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow import Deal, Engine, Playbook, Stakeholder, load_playbook
from dealflow.sop import CHECKLIST_SCHEMA, build_checklist, render_checklist
from dealflow.testing import deals

PLAYBOOK = load_playbook()
ENTERED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NOW = ENTERED + dt.timedelta(days=6)
FORMATS = ("md", "html", "json", "plain")


def _realistic_deal(stage: str) -> Deal:
    people = (
        Stakeholder(id="wang", name="Wang Jun", title="Plant manager",
                    roles=("initiator", "user_buyer"), stance="supporter", influence="high",
                    last_contact=dt.date(2026, 3, 1)),
        Stakeholder(id="zhao", name="Zhao Min", title="CFO", roles=("economic_buyer",),
                    stance="skeptic", influence="high"),
        Stakeholder(id="chen", name="Chen Li", title="Chief engineer",
                    roles=("technical_buyer",), stance="neutral", influence="medium"),
    )
    return Deal(id="zh-1", title="Ethylene cracker control upgrade", account="Zhenhai Refining",
                amount=1_200_000, owner="li.wei", playbook_id=PLAYBOOK.id,
                playbook_version=PLAYBOOK.version, stage=stage, stakeholders=people,
                facts={"tender_date": dt.date(2026, 3, 20), "competitor": "Honeywell",
                       "industry": "petrochemical"},
                created_at=ENTERED - dt.timedelta(days=40), stage_entered_at=ENTERED)


STAGE_IDS = [stage.id for stage in PLAYBOOK.stages]


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize("stage_id", STAGE_IDS)
def test_every_stage_checklist_lists_its_applicable_items_with_owner_and_due_date(
    stage_id: str, locale: str
) -> None:
    deal = _realistic_deal(stage_id)
    sheet = build_checklist(PLAYBOOK, deal, now=NOW, locale=locale)
    stage = PLAYBOOK.stage(stage_id)
    ctx_ids = {item.item_id for item in sheet.items}
    assert ctx_ids <= {item.id for item in stage.items}
    assert sheet.items, f"{stage_id} has no applicable item for a realistic deal"
    owners = {role.id: PLAYBOOK.text(role.name, locale) for role in PLAYBOOK.our_roles}
    for line in sheet.items:
        item = next(i for i in stage.items if i.id == line.item_id)
        assert line.owner == item.owner
        assert line.owner_name == owners[item.owner]
        assert line.due == ENTERED.date() + dt.timedelta(days=item.due_days)
        assert line.state == ("overdue" if line.due < NOW.date() else "open")
        assert "{{" not in line.text
        assert "could not fill in" not in line.text
    for fmt in FORMATS:
        page = render_checklist(sheet, fmt)
        for line in sheet.items:
            assert line.id in page
            assert line.due.isoformat() in page
        assert sheet.stage_name in page


def test_the_json_checklist_has_the_documented_versioned_shape() -> None:
    sheet = build_checklist(PLAYBOOK, _realistic_deal("discover"), now=NOW, locale="en")
    data = json.loads(render_checklist(sheet, "json"))
    assert data["schema"] == CHECKLIST_SCHEMA
    assert set(data) == {"schema", "generated_at", "locale", "playbook", "deal", "stage",
                         "items", "gates", "red_flags", "plays", "evidence", "close_date",
                         "close_plan", "plays_taken"}
    assert set(data["items"][0]) == {"id", "item_id", "text", "owner", "owner_name", "due",
                                     "state", "blocking", "evidence_required", "stakeholder",
                                     "done"}


def test_a_for_each_item_is_repeated_per_matching_stakeholder_with_a_stable_id() -> None:
    sheet = build_checklist(PLAYBOOK, _realistic_deal("discover"), now=NOW, locale="en")
    repeated = [line for line in sheet.items if line.item_id == "meet_skeptic"]
    assert [line.id for line in repeated] == ["meet_skeptic@zhao"]
    assert "Zhao Min" in repeated[0].text


def test_a_situation_item_appears_only_when_its_condition_holds() -> None:
    big = build_checklist(PLAYBOOK, _realistic_deal("discover"), now=NOW)
    small_deal = _realistic_deal("discover").model_copy(update={"amount": 20_000})
    small = build_checklist(PLAYBOOK, small_deal, now=NOW)
    assert "exec_sponsor_visit" in {line.id for line in big.items}
    assert "exec_sponsor_visit" not in {line.id for line in small.items}


def test_a_done_item_stays_done_and_is_shown_as_no_longer_applying_when_the_situation_changes(
) -> None:
    engine = Engine(PLAYBOOK, clock=lambda: NOW)
    deal = _realistic_deal("discover")
    deal = engine.complete_item(deal, "meet_skeptic@zhao", actor="li", raise_on_refusal=True).deal
    deal = engine.update_stakeholder(deal, "zhao", stance="champion", actor="li").deal
    sheet = build_checklist(PLAYBOOK, deal, now=NOW)
    line = next(line for line in sheet.items if line.id == "meet_skeptic@zhao")
    assert line.state == "not_applicable"
    assert line.done is not None
    assert line.done.actor == "li"


def test_an_item_that_requires_evidence_cannot_be_done_without_it() -> None:
    engine = Engine(PLAYBOOK, clock=lambda: NOW)
    deal = _realistic_deal("discover")
    refused = engine.complete_item(deal, "map_decision_chain", actor="li")
    assert not refused.ok
    assert refused.report.blocking[0].id == "evidence"
    done = engine.complete_item(deal, "map_decision_chain", actor="li", evidence="map.xlsx")
    assert done.ok
    line = next(line for line in build_checklist(PLAYBOOK, done.deal, now=NOW).items
                if line.id == "map_decision_chain")
    assert line.state == "done"
    assert line.done is not None
    assert line.done.evidence == "map.xlsx"


def test_the_page_shows_open_gates_red_flags_and_plays() -> None:
    sheet = build_checklist(PLAYBOOK, _realistic_deal("discover"), now=NOW, locale="en")
    page = render_checklist(sheet, "md")
    assert any(not gate.passed for gate in sheet.gates)
    assert sheet.red_flags
    assert sheet.plays
    assert "Control points" in page
    assert "Red flags" in page
    assert "Plays" in page
    assert sheet.plays[0].situation.replace("*", "") in page.replace("\\", "")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_team_template_directory_overrides_the_bundled_layout(
    fmt: str, tmp_path: pytest.TempPathFactory
) -> None:
    folder = tmp_path  # type: ignore[assignment]
    (folder / f"checklist.{fmt}.j2").write_text("{{ c.deal.title }}: {{ c.items | length }}",
                                                 encoding="utf-8")
    sheet = build_checklist(PLAYBOOK, _realistic_deal("qualify"), now=NOW)
    assert render_checklist(sheet, fmt, template_dir=folder) == (
        f"Ethylene cracker control upgrade: {len(sheet.items)}")


_TAG = re.compile(r"<(/?)([a-zA-Z!][a-zA-Z0-9]*)")
_PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "div", "p",
              "strong", "table", "thead", "tbody", "tr", "th", "td", "em", "br", "small",
              "code", "ul", "li", "!DOCTYPE",
              # the decision chain's SVG, drawn by dealflow (issue 20)
              "svg", "defs", "marker", "path", "rect", "text", "g", "circle", "line",
              # links to the playbook's enablement content (issue 21)
              "a"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal=deals(PLAYBOOK), locale=st.sampled_from(["en", "zh"]),
       days=st.integers(0, 120))
def test_any_generated_deal_renders_in_every_format_and_html_never_leaks_markup(
    deal: Deal, locale: str, days: int
) -> None:
    now = deal.stage_entered_at + dt.timedelta(days=days)
    sheet = build_checklist(PLAYBOOK, deal, now=now, locale=locale)
    for fmt in FORMATS:
        page = render_checklist(sheet, fmt)
        assert page
    html = render_checklist(sheet, "html")
    tags = {match.group(2) for match in _TAG.finditer(html)}
    assert tags <= _PAGE_TAGS, f"unescaped markup from deal data: {tags - _PAGE_TAGS}"
    md = render_checklist(sheet, "md")
    assert "<script" not in md
    json.loads(render_checklist(sheet, "json"))


def test_the_minimal_playbook_renders_too(minimal_playbook: Playbook) -> None:
    deal = Deal(id="m1", title="T", account="A", owner="o", playbook_id=minimal_playbook.id,
                playbook_version=minimal_playbook.version, stage="qualify",
                created_at=ENTERED, stage_entered_at=ENTERED)
    sheet = build_checklist(minimal_playbook, deal, now=NOW, locale="zh")
    assert "与A开展需求访谈" in render_checklist(sheet, "md")


def test_the_chain_map_is_drawn_only_when_a_layout_shows_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dealflow.sop import _checklist as module

    drawn: list[str] = []
    real = module.chain_svg

    def counting(*args: object, **kwargs: object) -> str:
        drawn.append("svg")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "chain_svg", counting)
    playbook = load_playbook()
    now = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    deal = Deal(id="d", title="T", account="A", owner="o", playbook_id=playbook.id,
                playbook_version=playbook.version, stage=playbook.stages[0].id,
                created_at=now, stage_entered_at=now,
                stakeholders=(Stakeholder(id="p", name="Pat", roles=("initiator",)),))
    sheet = build_checklist(playbook, deal, now=now)
    render_checklist(sheet, "md")
    render_checklist(sheet, "json")
    assert drawn == []
    html = render_checklist(sheet, "html")
    assert drawn == ["svg"]
    assert "<svg" in html
    assert sheet.chain_map.startswith("<svg")
    render_checklist(sheet, "html")
    assert drawn == ["svg"]  # drawn once, then kept
