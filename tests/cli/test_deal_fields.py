"""`dealflow deal edit`, `deal next-step` and `stakeholder remove` through typer's runner.

Each runs on a deal of the bundled playbook and on one of `docs/examples/lab-subscriptions.yaml`
(which shares no id with it), records one event that replays to the stored deal, and
refuses bad input with a clear message and its exit code, writing nothing. The examples
docs/cli.md shows for them print what the page shows.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from decimal import Decimal

import pytest

from dealflow import Deal, Playbook, Stakeholder, load_playbook
from dealflow.store import Store
from tests._docs import marked
from tests.cli.conftest import Invoke, flat
from tests.conftest import LAB_PLAYBOOK

PLAYBOOKS = {"complex-b2b": load_playbook(),
             "lab-subscriptions": load_playbook(LAB_PLAYBOOK)}
ROLE = {"complex-b2b": "initiator", "lab-subscriptions": "lab_head"}
"""A decision-chain role of each playbook."""


@pytest.fixture(params=sorted(PLAYBOOKS))
def playbook(request: pytest.FixtureRequest) -> Playbook:
    return PLAYBOOKS[request.param]


@pytest.fixture
def deal(db: str, playbook: Playbook) -> str:
    """A deal of 1,200,000 CNY, owned by li.wei, under `playbook`, with one person mapped."""
    with Store(db) as store:
        store.create(playbook=playbook, deal_id="D-1", title="Cracker control upgrade",
                     account="Zhenhai Refining", owner="li.wei", actor="li.wei",
                     amount=1_200_000).raise_for_refusal()
        person = Stakeholder(id="chen", name="Chen Hao", roles=(ROLE[playbook.id],))
        store.apply("D-1", lambda e, d: e.add_stakeholder(d, person, actor="li.wei")
                    ).raise_for_refusal()
    return "D-1"


def stored(db: str, deal_id: str) -> Deal:
    """The stored deal, after checking that its events replay to it exactly."""
    with Store(db) as store:
        deal = store.get(deal_id)
        assert store.replay(deal_id) == deal
        return deal


def last_event(db: str, deal_id: str) -> dict[str, object]:
    with Store(db) as store:
        return store.events(deal_id)[-1].model_dump(mode="json")


# -- deal edit -----------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "changed"), [
    (("--title", "Cracker control upgrade, phase 1"),
     {"title": "Cracker control upgrade, phase 1"}),
    (("--amount", "1150000.50", "--currency", "EUR"),
     {"amount": Decimal("1150000.50"), "currency": "EUR"}),
    (("--account", "Zhenhai Refining & Chemical", "--owner", "wang.fang"),
     {"account": "Zhenhai Refining & Chemical", "owner": "wang.fang"}),
], ids=["title", "amount-and-currency", "account-and-owner"])
def test_edit_changes_only_the_fields_given_in_one_event_that_replays(
    invoke: Invoke, db: str, deal: str, playbook: Playbook, args: tuple[str, ...],
    changed: dict[str, object],
) -> None:
    before = stored(db, deal)
    result = invoke("deal", "edit", deal, *args)
    assert result.exit_code == 0, result.output
    after = stored(db, deal)
    assert after == before.model_copy(update={**changed, "version": before.version + 1})
    assert after.playbook_id == playbook.id
    event = last_event(db, deal)
    assert event["type"] == "deal_edited"
    assert set(event["changes"]) == set(changed)  # type: ignore[arg-type]


def test_edit_prints_each_changed_field_before_and_after(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "edit", deal, "--amount", "1150000", "--title", "Phase 1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "D-1 edited:",
        "  title: Cracker control upgrade -> Phase 1",
        "  amount: 1,200,000.00 -> 1,150,000.00",
    ]


def test_edit_records_the_actor_given(invoke: Invoke, db: str, deal: str) -> None:
    assert invoke("deal", "edit", deal, "--title", "T", "--actor", "assistant").exit_code == 0
    assert last_event(db, deal)["actor"] == "assistant"


def test_edit_as_json_prints_the_deal_and_the_event_written(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "edit", deal, "--currency", "USD", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deal"]["currency"] == "USD"
    assert [event["changes"] for event in data["events"]] == [{"currency": "USD"}]


@pytest.mark.parametrize(("args", "reason"), [
    (("--amount", "lots"), "amount: 'lots' is not an amount"),
    (("--amount", "-5"), "amount: -5 is negative"),
    (("--amount", "1.234"), "amount: 1.234 has more than two decimals"),
    (("--amount", "NaN"), "amount: 'NaN' is not an amount"),
    (("--currency", "YUAN"), "currency: 'YUAN' is not an ISO 4217 currency code"),
    (("--title", ""), "title: empty"),
    (("--owner", ""), "owner: empty"),
], ids=["amount-not-a-number", "negative-amount", "three-decimals", "nan", "long-currency",
        "empty-title", "empty-owner"])
def test_an_invalid_edit_exits_1_naming_the_field_and_writes_nothing(
    invoke: Invoke, db: str, deal: str, args: tuple[str, ...], reason: str,
) -> None:
    before = stored(db, deal)
    result = invoke("deal", "edit", deal, "--title", "Changed", *args)
    assert result.exit_code == 1
    assert "edit D-1 from" in result.output
    assert reason in result.output
    assert "Traceback" not in result.output
    assert stored(db, deal) == before


def test_a_refused_edit_as_json_prints_its_report(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "edit", deal, "--amount", "lots", "-f", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["operation"], report["allowed"]) == ("edit", False)


def test_edit_without_a_field_is_a_usage_error(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "edit", deal)
    assert result.exit_code == 2
    assert "give at least one of --title, --account, --amount, --currency or --owner" in \
        flat(result.output)


def test_edit_of_an_unknown_deal_exits_1(invoke: Invoke, deal: str) -> None:
    result = invoke("deal", "edit", "D-2", "--title", "T")
    assert result.exit_code == 1
    assert "no deal 'D-2' in the store" in result.output


# -- deal next-step ----------------------------------------------------------------------

def test_a_next_step_is_done_by_the_owner_unless_someone_else_is_given(
    invoke: Invoke, db: str, deal: str,
) -> None:
    result = invoke("deal", "next-step", deal, "--what", "Site visit", "--due", "2026-12-04")
    assert result.exit_code == 0, result.output
    assert "D-1: next step Site visit (li.wei, by 2026-12-04)" in result.output
    step = stored(db, deal).next_step
    assert step is not None
    assert (step.what, step.who, step.due) == ("Site visit", "li.wei", dt.date(2026, 12, 4))
    assert invoke("deal", "next-step", deal, "--what", "Send the quote", "--who", "Chen Hao",
                  "--due", "2026-12-05").exit_code == 0
    step = stored(db, deal).next_step
    assert step is not None
    assert (step.what, step.who) == ("Send the quote", "Chen Hao")
    assert last_event(db, deal)["type"] == "next_step_set"


def test_deal_show_prints_the_next_step(invoke: Invoke, deal: str) -> None:
    invoke("deal", "next-step", deal, "--what", "Site visit", "--due", "2026-12-04")
    result = invoke("deal", "show", deal)
    assert result.exit_code == 0, result.output
    assert "next step       Site visit (li.wei, by 2026-12-04)" in result.output


def test_clear_removes_the_next_step(invoke: Invoke, db: str, deal: str) -> None:
    invoke("deal", "next-step", deal, "--what", "Site visit", "--due", "2026-12-04")
    result = invoke("deal", "next-step", deal, "--clear")
    assert result.exit_code == 0, result.output
    assert "D-1: next step cleared" in result.output
    assert stored(db, deal).next_step is None


def test_next_step_as_json_prints_the_deal_and_the_event_written(
    invoke: Invoke, deal: str,
) -> None:
    result = invoke("deal", "next-step", deal, "--what", "Site visit", "--due", "2026-12-04",
                    "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deal"]["next_step"] == {"what": "Site visit", "who": "li.wei",
                                         "due": "2026-12-04"}
    assert [event["type"] for event in data["events"]] == ["next_step_set"]


@pytest.mark.parametrize(("args", "code", "message"), [
    ((), 2, "give --what and --due (and --who), or --clear"),
    (("--what", "Site visit"), 2, "give --what and --due"),
    (("--clear", "--what", "Site visit"), 2, "--clear takes no --what, --who or --due"),
    (("--what", "Site visit", "--due", "next week"), 2, "'next week' is not a date like"),
    (("--what", "", "--due", "2026-12-04"), 1,
     "the next step is not valid: --what: empty"),
    (("--what", "Site visit", "--who", "", "--due", "2026-12-04"), 1,
     "--who: empty"),
], ids=["nothing", "no-due", "clear-and-what", "bad-date", "empty-what", "empty-who"])
def test_a_bad_next_step_exits_with_a_clear_message_and_writes_nothing(
    invoke: Invoke, db: str, deal: str, args: tuple[str, ...], code: int, message: str,
) -> None:
    before = stored(db, deal)
    result = invoke("deal", "next-step", deal, *args)
    assert result.exit_code == code
    assert message in flat(result.output)
    assert "Traceback" not in result.output
    assert stored(db, deal) == before


# -- stakeholder remove ------------------------------------------------------------------

def test_remove_takes_a_person_off_the_map_in_one_event_that_replays(
    invoke: Invoke, db: str, deal: str,
) -> None:
    result = invoke("stakeholder", "remove", deal, "chen")
    assert result.exit_code == 0, result.output
    assert "D-1: removed chen (Chen Hao)" in result.output
    assert stored(db, deal).stakeholders == ()
    assert last_event(db, deal)["type"] == "stakeholder_removed"
    listed = json.loads(invoke("stakeholder", "list", deal, "-f", "json").stdout)
    assert listed["stakeholders"] == []


def test_remove_as_json_prints_the_deal_and_the_event_written(
    invoke: Invoke, deal: str,
) -> None:
    result = invoke("stakeholder", "remove", deal, "chen", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deal"]["stakeholders"] == []
    assert [event["stakeholder_id"] for event in data["events"]] == ["chen"]


@pytest.mark.parametrize(("person", "message"), [
    ("chan", "no stakeholder 'chan'; did you mean 'chen'?"),
    ("nobody", "no stakeholder 'nobody'; valid: chen"),
], ids=["typo", "unknown"])
def test_removing_someone_not_on_the_map_exits_1_with_the_closest_id(
    invoke: Invoke, db: str, deal: str, person: str, message: str,
) -> None:
    before = stored(db, deal)
    result = invoke("stakeholder", "remove", deal, person)
    assert result.exit_code == 1
    assert message in result.output
    assert stored(db, deal) == before


def test_removing_from_an_empty_map_says_it_is_empty(invoke: Invoke, deal: str) -> None:
    invoke("stakeholder", "remove", deal, "chen")
    result = invoke("stakeholder", "remove", deal, "chen")
    assert result.exit_code == 1
    assert "no stakeholder 'chen'; the map is empty" in result.output


# -- the examples of docs/cli.md ---------------------------------------------------------

@pytest.fixture
def zh001(invoke: Invoke) -> str:
    """The deal the CLI page's examples run on: zh-001, in qualify, with Chen Hao mapped."""
    for args in (("deal", "new", "--id", "zh-001", "--title", "Cracker control upgrade",
                  "--account", "Zhenhai Refining", "--owner", "li.wei", "--amount", "1200000"),
                 ("stakeholder", "add", "zh-001", "--id", "chen", "--name", "Chen Hao",
                  "--role", "initiator")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
    return "zh-001"


@pytest.mark.parametrize("example", ["deal-edit", "deal-next-step", "stakeholder-remove"])
def test_a_cli_page_example_prints_what_the_page_shows(
    invoke: Invoke, zh001: str, example: str,
) -> None:
    block, markers = marked("cli.md", example)
    command, *shown = block.body.splitlines()
    assert command.startswith("$ dealflow "), f"{block.id}: the first line is `$ dealflow ...`"
    result = invoke(*shlex.split(command)[2:])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == shown, (
        f"docs/cli.md ({block.id}, between {markers}) shows other output than the command "
        f"prints, which is:\n{result.output}")
