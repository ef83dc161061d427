"""Rich renderings of deals, gate reports, stakeholder maps, plays and events.

Every value that comes from deal data is wrapped in `Text`, never parsed as markup: a
stakeholder named `[red]x[/red]` prints exactly so; control characters in it print as
escapes (`\\x1b`), made visible here so that tables measure the text as it shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from dealflow._messages import _
from dealflow._safe_text import visible

if TYPE_CHECKING:  # pragma: no cover
    from rich.table import Table  # imported when a table is made, not by --help

    from dealflow.deal import Deal, Stakeholder
    from dealflow.engine import Event, GateReport
    from dealflow.playbook import Playbook
    from dealflow.stakeholders import Recommendation, RedFlag, StakeholderMap

_STATE_STYLE = {"ok": "green", "BLOCK": "bold red", "warn": "yellow", "n/a": "dim",
                "waived": "magenta"}
_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}


def show(value: Any) -> str:
    """A value as people read it: `true`, `1,200,000.00`, `2026-03-02`, `a, b`, `-`."""
    if value is None or value == "" or value == ():
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value)
    return str(value)


def plain(value: str, style: str = "") -> Text:
    """`value` exactly as literal text (no markup, control characters visible)."""
    return Text(visible(value), style=style)


def text(value: Any, style: str = "") -> Text:
    """`value` as literal text (no markup, control characters visible), optionally styled."""
    return Text(visible(show(value)), style=style)


_KEEP_WHOLE = frozenset({"", "id", "seq", "at", "event", "fact", "severity", "flag", "role",
                         "priority", "stance", "influence",
                         "play", "deal", "first", "now", "due", "month", "quarter", "fired",
                         "status", "stage"})


def table(*columns: str, title: str | None = None) -> Table:
    """A plain table: ids and codes are kept whole, longer text wraps."""
    from rich import box
    from rich.table import Table

    made = Table(title=plain(title, "bold") if title else None, title_justify="left",
                 box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", pad_edge=False)
    for column in columns:
        whole = column in _KEEP_WHOLE
        made.add_column(column, no_wrap=whole, overflow="fold" if not whole else "ellipsis")
    return made


def out(console: Console, *renderables: Any) -> None:
    """Print renderables, each after a blank line (tables wrap within the width; text is
    never markup)."""
    for renderable in renderables:
        console.print()
        console.print(renderable, markup=False, soft_wrap=False)


def deal_fields(deal: Deal, playbook: Playbook) -> Table:
    """The deal's own fields, one per line."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    stage = playbook.stage(deal.stage) if deal.stage in {s.id for s in playbook.stages} else None
    where = deal.stage if stage is None else f"{deal.stage} ({playbook.text(stage.name)}" + (
        ")" if stage.probability is None else f", {stage.probability}%)")
    rows: list[tuple[str, Any]] = [
        ("deal", deal.id), ("title", deal.title), ("account", deal.account),
        ("owner", deal.owner), ("amount", f"{show(deal.amount)} {deal.currency}"),
        ("stage", where), ("status", deal.status.value),
        ("playbook", f"{deal.playbook_id} {deal.playbook_version}"),
        ("in stage since", deal.stage_entered_at), ("version", deal.version),
    ]
    if deal.hold is not None:
        rows.append(("on hold", f"{deal.hold.reason} (until {show(deal.hold.resume_on)})"))
    if deal.lost_reason is not None:
        why = deal.lost_reason + (f" ({deal.lost_sub_reason})" if deal.lost_sub_reason else "")
        rows.append(("lost", f"{why}: {deal.lost_note}".rstrip(": ")))
    elif deal.outcome is not None or (deal.status.value == "lost" and deal.lost_note):
        closed = deal.outcome or deal.status.value  # an extra outcome, or a loss with a note
        rows.append((_("closed as"), f"{closed}: {deal.lost_note}".rstrip(": ")))
    if deal.activity:  # timers (issue 18): the latest activity of any kind
        kind, at = max(deal.activity.items(), key=lambda entry: entry[1])
        rows.append((_("last activity"), f"{kind} {show(at)}"))
    rows.extend((_("follow-up"), _("{item}: {text} ({owner}, due {due}, {state})", item=item_id,
                                   text=item.text, owner=item.owner, due=show(item.due),
                                   state=_("done") if item_id in deal.items_done else _("open")))
                for item_id, item in deal.items_opened.items())
    if deal.next_step is not None:
        step = deal.next_step
        rows.append(("next step", f"{step.what} ({step.who}, by {show(step.due)})"))
    if deal.review is not None:
        answers = ", ".join(f"{q}={a}" for q, a in deal.review.answers.items())
        rows.append(("review", f"{deal.review.outcome}: {answers}"))
    if deal.close_date is not None:
        rows.append(("close date", deal.close_date))
    for name, value in rows:
        grid.add_row(name, text(value))
    return grid


def facts_table(deal: Deal, playbook: Playbook | None = None) -> Table:
    """The deal's facts (an enum by its label, when the playbook gives one), each with its
    provenance: evidence, source, who confirmed it and when, who verified it."""
    from dealflow.deal import fact_text

    declared = {fact.id: fact for fact in playbook.facts} if playbook is not None else {}
    made = table("fact", "value", "evidence", "confirmed by", "verified by", title="Facts")
    for name, raw in sorted(deal.facts.items()):
        fact = declared.get(name)
        value = fact_text(fact, raw) if fact is not None and fact.type in (
            "enum", "list") else raw
        known = deal.provenance.get(name)
        if known is None:
            made.add_row(text(name), text(value), text(None), text(None), text(None))
            continue
        proof = known.evidence
        where = " ".join(show(part) for part in (proof.source, proof.on) if part is not None)
        check = known.verification
        made.add_row(text(name), text(value), _two(show(proof.evidence), where),
                     _two(show(proof.confirmed_by), f"set by {known.set_by}"),
                     _two(show(check.by if check else None), check.note if check else ""))
    return made


