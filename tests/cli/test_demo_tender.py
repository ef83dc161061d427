"""`dealflow demo --playbook tender-cn`: the tender story in Chinese (the playbook's first
locale) and in English, a database the other commands answer from, and the bundled
tender playbook under the commands of the any-playbook test that only read."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from dealflow import load_playbook
from dealflow.cli import app
from dealflow.deal import Status
from dealflow.store import Store
from tests.cli.test_any_playbook import INVOCATIONS, World, _invoke, _world
from tests.conftest import REPO

DEAL_ID = "yulin-asu-control-tender"
TENDER = REPO / "playbooks" / "tender-cn.yaml"


def flat(output: str) -> str:
    """Output as one line of words."""
    return " ".join(output.split())


Told = tuple[str, str, Result]
"""A telling of the story: its language, its database and what the demo printed."""


def _tell(folder: Path, lang: str | None) -> Told:
    url = f"sqlite:///{folder}/demo.db"
    args = ["demo", "--playbook", "tender-cn", "--db", url]
    result = CliRunner().invoke(app, args + (["--lang", lang] if lang else []),
                                env={"COLUMNS": "200"})
    return lang or "zh", url, result


@pytest.fixture(scope="module")
def zh(tmp_path_factory: pytest.TempPathFactory) -> Told:
    """The story as told by default: in Chinese, the playbook's first locale."""
    return _tell(tmp_path_factory.mktemp("tender-zh"), None)


@pytest.fixture(scope="module")
def en(tmp_path_factory: pytest.TempPathFactory) -> Told:
    """The story told in English (`--lang en`)."""
    return _tell(tmp_path_factory.mktemp("tender-en"), "en")


@pytest.fixture(params=["zh", "en"])
def told(request: pytest.FixtureRequest) -> Told:
    """Either telling."""
    telling: Told = request.getfixturevalue(request.param)
    return telling


def test_the_tender_demo_runs_in_either_language(told: Told) -> None:
    _lang, _url, result = told
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("expected", [
    "4. 投标决策：投还是不投",
    "bid_decision -> bid_preparation",
    "approval:bid_review",
    "投标决策评审：投或不投，由销售总监或公司高层决定",
    "交付部门确认能按招标要求交付",
    "deal close --outcome no_bid",
    "spec_influenced = 是",
    "招标文件技术规格草稿第3.2节采纳了三重冗余控制器",
    "评标期间不得就价格和方案进行谈判",
    "approval:collective_body_before_award",
    "approval:contract_review",
    "contract_signing -> won",
    "向交付团队移交",
], ids=lambda value: value[:24])
def test_the_story_is_told_in_chinese_by_default(zh: Told, expected: str) -> None:
    assert expected in flat(zh[2].output)


@pytest.mark.parametrize("expected", [
    "4. Bid or no-bid",
    "bid_decision -> bid_preparation: refused, because",
    "The bid / no-bid review: the sales director or an executive decides whether we bid",
    "Delivery confirmed we can deliver what the tender asks",
    "The Tendering and Bidding Law forbids negotiating price or solution",
    "The contract review: legal reviews the contract before it is signed and the deal won",
    "contract_signing -> won",
    "handover_to_delivery",
], ids=lambda value: value[:24])
def test_the_story_is_told_in_english_when_asked(en: Told, expected: str) -> None:
    assert expected in flat(en[2].output)


def test_the_english_story_shows_no_chinese_text_of_the_playbooks_gates(en: Told) -> None:
    for chinese in ("投标决策评审", "交付部门确认", "线索与需求引导", "合同评审"):
        assert chinese not in en[2].output


def test_the_tender_database_holds_a_won_deal_that_replays(
    told: Told,
) -> None:
    lang, url, _result = told
    with Store(url) as store:
        deal = store.get(DEAL_ID)
        assert (deal.playbook_id, deal.stage, deal.status) == (
            "tender-cn", "contract_signing", Status.won)
        assert store.replay(DEAL_ID) == deal
        assert set(deal.approvals) == {"bid_review", "pricing_review", "contract_review"}
        assert {org.kind for org in deal.organisations} == {
            "customer", "group", "design_institute"}
        assert {"handover_to_delivery", "kickoff_meeting", "collection_plan"} <= set(
            deal.items_opened)
        assert deal.provenance["award_notice_date"].evidence
        assert deal.facts["tender_type"] == "open_tender"
        assert (deal.title == "空分装置DCS/SIS改造（公开招标）") is (lang == "zh")


