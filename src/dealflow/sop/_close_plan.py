"""The close plan and the plays taken on, as the checklist shows them (issue 19).

`plan_lines` gives each step of a deal's close plan with the names of its owners and where
it stands today (`planned`, `overdue`, `done` or `dropped`); `plan_dict` and
`plays_taken_dict` give the keys the JSON checklist adds (`close_date`, `close_plan`,
`plays_taken`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dealflow.deal import Deal, PlanAgreement, PlayRecord, StepStatus
from dealflow.playbook import Playbook
from dealflow.rules import trust

__all__ = ["PlanLine", "plan_dict", "plan_lines", "plays_taken_dict"]


@trust
@dataclass(frozen=True, slots=True)
class PlanLine:
    """A step of the close plan as the checklist shows it."""

    id: str
    what: str
    due: dt.date
    our_owner: str
    our_owner_name: str
    their_owner: str | None
    their_owner_name: str | None
    state: str
    evidence: str | None


def plan_lines(playbook: Playbook, deal: Deal, today: dt.date,
               locale: str | None = None) -> tuple[PlanLine, ...]:
    """The deal's close plan, step by step (owners by name; `overdue` when a planned step
    is past its due date)."""
    ours = {role.id: playbook.text(role.name, locale) for role in playbook.our_roles}
    lines = []
    for step in deal.close_plan:
        state = step.status.value
        if step.status is StepStatus.planned and step.due < today:
            state = "overdue"
        person = deal.stakeholder(step.their_owner) if step.their_owner else None
        lines.append(PlanLine(step.id, step.what, step.due, step.our_owner,
                              ours.get(step.our_owner, step.our_owner), step.their_owner,
                              person.name if person else step.their_owner, state,
                              step.evidence))
    return tuple(lines)


def plan_dict(lines: tuple[PlanLine, ...], agreed: PlanAgreement | None) -> dict[str, Any]:
    """The `close_plan` key of the JSON checklist."""
    return {"agreed": None if agreed is None else agreed.model_dump(mode="json"),
            "steps": [{"id": s.id, "what": s.what, "due": s.due.isoformat(),
                       "our_owner": s.our_owner, "our_owner_name": s.our_owner_name,
                       "their_owner": s.their_owner, "their_owner_name": s.their_owner_name,
                       "state": s.state, "evidence": s.evidence} for s in lines]}


def plays_taken_dict(records: tuple[PlayRecord, ...]) -> list[dict[str, Any]]:
    """The `plays_taken` key of the JSON checklist."""
    return [record.model_dump(mode="json") for record in records]
