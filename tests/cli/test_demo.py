"""`dealflow demo`: it runs offline, tells its story and leaves a database to explore."""

from __future__ import annotations

import os
import subprocess
import sysconfig
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.deal import Status
from dealflow.engine import CloseDateSet
from dealflow.store import Store
from tests._docs import marked

DEAL_ID = "zhenhai-cracker-dcs"


def flat(output: str) -> str:
    """Output as one line of words."""
    return " ".join(output.split())


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('demo')}/x.db"


@pytest.fixture(scope="module")
def demo(demo_db: str) -> Result:
    """The demo, run once for the module into its own database (wide: no cell wraps)."""
    return CliRunner().invoke(app, ["demo", "--db", demo_db], env={"COLUMNS": "200"})


def test_the_demo_runs_and_exits_0(demo: Result) -> None:
    assert demo.exit_code == 0, demo.output


@pytest.mark.parametrize("expected", [
    "Created zhenhai-cracker-dcs: Ethylene cracker control-system upgrade (tender), "
    "1,200,000 CNY, for Zhenhai Refining & Chemical.",
    "advance qualify -> discover: refused, because",
    "fact pain_confirmed is not set",
    "Red flags",
    "big_deal_sponsor",
    "technical_buyer_skeptical",
    "tender_before_spec",
    "advance negotiate -> decide: refused, because",
    "approval:top_management_over_50k",
    "not given; it is given by Executive sponsor (executive_sponsor): Gao Min, VP sales "
    "(gao.min)",
    "approve top_management_over_50k by gao.min",
    "advance negotiate -> decide",
    "Track the contract through Zhenhai Refining & Chemical's review",
    "technical_buyer_skeptical taken on by zhao.presales",
    "technical_buyer_skeptical completed: helped",
    "close plan agreed with wang",
    "pushed 15 days (the group's legal review adds two weeks)",
    "Close plan · agreed with wang",
    "advance shape -> validate: refused, because",
    "approval:bid_no_bid",
    "approve bid_no_bid by zhao.min",
    "customer_approvals_passed",
    "approver_supports",
    "approve contract_review by qian.yu",
    "won decide -> won: contract signed and purchase order received",
    "opened handover_brief: Brief the delivery team",
    "opened collect_payments: Invoice the advance",
    "[x] Brief the delivery team",
], ids=["created", "refused-advance", "its-reason", "red-flags", "approval-flag",
        "skeptic-play", "tender-play", "approval-refusal", "approval-rule", "approval-reason",
        "approval-given", "decide", "checklist", "play-taken", "play-outcome", "plan-agreed",
        "close-slips", "plan-in-checklist", "spec-shaped-blocks", "bid-no-bid-refusal",
        "bid-no-bid-given", "customer-approvals", "approver-supports", "contract-review",
        "won-at-contract-and-po", "handover-opened", "collection-opened", "handover-done"])
def test_the_demo_tells_the_story(demo: Result, expected: str) -> None:
    assert expected in flat(demo.output)


def test_the_demo_ends_with_the_database_and_the_commands_to_explore_it(
    demo: Result, demo_db: str,
) -> None:
    tail = flat(demo.output.split("Explore it yourself", 1)[1])
    assert demo_db.removeprefix("sqlite:///") in tail
    for command in (f"dealflow deal show {DEAL_ID} --db {demo_db}",
                    f"dealflow events {DEAL_ID} --db {demo_db}",
                    f"dealflow checklist {DEAL_ID} --db {demo_db} --format html -o deal.html"):
        assert command in tail


def test_the_demo_database_holds_the_deal_and_events_that_replay_to_it(
    demo: Result, demo_db: str,
) -> None:
    with Store(demo_db) as store:
        deal = store.get(DEAL_ID)
        assert (deal.stage, deal.status) == ("decide", Status.won)
        assert set(deal.items_opened) == {"handover_brief", "kickoff_meeting", "success_plan",
                                          "collect_payments", "win_review"}
        assert "handover_brief" in deal.items_done
        assert len(deal.stakeholders) == 9
        assert [e.pushed_days for e in store.events(DEAL_ID)
                if isinstance(e, CloseDateSet)] == [0, 15]
        assert deal.plan_agreed is not None
        assert deal.plays["technical_buyer_skeptical"].outcome == "helped"
        assert store.replay(DEAL_ID) == deal
        # the chain spans the owner, the EPC contractor and the design institute
        assert {org.kind for org in deal.organisations} == {
            "customer", "contractor", "design_institute"}
        assert {p.org for p in deal.stakeholders} == {"zhenhai", "epc", "institute"}
        assert [c.id for c in deal.competitors if c.incumbent] == ["legacy_dcs"]
        assert deal.links
        assert deal.scores
        assert len(store.events(DEAL_ID)) == deal.version


def test_the_commands_it_suggests_work_on_its_database(demo: Result, demo_db: str) -> None:
    runner = CliRunner()
    for args in (["deal", "show", DEAL_ID], ["events", DEAL_ID],
                 ["stakeholder", "list", DEAL_ID], ["checklist", DEAL_ID, "--format", "html"]):
        result = runner.invoke(app, [*args, "--db", demo_db])
        assert result.exit_code == 0, (args, result.output)


