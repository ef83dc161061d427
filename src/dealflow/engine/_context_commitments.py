"""The rule helpers about a deal's commitments (issue 19): its expected close date and
its close plan. A base of `RuleContext`; the docs page "Rules" describes each one."""

from __future__ import annotations

import datetime as dt

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow.deal import Deal, StepStatus

__all__ = ["CommitmentWords"]


class CommitmentWords:
    """`close_date_set()`, `close_plan_agreed()` and `plan_overdue()` for `deal` at `now`."""

    deal: Deal
    now: dt.datetime

    def close_date_set(self) -> bool:
        """Whether the deal has an expected close date."""
        return self.deal.close_date is not None

    def close_plan_agreed(self) -> bool:
        """Whether the close plan (with at least one step not dropped) was agreed with
        the customer."""
        return self.deal.plan_agreed is not None and any(
            step.status is not StepStatus.dropped for step in self.deal.close_plan)

    def plan_overdue(self) -> bool:
        """Whether a planned step of the close plan is past its due date."""
        today = utc_date(self.now)
        return any(step.status is StepStatus.planned and step.due < today
                   for step in self.deal.close_plan)

    def commitment_missing(self, name: str) -> str | None:
        """What a false `close_date_set()`, `close_plan_agreed()`, `plan_overdue()` or
        `not plan_overdue()` lacks (for gate reports); None for any other helper."""
        if name == "close_date_set":
            return _("the deal has no expected close date (dealflow deal close-date)")
        if name == "close_plan_agreed":
            if not self.deal.close_plan:
                return _("the deal has no close plan (`dealflow plan seed` or `dealflow plan add`)")
            if self.deal.plan_agreed is None:
                return _("the close plan is not agreed with the customer (dealflow plan agree)")
            return _("every step of the agreed close plan is dropped")
        if name == "plan_overdue":
            return _("no step of the close plan is overdue")
        if name == "not plan_overdue":
            return self._overdue_steps()
        return None

    def _overdue_steps(self) -> str:
        today = utc_date(self.now)
        late = [_("{step} (due {day})", step=step.id, day=step.due)
                for step in self.deal.close_plan
                if step.status is StepStatus.planned and step.due < today]
        return _("steps of the close plan overdue: {steps}", steps=", ".join(late))
