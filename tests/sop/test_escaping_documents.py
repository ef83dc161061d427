"""Deal, stakeholder and playbook text in documents shows as text and changes no structure:
Markdown and HTML checklists, the HTML report and the Mermaid diagram; JSON gives back
the very text."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markupsafe import escape

from dealflow import Deal, NextStep, Playbook, Stakeholder, load_playbook
from dealflow._safe_text import INVISIBLE, visible
from dealflow.analytics import render_report
from dealflow.engine import mermaid
from dealflow.errors import ImportProblems
from dealflow.playbook import LocalizedText
from dealflow.sop import build_checklist, render_checklist
from dealflow.store import Store, export_jsonl, import_jsonl
from dealflow.testing import HOSTILE_STRINGS, deals, hostile_ids, hostile_text, stakeholders

PLAYBOOK = load_playbook()
STR_FACTS = {fact.id for fact in PLAYBOOK.facts if fact.type == "str"}
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
TEXT = hostile_text(min_size=1, max_size=60).filter(str.strip)
HOSTILE_MARKDOWN = ("[x](javascript:alert(1))", "![i](http://x/i.png)", "<script>x</script>",
                    "| a | b |", "*em* _em_ **b**", "# h", "`code`", "``", "a\n\n# b",
                    "1. one", "- item", "---", "===", "> quote", "<http://x>",
                    "&lt;tag&gt;", "[ref]: http://x", "    indented", "~~~", "\\", "a\r\n- b")
"""Markdown that would open a link, image, HTML, emphasis, heading, list, table, code,
quote, rule or setext heading if it were not escaped."""


def _one_line(text: str) -> str:
    return " ".join(visible(text.replace("\r\n", "\n")).splitlines()).strip()


@st.composite
def hostile_deals(draw: st.DrawFn) -> Deal:
    """A generated deal with hostile text everywhere: people with hostile ids (they end up
    in item ids), and a next step."""
    deal = draw(deals(PLAYBOOK))
    people = draw(st.lists(stakeholders(PLAYBOOK, ids=hostile_ids()),
                           max_size=5, unique_by=lambda p: p.id))
    title = draw(st.one_of(st.sampled_from(HOSTILE_MARKDOWN), TEXT))
    step = NextStep(what=draw(TEXT), who=draw(TEXT), due=dt.date(2026, 7, 1))
    return deal.model_copy(update={"title": title, "stakeholders": tuple(people),
                                   "next_step": step})


def _twin(deal: Deal) -> Deal:
    """The same deal with every text replaced by a plain word: its documents must have
    the same structure."""
    people = tuple(person.model_copy(update={  # an empty win stays empty (a red flag reads it)
        "id": f"p{index}", "name": f"n{index}", "title": "t",
        "org_win": "o" if person.org_win else "", "personal_win": "w" if person.personal_win
        else ""}) for index, person in enumerate(deal.stakeholders))
    facts = {name: "x" if name in STR_FACTS and isinstance(value, str) and value.strip()
             else value for name, value in deal.facts.items()}
    return deal.model_copy(update={
        "title": "x", "account": "x", "owner": "x", "stakeholders": people, "facts": facts,
        "next_step": NextStep(what="w", who="w", due=dt.date(2026, 7, 1))})


def _pages(deal: Deal, fmt: str) -> tuple[str, str]:
    now = deal.stage_entered_at + dt.timedelta(days=3)
    return tuple(render_checklist(build_checklist(PLAYBOOK, which, now=now), fmt)
                 for which in (deal, _twin(deal)))  # type: ignore[return-value]


def _markdown_skeleton(page: str) -> list[str]:
    """The Markdown's blocks and inline elements (links, code, emphasis, HTML ...), less
    the text."""
    found = []
    for token in MARKDOWN.parse(page):
        found.append(f"{token.type}:{token.tag}")
        found += [child.type for child in token.children or ()
                  if child.type not in ("text", "softbreak", "text_special")]
    return found


def _markdown_text(page: str) -> str:
    return " ".join(child.content for token in MARKDOWN.parse(page)
                    for child in token.children or () if child.type == "text")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal=hostile_deals())
def test_markdown_checklists_keep_their_structure_and_show_the_text(deal: Deal) -> None:
    page, twin = _pages(deal, "md")
    assert _markdown_skeleton(page) == _markdown_skeleton(twin)
    text = _markdown_text(page)
    for value in (deal.title, deal.account, deal.owner):
        assert _one_line(value) in text


@pytest.mark.parametrize("title", HOSTILE_MARKDOWN + HOSTILE_STRINGS, ids=repr)
def test_markdown_syntax_in_a_title_is_text(title: str) -> None:
    deal = _realistic().model_copy(update={"title": title})
    page, twin = _pages(deal, "md")
    assert _markdown_skeleton(page) == _markdown_skeleton(twin)
    assert _markdown_text(page).startswith(_one_line(title))


def _realistic() -> Deal:
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    return Deal(id="D-1", title="T", account="A", owner="o", playbook_id=PLAYBOOK.id,
                playbook_version=PLAYBOOK.version, stage="qualify", created_at=at,
                stage_entered_at=at, next_step=NextStep(what="w", who="w",
                                                        due=dt.date(2026, 7, 1)))


class _Html(HTMLParser):
    """Every element and attribute name, in order, and the text of each `h1`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skeleton: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skeleton.append(f"<{tag} {' '.join(name for name, _ in attrs)}>")
        self.attributes += attrs
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self.skeleton.append(f"</{tag}>")
        self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def _html(page: str) -> _Html:
    parsed = _Html()
    parsed.feed(page)
    parsed.close()
    return parsed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal=hostile_deals())