@pytest.mark.parametrize("args", [
    ["deal", "show", DEAL_ID], ["checklist", DEAL_ID], ["checklist", DEAL_ID, "--lang", "en"],
    ["checklist", DEAL_ID, "--format", "html"], ["funnel"], ["map", DEAL_ID],
    ["events", DEAL_ID], ["winrate"],
], ids=" ".join)
def test_the_tender_database_answers_the_commands(told: Told,
                                                  args: list[str]) -> None:
    _lang, url, _result = told
    result = CliRunner().invoke(app, [*args, "--db", url], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.output.strip()


def test_the_funnel_of_the_tender_database_is_read_in_its_stages(
    told: Told,
) -> None:
    _lang, url, _result = told
    result = CliRunner().invoke(app, ["funnel", "--db", url, "--format", "json"])
    funnel = json.loads(result.output)
    assert funnel["playbook"]["id"] == "tender-cn"
    assert [layer["stage"] for layer in funnel["stages"]] == [
        stage.id for stage in load_playbook("tender-cn").stages]
    assert all(layer["entered"] == 1 for layer in funnel["stages"])


@pytest.mark.parametrize(("args", "says"), [
    (["--playbook", "nope"], "no demo story for 'nope'"),
    (["--playbook", "tender-cn", "--lang", "fr"], "the tender-cn story is told in zh, en"),
    (["--lang", "fr"], "the complex-b2b story is told in en, zh"),
], ids=["unknown-playbook", "unknown-language", "default-story-unknown-language"])
def test_the_demo_refuses_a_story_it_cannot_tell(tmp_path: Path, args: list[str],
                                                 says: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--db", f"sqlite:///{tmp_path}/x.db", *args],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert says in flat(result.output)


@pytest.mark.parametrize(("lang", "says"), [
    ([], "已创建商机 t1，位于阶段 lead_guidance（tender-cn 1.0.0）"),
    (["--lang", "en"], "created t1 in lead_guidance (tender-cn 1.0.0)"),
], ids=["playbook-first-locale-zh", "lang-en"])
def test_a_new_deal_runs_under_the_tender_playbook_by_its_id(tmp_path: Path, lang: list[str],
                                                            says: str) -> None:
    db = f"sqlite:///{tmp_path}/deals.db"
    result = CliRunner().invoke(app, ["deal", "new", "--id", "t1", "--title", "DCS",
                                      "--account", "Yulin", "--owner", "zhao", "--db", db,
                                      "--playbook", "tender-cn", *lang])
    assert result.exit_code == 0, result.output
    assert says in result.output


# -- the commands of the any-playbook test that only read, on the tender playbook ---------

READING = ("validate", "schema", "diagram", "checklist", "events", "export", "funnel",
           "stalled", "winrate", "forecast", "compliance", "report", "diff", "deal show",
           "deal advance", "deal win", "deal back", "deal close", "deal reopen", "deal list",
           "stakeholder list", "map", "competitor list", "competition", "health", "plays",
           "playbook list", "playbook show", "slip", "plays-report", "reviews", "org list",
           "scorecard", "approve", "fact verify", "waive", "play take", "plan seed")


@pytest.fixture(scope="module")
def tender_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A store of 25 simulated tender deals and the probe deal, shared by commands that
    change nothing."""
    return _world(tmp_path_factory.mktemp("tender-world"), TENDER)


@pytest.mark.parametrize(("command", "expected", "template"), [
    pytest.param(command, expected, template, id=f"{command}:{index}")
    for command in READING
    for index, (expected, template) in enumerate(INVOCATIONS[command])
])
def test_the_tender_playbook_answers_every_reading_command(
    tender_world: World, command: str, expected: int, template: str,
) -> None:
    args = [*command.split(), *tender_world.args(template)]
    code, output = _invoke(args)
    assert code == expected, f"dealflow {shlex.join(args)}\n{output}"
    assert "Traceback" not in output


def test_dealflow_lang_chooses_the_language_of_the_story(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--playbook", "tender-cn", "--db",
                                      f"sqlite:///{tmp_path}/x.db"],
                                env={"COLUMNS": "200", "DEALFLOW_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert "4. Bid or no-bid" in result.output
    assert result.output.startswith("Created yulin-asu-control-tender: Air separation unit")
