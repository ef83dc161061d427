"""Reading a deal from a JSON or YAML file, with located errors.

A deal file holds the fields of a `Deal`. Only `id`, `title`, `account` and `owner` are
required; the playbook id and version default to the playbook's, the stage to its first,
and the times to now. Every problem names the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dealflow._messages import _
from dealflow._problems import did_you_mean, schema_problems
from dealflow._text_files import read_text
from dealflow._yaml import Document, DocumentError, read_document
from dealflow.deal._deal import Deal, coerce_fact
from dealflow.errors import DealFileError, Problem
from dealflow.limits import Limits, current_limits
from dealflow.playbook import Playbook

__all__ = ["load_deal_file"]


def load_deal_file(path: str | Path, playbook: Playbook, *,
                   now: dt.datetime | None = None, limits: Limits | None = None) -> Deal:
    """The deal in `path`, checked against `playbook`; `DealFileError` lists every problem.

    `limits` bounds the file (`max_bytes`, `max_nodes`, `max_depth`, `max_aliases`,
    `max_anchors`); default `current_limits()`, which `DEALFLOW_LIMITS` changes.
    """
    path = Path(path)
    limits = limits or current_limits()
    try:
        document = read_document(read_text(path, limits), str(path), limits)
    except DocumentError as exc:
        raise DealFileError([exc.problem]) from None
    problems = list(document.problems)
    data = document.data
    if not isinstance(data, dict):
        problems.append(document.problem((), _("a deal file holds a mapping of fields such "
                                               "as `id:`, `title:`, `account:` and `owner:`")))
        raise DealFileError(problems)
    moment = now or dt.datetime.now(dt.UTC)
    filled: dict[str, Any] = {
        "playbook_id": playbook.id, "playbook_version": playbook.version,
        "stage": playbook.stages[0].id, "stage_entered_at": moment, **data,
    }
    filled.setdefault("created_at", filled["stage_entered_at"])
    problems.extend(_check_against_playbook(filled, playbook, document))
    try:
        deal = Deal.model_validate(filled)
    except ValidationError as exc:
        problems.extend(schema_problems(exc, document, Deal))
        raise DealFileError(problems) from None
    if problems:
        raise DealFileError(problems)
    return deal


def _check_against_playbook(data: dict[str, Any], playbook: Playbook,
                            document: Document) -> list[Problem]:
    problems = []
    stages = [stage.id for stage in playbook.stages]
    if data["stage"] not in stages:
        problems.append(document.problem(("stage",), _("unknown stage {stage!r}",
                                                       stage=data["stage"])
                                         + did_you_mean(str(data["stage"]), stages)))
    declared = {fact.id: fact for fact in playbook.facts}
    facts = data.get("facts")
    if isinstance(facts, dict):
        typed = {}
        for name, value in facts.items():
            if name not in declared:
                problems.append(document.problem(("facts", name), _("unknown fact {name!r}",
                                                                    name=name)
                                                 + did_you_mean(str(name), declared), key=True))
                continue
            try:
                typed[name] = coerce_fact(declared[name], value)
            except ValueError as exc:
                problems.append(document.problem(("facts", name), str(exc)))
        data["facts"] = typed
    roles = {role.id for role in playbook.roles}
    people = data.get("stakeholders")
    for index, person in enumerate(people if isinstance(people, list) else []):
        # anything but a list of strings (`roles: initiator`, `stakeholders: true`) is left
        # to the model's type error
        if isinstance(person, dict) and isinstance(person.get("roles"), list):
            for r, role in enumerate(person["roles"]):
                if isinstance(role, str) and role not in roles:
                    problems.append(document.problem(("stakeholders", index, "roles", r),
                                                     _("unknown role {role!r}", role=role)
                                                     + did_you_mean(str(role), roles)))
    return problems
