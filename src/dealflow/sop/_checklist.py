"""Per-deal SOP checklists: what the deal's stage asks for now, who does it, by when.

`build_checklist` expands the stage's items for one deal (`when` filters, `for_each`
repeats per stakeholder with ids like `item@stakeholder`), renders each text template
in the sandbox, resolves owners and due dates, and gathers what else the salesperson
needs on the same page: the open gates, red flags and the plays that fire.
`render_checklist` lays it out as Markdown, HTML or JSON (see `_layouts`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dealflow._days import due_date, utc_date
from dealflow._messages import _, use_locale
from dealflow.deal import Deal, ItemCompletion, PlayRecord
from dealflow.engine import WON, Check, ItemInstance, RuleContext, exit_checks
from dealflow.errors import LimitExceeded, RuleDataError, RuleEvalError
from dealflow.playbook import Playbook
from dealflow.rules import STAKEHOLDER_NAME, TextTemplate, compile_template, trust
from dealflow.sop._close_plan import PlanLine, plan_lines
from dealflow.sop._enablement import (
    ContentLine,
    buyer_phase_name,
    content_lines,
    lost_reason_label,
    opened_text,
)
from dealflow.stakeholders import (
    Recommendation,
    RedFlag,
    analyse_stakeholders,
    chain_graph,
    chain_svg,
    recommend_plays,
)

__all__ = ["Checklist", "ChecklistItem", "build_checklist"]

@trust
@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One line of a deal's checklist.

    `state` is `done`, `open`, `overdue`, or `not_applicable` (done earlier, but the
    deal's situation no longer calls for it: kept, not dropped).
    """

    id: str
    item_id: str
    text: str
    owner: str
    owner_name: str
    due: dt.date
    state: str
    blocking: bool = False
    evidence_required: str | None = None
    stakeholder: str | None = None
    done: ItemCompletion | None = None

    @property
    def done_late(self) -> bool:
        """True when the item was done after its due date."""
        return self.done is not None and utc_date(self.done.at) > self.due