def _two(first: str, second: str, style: str = "") -> Text:
    """A cell of two lines: `first` (styled) and, dimmed below it, `second`."""
    cell = text(first, style)
    if second:
        cell.append("\n" + visible(second), style="dim")
    return cell


def people_table(people: Sequence[Stakeholder], title: str = "Stakeholders") -> Table:
    """The stakeholders: name and title, roles, stance, influence, last contact."""
    made = table("id", "name", "roles", "stance", "influence", "last contact", title=title)
    for p in people:
        made.add_row(text(p.id), _two(p.name, p.title), text(p.roles), text(p.stance.value),
                     text(p.influence.value), text(p.last_contact))
    return made


def report_table(report: GateReport, *, passed: bool = True) -> Table:
    """Each check of a report (or only the failed ones): ok, BLOCK or warn, the control
    point and its text, and what is missing with the hint."""
    move = f"{report.operation} {report.stage} -> {report.target or '?'}: " + (
        "allowed" if report.allowed else "refused")
    made = table("", "control point", "missing", title=move)
    for check in report.checks:
        if check.passed and not passed:
            continue
        state = ("n/a" if not check.applicable else "waived" if check.waiver
                 else "ok" if check.passed else "BLOCK" if check.blocks else "warn")
        why = Text(visible("\n".join((*check.missing, check.waiver) if check.waiver
                                     else check.missing)))
        if check.hint:
            why.append(("\n" if check.missing else "") + visible(f"hint: {check.hint}"),
                       style="dim")
        made.add_row(text(state, _STATE_STYLE[state]), _two(check.id, check.text, "bold"), why)
    return made


def flags_table(flags: Iterable[RedFlag]) -> Table:
    """Red flags, most severe first."""
    made = table("severity", "flag", "reason", title="Red flags")
    for flag in flags:
        made.add_row(text(flag.severity, _SEVERITY_STYLE.get(flag.severity, "")),
                     text(flag.code), text(flag.reason))
    return made


def coverage_table(smap: StakeholderMap) -> Table:
    """Each decision-chain role: who holds it, whether the stage requires it."""
    made = table("role", "name", "holders", "required", title=(
        f"Role coverage (support score {smap.support_score:+.2f}, from -1 to +1)"))
    for entry in smap.coverage:
        style = "red" if entry.required and not entry.covered else ""
        made.add_row(text(entry.role, style), text(entry.name), text(entry.holders),
                     text("yes" if entry.required else ""))
    if not smap.coverage:
        made.caption = _no_roles()
    return made


def _no_roles() -> str:
    """What coverage says when the playbook declares no decision-chain roles."""
    return _("the playbook declares no decision-chain roles: there is no role coverage "
             "to check")


def plays_table(plays: Iterable[Recommendation]) -> Table:
    """The plays that fire, most urgent first."""
    made = table("priority", "play", "action", "who", title="Plays")
    for play in plays:
        made.add_row(text(play.priority), _two(play.play, play.situation, "bold"),
                     text(play.action), text(play.who))
    return made


def events_table(events: Iterable[Event]) -> Table:
    """A deal's event log, one line per event."""
    made = table("seq", "at", "actor", "event", "details")
    for event in events:
        made.add_row(text(event.seq), text(event.at), text(event.actor), text(event.type),
                     text(describe(event)))
    return made


def describe(event: Event) -> str:
    """What an event changed, in a few words."""
    from dealflow.cli._commitment_commands import describe_commitment

    if (said := describe_commitment(event)) is not None:
        return said
    data = event.model_dump(exclude={"deal_id", "seq", "at", "actor", "source", "type"})
    person = data.get("stakeholder")
    if isinstance(person, dict):
        roles = ", ".join(person["roles"]) or "no role"
        return f"{person['id']}: {person['name']} ({roles}; {person['stance']}, " \
               f"{person['influence']} influence)"
    if event.type in ("fact_set", "effect_applied"):
        if data["value"] is None:
            return f"{data['name']} cleared"
        proof = {k: v for k, v in (data.get("evidence") or {}).items() if v is not None}
        backing = f" ({'; '.join(f'{k}: {show(v)}' for k, v in proof.items())})" if proof else ""
        said = f"{data['name']} = {show(data['value'])}{backing}"
        return f"{said} ({data['effect']})" if "effect" in data else said
    if event.type == "next_step_set":
        step = data["next_step"]
        return "next step cleared" if step is None else \
            f"{step['what']} ({step['who']}, by {show(step['due'])})"
    if event.type == "deal_edited":
        data = data["changes"]
    parts = [f"{key}: {show(value)}" for key, value in data.items()
             if value not in (None, "", (), [], {})]
    return "; ".join(parts)


def map_data(smap: StakeholderMap) -> dict[str, Any]:
    """A stakeholder map as plain data."""
    data = dataclasses.asdict(smap)
    for entry, raw in zip(smap.coverage, data["coverage"], strict=True):
        raw["covered"] = entry.covered
    if not smap.coverage:
        data["coverage_note"] = _no_roles()
    return data
