"""Our team: the people on our side and the roles they hold (ids from `our_roles`).

The calling tool passes a `Team` to the engine or the store, or names a team file
(YAML: `people:`, each with `id`, `name` and `roles`); `load_team` reads one with every
problem located by line. The ids are the actors operations carry (`--actor`, `--by`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dealflow._messages import _
from dealflow._problems import did_you_mean, schema_problems
from dealflow._text_files import read_text
from dealflow._yaml import DocumentError, read_document
from dealflow.errors import TeamFileError
from dealflow.limits import Limits, current_limits
from dealflow.playbook import Playbook
from dealflow.rules import trust
from dealflow.values import Actor, Name, Ref

__all__ = ["TEAM_VARIABLE", "Team", "TeamMember", "load_team", "team_from_environment"]

TEAM_VARIABLE = "DEALFLOW_TEAM"
"""The environment variable that names the team file when none is given."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@trust
class TeamMember(_Frozen):
    """A person on our side: the id operations name them by, their name and roles."""

    id: Actor
    name: Name
    roles: tuple[Ref, ...] = ()


@trust
class Team(_Frozen):
    """The people on our side and their roles."""

    people: tuple[TeamMember, ...] = Field(default_factory=tuple)

    @functools.cached_property
    def _by_id(self) -> dict[str, TeamMember]:
        return {person.id: person for person in self.people}

    def member(self, person_id: str) -> TeamMember | None:
        """The person with this id, or None."""
        return self._by_id.get(person_id)

    def holders(self, roles: tuple[str, ...] | list[str]) -> list[TeamMember]:
        """The people who hold any of `roles`, in the team's order."""
        return [person for person in self.people if set(person.roles) & set(roles)]


def load_team(path: str | Path, playbook: Playbook | None = None, *,
              limits: Limits | None = None) -> Team:
    """The team in `path`; `TeamFileError` lists every problem with its line. With a
    `playbook`, every role must be one of its `our_roles`."""
    path = Path(path)
    limits = limits or current_limits()
    try:
        document = read_document(read_text(path, limits), str(path), limits)
    except DocumentError as exc:
        raise TeamFileError([exc.problem]) from None
    problems = list(document.problems)
    data = document.data
    if not isinstance(data, dict):
        problems.append(document.problem((), _(
            "a team file holds `people:`, a list of people each with `id`, `name` and "
            "`roles`")))
        raise TeamFileError(problems)
    try:
        team = Team.model_validate(data)
    except ValidationError as exc:
        raise TeamFileError([*problems, *schema_problems(exc, document, Team)]) from None
    seen: set[str] = set()
    ours = {role.id for role in playbook.our_roles} if playbook is not None else None
    for index, person in enumerate(team.people):
        if person.id in seen:
            problems.append(document.problem(("people", index, "id"),
                                             _("person {id} is listed twice",
                                               id=repr(person.id))))
        seen.add(person.id)
        for r, role in enumerate(person.roles):
            if ours is not None and role not in ours:
                problems.append(document.problem(
                    ("people", index, "roles", r),
                    _("unknown role {role} (roles are the playbook's our_roles)",
                      role=repr(role)) + did_you_mean(role, ours)))
    if problems:
        raise TeamFileError(problems)
    return team


def team_from_environment(explicit: str | Path | None = None,
                          playbook: Playbook | None = None) -> Team | None:
    """The team in `explicit`, else in the file `DEALFLOW_TEAM` names; None without one."""
    path = explicit or os.environ.get(TEAM_VARIABLE)
    return load_team(path, playbook) if path else None