class _DrawnWhenRead:
    """A text field that may be given as a function: called when the field is first read
    (a layout that never shows it never pays for it), then kept."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = f"_{name}"

    def __get__(self, obj: object | None, owner: type | None = None) -> str:
        if obj is None:
            return ""  # the field's default
        value = obj.__dict__[self.key]
        if callable(value):
            value = obj.__dict__[self.key] = value()
        text: str = value  # kept as given: the SVG is `Markup`, embedded as it is
        return text

    def __set__(self, obj: object, value: str | Callable[[], str]) -> None:
        obj.__dict__[self.key] = value


@trust
@dataclass(frozen=True)
class Checklist:
    """A deal's checklist and the state of its stage, in one locale."""

    deal: Deal
    playbook_id: str
    playbook_version: str
    stage: str
    stage_name: str
    stage_goal: str
    locale: str
    generated_at: dt.datetime
    items: tuple[ChecklistItem, ...]
    gates: tuple[Check, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    plays: tuple[Recommendation, ...] = field(default_factory=tuple)
    chain_map: _DrawnWhenRead = _DrawnWhenRead()
    """The decision chain drawn as SVG (markup safe to embed; '' with nobody on the map),
    drawn when first read."""
    # -- commitments (issue 19) ------------------------------------------------------------
    plan: tuple[PlanLine, ...] = ()
    """The close plan, step by step (`c.deal.plan_agreed` says whether it was agreed)."""
    plays_taken: tuple[PlayRecord, ...] = ()
    """The plays taken on, completed or declined on the deal."""
    # -- the buyer's side and enablement content (issue 21) -------------------------------
    buyer_phase: str | None = None
    """The id of the buyer phase the stage serves (None when it serves none)."""
    buyer_phase_name: str = ""
    """That phase's name in the checklist's locale ('' when none)."""
    content: tuple[ContentLine, ...] = ()
    """The stage's enablement content (talk tracks, reference cases, product sheets)."""
    play_content: dict[str, tuple[ContentLine, ...]] = field(default_factory=dict)
    """The content of each play in `plays`, by play id (an empty tuple when it has none)."""
    lost_reason_name: str = ""
    """Why the deal was lost, by the names of its reason (and sub-reason); '' when open."""

    @property
    def overdue(self) -> tuple[ChecklistItem, ...]:
        """Items past their due date and not done."""
        return tuple(item for item in self.items if item.state == "overdue")


@functools.lru_cache(maxsize=1024)
def _compiled(template: str) -> TextTemplate:
    return compile_template(template)


def render_item_text(template: str, ctx: RuleContext, instance: ItemInstance,
                     locale: str) -> str:
    """The item's text rendered for the deal; on failure the raw text and the reason (in
    the current locale: see `use_locale`).

    A text that passes a limit of the sandbox (`MAX_ITEM_TEXT`, `MAX_SIZE`, ...) is not
    shown: it raises `LimitExceeded` naming the item and the limit.
    """
    extra: dict[str, Any] = {"locale": locale}
    if instance.stakeholder is not None:
        extra[STAKEHOLDER_NAME] = instance.stakeholder
    try:  # the context works out only the names the text reads (once for every item)
        return _compiled(template).render(ctx.with_names(extra))
    except LimitExceeded as exc:
        raise LimitExceeded(_("the text of {where} {reason}", where=_where(ctx, instance),
                              reason=exc)) from None
    except RuleDataError as exc:  # a checklist always renders: the reason is shown
        return _("{text} [could not fill in: {reason}]", text=template, reason=exc)
    except RuleEvalError as exc:
        return _("{text} [could not fill in: {reason}]", text=template,
                 reason=f"{type(exc).__name__}: {exc}")


def _where(ctx: RuleContext, instance: ItemInstance) -> str:
    """Where an item instance's text is in the playbook, like `stages[2].items[0]`."""
    for s, stage in enumerate(ctx.playbook.stages):
        for i, item in enumerate(stage.items):
            if item is instance.item:
                return f"stages[{s}].items[{i}] (item {item.id!r})"
    return f"item {instance.item.id!r}"


def _item_line(ctx: RuleContext, instance: ItemInstance, locale: str) -> ChecklistItem:
    playbook, deal = ctx.playbook, ctx.deal
    item = instance.item
    due = due_date(deal.stage_entered_at, item.due_days)
    done = deal.items_done.get(instance.id)
    if done is not None:
        state = "done"
    elif utc_date(ctx.now) > due:
        state = "overdue"
    else:
        state = "open"
    owner = next(role for role in playbook.our_roles if role.id == item.owner)
    return ChecklistItem(
        id=instance.id, item_id=item.id,
        text=render_item_text(playbook.text(item.text, locale), ctx, instance, locale),
        owner=item.owner, owner_name=playbook.text(owner.name, locale), due=due, state=state,
        blocking=item.blocking,
        evidence_required=playbook.text(item.evidence, locale) if item.evidence else None,
        stakeholder=instance.stakeholder.id if instance.stakeholder else None, done=done,
    )


def _no_longer_applicable(ctx: RuleContext, applicable: set[str],
                          locale: str) -> list[ChecklistItem]:
    """Items done in this stage that the deal's situation no longer calls for."""
    stage = ctx.playbook.stage(ctx.deal.stage)
    by_id = {item.id: item for item in stage.items}
    lines = []
    for done_id, completion in ctx.deal.items_done.items():
        base, _at, person_id = done_id.partition("@")
        if done_id in applicable or completion.stage != stage.id or base not in by_id:
            continue
        person = ctx.deal.stakeholder(person_id) if person_id else None
        instance = ItemInstance(done_id, by_id[base], person)
        line = _item_line(ctx, instance, locale)
        lines.append(ChecklistItem(**{**_fields(line), "state": "not_applicable"}))
    return lines


def _opened_items(ctx: RuleContext, locale: str) -> list[ChecklistItem]:
    """Items opened on the deal itself (follow-ups of automation rules), in any stage."""
    owners = {role.id: role for role in ctx.playbook.our_roles}
    today = utc_date(ctx.now)
    lines = []
    for item_id, opened in ctx.deal.items_opened.items():
        done = ctx.deal.items_done.get(item_id)
        state = "done" if done is not None else "overdue" if today > opened.due else "open"
        owner = owners.get(opened.owner)
        lines.append(ChecklistItem(
            id=item_id, item_id=item_id, text=opened_text(ctx.playbook, item_id, opened.text,
                                                          locale),
            owner=opened.owner,
            owner_name=ctx.playbook.text(owner.name, locale) if owner else opened.owner,
            due=opened.due, state=state, done=done))
    return lines


def _fields(line: ChecklistItem) -> dict[str, Any]:
    return {name: getattr(line, name) for name in ChecklistItem.__slots__}


def build_checklist(playbook: Playbook, deal: Deal, *, now: dt.datetime | None = None,
                    locale: str | None = None) -> Checklist:
    """The checklist of `deal`'s current stage, with gates, red flags and plays."""
    language = locale or playbook.default_locale
    with use_locale(language):  # the engine's and the analysis' words in it too
        return _built(playbook, deal, now or dt.datetime.now(dt.UTC), language)


def _built(playbook: Playbook, deal: Deal, moment: dt.datetime, language: str) -> Checklist:
    ctx = RuleContext(playbook, deal, moment)
    stage = playbook.stage(deal.stage)
    instances = ctx.item_instances(stage)
    lines = [_item_line(ctx, instance, language) for instance in instances]
    lines += _no_longer_applicable(ctx, {instance.id for instance in instances}, language)
    lines += _opened_items(ctx, language)
    next_stage = playbook.next_stage(stage.id)
    plays = tuple(recommend_plays(playbook, deal, now=moment, locale=language))
    return Checklist(
        deal=deal, playbook_id=playbook.id, playbook_version=playbook.version,
        stage=stage.id, stage_name=playbook.text(stage.name, language),
        stage_goal=playbook.text(stage.goal, language), locale=language,
        generated_at=moment, items=tuple(lines),
        gates=tuple(exit_checks(ctx, next_stage.id if next_stage else WON, language)),
        red_flags=analyse_stakeholders(playbook, deal, now=moment, locale=language).red_flags,
        plays=plays,
        chain_map=functools.partial(_chain_map, playbook, deal, language),
        plan=plan_lines(playbook, deal, utc_date(moment), language),
        plays_taken=tuple(deal.plays.values()),
        buyer_phase=stage.buyer_phase,
        buyer_phase_name=buyer_phase_name(playbook, stage, language),
        content=content_lines(playbook, stage.content, language),
        play_content={play.id: content_lines(playbook, play.content, language)
                      for play in playbook.plays if play.id in {p.play for p in plays}},
        lost_reason_name=lost_reason_label(playbook, deal, language),
    )


def _chain_map(playbook: Playbook, deal: Deal, locale: str) -> str:
    """The SVG of the decision chain, as markup the HTML layout embeds as it is (every
    text in it is escaped by `chain_svg`)."""
    if not deal.stakeholders:
        return ""
    from markupsafe import Markup

    with use_locale(locale):
        return Markup(chain_svg(chain_graph(playbook, deal, locale)))  # noqa: S704
