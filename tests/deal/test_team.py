"""Team files: our people and their roles, read with every problem located by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealflow import Team, TeamFileError, load_playbook, load_team
from dealflow.deal import team_from_environment
from tests.conftest import REPO

EXAMPLES = REPO / "docs" / "examples"
PLAYBOOK = load_playbook(EXAMPLES / "field-service-contracts.yaml")


def test_the_example_team_loads_with_its_roles() -> None:
    team = load_team(EXAMPLES / "field-service-team.yaml", PLAYBOOK)

    assert [p.id for p in team.holders(("deal_desk", "executive"))] == ["raj.iyer", "wu.gang"]
    assert team.member("mei.lin") is not None
    assert team.member("nobody") is None


@pytest.mark.parametrize(("text", "where", "message"), [
    pytest.param("people:\n  - {id: a, name: A, roles: [sales_rep]}\n"
                 "  - {id: b, name: B, roles: [sales_rop]}\n",
                 ":3:", "people[1].roles[0]  unknown role 'sales_rop' (roles are the "
                 "playbook's our_roles); did you mean 'sales_rep'?", id="unknown-role"),
    pytest.param("people:\n  - {id: a, name: A}\n  - {id: a, name: B}\n",
                 ":3:", "person 'a' is listed twice", id="twice"),
    pytest.param("people:\n  - {id: a, nmae: A}\n", ":2:", "unknown key 'nmae'",
                 id="typo"),
    pytest.param("- a\n- b\n", ":1:", "a team file holds `people:`", id="not-a-mapping"),
    pytest.param("people: [\n", ":", "", id="not-yaml"),
])
def test_a_broken_team_file_names_the_line_and_what_is_wrong(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(TeamFileError) as raised:
        load_team(path, PLAYBOOK)

    shown = str(raised.value)
    assert f"{path}{where}" in shown
    assert message in shown


def test_the_team_variable_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALFLOW_TEAM", str(EXAMPLES / "field-service-team.yaml"))

    assert isinstance(team_from_environment(), Team)
    monkeypatch.delenv("DEALFLOW_TEAM")
    assert team_from_environment() is None
