"""Authority, approvals and history for generated deals (issue 18).

`full_team(playbook)` is one person who holds every role of ours, so a check can make
every move a playbook restricts; `history_of(deal)` a history that a generated deal
stands for (created in its stage with its values, then its facts set), so the history
helpers have events to read; `approval_events(playbook, deal)` generates approvals given.
"""

from __future__ import annotations

from hypothesis import strategies as st

from dealflow.deal import Deal, Team, TeamMember
from dealflow.engine import (
    ApprovalGiven,
    DealCreated,
    DealEdited,
    Event,
    FactSet,
    apply_event,
    approval_snapshot,
)
from dealflow.playbook import Playbook
from dealflow.testing._strategies import hostile_text

__all__ = ["CHECKER", "approval_events", "full_team", "history_of"]

CHECKER = "dealflow:check"
"""The id of the one person of `full_team`."""


def full_team(playbook: Playbook) -> Team:
    """A team of one person, `CHECKER`, who holds every role of `playbook`'s `our_roles`."""
    return Team(people=(TeamMember(id=CHECKER, name="Check",
                                   roles=tuple(role.id for role in playbook.our_roles)),))


def history_of(deal: Deal, *, amount_changed: bool = False) -> tuple[Deal, list[Event]]:
    """(the deal at the version of its history, a history it stands for): created in its
    stage with its fields at the time it entered it, then each of its facts set; with
    `amount_changed`, created with another amount and edited to its own since."""
    at = deal.stage_entered_at
    events: list[Event] = [DealCreated(
        deal_id=deal.id, seq=1, at=at, actor=CHECKER, title=deal.title,
        account=deal.account, amount=deal.amount + 1 if amount_changed else deal.amount,
        currency=deal.currency, owner=deal.owner, playbook_id=deal.playbook_id,
        playbook_version=deal.playbook_version, stage=deal.stage)]
    if amount_changed:
        events.append(DealEdited(deal_id=deal.id, seq=2, at=at, actor=CHECKER,
                                 changes={"amount": deal.amount}))
    for name, value in deal.facts.items():
        events.append(FactSet(deal_id=deal.id, seq=len(events) + 1, at=at, actor=CHECKER,
                              name=name, value=value))
    return deal.model_copy(update={"version": len(events)}), events


@st.composite
def approval_events(draw: st.DrawFn, playbook: Playbook, deal: Deal) -> list[Event]:
    """Approvals of `playbook` given to `deal` (a random few, in order after its version),
    each by `CHECKER` with a note and the snapshot of what it approved."""
    chosen = draw(st.lists(st.sampled_from(playbook.approvals), unique_by=lambda a: a.id)
                  ) if playbook.approvals else []
    events: list[Event] = []
    for approval in chosen:
        event = ApprovalGiven(deal_id=deal.id, seq=deal.version + 1, at=deal.stage_entered_at,
                              actor=CHECKER, approval=approval.id, role=approval.by[0],
                              note=draw(hostile_text()), snapshot=approval_snapshot(approval, deal))
        deal = apply_event(deal, event, playbook)
        events.append(event)
    return events
