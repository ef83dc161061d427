"""The engine's operations on a deal's commitments (issue 19): its expected close date,
its close plan, and the plays taken on.

Each is a function of an `Engine` and a deal, like the engine's own methods: it checks
everything first, refuses with a gate report naming what is wrong (nothing changes), and
returns an `Outcome` with the new deal and the events that record the change.

- `set_close_date`: the expected close date (a push when it moves later);
- `add_plan_step`, `update_plan_step`, `agree_plan`: the close plan by hand;
- `seed_close_plan`: the steps the deal's stage declares (`close_plan:` in the playbook),
  rendered like checklist items, each due `due_days` after today, owned on the customer's
  side by the most influential holder of the step's `their_role`; steps already on the
  plan (same id) are left alone. Seeding is an explicit operation, never a side effect of
  a stage move, so the plan shows what someone chose to commit to;
- `take_play`, `complete_play`, `decline_play`: a play that fires is taken on (by whom,
  when), completed with an outcome, or declined with a reason.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dealflow._days import utc_date
from dealflow._messages import _
from dealflow._plain import plain_errors
from dealflow._problems import did_you_mean
from dealflow.deal import Deal, PlanStep, PlayResult, Status, StepStatus
from dealflow.engine._context import RuleContext
from dealflow.engine._events import Event, apply_event
from dealflow.engine._events_commitments import (
    CloseDateSet,
    PlanAgreed,
    PlanStepAdded,
    PlanStepUpdated,
    PlayCompleted,
    PlayDeclined,
    PlayTaken,
)
from dealflow.engine._gates import Check, GateReport
from dealflow.engine._outcome import Outcome, fails, unknown_person
from dealflow.errors import LimitExceeded, RuleDataError, RuleEvalError
from dealflow.playbook import CloseStep, Playbook
from dealflow.rules import TextTemplate, compile_template
from dealflow.values import MAX_TEXT

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.engine._engine import Engine

__all__ = [
    "add_plan_step",
    "agree_plan",
    "complete_play",
    "decline_play",
    "firing_plays",
    "seed_close_plan",
    "set_close_date",
    "take_play",
    "update_plan_step",
]

_LIVE = (Status.open, Status.on_hold)
_STEP_FIELDS = ("what", "due", "our_owner", "their_owner", "status", "evidence")


def _live(engine: Engine, deal: Deal, operation: str) -> list[Check]:
    return engine._status_check(deal, _LIVE, operation)


def _done(engine: Engine, deal: Deal, operation: str, checks: list[Check],
          make: Callable[[], Event], raise_on_refusal: bool) -> Outcome:
    outcome: Outcome = engine._outcome(deal, operation, deal.stage, checks, make,
                                       raise_on_refusal)
    return outcome


# -- the expected close date -------------------------------------------------------------
def set_close_date(engine: Engine, deal: Deal, close_date: dt.date | None, *, actor: str,
                   note: str = "", raise_on_refusal: bool = False) -> Outcome:
    """Set the deal's expected close date (None clears it), with a note saying why."""
    checks = _live(engine, deal, "set close date")
    if not checks and close_date == deal.close_date:
        checks.append(fails("close_date", _("a new close date differs from the current one"),
                            _("the close date is {day} already",
                              day=close_date or _("not set"))))

    def make() -> Event:
        return CloseDateSet(**engine._base(deal, actor), close_date=close_date,
                            previous=deal.close_date, note=note)

    return _done(engine, deal, "set close date", checks, make, raise_on_refusal)


# -- the close plan ----------------------------------------------------------------------
def _their_owner_check(deal: Deal, their_owner: str | None) -> list[Check]:
    if their_owner is None or deal.stakeholder(their_owner) is not None:
        return []
    return [unknown_person(deal, their_owner)]


def add_plan_step(engine: Engine, deal: Deal, *, what: str, due: dt.date, our_owner: str,
                  actor: str, their_owner: str | None = None, step_id: str | None = None,
                  raise_on_refusal: bool = False) -> Outcome:
    """Add a step to the close plan: what, due when, our owner (an `our_roles` id or a
    person) and the customer's (a stakeholder id on the map)."""
    checks = _live(engine, deal, "add plan step") + _their_owner_check(deal, their_owner)
    chosen = step_id or _next_step_id(deal)
    if deal.plan_step(chosen) is not None:
        checks.append(fails("step", _("step ids are unique within a close plan"),
                            _("the plan has a step {step} already", step=chosen)))

    def make() -> Event:
        step = PlanStep(id=chosen, what=what, due=due, our_owner=our_owner,
                        their_owner=their_owner)
        return PlanStepAdded(**engine._base(deal, actor), step=step)

    return _done(engine, deal, "add plan step", checks, make, raise_on_refusal)


