"""Time in the playbook format: expectations that depend on the deal, which activity
resets a deal's timer, and the automation rules `dealflow sweep` applies on a schedule."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from dealflow._messages import _
from dealflow.playbook._base import Identifier, _Model
from dealflow.playbook._localized import Text
from dealflow.rules import RuleType

__all__ = [
    "BUILTIN_ACTIVITY",
    "ActivityPolicy",
    "AutomationRule",
    "DaysCase",
    "Expectation",
    "FollowUp",
]

Days = Annotated[int, Field(ge=1, le=3650)]

#: Activity dealflow records by itself, from the events that carry it.
BUILTIN_ACTIVITY: tuple[str, ...] = ("next_step", "item_done", "stakeholder_contact")


class DaysCase(_Model):
    """One case of an expectation: when the rule holds for a deal, it gets `days`."""

    when: RuleType
    """The rule that selects the deals this case applies to."""
    days: Days
    """The expected days for those deals."""


class Expectation(_Model):
    """An expectation in days that depends on the deal: the first case that holds, else
    the deal's value of the fact `by` looked up in `values`, else `default`."""

    cases: tuple[DaysCase, ...] = ()
    """Rules tried in order; the first that holds gives the days."""
    by: Identifier | None = None
    """A fact (usually an enum, like `segment`) whose value picks the days from `values`."""
    values: dict[Identifier, Days] = Field(default_factory=dict)
    """Days per value of the fact `by`, e.g. `{large: 45, mid: 21, small: 7}`."""
    default: Days | None = None
    """The days when no case holds and the fact's value is not set or not in `values`;
    without it, such a deal has no expectation."""

    @model_validator(mode="after")
    def _by_with_values(self) -> Expectation:
        if (self.by is None) != (not self.values):
            raise ValueError(_("`by` and `values` go together: name the fact in `by` and "
                               "give the days per value in `values`"))
        if not self.cases and self.by is None and self.default is None:
            raise ValueError(_("an expectation needs `cases`, `by` with `values`, or a "
                               "`default`"))
        return self


class ActivityPolicy(_Model):
    """Which activity resets a deal's timer (`days_since_activity`, `stalled`)."""

    kinds: tuple[Identifier, ...] = ("meeting", "call", "email")
    """The kinds of activity people log with `dealflow deal log --kind`."""
    counts: tuple[Identifier, ...] | None = None
    """The activity that resets the timer: logged kinds and the recorded ones
    (`next_step`, `item_done`, `stakeholder_contact`); every kind when absent. Entering a
    stage always starts the timer afresh."""

    @property
    def counted(self) -> frozenset[str]:
        """The kinds of activity that reset the timer."""
        if self.counts is None:
            return frozenset(self.kinds) | frozenset(BUILTIN_ACTIVITY)
        return frozenset(self.counts)


class FollowUp(_Model):
    """An item an automation rule opens on a deal, once."""

    text: Text
    """What to do."""
    owner: Identifier
    """Who on our side does it: an id from `our_roles`."""
    due_days: Annotated[int, Field(ge=0, le=3650)] = 7
    """Days after the sweep that opens it by which the item is due."""


class AutomationRule(_Model):
    """A time-based rule `dealflow sweep` applies: when `when` holds for a deal, lose it
    with a reason, open a follow-up item, or remind."""

    id: Identifier
    """Unique id of the rule; events written by the sweep name it."""
    text: Text
    """The rule as people read it, e.g. "No progress for 90 days: lost"."""
    deals: Literal["open", "on_hold", "won", "lost", "closed"] = "open"
    """Which deals the rule looks at: open (a deal on hold waits by agreement and is not
    looked at), on hold, won, lost, or closed (won and lost)."""
    when: RuleType
    """The rule that must hold for the action to happen, e.g. `days_since_activity > 90`."""
    lose: Identifier | None = None
    """Lose the deal with this reason (an id from `lost_reasons`); only for open deals."""
    open_item: FollowUp | None = None
    """Open this follow-up item on the deal (once per deal and rule)."""
    remind: bool = False
    """Only list the deal as due (in the sweep's report and its notification)."""

    @model_validator(mode="after")
    def _one_action(self) -> AutomationRule:
        actions = [name for name, given in (("lose", self.lose is not None),
                                            ("open_item", self.open_item is not None),
                                            ("remind", self.remind)) if given]
        if len(actions) != 1:
            raise ValueError(_("an automation rule does exactly one thing: give one of "
                               "`lose`, `open_item` or `remind: true` (got {actions})",
                               actions=", ".join(actions) or _("none")))
        if self.lose is not None and self.deals not in ("open", "on_hold"):
            raise ValueError(_("only open deals can be lost: use `deals: open` (or "
                               "`on_hold`) with `lose`"))
        return self

    @property
    def action(self) -> Literal["lose", "open_item", "remind"]:
        """What the rule does."""
        if self.lose is not None:
            return "lose"
        return "open_item" if self.open_item is not None else "remind"
