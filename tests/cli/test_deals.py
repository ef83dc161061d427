"""`dealflow deal ...`, `fact set`, `item done` and `checklist DEAL_ID`, through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow.cli import app
from dealflow.engine import event_adapter
from dealflow.store import Store
from tests.cli.conftest import Invoke, flat
from tests.conftest import Drive


@pytest.fixture
def deal(invoke: Invoke) -> str:
    """A new deal of 1,200,000 CNY in `qualify`."""
    result = invoke("deal", "new", "--id", "D-1", "--title", "Cracker control upgrade",
                    "--account", "Zhenhai Refining", "--owner", "li.wei", "--amount", "1200000")
    assert result.exit_code == 0, result.output
    return "D-1"


def _qualify(invoke: Invoke, deal: str) -> None:
    """Make every blocking control point of `qualify` hold."""
    for args in (("fact", "set", deal, "pain_confirmed", "yes"),
                 ("fact", "set", deal, "budget_status", "planned"),
                 ("stakeholder", "add", deal, "--id", "chen", "--name", "Chen Hao",
                  "--role", "initiator", "--stance", "supporter")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output


# -- deal new ------------------------------------------------------------------------------

def test_a_new_deal_is_created_in_the_first_stage(invoke: Invoke, db: str) -> None:
    result = invoke("deal", "new", "--id", "D-9", "--title", "T", "--account", "A",
                    "--owner", "o", "--amount", "50000.50", "--currency", "EUR")
    assert result.exit_code == 0, result.output
    assert "created D-9 in qualify (complex-b2b" in result.output
    with Store(db) as store:
        created = store.get("D-9")
        assert (str(created.amount), created.currency) == ("50000.50", "EUR")
        assert store.events("D-9")[0].actor == "o"


def test_the_actor_of_a_new_deal_may_be_given(invoke: Invoke, db: str) -> None:
    invoke("deal", "new", "--id", "D-9", "--title", "T", "--account", "A", "--owner", "o",
           "--actor", "assistant")
    with Store(db) as store:
        assert store.events("D-9")[0].actor == "assistant"


def test_a_new_deal_with_a_taken_id_exits_1(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "new", "--id", deal, "--title", "T", "--account", "A",
                    "--owner", "o")
    assert result.exit_code == 1
    assert "deal 'D-1' already exists" in result.output


@pytest.mark.parametrize(("option", "value", "reason"), [
    ("--amount", "lots", "amount: 'lots' is not an amount; write digits 0-9"),
    ("--amount", "-5", "amount"),
    ("--currency", "YUAN", "currency"),
], ids=["amount-not-a-number", "negative-amount", "currency-too-long"])
def test_a_new_deal_with_an_invalid_field_exits_1_saying_which(
    invoke: Invoke, db: str, option: str, value: str, reason: str,
) -> None:
    result = invoke("deal", "new", "--id", "D-9", "--title", "T", "--account", "A",
                    "--owner", "o", option, value)
    assert result.exit_code == 1
    assert reason in result.output
    with Store(db) as store:
        assert store.count_deals() == 0


def test_a_new_deal_without_a_required_option_is_a_usage_error(invoke: Invoke) -> None:
    assert invoke("deal", "new", "--id", "D-9", "--title", "T").exit_code == 2


# -- deal show and list ------------------------------------------------------------------

def test_show_prints_the_deal_its_gates_red_flags_and_plays(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "show", deal)
    assert result.exit_code == 0, result.output
    for expected in ("Cracker control upgrade", "1,200,000.00 CNY", "qualify (Qualify, 10%)",
                     "advance qualify -> discover: refused", "BLOCK", "pain_confirmed",
                     "fact pain_confirmed is not set", "Red flags",
                     "Plays", "big_deal_sponsor"):
        assert expected in result.output


def test_show_as_json_has_the_deal_gates_map_and_plays(invoke: Invoke, deal: str) -> None:
    _qualify(invoke, deal)
    data = json.loads(invoke("deal", "show", deal, "--format", "json").stdout)
    assert data["deal"]["facts"] == {"pain_confirmed": True, "budget_status": "planned"}
    assert data["gates"]["allowed"] is True
    assert data["stakeholder_map"]["coverage"][0] == {
        "role": "initiator", "name": "Initiator", "holders": ["chen"], "required": True,
        "covered": True}
    assert [play["play"] for play in data["plays"]] == ["big_deal_sponsor"]


def test_deal_text_prints_literally_never_as_markup(invoke: Invoke) -> None:
    invoke("deal", "new", "--id", "D-2", "--title", "[red]x[/red]", "--account", "[b]A",
           "--owner", "o")
    invoke("stakeholder", "add", "D-2", "--id", "p", "--name", "[red]x[/red]")
    for args in (("deal", "show", "D-2"), ("deal", "list"), ("stakeholder", "list", "D-2")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "[red]x[/red]" in result.output, args


@pytest.fixture
def three_deals(invoke: Invoke, deal: str) -> None:
    invoke("deal", "new", "--id", "D-2", "--title", "T", "--account", "A", "--owner", "wang")
    invoke("deal", "new", "--id", "D-3", "--title", "T", "--account", "A", "--owner", "wang")
    _qualify(invoke, deal)
    assert invoke("deal", "advance", deal).exit_code == 0
    assert invoke("deal", "lose", "D-3", "--reason", "timing").exit_code == 0


@pytest.mark.parametrize(("filters", "ids"), [
    ((), ["D-1", "D-2", "D-3"]),
    (("--stage", "discover"), ["D-1"]),
    (("--status", "lost"), ["D-3"]),
    (("--owner", "wang"), ["D-2", "D-3"]),
    (("--owner", "wang", "--status", "open"), ["D-2"]),
], ids=["all", "stage", "status", "owner", "owner-and-status"])
def test_list_shows_the_deals_matching_every_filter(
    invoke: Invoke, three_deals: None, filters: tuple[str, ...], ids: list[str],
) -> None:
    listed = json.loads(invoke("deal", "list", *filters, "-f", "json").stdout)
    assert [d["id"] for d in listed] == ids
    table = invoke("deal", "list", *filters)
    assert f"{len(ids)} deal(s)" in table.output


@pytest.mark.parametrize(("args", "message"), [
    (("--stage", "discovr"), "did you mean 'discover'?"),
    (("--status", "archived"), "archived"),
], ids=["unknown-stage", "unknown-status"])
def test_list_with_an_unknown_filter_value_is_a_usage_error(
    invoke: Invoke, deal: str, args: tuple[str, ...], message: str,
) -> None:
    result = invoke("deal", "list", *args)
    assert result.exit_code == 2
    assert message in flat(result.output)


# -- moves -------------------------------------------------------------------------------

def test_a_refused_advance_exits_1_with_each_blocking_gate_and_its_reason(
    invoke: Invoke, deal: str, db: str,
) -> None:
    result = invoke("deal", "advance", deal)
    assert result.exit_code == 1
    assert "advance D-1 from qualify to discover: refused" in result.stderr
    assert "BLOCK pain_confirmed" in result.stderr
    assert "- fact pain_confirmed is not set" in result.stderr
    assert "BLOCK initiator_mapped" in result.stderr
    assert "- no stakeholder has role initiator" in result.stderr
    with Store(db) as store:
        assert store.get(deal).stage == "qualify"


def test_a_refused_advance_as_json_prints_the_report_and_exits_1(
    invoke: Invoke, deal: str,
) -> None:
    result = invoke("deal", "advance", deal, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["allowed"] is False
    assert "pain_confirmed" in [c["id"] for c in report["checks"] if not c["passed"]]


def test_an_advance_moves_the_deal_when_its_gates_hold(invoke: Invoke, deal: str) -> None:
    _qualify(invoke, deal)
    result = invoke("deal", "advance", deal, "--actor", "manager", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deal"]["stage"] == "discover"
    assert data["events"][0]["actor"] == "manager"
    assert data["events"][0]["type"] == "stage_advanced"


def test_a_deal_goes_on_hold_resumes_is_lost_reopened_and_moved_back(
    invoke: Invoke, deal: str, db: str,
) -> None:
    _qualify(invoke, deal)
    steps = [
        (("deal", "advance", deal), "D-1: advance from qualify to discover"),
        (("deal", "hold", deal, "--reason", "budget freeze", "--until", "2099-01-01"),
         "D-1 is on hold until 2099-01-01"),
        (("deal", "resume", deal), "D-1 is open again, in discover"),
        (("deal", "lose", deal, "--reason", "price", "--note", "too dear"),
         "D-1 is lost (price)"),
        (("deal", "reopen", deal), "D-1 is open again, in discover"),
        (("deal", "back", deal, "--reason", "no budget after all"),
         "D-1: move back from discover to qualify"),
    ]
    for args, printed in steps:
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert printed in result.output
    with Store(db) as store:
        assert store.get(deal).stage == "qualify"
        assert store.replay(deal) == store.get(deal)


def test_a_deal_in_the_last_stage_is_won(
    invoke: Invoke, tmp_path: Path, drive: Drive,
) -> None:
    log = drive("decide")  # every gate holds; its events go into the store by import
    events = tmp_path / "events.jsonl"
    events.write_text("".join(event_adapter.dump_json(e).decode() + "\n" for e in log.events),
                      encoding="utf-8")
    assert invoke("import", str(events)).exit_code == 0
    result = invoke("deal", "win", "D-1")
    assert result.exit_code == 0, result.output
    assert "D-1 is won, closed from decide" in result.output


@pytest.mark.parametrize(("args", "reason"), [
    (("deal", "back", "D-1", "--reason", "x"), "qualify is the first stage"),
    (("deal", "back", "D-1", "--reason", " "), "the reason is empty"),
    (("deal", "win", "D-1"), "win is only possible from the last stage, decide"),
    (("deal", "lose", "D-1", "--reason", "pricey"), "did you mean 'price'?"),
    (("deal", "hold", "D-1", "--reason", "x", "--until", "2000-01-01"), "is not after today"),
    (("deal", "resume", "D-1"), "resume needs a deal that is on_hold"),
    (("deal", "reopen", "D-1"), "reopen needs a deal that is won or lost"),
], ids=["back-from-first", "back-no-reason", "win-early", "lose-unknown-reason",
        "hold-past-date", "resume-open", "reopen-open"])
def test_a_refused_move_exits_1_with_the_reason(
    invoke: Invoke, deal: str, args: tuple[str, ...], reason: str,
) -> None:
    result = invoke(*args)
    assert result.exit_code == 1
    assert "refused" in result.output
    assert reason in result.output


def test_a_hold_date_that_is_not_a_date_is_a_usage_error(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "hold", deal, "--reason", "x", "--until", "next week")
    assert result.exit_code == 2
    assert "'next week' is not a date like 2026-06-30" in flat(result.output)


@pytest.mark.parametrize("args", [
    ("deal", "show", "nope"), ("deal", "advance", "nope"), ("deal", "win", "nope"),
    ("deal", "back", "nope", "--reason", "x"), ("fact", "set", "nope", "industry", "energy"),
    ("item", "done", "nope", "budget_check"), ("stakeholder", "list", "nope"),
    ("events", "nope"),
], ids=["show", "advance", "win", "back", "fact", "item", "stakeholders", "events"])
def test_an_unknown_deal_exits_1(invoke: Invoke, deal: str, args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 1
    assert "no deal 'nope' in the store" in result.output


def test_a_command_on_a_missing_database_exits_1_and_creates_nothing(
    runner: CliRunner, tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["deal", "list", "--db", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 1
    assert "no database at" in result.output
    assert not (tmp_path / "none.db").exists()


def test_the_database_url_comes_from_the_environment(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEALFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    result = runner.invoke(app, ["deal", "new", "--id", "E", "--title", "T", "--account", "A",
                                 "--owner", "o"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


def test_a_write_based_on_a_stale_read_exits_3(
    invoke: Invoke, deal: str, db: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = Store.get
    raced: list[bool] = []

    def get_then_someone_else_writes(self: Store, deal_id: str) -> object:
        found = read(self, deal_id)
        if not raced:
            raced.append(True)
            with Store(db) as other:
                other.apply(deal_id, lambda e, d: e.set_fact(d, "industry", "energy",
                                                             actor="colleague"))
        return found

    monkeypatch.setattr(Store, "get", get_then_someone_else_writes)
    result = invoke("fact", "set", deal, "industry", "petrochemical")
    assert result.exit_code == 3
    assert "changed while you worked on it" in result.output
    monkeypatch.undo()
    with Store(db) as store:
        assert store.get(deal).facts["industry"] == "energy"


# -- facts and items ---------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value", "printed", "stored"), [
    ("pain_confirmed", "yes", "pain_confirmed = true", True),
    ("tender_date", "2026-06-30", "tender_date = 2026-06-30", "2026-06-30"),
    ("budget_status", "approved", "budget_status = approved", "approved"),
    ("competitor", "[b]Acme[/b]", "competitor = [b]Acme[/b]", "[b]Acme[/b]"),
], ids=["bool", "date", "enum", "text"])
def test_a_fact_is_typed_by_the_playbook(
    invoke: Invoke, deal: str, name: str, value: str, printed: str, stored: object,
) -> None:
    result = invoke("fact", "set", deal, name, value)
    assert result.exit_code == 0, result.output
    assert printed in result.output
    shown = json.loads(invoke("deal", "show", deal, "-f", "json").stdout)
    assert shown["deal"]["facts"][name] == stored


def test_a_fact_is_cleared(invoke: Invoke, deal: str) -> None:
    invoke("fact", "set", deal, "industry", "energy")
    result = invoke("fact", "set", deal, "industry", "--clear")
    assert result.exit_code == 0, result.output
    assert "industry cleared" in result.output
    assert json.loads(invoke("deal", "show", deal, "-f", "json").stdout)["deal"]["facts"] == {}


@pytest.mark.parametrize(("args", "code", "message"), [
    (("budget_status", "planed"), 1, "expected one of: unknown, planned, approved"),
    (("pain_confirmd", "yes"), 1, "did you mean 'pain_confirmed'?"),
    (("tender_date", "soon"), 1, "expected a date like 2026-03-31"),
    (("industry",), 2, "give a VALUE, or --clear"),
    (("industry", "energy", "--clear"), 2, "give a VALUE, or --clear"),
], ids=["bad-enum", "unknown-fact", "bad-date", "no-value", "value-and-clear"])
def test_a_bad_fact_exits_with_a_clear_message(
    invoke: Invoke, deal: str, args: tuple[str, ...], code: int, message: str,
) -> None:
    result = invoke("fact", "set", deal, *args)
    assert result.exit_code == code
    assert message in flat(result.output)


def test_an_item_is_done_with_its_evidence(invoke: Invoke, deal: str, db: str) -> None:
    result = invoke("item", "done", deal, "pain_recap", "--evidence", "reply of 2 March")
    assert result.exit_code == 0, result.output
    assert "D-1: pain_recap done in qualify" in result.output
    with Store(db) as store:
        assert store.get(deal).items_done["pain_recap"].evidence == "reply of 2 March"


@pytest.mark.parametrize(("args", "reason"), [
    (("pain_recap",), "evidence: The customer's reply confirming or correcting the recap"),
    (("pain_recp",), "did you mean 'pain_recap'?"),
], ids=["evidence-missing", "unknown-item"])
def test_a_refused_item_exits_1_with_the_reason(
    invoke: Invoke, deal: str, args: tuple[str, ...], reason: str,
) -> None:
    result = invoke("item", "done", deal, *args)
    assert result.exit_code == 1
    assert reason in result.output


# -- checklist of a stored deal ----------------------------------------------------------

def test_the_checklist_of_a_stored_deal_is_found_by_its_id(invoke: Invoke, deal: str) -> None:
    result = invoke("checklist", deal, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deal"]["id"] == deal
    assert "pain_recap" in [item["id"] for item in data["items"]]


def test_a_deal_file_wins_over_a_stored_deal_of_the_same_name(
    invoke: Invoke, deal: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(deal).write_text("id: from-file\ntitle: T\naccount: A\nowner: o\n", encoding="utf-8")
    result = invoke("checklist", deal, "--format", "json")
    assert json.loads(result.stdout)["deal"]["id"] == "from-file"


def test_a_checklist_of_neither_a_file_nor_a_stored_deal_exits_1(
    invoke: Invoke, deal: str,
) -> None:
    result = invoke("checklist", "nope")
    assert result.exit_code == 1
    assert "nope: file not found, and not a deal in the store" in result.output


def test_the_events_of_a_deal_are_json_events(invoke: Invoke, deal: str) -> None:
    _qualify(invoke, deal)
    events = json.loads(invoke("events", deal, "--format", "json").stdout)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert [event_adapter.validate_python(e).type for e in events] == [
        "deal_created", "fact_set", "fact_set", "stakeholder_added"]