def _next_step_id(deal: Deal) -> str:
    taken = {step.id for step in deal.close_plan}
    number = len(deal.close_plan) + 1
    while f"step-{number}" in taken:
        number += 1
    return f"step-{number}"


def update_plan_step(engine: Engine, deal: Deal, step_id: str, *, actor: str,
                     raise_on_refusal: bool = False, **changes: Any) -> Outcome:
    """Change a step of the close plan: `what`, `due`, `our_owner`, `their_owner`,
    `status` (planned, done, dropped) or `evidence`."""
    checks = _live(engine, deal, "update plan step")
    current = deal.plan_step(step_id)
    updated: PlanStep | None = None
    checks.extend(fails("field", _("a plan step changes only its {fields}",
                                   fields=", ".join(_STEP_FIELDS)),
                        _("cannot change {key}", key=repr(key)))
                  for key in changes if key not in _STEP_FIELDS)
    if current is None:
        known = [step.id for step in deal.close_plan]
        checks.append(fails("step", _("the step is on the close plan"),
                            _("no step {step}", step=repr(step_id))
                            + (did_you_mean(step_id, known) if known else
                               _("; the plan is empty"))))
    elif not checks:
        checks.extend(_their_owner_check(deal, changes.get("their_owner")))
        try:
            updated = PlanStep.model_validate({**current.model_dump(), **changes})
        except ValidationError as exc:
            checks.append(fails("step", _("the changes are valid"), *plain_errors(exc)))
        if updated == current:
            checks.append(fails("step", _("an update changes the step"),
                                _("step {step} is like that already", step=step_id)))

    def make() -> Event:
        assert updated is not None
        return PlanStepUpdated(**engine._base(deal, actor), step=updated)

    return _done(engine, deal, "update plan step", checks, make, raise_on_refusal)


def agree_plan(engine: Engine, deal: Deal, *, stakeholder: str, actor: str,
               on: dt.date | None = None, note: str = "",
               raise_on_refusal: bool = False) -> Outcome:
    """Record that the close plan was agreed with `stakeholder` (on the map), on `on`
    (default: today)."""
    checks = _live(engine, deal, "agree plan")
    if not checks and not any(s.status is not StepStatus.dropped for s in deal.close_plan):
        checks.append(fails("plan", _("a plan to agree has a step that is not dropped"),
                            _("the close plan of {deal} is empty", deal=deal.id)))
    if deal.stakeholder(stakeholder) is None:
        checks.append(unknown_person(deal, stakeholder))
    day = on or utc_date(engine.clock())

    def make() -> Event:
        return PlanAgreed(**engine._base(deal, actor), stakeholder=stakeholder, on=day,
                          note=note)

    return _done(engine, deal, "agree plan", checks, make, raise_on_refusal)


@functools.lru_cache(maxsize=256)
def _compiled(template: str) -> TextTemplate:
    return compile_template(template)


def _render(ctx: RuleContext, step: CloseStep, locale: str | None) -> str:
    """The step's text for the deal; a text that cannot be filled in keeps its template
    and says why (like a checklist item); a limit passed is an error naming the step."""
    template = ctx.playbook.text(step.what, locale)
    names: dict[str, Any] = {name: ctx[name] for name in ctx}
    names["locale"] = locale or ctx.playbook.default_locale
    try:
        return _compiled(template).render(names)
    except LimitExceeded as exc:
        raise LimitExceeded(_("the text of close-plan step {step!r} {error}", step=step.id,
                              error=exc)) from None
    except (RuleDataError, RuleEvalError) as exc:
        return _("{template} [could not fill in: {error}]", template=template, error=exc)


