"""The language of the command line: `--lang`, else `DEALFLOW_LANG`, else the playbook's
first locale, else English.

Chinese output is read on the bundled playbook (asked for with `--lang zh`) and on a
playbook written Chinese first (`tests/playbooks/zh-first-water.yaml`, Chinese without any
flag): what the command line writes itself (table headers, field names, statuses, titles,
moves) shows no English word; only the ids and names the user or the playbook gave remain.
The texts the engine writes (what a control point misses, red-flag reasons) are the
engine's to translate and are tested with it: they are taken out here, as the engine
writes them in the same locale, so that what is left is the command line's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import Playbook, load_playbook
from dealflow._messages import current_locale, use_locale
from dealflow.cli import app
from dealflow.stakeholders import analyse_stakeholders
from dealflow.store import Store
from tests.conftest import TESTS

ZH_FIRST = TESTS / "playbooks" / "zh-first-water.yaml"
TERMS = ("p75", "p90", "CRM", "SOP", "ID")
"""Words that stay as they are in Chinese output."""
WIDE = {"COLUMNS": "400"}  # no cell wraps, so each text shows whole


@dataclass(frozen=True)
class World:
    """A store with one open deal, `D-1`, of `playbook`, and the flags that ask for zh."""

    playbook: Playbook
    db: str
    zh: tuple[str, ...]

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        result = CliRunner().invoke(app, [*args, "--db", self.db], env={**WIDE, **(env or {})})
        assert "Traceback" not in result.output
        return result.exit_code, result.output


@pytest.fixture(params=["complex-b2b", "zh-first"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    """A deal of the bundled playbook (zh asked for with --lang zh), or of the zh-first one
    (zh without a flag)."""
    zh_first = request.param == "zh-first"
    playbook = load_playbook(ZH_FIRST if zh_first else None)
    db = f"sqlite:///{tmp_path}/deals.db"
    with Store(db, playbook=playbook) as store:
        store.create(deal_id="D-1", title="乙烯装置控制系统升级", account="镇海炼化",
                     owner="li.wei", actor="li.wei", amount="1200000")
    return World(playbook, db, () if zh_first else ("--lang", "zh"))


def _ids(playbook: Playbook) -> set[str]:
    """Every id a playbook gives (and the deal's own), which output may show as they are."""
    ids = {playbook.id, *(s.id for s in playbook.stages), *(f.id for f in playbook.facts),
           *(r.id for r in (*playbook.roles, *playbook.our_roles)),
           *(r.id for r in playbook.lost_reasons), *(p.id for p in playbook.plays),
           *(i.id for s in playbook.stages for i in s.items),
           *(g.id for s in playbook.stages for g in s.gates),
           *(a.id for a in playbook.approval_rules),
           *(f"role:{r}" for s in playbook.stages for r in s.required_roles),
           *(f"approval:{a.id}" for a in playbook.approval_rules)}
    return ids | {"D-1", "li.wei", "CNY"}


def _engine_texts(world: World) -> list[str]:
    """What the engine and the stakeholder analysis write about D-1 (in zh), longest first."""
    with Store(world.db) as store, use_locale("zh"):
        deal = store.get("D-1")
        engine = store.engine_for(deal)
        report = engine.explain(deal, locale="zh")
        flags = analyse_stakeholders(engine.playbook, deal, now=store.clock(),
                                     locale="zh").red_flags
        texts = [*(m for c in report.checks for m in c.missing), *(c.text for c in report.checks),
                 *(f.reason for f in flags), *(f.code for f in flags)]
    return sorted(texts, key=len, reverse=True)


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The English words of `text` once ids and names (`allowed`), code in backticks (a
    command to type), URLs, dates and numbers are taken out."""
    for known in sorted(allowed, key=len, reverse=True):
        text = text.replace(known, " ")
    text = re.sub(r"`[^`]*`|https?://\S+|\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|[\d.,%]+", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


def _chrome(world: World, output: str) -> str:
    for said in _engine_texts(world):
        output = output.replace(said, " ")
    return output


def test_deal_show_speaks_chinese(world: World) -> None:
    code, output = world.run("deal", "show", "D-1", *world.zh)
    assert code == 0, output
    assert "状态" in output
    assert "跟进中" in output
    assert "客户决策阶段" in output
    assert "阻断" in output  # the first stage's gates do not hold yet
    assert english_words(_chrome(world, output), _ids(world.playbook)) == []


def test_deal_show_names_the_buyer_phase_of_the_stage(world: World) -> None:
    first = world.playbook.stages[0]
    phase = next(p for p in world.playbook.buyer_phases if p.id == first.buyer_phase)
    code, output = world.run("deal", "show", "D-1", "--lang", "en")
    assert code == 0, output
    assert re.search(rf"^buyer phase +{re.escape(world.playbook.text(phase.name, 'en'))} *$",
                     output, flags=re.MULTILINE)


def test_deal_show_gives_the_buyer_phase_to_scripts(world: World) -> None:
    code, output = world.run("deal", "show", "D-1", "--format", "json")
    assert code == 0, output
    assert json.loads(output)["buyer_phase"] == world.playbook.stages[0].buyer_phase


def test_a_refused_advance_names_its_control_points_in_chinese(world: World) -> None:
    code, output = world.run("deal", "advance", "D-1", *world.zh)
    assert code == 1
    first = world.playbook.stages[0]
    for gate in first.gates:
        assert world.playbook.text(gate.text, "zh") in output
    assert world.playbook.text(first.gates[0].text, "en") not in output


def test_the_gate_report_of_a_refused_advance_speaks_chinese_as_json(world: World) -> None:
    code, output = world.run("deal", "advance", "D-1", "--format", "json", *world.zh)
    assert code == 1
    gate = world.playbook.stages[0].gates[0]
    assert f'"text": "{world.playbook.text(gate.text, "zh")}"' in output


def test_the_funnel_speaks_chinese(world: World) -> None:
    code, output = world.run("funnel", *world.zh)
    assert code == 0, output
    assert "漏斗" in output
    assert "阶段" in output
    assert english_words(output, _ids(world.playbook)) == []


@pytest.mark.parametrize("command", [["deal", "list"], ["stalled"], ["winrate"],
                                     ["forecast"], ["compliance"], ["slip"], ["plays-report"],
                                     ["reviews"], ["competition"], ["playbook", "list"],
                                     ["playbook", "show"], ["plan", "show", "D-1"],
                                     ["plays", "D-1"], ["competitor", "list", "D-1"]],
                         ids=lambda c: " ".join(c))
def test_the_figures_speak_chinese(world: World, command: list[str]) -> None:
    code, output = world.run(*command, *world.zh)
    assert code == 0, output
    # p75 and p90 name percentiles; CRM, SOP and ID are what Chinese sales teams say too
    assert english_words(output, {*_ids(world.playbook), *TERMS}) == []


def test_lang_en_overrides_the_playbooks_first_locale(tmp_path: Path) -> None:
    playbook = load_playbook(ZH_FIRST)
    world = World(playbook, f"sqlite:///{tmp_path}/deals.db", ())
    with Store(world.db, playbook=playbook) as store:
        store.create(deal_id="D-1", title="Retrofit", account="North Water", owner="li.wei",
                     actor="li.wei")
    code, output = world.run("deal", "show", "D-1")
    assert "状态" in output
    assert "已完成现场勘察" in output
    for asked in (("--lang", "en"), ()):
        env = {"DEALFLOW_LANG": "en"} if not asked else None
        code, output = world.run("deal", "show", "D-1", *asked, env=env)
        assert code == 0, output
        assert "status" in output
        assert "The site survey is done" in output
        assert "Lead, 10%" in output
        assert "状态" not in output
        assert "已完成现场勘察" not in output
    code, output = world.run("deal", "show", "D-1", "--lang", "zh", env={"DEALFLOW_LANG": "en"})
    assert "状态" in output, "--lang comes before DEALFLOW_LANG"


def test_the_diagram_of_a_zh_first_playbook_speaks_chinese() -> None:
    result = CliRunner().invoke(app, ["diagram", str(ZH_FIRST)])
    assert result.exit_code == 0, result.output
    assert 'state "线索 (10%) · 客户决策阶段：察觉问题" as lead_in' in result.output
    assert "lead_in --> quotation: 推进 [survey_done & role:plant_director]" in result.output
    assert 'state "丢单" as lost' in result.output
    english = CliRunner().invoke(app, ["diagram", str(ZH_FIRST), "--lang", "en"]).output
    assert 'state "Lead (10%) · buyer: Sensing the problem" as lead_in' in english
    assert "lead_in --> quotation: advance [" in english


@pytest.mark.parametrize(("lang", "said"), [
    ("xx yy", "is not a locale code"),
    ("fr", "'fr' is not a locale of"),
], ids=["not-a-code", "not-a-locale-of-the-playbook"])
def test_a_language_nobody_writes_is_a_usage_error(world: World, lang: str, said: str) -> None:
    code, output = world.run("deal", "show", "D-1", "--lang", lang)
    assert code == 2
    assert said in " ".join(output.split())


def test_the_language_does_not_outlive_the_command(world: World) -> None:
    for asked in (("--lang", "zh"), ("--lang", "xx yy")):
        world.run("deal", "show", "D-1", *asked)
        assert current_locale() is None


@pytest.fixture
def zh_first(tmp_path: Path) -> World:
    """A deal, D-1, of the zh-first playbook, asked nothing about the language."""
    playbook = load_playbook(ZH_FIRST)
    world = World(playbook, f"sqlite:///{tmp_path}/deals.db", ())
    with Store(world.db, playbook=playbook) as store:
        store.create(deal_id="D-1", title="Retrofit", account="North Water", owner="li.wei",
                     actor="li.wei")
    return world


@pytest.mark.parametrize(("asked", "shown"), [((), "大型"), (("--lang", "en"), "Large")],
                         ids=["first-locale", "lang-en"])
def test_an_enum_fact_is_shown_by_its_label_in_the_language(
        zh_first: World, asked: tuple[str, ...], shown: str) -> None:
    code, output = zh_first.run("fact", "set", "D-1", "plant_size", "large", *asked)
    assert code == 0, output
    assert f"plant_size = {shown}" in output
    code, output = zh_first.run("deal", "show", "D-1", *asked)
    assert re.search(rf"plant_size +{shown} ", output)


@pytest.mark.parametrize(("asked", "shown", "unseen"), [
    ((), "预约现场勘察", "Book the site survey"),
    (("--lang", "en"), "Book the site survey", "预约现场勘察")],
    ids=["first-locale", "lang-en"])
def test_the_checklist_of_a_stored_deal_speaks_the_playbooks_first_locale(
        zh_first: World, asked: tuple[str, ...], shown: str, unseen: str) -> None:
    code, output = zh_first.run("checklist", "D-1", *asked)
    assert code == 0, output
    assert shown in output
    assert unseen not in output
