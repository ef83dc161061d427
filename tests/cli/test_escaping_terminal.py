"""Deal and stakeholder text prints literally in the terminal: never as rich markup, and
its control characters as escapes, so the terminal interprets nothing that came from data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from typer.testing import CliRunner

from dealflow import Deal, Stakeholder, load_playbook
from dealflow._safe_text import INVISIBLE, visible
from dealflow.cli import _views as v
from dealflow.cli import app
from dealflow.cli._output import ShowingConsole, json_text
from dealflow.store import Store
from dealflow.testing import deals, hostile_text
from tests.conftest import REPO

HOSTILE = {
    "markup": "[red]Evil[/red] [link=http://x]y[/link] [bold]b",
    "closing-tag": "[/]",
    "controls": "\x1b[31mred\x1b[0m \x1b]0;owned\x07 a\x9b31mb \u202eevil \rgone",
}
"""Text that rich would parse as markup (`[/]` alone raises MarkupError), or that a terminal
would interpret (SGR colours, an OSC window title, an 8-bit CSI, a right-to-left override,
a carriage return that lets the rest overwrite the line)."""

PAST = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)


def _id(*parts: str) -> str:
    """An id made of `parts`: hostile text, with its control characters escaped (an id is
    printable characters only, so they cannot be in one)."""
    return visible("-".join(parts))
PLAYBOOK = load_playbook()
Invoke = Callable[..., Result]


def _assert_literal(output: str, hostile: str) -> None:
    """`hostile` shows as its visible self, and no control character reaches the terminal."""
    assert visible(hostile) in output, output
    assert not INVISIBLE.search(output.replace("\r\n", "\n")), repr(output)
    assert "Traceback" not in output


def _fill(store: Store, key: str, text: str) -> None:
    """Deals whose every text field is `text`: an open one with a person, a fact and an
    item done, one on hold, one lost."""
    deal_id = _id("D", key, text)
    store.create(deal_id=deal_id, title=text, account=text, owner=text, actor=text
                 ).raise_for_refusal()
    person = Stakeholder(id=_id("p", text), name=text, title=text, roles=("initiator",),
                         org_win=text, personal_win=text)
    for operation in (
        lambda e, d: e.add_stakeholder(d, person, actor=text),
        lambda e, d: e.set_fact(d, "competitor", text, actor=text),
        lambda e, d: e.complete_item(d, "discovery_meeting", evidence=text, actor=text),
    ):
        store.apply(deal_id, operation).raise_for_refusal()
    store.create(deal_id=_id("H", key, text), title=text, account=text, owner=text, actor=text
                 ).raise_for_refusal()
    store.apply(_id("H", key, text), lambda e, d: e.hold(
        d, reason=text, resume_on=dt.date(2030, 1, 1), actor=text)).raise_for_refusal()
    store.create(deal_id=_id("L", key, text), title=text, account=text, owner=text, actor=text
                 ).raise_for_refusal()
    store.apply(_id("L", key, text), lambda e, d: e.lose(
        d, reason="competitor", note=text, actor=text)).raise_for_refusal()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database with the deals of every hostile text, opened long ago (so stalled)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('escaping')}/x.db"
    with Store(url, clock=lambda: PAST) as store:
        for key, text in HOSTILE.items():
            _fill(store, key, text)
    return url


@pytest.fixture(scope="module")
def new_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default playbook as version 1.0.1, for a migration's dry run."""
    source = REPO / "playbooks" / "complex-b2b.yaml"
    target = tmp_path_factory.mktemp("playbook") / "complex-b2b.yaml"
    text = source.read_text(encoding="utf-8")
    bumped = re.sub(r"^version: .*$", 'version: "1.0.1"', text, count=1, flags=re.M)
    assert bumped != text
    target.write_text(bumped, encoding="utf-8")
    return target


@pytest.fixture
def invoke(db: str) -> Invoke:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", db], env={"COLUMNS": "250"})
    return run


PER_DEAL = {
    "deal show": lambda key, text: ["deal", "show", _id("D", key, text)],
    "deal show held": lambda key, text: ["deal", "show", _id("H", key, text)],
    "deal show lost": lambda key, text: ["deal", "show", _id("L", key, text)],
    "stakeholder list": lambda key, text: ["stakeholder", "list", _id("D", key, text)],
    "events": lambda key, text: ["events", _id("D", key, text)],
}