def seed_close_plan(engine: Engine, deal: Deal, *, actor: str, locale: str | None = None,
                    raise_on_refusal: bool = False) -> Outcome:
    """Add the close-plan steps the deal's stage declares and the plan lacks (see the
    module docs); refused when there are none to add."""
    checks = _live(engine, deal, "seed plan")
    steps: list[PlanStep] = []
    if not checks:
        ctx = RuleContext(engine.playbook, deal, engine.clock())
        today = utc_date(ctx.now)
        declared = engine.playbook.stage(deal.stage).close_plan
        for template in declared:
            if deal.plan_step(template.id) is not None:
                continue
            holders = deal.holders(template.their_role) if template.their_role else []
            try:
                steps.append(PlanStep(
                    id=template.id, what=_render(ctx, template, locale)[:MAX_TEXT] or template.id,
                    due=today + dt.timedelta(days=template.due_days),
                    our_owner=template.our_owner,
                    their_owner=holders[0].id if holders else None, template=template.id))
            except ValidationError as exc:  # deal data that no step may hold
                checks.append(fails("step", _("each seeded step is valid"),
                                    *(f"{template.id}: {problem}"
                                      for problem in plain_errors(exc))))
        if not steps and not checks:
            checks.append(fails("plan", _("the stage declares close-plan steps the plan "
                                          "lacks"),
                                _("stage {stage} declares no close-plan steps", stage=deal.stage)
                                if not declared else
                                _("every step stage {stage} declares is on the plan already",
                                  stage=deal.stage)))
    report = GateReport("seed plan", deal.id, deal.stage, deal.stage, tuple(checks))
    if not report.allowed:
        outcome = Outcome(deal, (), report)
        return outcome.raise_for_refusal() if raise_on_refusal else outcome
    events: list[Event] = []
    current = deal
    for step in steps:
        event = PlanStepAdded(**engine._base(current, actor), step=step)
        current = apply_event(current, event, engine.playbook)
        events.append(event)
    return Outcome(current, tuple(events), report)


# -- plays -------------------------------------------------------------------------------
def firing_plays(playbook: Playbook, deal: Deal, now: dt.datetime) -> list[str]:
    """The ids of the plays whose situation holds for `deal` now (in the playbook's
    order); none for a won or lost deal."""
    if deal.status not in _LIVE:
        return []
    ctx = RuleContext(playbook, deal, now)
    return [play.id for play in playbook.plays
            if (not play.stages or deal.stage in play.stages) and ctx.holds(play.when)]


def _known_play(engine: Engine, play: str) -> list[Check]:
    plays = [p.id for p in engine.playbook.plays]
    if play in plays:
        return []
    return [fails("play", _("the play is declared by the playbook"),
                  _("unknown play {play}", play=repr(play)) + did_you_mean(play, plays))]


def take_play(engine: Engine, deal: Deal, play: str, *, actor: str, owner: str | None = None,
              raise_on_refusal: bool = False) -> Outcome:
    """Take on a play that fires for the deal now; `owner` (default: `actor`) runs it."""
    checks = _live(engine, deal, "take play") or _known_play(engine, play)
    record = deal.plays.get(play)
    if not checks and record is not None and record.is_open:
        checks.append(fails("play", _("a play is taken on once at a time"),
                            _("{play} was taken on by {owner}", play=play,
                              owner=record.owner)))
    elif not checks and play not in firing_plays(engine.playbook, deal, engine.clock()):
        checks.append(fails("play", _("a play is taken on while its situation holds"),
                            _("{play} does not fire for {deal} now", play=play,
                              deal=deal.id)))

    def make() -> Event:
        return PlayTaken(**engine._base(deal, actor), play=play, stage=deal.stage,
                         owner=owner or actor)

    return _done(engine, deal, "take play", checks, make, raise_on_refusal)


def complete_play(engine: Engine, deal: Deal, play: str, *, outcome: PlayResult | str,
                  actor: str, note: str = "", raise_on_refusal: bool = False) -> Outcome:
    """Complete a play taken on, with what it did (`helped`, `partly`, `no_effect`,
    `hurt`) and a note; also after the deal closed."""
    checks = engine._playbook_check(deal) or _known_play(engine, play)
    record = deal.plays.get(play)
    if not checks and (record is None or not record.is_open):
        checks.append(fails("play", _("a play is completed after it was taken on"),
                            _("{play} is not taken on (dealflow play take)", play=play)))

    def make() -> Event:
        return PlayCompleted(**engine._base(deal, actor), play=play, outcome=outcome,
                             note=note)

    return _done(engine, deal, "complete play", checks, make, raise_on_refusal)


def decline_play(engine: Engine, deal: Deal, play: str, *, reason: str, actor: str,
                 raise_on_refusal: bool = False) -> Outcome:
    """Decline a play that fires (or one taken on and still open), with a reason."""
    checks = _live(engine, deal, "decline play") or _known_play(engine, play)
    record = deal.plays.get(play)
    taken = record is not None and record.is_open
    if not checks and not taken and play not in firing_plays(engine.playbook, deal,
                                                             engine.clock()):
        checks.append(fails("play", _("a play is declined while it fires or is taken on"),
                            _("{play} does not fire for {deal} now", play=play,
                              deal=deal.id)))
    if not reason.strip():
        checks.append(fails("reason", _("declining a play needs a reason"),
                            _("the reason is empty")))

    def make() -> Event:
        return PlayDeclined(**engine._base(deal, actor), play=play, stage=deal.stage,
                            reason=reason)

    return _done(engine, deal, "decline play", checks, make, raise_on_refusal)
