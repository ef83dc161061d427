"""The decision chain drawn: one graph, drawn as Mermaid and as SVG, every text escaped."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealflow import Deal, Playbook, Stakeholder
from dealflow.deal import Link, Organisation
from dealflow.stakeholders import chain_graph, chain_mermaid, chain_svg

ENTERED = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
SVG = "{http://www.w3.org/2000/svg}"


def chain_deal(playbook: Playbook, name: str = "Zhao Lei", org_name: str = "Owner Co") -> Deal:
    role = playbook.roles[0].id
    return Deal(
        id="D-1", title="T", account="A", owner="li", playbook_id=playbook.id,
        playbook_version=playbook.version, stage=playbook.stages[0].id, created_at=ENTERED,
        stage_entered_at=ENTERED,
        organisations=(Organisation(id="owner", name=org_name),
                       Organisation(id="epc", name="EPC Co", kind="contractor")),
        stakeholders=(
            Stakeholder(id="boss", name=name, roles=(role,), stance="supporter",
                        influence="high", org="owner", owner=playbook.our_roles[0].id,
                        depth="trusted"),
            Stakeholder(id="pm", name="Project manager", org="epc", stance="champion"),
            Stakeholder(id="critic", name="Critic", stance="opponent", influence="low"),
        ),
        links=(Link(kind="reports_to", source="pm", target="boss"),
               Link(kind="influences", source="critic", target="boss", strength="high")),
    )


def test_the_graph_groups_people_by_organisation_and_keeps_the_lines(
        any_playbook: Playbook) -> None:
    graph = chain_graph(any_playbook, chain_deal(any_playbook)).to_dict()

    assert [o["id"] for o in graph["organisations"]] == ["owner", "epc", ""]
    assert {p["id"]: p["organisation"] for p in graph["people"]} == {
        "boss": "owner", "pm": "epc", "critic": ""}
    assert graph["lines"] == [
        {"kind": "reports_to", "source": "pm", "target": "boss", "strength": "medium"},
        {"kind": "influences", "source": "critic", "target": "boss", "strength": "high"}]
    boss = next(p for p in graph["people"] if p["id"] == "boss")
    assert boss["owner"] == any_playbook.text(any_playbook.our_roles[0].name)


def test_mermaid_draws_a_subgraph_per_organisation_people_by_stance_and_both_lines(
        any_playbook: Playbook) -> None:
    text = chain_mermaid(chain_graph(any_playbook, chain_deal(any_playbook)))

    assert text.startswith("flowchart TB\n")
    assert text.count("  subgraph ") == 3
    assert re.search(r'p0\["Zhao Lei ●●●<br/>.*"\]:::supporter', text)
    assert 'p1 -->|"reports to"| p0' in text
    assert 'p2 ==>|"influences (high)"| p0' in text
    assert "style p0 stroke-width:4px" in text


HOSTILE = ['"]; click p0 call alert(1) %%', "<img src=x onerror=alert(1)>", "a\nb]-->p9",
           "#quot; &amp; `x`"]


@pytest.mark.parametrize("name", HOSTILE, ids=["quote-bracket", "html", "newline", "entities"])
def test_no_text_of_a_deal_breaks_out_of_its_mermaid_label(
        default_playbook: Playbook, name: str) -> None:
    plain = chain_mermaid(chain_graph(default_playbook, chain_deal(default_playbook)))
    text = chain_mermaid(chain_graph(default_playbook, chain_deal(default_playbook, name, name)))

    assert len(text.splitlines()) == len(plain.splitlines())
    for label in re.findall(r'"([^"]*)"', text):
        assert not set(label.replace("<br/>", "")) & set('"<>[]`&|\n'), label
    assert text.replace('"Zhao Lei', '"x').count('"') == plain.replace('"Zhao Lei', '"x').count('"')


_PRINTABLE = st.characters(categories=("L", "N", "P", "S", "Zs"))


@settings(max_examples=60, deadline=None)
@given(st.text(_PRINTABLE, min_size=1, max_size=40).filter(str.strip))
def test_the_svg_is_well_formed_and_shows_every_name_as_text(name: str) -> None:
    from dealflow import load_playbook

    playbook = load_playbook()
    deal = chain_deal(playbook, name.strip(), name.strip())
    root = ET.fromstring(chain_svg(chain_graph(playbook, deal)))

    assert root.tag == f"{SVG}svg"
    assert not root.findall(f".//{SVG}script")
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    words = " ".join(name.split())
    shown = words if len(words) <= 30 else words[:29] + "…"
    assert shown in texts


def test_control_characters_in_a_name_show_as_escapes_in_well_formed_svg(
        default_playbook: Playbook) -> None:
    deal = chain_deal(default_playbook, "Zhao\x1bLei", "Owner\x07Co")

    root = ET.fromstring(chain_svg(chain_graph(default_playbook, deal)))

    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "Zhao\\x1bLei" in texts


def test_the_svg_draws_a_circle_per_person_coloured_by_stance_and_sized_by_influence(
        any_playbook: Playbook) -> None:
    root = ET.fromstring(chain_svg(chain_graph(any_playbook, chain_deal(any_playbook))))

    circles = {g.get("data-id"): g.find(f"{SVG}circle") for g in root.iter(f"{SVG}g")}
    assert {key: (c.get("fill"), c.get("r")) for key, c in circles.items() if c is not None} == {
        "boss": ("#8fd19e", "26"), "pm": ("#1b7f3b", "20"), "critic": ("#c62828", "14")}
    lines = root.findall(f"{SVG}line")
    assert [(line.get("class"), line.get("stroke-dasharray")) for line in lines] == [
        ("line reports_to", None), ("line influences", "6 4")]