def test_html_checklists_keep_their_elements_and_show_the_text(deal: Deal) -> None:
    page, twin = _pages(deal, "html")
    parsed = _html(page)
    assert parsed.skeleton == _html(twin).skeleton
    assert not any(name.startswith("on") or (value or "").lstrip().lower().startswith(
        "javascript:") for name, value in parsed.attributes if name != "data-item")
    assert parsed.h1.startswith(deal.title)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal=hostile_deals())
def test_json_checklists_give_back_the_very_text(deal: Deal) -> None:
    page, _ = _pages(deal, "json")
    data = json.loads(page)
    assert {key: data["deal"][key] for key in ("id", "title", "account", "owner")} == {
        "id": deal.id, "title": deal.title, "account": deal.account, "owner": deal.owner}
    stakeholder_items = {item["stakeholder"] for item in data["items"] if item["stakeholder"]}
    assert stakeholder_items <= {person.id for person in deal.stakeholders}


def _renamed(title: str, names: list[str]) -> Playbook:
    stages = tuple(stage.model_copy(update={"name": LocalizedText(name)})
                   for stage, name in zip(PLAYBOOK.stages, names, strict=False))
    return PLAYBOOK.model_copy(update={"title": LocalizedText(title),
                                       "stages": stages + PLAYBOOK.stages[len(stages):]})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, names=st.lists(TEXT, min_size=1, max_size=len(PLAYBOOK.stages)))
def test_mermaid_labels_stay_on_their_line_inside_their_quotes(title: str,
                                                               names: list[str]) -> None:
    diagram = mermaid(_renamed(title, names))
    plain = mermaid(_renamed("x", ["x"] * len(names)))
    assert len(diagram.splitlines()) == len(plain.splitlines())
    assert not INVISIBLE.search(diagram)
    front = diagram.split("---\n")[1]
    assert yaml.safe_load(front) == {"title": _one_line(title)}
    for stage, name in zip(PLAYBOOK.stages, names, strict=False):
        phase = next(p for p in PLAYBOOK.buyer_phases if p.id == stage.buyer_phase)
        label = _one_line(f"{name} ({stage.probability}%) · buyer: "  # the phase it serves
                          f"{PLAYBOOK.text(phase.name)}").replace('"', "'")
        assert f'    state "{label}" as {stage.id}\n' in diagram or \
            f'state "{label}" as {stage.id}\n' in diagram