@pytest.mark.parametrize("key", HOSTILE.keys())
@pytest.mark.parametrize("command", PER_DEAL.keys())
def test_every_command_about_a_deal_prints_its_text_literally(
        invoke: Invoke, command: str, key: str) -> None:
    result = invoke(*PER_DEAL[command](key, HOSTILE[key]))
    assert result.exit_code == 0, result.output
    _assert_literal(result.output, HOSTILE[key])


@pytest.mark.parametrize("args", [["deal", "list"], ["stalled"], ["winrate"]], ids=" ".join)
def test_every_command_about_all_deals_prints_their_text_literally(
        invoke: Invoke, args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    for text in HOSTILE.values():
        _assert_literal(result.output, text)


def test_a_migration_plan_prints_deal_ids_literally(invoke: Invoke, new_version: Path) -> None:
    result = invoke("migrate", "--to", str(new_version))
    assert result.exit_code == 0, result.output
    for key, text in HOSTILE.items():
        _assert_literal(result.output, _id("D", key, text))


WRITING = {
    "stakeholder add": lambda d, text: ["stakeholder", "add", d, "--id", "q", "--name", text],
    "stakeholder rate": lambda d, text: ["stakeholder", "rate", d, _id("p", text), "--stance",
                                         "champion"],
    "fact set": lambda d, text: ["fact", "set", d, "competitor", text],
    "deal new": lambda d, text: ["deal", "new", "--id", f"N-{d}", "--title", text,
                                 "--account", text, "--owner", text],
    "deal edit": lambda d, text: ["deal", "edit", d, "--title", f"new {text}"],
    "deal next-step": lambda d, text: ["deal", "next-step", d, "--what", text, "--who", text,
                                       "--due", "2026-12-04"],
    "stakeholder remove": lambda d, text: ["stakeholder", "remove", d, _id("p", text)],
}


@pytest.fixture(scope="module")
def changing(tmp_path_factory: pytest.TempPathFactory) -> Invoke:
    """Run a command on a database of its own module: each test changes other deals."""
    url = f"sqlite:///{tmp_path_factory.mktemp('changing')}/w.db"
    with Store(url) as store:
        for key, text in HOSTILE.items():
            for command in WRITING:
                _fill(store, f"{key}-{command.replace(' ', '-')}", text)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [*args, "--db", url], env={"COLUMNS": "250"})
    return run


@pytest.mark.parametrize("key", HOSTILE.keys())
@pytest.mark.parametrize("command", WRITING.keys())
def test_every_changing_command_reports_deal_text_literally(
        changing: Invoke, command: str, key: str) -> None:
    text = HOSTILE[key]
    deal_id = _id("D", key, command.replace(" ", "-"), text)
    result = changing(*WRITING[command](deal_id, text))
    assert result.exit_code == 0, result.output
    _assert_literal(result.output, text)


KNOWN = _id("D", "markup", HOSTILE["markup"])
ERRORS = {
    "unknown deal": lambda text: ["deal", "show", text],
    "unknown fact": lambda text: ["fact", "set", KNOWN, text, "1"],
    "unknown person": lambda text: ["stakeholder", "rate", KNOWN, text, "--stance",
                                    "champion"],
    "bad stage filter": lambda text: ["deal", "list", "--stage", text],
    "bad stance": lambda text: ["stakeholder", "rate", KNOWN, "p", "--stance", text],
    "unknown person removed": lambda text: ["stakeholder", "remove", KNOWN, text],
    "bad date": lambda text: ["deal", "hold", KNOWN, "--reason", "r", "--until", text],
}


@pytest.mark.parametrize("key", ["closing-tag", "controls"])
@pytest.mark.parametrize("error", ERRORS.keys())
def test_errors_that_echo_the_input_print_it_literally(
        invoke: Invoke, error: str, key: str) -> None:
    result = invoke(*ERRORS[error](HOSTILE[key]))
    assert result.exit_code in (1, 2), result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert not INVISIBLE.search(result.output.replace("\r\n", "\n")), repr(result.output)


