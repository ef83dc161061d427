"""`dealflow stakeholder add | rate | list` through typer's runner, with their error exits."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dealflow.deal import Win
from dealflow.store import Store
from tests.cli.conftest import Invoke, flat


@pytest.fixture
def deal(invoke: Invoke) -> str:
    result = invoke("deal", "new", "--id", "D-1", "--title", "Cracker control upgrade",
                    "--account", "Zhenhai Refining", "--owner", "li.wei", "--amount", "1200000")
    assert result.exit_code == 0, result.output
    return "D-1"


@pytest.fixture
def liu(invoke: Invoke, deal: str) -> str:
    result = invoke("stakeholder", "add", deal, "--id", "liu", "--name", "Liu Yang",
                    "--title", "Chief engineer", "--role", "technical_buyer", "--stance",
                    "opponent", "--influence", "high", "--org-win", "A maintainable system",
                    "--personal-win", "No failed cut-over", "--last-contact", "2026-03-01")
    assert result.exit_code == 0, result.output
    return "liu"


def test_a_stakeholder_is_added_with_every_field(
    invoke: Invoke, deal: str, liu: str, db: str,
) -> None:
    with Store(db) as store:
        person = store.get(deal).stakeholder(liu)
    assert person is not None
    assert (person.name, person.title, person.roles, person.stance.value,
            person.influence.value, person.org_wins, person.personal_wins,
            person.last_contact) == (
        "Liu Yang", "Chief engineer", ("technical_buyer",), "opponent", "high",
        (Win(text="A maintainable system"),), (Win(text="No failed cut-over"),),
        dt.date(2026, 3, 1))


def test_adding_a_stakeholder_prints_who_was_added(invoke: Invoke, deal: str) -> None:
    result = invoke("stakeholder", "add", deal, "--id", "chen", "--name", "Chen Hao",
                    "--role", "initiator", "--role", "coach")
    assert result.exit_code == 0, result.output
    assert "D-1: added chen (Chen Hao)" in result.output
    listed = json.loads(invoke("stakeholder", "list", deal, "-f", "json").stdout)
    assert listed["stakeholders"][0]["roles"] == ["initiator", "coach"]
    assert listed["stakeholders"][0]["stance"] == "unknown"


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--id", "x", "--name", "X", "--role", "initator"), 1, "did you mean 'initiator'?"),
    (("--id", "liu", "--name", "Another Liu"), 1, "already has stakeholder 'liu'"),
    (("--id", "x", "--name", ""), 1, "name: empty"),
    (("--id", "x", "--name", "X", "--stance", "friendly"), 2,
     "unknown stance 'friendly'; valid: champion, neutral, opponent, skeptic, supporter, "
     "unknown"),
    (("--id", "x", "--name", "X", "--stance", "champoin"), 2,
     "Invalid value for '--stance': unknown stance 'champoin'; did you mean 'champion'?"),
    (("--id", "x", "--name", "X", "--influence", "huge"), 2,
     "unknown influence 'huge'; valid: high, low, medium"),
    (("--id", "x", "--name", "X", "--influence", "hihg"), 2,
     "Invalid value for '--influence': unknown influence 'hihg'; did you mean 'high'?"),
    (("--id", "x", "--name", "X", "--last-contact", "yesterday"), 2,
     "'yesterday' is not a date like"),
    (("--name", "X"), 2, "--id"),
], ids=["unknown-role", "duplicate-id", "empty-name", "bad-stance", "misspelt-stance",
        "bad-influence", "misspelt-influence", "bad-date", "no-id"])
def test_a_bad_stakeholder_exits_with_a_clear_message(
    invoke: Invoke, deal: str, liu: str, args: tuple[str, ...], code: int, message: str,
) -> None:
    result = invoke("stakeholder", "add", deal, *args)
    assert result.exit_code == code
    assert message in flat(result.output)


def test_a_stakeholder_is_rated_again(invoke: Invoke, deal: str, liu: str, db: str) -> None:
    result = invoke("stakeholder", "rate", deal, liu, "--stance", "supporter", "--influence",
                    "medium", "--last-contact", "2026-03-05", "--role", "technical_buyer",
                    "--role", "influencer")
    assert result.exit_code == 0, result.output
    assert ("liu (Liu Yang) is now supporter, medium influence, roles technical_buyer, "
            "influencer") in result.output
    with Store(db) as store:
        person = store.get(deal).stakeholder(liu)
        assert person is not None
        assert person.org_wins == (Win(text="A maintainable system"),)  # untouched fields stay
        assert person.last_contact == dt.date(2026, 3, 5)


@pytest.mark.parametrize(("args", "code", "message"), [
    (("lui", "--stance", "supporter"), 1, "no stakeholder 'lui'; did you mean 'liu'?"),
    (("liu", "--role", "boss"), 1, "unknown role 'boss'"),
    (("liu",), 2, "give at least one of --stance, --influence, --last-contact, --role, --org"),
    (("liu", "--stance", "maybe"), 2, "unknown stance 'maybe'; valid: champion"),
    (("liu", "--stance", "skeptik"), 2, "unknown stance 'skeptik'; did you mean 'skeptic'?"),
], ids=["unknown-person", "unknown-role", "no-change", "bad-stance", "misspelt-stance"])
def test_a_bad_rating_exits_with_a_clear_message(
    invoke: Invoke, deal: str, liu: str, args: tuple[str, ...], code: int, message: str,
) -> None:
    result = invoke("stakeholder", "rate", deal, *args)
    assert result.exit_code == code
    assert message in flat(result.output)


def test_the_list_shows_people_coverage_support_and_red_flags(
    invoke: Invoke, deal: str, liu: str,
) -> None:
    result = invoke("stakeholder", "list", deal)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    for expected in ("Stakeholders of D-1", "Liu Yang", "technical_buyer", "opponent",
                     "Role coverage (support score -1.00, from -1 to +1)",
                     "initiator Initiator - yes",
                     "Red flags", "high_influence_opponent", "Liu Yang opposes us",
                     "role_missing"):
        assert expected in text


def test_the_list_as_json_has_the_map_analysis(invoke: Invoke, deal: str, liu: str) -> None:
    data = json.loads(invoke("stakeholder", "list", deal, "--format", "json").stdout)
    assert data["deal_id"] == deal
    assert data["support_score"] == -1
    assert data["opponents"] == ["liu"]
    assert {flag["code"] for flag in data["red_flags"]} >= {
        "high_influence_opponent", "role_missing"}
    covered = {entry["role"]: entry["covered"] for entry in data["coverage"]}
    assert covered["technical_buyer"] is True
    assert covered["initiator"] is False


def test_a_map_without_red_flags_says_so(invoke: Invoke) -> None:
    invoke("deal", "new", "--id", "small", "--title", "T", "--account", "A", "--owner", "o")
    invoke("stakeholder", "add", "small", "--id", "chen", "--name", "Chen", "--role",
           "initiator", "--stance", "champion",
           "--last-contact", dt.date.today().isoformat())
    result = invoke("stakeholder", "list", "small")
    assert result.exit_code == 0, result.output
    assert "No red flags." in result.output


def test_stakeholder_names_print_literally(invoke: Invoke, deal: str) -> None:
    invoke("stakeholder", "add", deal, "--id", "m", "--name", "[red]x[/red]", "--title",
           "[bold]boss")
    result = invoke("stakeholder", "list", deal)
    assert "[red]x[/red]" in result.output
    assert "[bold]boss" in result.output


# -- the decision chain: organisations, owners, depth, wins, lines (issue 20) ------------------
def test_a_person_sits_in_an_organisation_with_an_owner_a_depth_and_wins(
    invoke: Invoke, deal: str, liu: str, db: str,
) -> None:
    added = invoke("org", "add", deal, "--id", "epc", "--name", "Sinopec Engineering",
                   "--kind", "contractor")
    assert added.exit_code == 0, added.output
    changed = invoke("stakeholder", "update", deal, liu, "--org", "epc", "--owner", "presales",
                     "--depth", "one_to_one", "--addressed", "A maintainable system")
    assert changed.exit_code == 0, changed.output

    with Store(db) as store:
        person = store.get(deal).stakeholder(liu)
    assert person is not None
    assert (person.org, person.owner, person.depth) == ("epc", "presales", "one_to_one")
    assert person.org_wins == (Win(text="A maintainable system", addressed=True),)
    assert person.personal_wins == (Win(text="No failed cut-over"),)


def test_lines_between_people_are_drawn_and_listed_by_organisation(
    invoke: Invoke, deal: str, liu: str, db: str,
) -> None:
    assert invoke("stakeholder", "add", deal, "--id", "wang", "--name", "Wang",
                  "--stance", "supporter").exit_code == 0
    drawn = invoke("stakeholder", "link", deal, "wang", liu, "--strength", "high")
    assert drawn.exit_code == 0, drawn.output
    assert "wang influences liu" in drawn.output
    assert invoke("stakeholder", "link", deal, "wang", liu, "--reports-to").exit_code == 0

    circle = invoke("stakeholder", "link", deal, liu, "wang", "--reports-to")

    assert circle.exit_code == 1
    assert "wang already reports to liu" in flat(circle.output)
    listed = json.loads(invoke("org", "list", deal, "-f", "json").stdout)
    assert listed["organisations"] == [{"id": "", "name": "", "kind": "", "people": 2,
                                        "supporters": 1, "opponents": 1, "owned": 0}]
    assert invoke("stakeholder", "unlink", deal, "wang", liu).exit_code == 0
    with Store(db) as store:
        assert [link.kind for link in store.get(deal).links] == ["reports_to"]
