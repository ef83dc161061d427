"""Every CLI command, on the bundled playbook and on a playbook that shares no id with it.

The commands are read from the app itself: a command without an invocation here fails
`test_every_command_of_the_app_has_an_invocation`, so a new command is covered or the suite
says so. Each invocation must exit 0, 1, 2 or 3 with a plain message, never a traceback,
and the figures must be read in the stages of the deals' own playbook.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from dealflow import Playbook, load_playbook
from dealflow.analytics import simulate
from dealflow.cli import app
from dealflow.store import Store, import_events
from tests.conftest import LAB_PLAYBOOK, TESTS

FOREIGN = LAB_PLAYBOOK

INVOCATIONS: dict[str, list[tuple[int, str]]] = {
    "validate": [(0, "{file}"), (0, "{file} --format json")],
    "schema": [(0, "")],
    "diagram": [(0, "{file}"), (0, "{file} --lang zh")],
    "checklist": [
        (0, "{deal} --db {db}"),
        (0, "{deal} --db {db} --format json"),
        (0, "{deal} --db {db} --format html -o {tmp}/list.html"),
        (0, "{deal} --db {db} --format plain --lang zh"),
    ],
    "events": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json")],
    "import": [(0, "{tmp}/backup.jsonl --db sqlite:///{tmp}/restored.db")],
    "export": [
        (0, "--db {db}"),
        (0, "--db {db} --format csv"),
        (0, "--db {db} --format csv --what events"),
        (0, "--db {db} --deal {deal} --format csv"),
    ],
    "demo": [(0, "--db sqlite:///{tmp}/demo.db"),
             (0, "--db sqlite:///{tmp}/tender.db --playbook tender-cn --lang en"),
             (2, "--db sqlite:///{tmp}/none.db --playbook nowhere")],
    "approve": [(1, "{deal} no_such_approval --by someone --db {db}"),
                (1, "{deal} no_such_approval --by someone --db {db} --format json")],
    "funnel": [(0, "--db {db}"), (0, "--db {db} --format json"), (0, "--db {db} --playbook {id}"),
               (0, "--db {db} --lang zh"), (0, "--db {db} --by-phase"),
               (0, "--db {db} --by-phase --format json --lang zh")],
    "stalled": [(0, "--db {db}"), (0, "--db {db} --percentile 0.9 --format json")],
    "winrate": [(0, "--db {db}"), (0, "--db {db} --format json")],
    "forecast": [
        (0, "--db {db}"), (0, "--db {db} --format json --runs 100"),
        (0, "--db {db} --by quarter --explain"), (0, "--db {db} --by month --format json"),
    ],
    "compliance": [(0, "--db {db}"), (0, "--db {db} --format json")],
    "report": [
        (0, "-o {tmp}/report.html --db {db}"),
        (0, "-o {tmp}/report.html --db {db} --lang zh"),
        (0, "-o {tmp}/report.html --db {db} --by-phase"),
        (0, "-o {tmp}/report.html --db {db} --no-by-phase"),
    ],
    "simulate": [(0, "--deals 3 --seed 9 --db {db} --playbook {file}")],
    "diff": [(0, "{file} {file}")],
    "migrate": [(0, "--to {file} --db {db}")],
    "import-csv": [
        (0, "{tmp}/export.csv --mapping {tmp}/mapping.yaml --playbook {file} --db {db}"),
        (0, "{tmp}/export.csv --mapping {tmp}/mapping.yaml --playbook {file} --db {db} --dry-run"),
    ],
    "deal new": [
        (0, "--id fresh-1 --title Fresh --account Acme --owner ana --db {db}"),
        (0, "--id fresh-2 --title Fresh --account Acme --owner ana --db {db} --playbook {file}"),
        (0, "--id fresh-3 --title Fresh --account Acme --owner ana --db {db} --close 2099-06-30"),
    ],
    "deal show": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json"),
                  (0, "{deal} --db {db} --lang zh"), (2, "{deal} --db {db} --lang xx")],
    "deal advance": [(1, "{deal} --db {db}"), (1, "{deal} --db {db} --to nowhere"),
                     (1, "{deal} --db {db} --lang zh")],
    "deal back": [(1, "{deal} --db {db} --reason 'needs rework'")],
    "deal win": [(1, "{deal} --db {db}")],
    "deal lose": [
        (0, "{deal} --db {db} --reason {reason}"),
        (1, "{deal} --db {db} --reason nonsense"),
        (1, "{deal} --db {db} --reason {reason} --sub-reason nonsense"),
        (1, "{deal} --db {db} --reason {reason} --winner nobody"),
    ],
    "deal close": [(1, "{deal} --db {db} --outcome duplicate --note 'entered twice'")],
    "deal hold": [(0, "{deal} --db {db} --reason waiting --until 2099-01-01")],
    "deal resume": [(1, "{deal} --db {db}")],
    "deal reopen": [(1, "{deal} --db {db}"), (1, "{deal} --db {db} --to nowhere")],
    "deal list": [
        (0, "--db {db}"),
        (0, "--db {db} --stage {stage}"),
        (2, "--db {db} --stage nonsense"),
        (0, "--db {db} --format json"),
    ],
    "deal edit": [(0, "{deal} --db {db} --title 'New title' --amount 1200")],
    "deal next-step": [(0, "{deal} --db {db} --what 'Call back' --due 2099-01-01")],
    "deal log": [
        (0, "{deal} --db {db} --kind meeting --note 'Met the lab head'"),
        (1, "{deal} --db {db} --kind nonsense"),
    ],
    "sweep": [
        (0, "--db {db}"),
        (0, "--db {db} --apply --format json --now 2099-01-01"),
        (2, "--db {db} --now yesterday"),
    ],
    "stakeholder add": [
        (0, "{deal} --db {db} --id p7 --name Pia --role {role}"),
        (1, "{deal} --db {db} --id p8 --name Pia --role nonsense"),
    ],
    "stakeholder rate": [(0, "{deal} p9 --db {db} --stance supporter")],
    "stakeholder update": [
        (0, "{deal} p9 --db {db} --owner ana --depth trusted --personal-win 'a promotion'"),
        (1, "{deal} p9 --db {db} --org nowhere"),
    ],
    "stakeholder link": [(1, "{deal} p9 p9 --db {db}")],
    "stakeholder unlink": [(1, "{deal} p9 p9 --db {db} --reports-to")],
    "org add": [
        (0, "{deal} --db {db} --id epc --name 'EPC Co' --kind contractor"),
        (1, "{deal} --db {db} --id x --name X --kind nonsense"),
    ],
    "org remove": [(1, "{deal} nowhere --db {db}")],
    "map": [
        (0, "{deal} --db {db}"),
        (0, "{deal} --db {db} --format svg -o {tmp}/map.svg"),
        (0, "{deal} --db {db} --format json --lang zh"),
        (2, "{deal} --db {db} --lang xx"),
    ],
    "competitor add": [
        (0, "{deal} --db {db} --id acme --name Acme --incumbent --strength 'installed base' "
            "--preferred-by p9"),
        (1, "{deal} --db {db} --id acme --name Acme --position nonsense=ahead"),
        (2, "{deal} --db {db} --id acme --name Acme --position price"),
    ],
    "competitor remove": [(1, "{deal} acme --db {db}")],
    "competitor list": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json")],
    "competition": [(0, "--db {db}"), (0, "--db {db} --format json")],
    "score": [(2, "{deal} nonsense 4 --db {db}"), (1, "{deal} nonsense 2 --db {db}")],
    "scorecard": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json"),
                  (2, "--db {db}")],
    "health": [(0, "--db {db}"), (0, "{deal} --db {db} --format json")],
    "org list": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json")],
    "stakeholder remove": [(0, "{deal} p9 --db {db}")],
    "stakeholder list": [(0, "{deal} --db {db}")],
    "fact set": [
        (0, "{deal} {fact} true --db {db}"),
        (1, "{deal} nonsense 1 --db {db}"),
        (0, "{deal} {fact} true --db {db} --evidence minutes --source meeting --confirmed-by p9"
            " --on 2026-01-05"),
        (1, "{deal} {fact} true --db {db} --confirmed-by nobody"),
        (2, "{deal} {fact} true --db {db} --source rumour"),
    ],
    "fact verify": [(1, "{deal} {fact} --db {db} --by lee")],
    "waive": [(1, "{deal} nonsense --db {db} --by sam --role x --reason 'why not'")],
    "review": [(1, "{deal} --db {db} --answer q=c"), (2, "{deal} --db {db} --answer nonsense")],
    "reviews": [(0, "--db {db}"), (0, "--db {db} --format json")],
    "item done": [(0, "{deal} {item} --db {db}"), (1, "{deal} nonsense --db {db}")],
    "deal close-date": [(0, "{deal} 2099-01-01 --db {db} --note later"),
                        (2, "{deal} --db {db}")],
    "plan show": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json")],
    "plan add": [
        (0, "{deal} --db {db} --what 'Legal review' --due 2099-01-01 --owner ana "
            "--their-owner p9"),
        (1, "{deal} --db {db} --what 'Legal review' --due 2099-01-01 --owner ana "
            "--their-owner nobody"),
    ],
    "plan update": [(1, "{deal} step-9 --db {db} --status done")],
    "plan agree": [(1, "{deal} --db {db} --with p9")],
    "plan seed": [(1, "{deal} --db {db}")],
    "plays": [(0, "{deal} --db {db}"), (0, "{deal} --db {db} --format json")],
    "play take": [(1, "{deal} nonsense --db {db}")],
    "play done": [(1, "{deal} nonsense --db {db} --outcome helped")],
    "play decline": [(1, "{deal} nonsense --db {db} --reason busy")],
    "slip": [(0, "--db {db}"), (0, "--db {db} --format json --since 2026-01-01")],
    "plays-report": [(0, "--db {db}"), (0, "--db {db} --format json")],
    "playbook list": [(0, "--db {db}"), (0, "--db {db} --format json")],
    "playbook show": [(0, "--db {db}"), (0, "{id} --db {db} --yaml")],
}
"""Each command of the app (by its path), the arguments it is tried with and the exit
status expected on either playbook (the probe deal is new, in the first stage, with one
stakeholder, p9)."""

FIGURES = ("funnel", "winrate", "forecast", "stalled", "compliance", "deal list", "reviews")
FIGURES = ("funnel", "winrate", "forecast", "stalled", "compliance", "deal list", "slip",
           "plays-report")
"""Commands over many deals: they refuse to guess when the store holds several playbooks."""


def _commands() -> Iterator[str]:
    def walk(command: click.Command, path: list[str]) -> Iterator[str]:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                yield from walk(child, [*path, name])
        else:
            yield " ".join(path)

    yield from walk(typer.main.get_command(app), [])


@dataclass(frozen=True)
class World:
    """A store of deals of one playbook, and the values its commands are tried with."""

    playbook: Playbook
    file: Path
    db: str
    tmp: Path

    def args(self, template: str) -> list[str]:
        pb = self.playbook
        first = pb.stages[0]
        values = {"file": str(self.file), "db": self.db, "tmp": str(self.tmp), "id": pb.id,
                  "deal": "probe", "stage": pb.stages[1].id, "role": pb.roles[0].id,
                  "fact": next(f.id for f in pb.facts if f.type == "bool"),
                  "item": first.items[0].id, "reason": pb.lost_reasons[0].id}
        return shlex.split(template.format(**values))


def _world(tmp: Path, file: Path) -> World:
    playbook = load_playbook(file)
    db = f"sqlite:///{tmp}/deals.db"
    with Store(db, playbook=playbook) as store:
        import_events(store, simulate(playbook, deals=25, seed=3))
        store.create(deal_id="probe", title="Probe", account="Probe Ltd", owner="ana",
                     actor="ana", amount="50000")
    runner = CliRunner()
    added = runner.invoke(app, ["stakeholder", "add", "probe", "--db", db, "--id", "p9",
                                "--name", "Pia", "--role", playbook.roles[0].id])
    assert added.exit_code == 0, added.output
    exported = runner.invoke(app, ["export", "--db", db, "-o", str(tmp / "backup.jsonl")])
    assert exported.exit_code == 0, exported.output
    _crm_export(tmp, playbook)
    return World(playbook, file, db, tmp)


def _crm_export(tmp: Path, playbook: Playbook) -> None:
    """A two-row wide CRM export and its mapping, in `playbook`'s stages."""
    first, second = playbook.stages[0].id, playbook.stages[1].id
    with (tmp / "export.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "Name", "Stage", "Amount", "Owner", "Entered 1", "Entered 2"])
        writer.writerow(["c1", "One", "s1", "1000", "ana", "2025-01-02 09:00", ""])
        writer.writerow(["c2", "Two", "s2", "2000", "ana", "2025-01-03 09:00",
                         "2025-02-03 09:00"])
    (tmp / "mapping.yaml").write_text(
        "shape: wide\ncurrency: EUR\n"
        "columns: {deal_id: Id, title: Name, stage: Stage, amount: Amount, owner: Owner}\n"
        f"stages: {{s1: {first}, s2: {second}}}\n"
        f"stage_dates: {{{first}: Entered 1, {second}: Entered 2}}\n"
        f"default_lost_reason: {playbook.lost_reasons[0].id}\n"
        "dates: {formats: ['%Y-%m-%d %H:%M']}\n", encoding="utf-8")


@pytest.fixture(params=["bundled", "foreign"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    """A fresh store of deals of the bundled playbook, or of the foreign one."""
    bundled = TESTS.parent / "playbooks" / "complex-b2b.yaml"
    return _world(tmp_path, FOREIGN if request.param == "foreign" else bundled)


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"dealflow {shlex.join(args)} raised {result.exception!r}:\n"
                             f"{result.output}") from result.exception
    return result.exit_code, result.output


def test_every_command_of_the_app_has_an_invocation() -> None:
    assert set(_commands()) == set(INVOCATIONS)


def test_the_foreign_playbook_shares_no_id_with_the_bundled_one() -> None:
    ours, theirs = load_playbook(), load_playbook(FOREIGN)

    def ids(pb: Playbook) -> set[str]:
        return {pb.id, *(s.id for s in pb.stages), *(f.id for f in pb.facts),
                *(r.id for r in (*pb.roles, *pb.our_roles)), *(r.id for r in pb.lost_reasons),
                *(i.id for s in pb.stages for i in s.items),
                *(g.id for s in pb.stages for g in s.gates)}

    assert not ids(ours) & ids(theirs)
    assert not theirs.plays
    assert not theirs.approval_rules


@pytest.mark.parametrize(("command", "expected", "template"), [
    pytest.param(command, expected, template, id=f"{command}:{index}")
    for command, templates in INVOCATIONS.items()
    for index, (expected, template) in enumerate(templates)
])
def test_every_command_answers_plainly_on_either_playbook(
    world: World, command: str, expected: int, template: str,
) -> None:
    args = [*command.split(), *world.args(template)]
    code, output = _invoke(args)
    assert code == expected, output
    assert "Traceback" not in output
    assert output.strip(), "a command always says something"


@pytest.mark.parametrize("command", ["funnel", "winrate", "forecast"])
def test_the_figures_are_read_in_the_stages_of_the_deals_own_playbook(
    world: World, command: str,
) -> None:
    code, output = _invoke([command, "--db", world.db, "--format", "json"])
    assert code == 0, output
    figures = json.loads(output)
    named = {*re.findall(r'"(?:stage|to_stage)": "([^"]+)"', output)}
    assert {s.id for s in world.playbook.stages} <= named | set(
        figures.get("win_rates", {}).get("by_stage_reached", {}))
    assert named <= {s.id for s in world.playbook.stages}


def test_the_funnel_counts_the_deals_of_the_playbook(world: World) -> None:
    code, output = _invoke(["funnel", "--db", world.db, "--format", "json"])
    assert code == 0, output
    funnel = json.loads(output)
    assert funnel["playbook"]["id"] == world.playbook.id
    assert funnel["stages"][0]["entered"] == 26  # 25 simulated and the probe


def test_the_csv_export_has_a_column_per_fact_of_the_playbook(world: World) -> None:
    code, output = _invoke(["export", "--db", world.db, "--format", "csv"])
    assert code == 0, output
    header = next(csv.reader(output.splitlines()))
    assert [c.removeprefix("fact:") for c in header if c.startswith("fact:")] == [
        f.id for f in world.playbook.facts]


@pytest.fixture
def mixed(tmp_path: Path) -> str:
    """A store with deals of both playbooks: 25 of the bundled one, 10 of the foreign one."""
    db = f"sqlite:///{tmp_path}/mixed.db"
    for file, deals in ((None, 25), (FOREIGN, 10)):
        playbook = load_playbook(file)
        with Store(db, playbook=playbook) as store:
            import_events(store, simulate(playbook, deals=deals, seed=5))
    return db


@pytest.mark.parametrize("command", FIGURES)
def test_a_store_of_two_playbooks_refuses_to_guess(mixed: str, command: str) -> None:
    code, output = _invoke([*command.split(), "--db", mixed])
    assert code == 2
    assert "choose one with --playbook ID" in output
    assert "complex-b2b 2.0.0 (25 deals)" in output
    assert "lab-subscriptions 3 (10 deals)" in output


@pytest.mark.parametrize(("playbook", "deals"), [("complex-b2b", 25),
                                                 ("lab-subscriptions", 10)])
def test_a_store_of_two_playbooks_answers_for_the_one_named(
    mixed: str, playbook: str, deals: int,
) -> None:
    code, output = _invoke(["funnel", "--db", mixed, "--playbook", playbook, "--format",
                            "json"])
    assert code == 0, output
    funnel = json.loads(output)
    assert funnel["playbook"]["id"] == playbook
    assert funnel["stages"][0]["entered"] == deals
    stages = [s.id for s in load_playbook(FOREIGN if playbook != "complex-b2b" else None)
              .stages]
    assert [layer["stage"] for layer in funnel["stages"]] == stages
    code, output = _invoke(["deal", "list", "--db", mixed, "--playbook", playbook,
                            "--format", "json"])
    assert code == 0, output
    assert {deal["playbook_id"] for deal in json.loads(output)} == {playbook}
    assert len(json.loads(output)) == deals


def test_a_playbook_the_store_does_not_hold_is_named_with_what_it_holds(mixed: str) -> None:
    code, output = _invoke(["funnel", "--db", mixed, "--playbook", "nope"])
    assert code == 2
    assert "no playbook 'nope' in the store" in output
    assert "lab-subscriptions 3" in output


def test_a_new_deal_in_a_store_of_two_playbooks_names_its_playbook(mixed: str) -> None:
    args = ["deal", "new", "--id", "x1", "--title", "X", "--account", "A", "--owner", "o",
            "--db", mixed]
    code, output = _invoke(args)
    assert code == 2
    assert "choose one with --playbook ID" in output
    code, output = _invoke([*args, "--playbook", "lab-subscriptions"])
    assert code == 0, output
    assert "created x1 in inbound (lab-subscriptions 3)" in output