@functools.cache
def _report(owner: str, title: str) -> str:
    with Store("sqlite://") as store:
        for deal_id in ("D-1", "D-2"):
            store.create(deal_id=deal_id, title=title, account=title, owner=owner,
                         actor="a").raise_for_refusal()
        store.apply("D-2", lambda e, d: e.lose(d, reason="price", note=title, actor="a")
                    ).raise_for_refusal()
        return render_report(store, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(owner=TEXT, title=TEXT)
def test_the_html_report_shows_owners_as_text(owner: str, title: str) -> None:
    page = _report(owner, title)
    parsed = _html(page)
    assert parsed.skeleton == _html(_report("x", "x")).skeleton
    assert not any(name.startswith("on") for name, _ in parsed.attributes)
    assert f"<td>{escape(owner)}</td>" in page


@pytest.mark.parametrize("person_id", ["a`b", "``", "`x`", "x` <b>*y*</b> `", "a ` b"])
def test_an_item_id_holding_backticks_stays_one_code_span(person_id: str) -> None:
    person = Stakeholder(id=person_id, name="n", roles=("initiator",), influence="high",
                         stance="opponent")  # `meet_skeptic` repeats for this person
    deal = _realistic().model_copy(update={"stage": "discover", "stakeholders": (person,)})
    page, twin = _pages(deal, "md")
    assert _markdown_skeleton(page) == _markdown_skeleton(twin)
    spans = [child.content for token in MARKDOWN.parse(page) for child in token.children or ()
             if child.type == "code_inline"]
    assert f"meet_skeptic@{_one_line(person_id)}" in spans


# -- lone surrogates: refused where they come in, so every export can encode its text ---

SURROGATE = "bad \udcff byte"
"""How Python decodes the byte 0xff of a command line, a file name or a JSON escape."""


@pytest.mark.parametrize(("operation", "where"), [
    (lambda e, d: e.set_fact(d, "competitor", SURROGATE, actor="a"), "'bad \\udcff byte'"),
    (lambda e, d: e.complete_item(d, "discovery_meeting", evidence=SURROGATE, actor="a"),
     "evidence: \\udcff at position 4"),
    (lambda e, d: e.lose(d, reason="price", note=SURROGATE, actor="a"),
     "note: \\udcff at position 4"),
], ids=["fact", "evidence", "lost note"])
def test_text_with_a_lone_surrogate_is_refused_naming_the_field(
        operation: Any, where: str) -> None:
    with Store("sqlite://") as store:
        store.create(deal_id="D-1", title="t", account="a", owner="o", actor="a")
        outcome = store.apply("D-1", operation)
        assert not outcome.ok
        assert where in str(outcome.report)
        assert "not valid Unicode" in str(outcome.report)
        assert len(store.events("D-1")) == 1


def test_an_import_line_with_a_surrogate_escape_is_a_problem_and_nothing_is_written(
        tmp_path: Path) -> None:
    with Store("sqlite://") as source:
        source.create(deal_id="D-1", title="t", account="a", owner="o", actor="a")
        buffer = io.StringIO()
        export_jsonl(source, buffer)
    line = json.loads(buffer.getvalue().splitlines()[-1])
    line["title"] = "t \udcff"
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")  # ASCII: "\udcff" escaped
    with Store("sqlite://") as target:
        with pytest.raises(ImportProblems) as caught:
            import_jsonl(target, path)
        assert target.count_deals() == 0
    (problem,) = caught.value.problems
    assert problem.line == 1
    assert "title: \\udcff at position 2: not valid Unicode" in problem.message