def test_the_demo_refuses_a_database_that_has_its_deal_already(
    demo: Result, demo_db: str,
) -> None:
    result = CliRunner().invoke(app, ["demo", "--db", demo_db])
    assert result.exit_code == 1
    assert "the demo deal zhenhai-cracker-dcs is already in" in result.output


def test_by_default_the_demo_replaces_its_own_file_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEALFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/real.db")
    runner = CliRunner()
    wide = {"COLUMNS": "250"}  # the path printed stays on one line, however deep tmp_path is
    first = runner.invoke(app, ["demo"], env=wide)
    second = runner.invoke(app, ["demo"], env=wide)
    assert (first.exit_code, second.exit_code) == (0, 0), second.output
    assert str(tmp_path / "dealflow-demo.db") in flat(second.output)
    assert "--db sqlite:///dealflow-demo.db" in second.output
    assert not (tmp_path / "real.db").exists()  # the team's database is left alone
    with Store("sqlite:///dealflow-demo.db") as store:
        assert store.count_deals() == 1
        assert store.replay(DEAL_ID) == store.get(DEAL_ID)


# -- the commands it prints run as printed -------------------------------------------------

def _without_dealflow(path: str) -> str:
    """`path` without the folders that hold a `dealflow` program: no venv is activated."""
    return os.pathsep.join(folder for folder in path.split(os.pathsep)
                           if folder and not (Path(folder) / "dealflow").exists())


@pytest.fixture
def readme_folder(tmp_path: Path) -> Path:
    """A folder with `.venv/bin/dealflow` (this installation's script), where the README's
    first command, `python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/dealflow
    demo`, puts it."""
    script = Path(sysconfig.get_path("scripts")) / "dealflow"
    assert script.exists(), f"no {script}: install dealflow (pip install -e .) to run this test"
    folder = tmp_path / ".venv" / "bin"
    folder.mkdir(parents=True)
    (folder / "dealflow").symlink_to(script)
    return tmp_path


@pytest.mark.parametrize(("started", "printed", "activated"), [
    (".venv/bin/dealflow", ".venv/bin/dealflow", False),
    ("dealflow", "dealflow", True),
], ids=["readme-venv-not-activated", "venv-activated"])
def test_every_explore_command_runs_as_printed_where_the_demo_ran(
    readme_folder: Path, started: str, printed: str, activated: bool,
) -> None:
    path = _without_dealflow(os.environ.get("PATH", os.defpath))
    if activated:
        path = os.pathsep.join([str(readme_folder / ".venv" / "bin"), path])
    env = {**os.environ, "PATH": path, "COLUMNS": "60"}
    env.pop("DEALFLOW_DATABASE_URL", None)

    def shell(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, shell=True, cwd=readme_folder, env=env,  # noqa: S602
                              capture_output=True, text=True, check=False, timeout=120)

    demo = shell(f"{started} demo")
    assert demo.returncode == 0, demo.stderr
    tail = demo.stdout.split("Explore it yourself", 1)[1]
    commands = [line.strip() for line in tail.splitlines() if line.startswith("  ")]
    assert len(commands) == 6, tail
    for command in commands:
        assert command.startswith(f"{printed} "), command
        ran = shell(command)
        assert ran.returncode == 0, f"{command}\n{ran.stdout}{ran.stderr}"
        assert ran.stdout
    assert (readme_folder / "deal.html").read_text(encoding="utf-8").startswith("<!")
    if not activated:
        block, markers = marked("cli.md", "demo-explore")
        assert commands == [line.strip() for line in block.body.splitlines()], (
            f"docs/cli.md ({block.id}, between {markers}) shows other commands")


@pytest.mark.parametrize("told", [
    "乙烯裂解装置控制系统改造（招标）",
    "1. 商机确认：是真商机吗？",
    "7. 签约成交：合同和订单到手即赢单",
    "8. 赢单之后：交付移交检查清单",
    "陈浩，裂解车间主任",
    "预计成交日期",
    "赢单 decide -> won：合同已签订，订单已收到",
    "新事项 handover_brief：向交付团队移交",
    "（商务，",
], ids=["title", "first-chapter", "won-chapter", "handover-chapter", "person", "close-date",
        "won", "opened-item-in-zh", "owner-in-zh"])
def test_with_dealflow_lang_zh_the_demo_tells_its_story_in_chinese(
    zh_demo: Result, told: str
) -> None:
    assert told in flat(zh_demo.output)


@pytest.fixture(scope="module")
def zh_demo(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The demo told in Chinese, once for the module, into a database of its own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo-zh')}/zh.db"
    result = CliRunner().invoke(app, ["demo", "--db", url],
                                env={"COLUMNS": "200", "DEALFLOW_LANG": "zh"})
    assert result.exit_code == 0, result.output
    return result


def test_the_story_keeps_no_english_where_it_has_a_chinese_text(zh_demo: Result) -> None:
    from dealflow.cli._demo_story import CHAPTERS

    for chapter in CHAPTERS:
        assert chapter.title_id not in zh_demo.output
        assert flat(chapter.text_id) not in flat(zh_demo.output)