@pytest.mark.parametrize(("args", "flag"), [
    (["deal", "new", "--id", "D-\udcff", "--title", "t", "--account", "a", "--owner", "o"],
     "--id"),
    (["deal", "show", "\udce9t\udce9"], "DEAL"),
    (["stakeholder", "add", KNOWN, "--id", "p", "--name", "n\udc80"], "--name"),
], ids=["option", "argument", "later-option"])
def test_text_that_is_not_utf8_is_a_usage_error_naming_the_option(
        invoke: Invoke, args: list[str], flag: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert flag in result.output
    assert "not valid UTF-8" in " ".join(result.output.split())


def test_file_names_print_literally_in_progress_and_messages(invoke: Invoke,
                                                            tmp_path: Path) -> None:
    exported = tmp_path / "[red]x[-\x1b[2J-].jsonl"
    result = invoke("export", "--deal", f"D-markup-{HOSTILE['markup']}", "-o", str(exported))
    assert result.exit_code == 0, result.output
    _assert_literal(result.output, exported.name)
    fresh_db = f"sqlite:///{tmp_path}/again.db"
    again = CliRunner().invoke(app, ["import", str(exported), "--db", fresh_db])
    assert again.exit_code == 0, again.output
    _assert_literal(again.output, exported.name)


def _printed(*renderables: object) -> str:
    """What the CLI's console writes to a colour terminal for `renderables`, less the
    colour codes (SGR) that rich adds itself."""
    buffer = io.StringIO()
    made = ShowingConsole(file=buffer, width=120, force_terminal=True,
                          color_system="truecolor", soft_wrap=True)
    made.print(*renderables, markup=False)
    return re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue()).replace("\r\n", "\n")


@settings(max_examples=30, deadline=None)
@given(deal=deals(PLAYBOOK))
def test_the_views_of_any_deal_print_no_control_character_from_data(deal: Deal) -> None:
    printed = _printed(v.deal_fields(deal, PLAYBOOK), v.facts_table(deal),
                       v.people_table(deal.stakeholders))
    assert not INVISIBLE.search(printed), repr(printed)


@given(hostile_text(max_size=60))
def test_a_printed_string_shows_its_control_characters(text: str) -> None:
    printed = _printed(text)
    assert not INVISIBLE.search(printed), repr(printed)
    assert "".join(visible(text).split()) in "".join(printed.split())


@given(hostile_text(max_size=60))
def test_json_output_reads_back_exactly_and_carries_no_control_character(text: str) -> None:
    printed = json_text({"title": text, "names": [text]}, indent=2)
    assert json.loads(printed) == {"title": text, "names": [text]}
    assert not INVISIBLE.search(printed)


def test_json_output_escapes_lone_surrogates_so_it_encodes() -> None:
    printed = json_text({"file": "report-\udcff.csv"})
    printed.encode("utf-8")
    assert json.loads(printed) == {"file": "report-\udcff.csv"}


@pytest.mark.parametrize("key", HOSTILE.keys())
def test_json_outputs_give_back_the_very_text(invoke: Invoke, key: str) -> None:
    text, deal_id = HOSTILE[key], _id("D", key, HOSTILE[key])
    shown = json.loads(invoke("deal", "show", deal_id, "--format", "json").stdout)
    assert (shown["deal"]["title"], shown["deal"]["stakeholders"][0]["name"]) == (text, text)
    listed = json.loads(invoke("deal", "list", "--format", "json").stdout)
    assert {deal["id"]: deal["owner"] for deal in listed}[deal_id] == text
    people = json.loads(invoke("stakeholder", "list", deal_id, "--format", "json").stdout)
    assert people["stakeholders"][0]["personal_win"] == text
    sheet = json.loads(invoke("checklist", deal_id, "--format", "json").stdout)
    assert sheet["deal"]["account"] == text
    exported = invoke("export", "--deal", deal_id).stdout.splitlines()
    assert json.loads(exported[1])["title"] == text  # after its playbook
    assert not INVISIBLE.search("\n".join(exported))  # as \uXXXX escapes: the same JSON
    events = json.loads(invoke("events", deal_id, "--format", "json").stdout)
    assert events[-1]["evidence"] == text
