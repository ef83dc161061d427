"""Waivers in gate reports: a blocked control point with a waiver that holds passes, and
its check says who waived it, in which role, why and until when."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow.deal import Deal, Waiver
from dealflow.engine._context import RuleContext

if TYPE_CHECKING:  # pragma: no cover - _gates uses this module
    from dealflow.engine._gates import Check

__all__ = ["active_waiver", "waived", "waiver_text"]


def active_waiver(deal: Deal, gate_id: str, ctx: RuleContext) -> Waiver | None:
    """The waiver of `gate_id` that still holds for `deal` now, or None."""
    waiver = deal.waivers.get(gate_id)
    if waiver is None or not waiver.holds(deal.stage, deal.stage_entered_at, utc_date(ctx.now)):
        return None
    return waiver


def waiver_text(waiver: Waiver) -> str:
    """A waiver in a few words: who, in which role, why, until when."""
    until = (_("until {day}", day=waiver.until) if waiver.until is not None
             else _("until the deal leaves {stage}", stage=waiver.stage))
    return _("waived by {person} ({role}) {until}: {reason}", person=waiver.person,
             role=waiver.role, until=until, reason=waiver.reason)


def waived(checks: list[Check], ctx: RuleContext) -> list[Check]:
    """`checks` with each blocked control point that a holding waiver covers passed."""
    if not ctx.deal.waivers:  # the common case: no waiver to look up
        return checks
    result: list[Check] = []
    for check in checks:
        waiver = active_waiver(ctx.deal, check.id, ctx) if check.blocks else None
        if waiver is None:
            result.append(check)
        else:
            result.append(dataclasses.replace(check, passed=True, hint="",
                                              waiver=waiver_text(waiver)))
    return result
