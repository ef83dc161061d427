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

from dealflow._messages import N_, _, current_locale
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

_WORDS = {
    # the states of a control point in a report
    "ok": N_("ok"), "BLOCK": N_("BLOCK"), "warn": N_("warn"), "n/a": N_("n/a"),
    "waived": N_("waived"),
    # stances, influence and severity
    "champion": N_("champion"), "supporter": N_("supporter"), "neutral": N_("neutral"),
    "skeptic": N_("skeptic"), "opponent": N_("opponent"), "unknown": N_("unknown"),
    "high": N_("high"), "medium": N_("medium"), "low": N_("low"),
    "stance": N_("stance"), "influence": N_("influence"),
    # where we stand against a competitor on a criterion
    "ahead": N_("ahead"), "even": N_("even"), "behind": N_("behind"),
    # periods
    "month": N_("month"), "quarter": N_("quarter"),
    # close-plan steps and plays
    "planned": N_("planned"), "done": N_("done"), "dropped": N_("dropped"),
    "overdue": N_("overdue"), "taken": N_("taken"), "completed": N_("completed"),
    "declined": N_("declined"), "helped": N_("helped"), "partly": N_("partly"),
    "no_effect": N_("no_effect"), "hurt": N_("hurt"),
}
"""The words dealflow shows for its own values (states, statuses, stances, levels), by
value; a value not here is shown as it is."""

_COLUMNS = (
    N_("id"), N_("title"), N_("account"), N_("owner"), N_("stage"), N_("status"),
    N_("amount"), N_("fact"), N_("value"), N_("evidence"), N_("confirmed by"),
    N_("verified by"), N_("name"), N_("roles"), N_("stance"), N_("influence"),
    N_("last contact"), N_("control point"), N_("missing"), N_("severity"), N_("flag"),
    N_("reason"), N_("role"), N_("holders"), N_("required"), N_("priority"), N_("play"),
    N_("action"), N_("who"), N_("seq"), N_("at"), N_("actor"), N_("event"), N_("details"),
    N_("what"), N_("due"), N_("ours"), N_("theirs"), N_("situation"), N_("taken at"),
    N_("state"), N_("outcome"), N_("note"), N_("deals"), N_("version"), N_("title"),
    N_("stages"), N_("gates"), N_("roles"), N_("items"), N_("plays"), N_("facts"),
)
"""The column headers the commands' tables use (translated when the table is made)."""


def word(value: str) -> str:
    """One of dealflow's own values (`open`, `BLOCK`, `supporter`, `high`) in the current
    locale; any other value as it is."""
    known = _WORDS.get(value)
    if known is not None:
        return _(known)
    from dealflow.engine import operation_text, status_text

    status = status_text(value)  # a deal's status, else an engine operation, else as it is
    return status if status != value else operation_text(value)


def show(value: Any) -> str:
    """A value as people read it: `true`, `1,200,000.00`, `2026-03-02`, `a, b`, `-`."""
    if value is None or value == "" or value == ():
        return "-"
    if isinstance(value, bool):
        return _("true") if value else _("false")
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
        made.add_column(_(column) if column else column, no_wrap=whole,
                        overflow="fold" if not whole else "ellipsis")
    return made


def out(console: Console, *renderables: Any) -> None:
    """Print renderables, each after a blank line (tables wrap within the width; text is
    never markup)."""
    for renderable in renderables:
        console.print()
        console.print(renderable, markup=False, soft_wrap=False)


def deal_fields(deal: Deal, playbook: Playbook) -> Table:
    """The deal's own fields, one per line, in the current locale; the stage with the buyer
    phase it serves (when the playbook gives it one)."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    rows: list[tuple[str, Any]] = [
        (_("deal"), deal.id), (_("title"), deal.title), (_("account"), deal.account),
        (_("owner"), deal.owner), (_("amount"), f"{show(deal.amount)} {deal.currency}"),
        (_("stage"), _stage_shown(deal, playbook)),
    ]
    phase = buyer_phase(playbook, deal.stage)
    if phase:
        rows.append((_("buyer phase"), phase))
    rows += [(_("status"), word(deal.status.value)),
             (_("playbook"), f"{deal.playbook_id} {deal.playbook_version}"),
             (_("in stage since"), deal.stage_entered_at), (_("version"), deal.version)]
    if deal.hold is not None:
        rows.append((_("on hold"), _("{reason} (until {date})", reason=deal.hold.reason,
                                     date=show(deal.hold.resume_on))))
    if deal.lost_reason is not None:
        why = reason_name(playbook, deal.lost_reason) + (
            f" ({deal.lost_sub_reason})" if deal.lost_sub_reason else "")
        rows.append((_("lost"), f"{why}: {deal.lost_note}".rstrip(": ")))
    elif deal.outcome is not None or (deal.status.value == "lost" and deal.lost_note):
        closed = deal.outcome or word(deal.status.value)  # an extra outcome, or a loss
        rows.append((_("closed as"), f"{closed}: {deal.lost_note}".rstrip(": ")))
    rows += _life_rows(deal)
    for name, value in rows:
        grid.add_row(name, text(value))
    return grid


def _stage_shown(deal: Deal, playbook: Playbook) -> str:
    """`propose (Business case and proposal, 60%)`: the stage's id, name and probability."""
    if deal.stage not in {s.id for s in playbook.stages}:
        return deal.stage
    stage = playbook.stage(deal.stage)
    name = playbook.text(stage.name, current_locale())
    if stage.probability is None:
        return f"{deal.stage} ({name})"
    return f"{deal.stage} ({name}, {stage.probability}%)"


def buyer_phase(playbook: Playbook, stage_id: str) -> str:
    """The name (in the current locale) of the buyer phase the stage serves; '' when the
    playbook gives it none."""
    stage = next((s for s in playbook.stages if s.id == stage_id), None)
    if stage is None or stage.buyer_phase is None:
        return ""
    phase = next((p for p in playbook.buyer_phases if p.id == stage.buyer_phase), None)
    return stage.buyer_phase if phase is None else playbook.text(phase.name, current_locale())


def reason_name(playbook: Playbook | None, reason: str) -> str:
    """A lost reason as people read it: its id in English (what `--reason` takes), its
    name in the playbook's text for another locale."""
    locale = current_locale()
    found = next((r for r in playbook.lost_reasons if r.id == reason), None) if playbook \
        else None
    if found is None or locale in (None, "en") or locale.startswith("en_"):
        return reason
    return playbook.text(found.name, locale) if playbook is not None else reason


def _life_rows(deal: Deal) -> list[tuple[str, Any]]:
    """The rows of what happens to the deal: last activity, follow-ups, next step, review,
    close date."""
    rows: list[tuple[str, Any]] = []
    if deal.activity:  # timers (issue 18): the latest activity of any kind
        kind, at = max(deal.activity.items(), key=lambda entry: entry[1])
        rows.append((_("last activity"), f"{kind} {show(at)}"))
    rows.extend((_("follow-up"), _("{item}: {text} ({owner}, due {due}, {state})", item=item_id,
                                   text=item.text, owner=item.owner, due=show(item.due),
                                   state=_("done") if item_id in deal.items_done else _("open")))
                for item_id, item in deal.items_opened.items())
    if deal.next_step is not None:
        step = deal.next_step
        rows.append((_("next step"), _("{what} ({who}, by {due})", what=step.what,
                                       who=step.who, due=show(step.due))))
    if deal.review is not None:
        answers = ", ".join(f"{q}={a}" for q, a in deal.review.answers.items())
        rows.append((_("review"), f"{deal.review.outcome}: {answers}"))
    if deal.close_date is not None:
        rows.append((_("close date"), deal.close_date))
    return rows


def facts_table(deal: Deal, playbook: Playbook | None = None) -> Table:
    """The deal's facts (an enum by its label, when the playbook gives one), each with its
    provenance: evidence, source, who confirmed it and when, who verified it."""
    from dealflow.deal import fact_text

    declared = {fact.id: fact for fact in playbook.facts} if playbook is not None else {}
    made = table("fact", "value", "evidence", "confirmed by", "verified by", title=_("Facts"))
    for name, raw in sorted(deal.facts.items()):
        fact = declared.get(name)
        value = fact_text(fact, raw, current_locale() or "", playbook.default_locale) \
            if fact is not None and playbook is not None and fact.type in (
            "enum", "list") else raw
        known = deal.provenance.get(name)
        if known is None:
            made.add_row(text(name), text(value), text(None), text(None), text(None))
            continue
        proof = known.evidence
        where = " ".join(show(part) for part in (proof.source, proof.on) if part is not None)
        check = known.verification
        made.add_row(text(name), text(value), _two(show(proof.evidence), where),
                     _two(show(proof.confirmed_by), _("set by {who}", who=known.set_by)),
                     _two(show(check.by if check else None), check.note if check else ""))
    return made


def _two(first: str, second: str, style: str = "") -> Text:
    """A cell of two lines: `first` (styled) and, dimmed below it, `second`."""
    cell = text(first, style)
    if second:
        cell.append("\n" + visible(second), style="dim")
    return cell


def people_table(people: Sequence[Stakeholder], title: str | None = None) -> Table:
    """The stakeholders: name and title, roles, stance, influence, last contact."""
    made = table("id", "name", "roles", "stance", "influence", "last contact",
                 title=_("Stakeholders") if title is None else title)
    for p in people:
        made.add_row(text(p.id), _two(p.name, p.title), text(p.roles),
                     text(word(p.stance.value)), text(word(p.influence.value)),
                     text(p.last_contact))
    return made


def report_table(report: GateReport, *, passed: bool = True) -> Table:
    """Each check of a report (or only the failed ones): ok, BLOCK or warn, the control
    point and its text, and what is missing with the hint."""
    move = _("{operation} {stage} -> {target}: allowed", operation=word(report.operation),
             stage=report.stage, target=report.target or "?") if report.allowed else _(
        "{operation} {stage} -> {target}: refused", operation=word(report.operation),
        stage=report.stage, target=report.target or "?")
    made = table("", "control point", "missing", title=move)
    for check in report.checks:
        if check.passed and not passed:
            continue
        state = ("n/a" if not check.applicable else "waived" if check.waiver
                 else "ok" if check.passed else "BLOCK" if check.blocks else "warn")
        why = Text(visible("\n".join((*check.missing, check.waiver) if check.waiver
                                     else check.missing)))
        if check.hint:
            why.append(("\n" if check.missing else "") + visible(_("hint: {hint}",
                                                                   hint=check.hint)),
                       style="dim")
        made.add_row(text(word(state), _STATE_STYLE[state]), _two(check.id, check.text, "bold"),
                     why)
    return made


def flags_table(flags: Iterable[RedFlag]) -> Table:
    """Red flags, most severe first."""
    made = table("severity", "flag", "reason", title=_("Red flags"))
    for flag in flags:
        made.add_row(text(word(flag.severity), _SEVERITY_STYLE.get(flag.severity, "")),
                     text(flag.code), text(flag.reason))
    return made


def coverage_table(smap: StakeholderMap) -> Table:
    """Each decision-chain role: who holds it, whether the stage requires it."""
    made = table("role", "name", "holders", "required", title=_(
        "Role coverage (support score {score}, from -1 to +1)",
        score=format(smap.support_score, "+.2f")))
    for entry in smap.coverage:
        style = "red" if entry.required and not entry.covered else ""
        made.add_row(text(entry.role, style), text(entry.name), text(entry.holders),
                     text(_("yes") if entry.required else ""))
    if not smap.coverage:
        made.caption = _no_roles()
    return made


def _no_roles() -> str:
    """What coverage says when the playbook declares no decision-chain roles."""
    return _("the playbook declares no decision-chain roles: there is no role coverage "
             "to check")


def plays_table(plays: Iterable[Recommendation]) -> Table:
    """The plays that fire, most urgent first."""
    made = table("priority", "play", "action", "who", title=_("Plays"))
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
        roles = ", ".join(person["roles"]) or _("no role")
        return _("{id}: {name} ({roles}; {stance}, {influence} influence)", id=person["id"],
                 name=person["name"], roles=roles, stance=word(person["stance"]),
                 influence=word(person["influence"]))
    if event.type in ("fact_set", "effect_applied"):
        if data["value"] is None:
            return _("{fact} cleared", fact=data["name"])
        proof = {k: v for k, v in (data.get("evidence") or {}).items() if v is not None}
        backing = f" ({'; '.join(f'{k}: {show(v)}' for k, v in proof.items())})" if proof else ""
        said = f"{data['name']} = {show(data['value'])}{backing}"
        return f"{said} ({data['effect']})" if "effect" in data else said
    if event.type == "next_step_set":
        step = data["next_step"]
        return _("next step cleared") if step is None else \
            _("{what} ({who}, by {due})", what=step["what"], who=step["who"],
              due=show(step["due"]))
    if event.type == "deal_edited":
        data = data["changes"]
    parts = [f"{_field(key)}: {show(value)}" for key, value in data.items()
             if value not in (None, "", (), [], {})]
    return "; ".join(parts)


_FIELDS = {key: label for key, label in (
    ("account", N_("account")), ("amount", N_("amount")), ("answers", N_("answers")),
    ("approval", N_("approval")), ("by", N_("by")), ("close_date", N_("close date")),
    ("competitor", N_("competitor")), ("currency", N_("currency")), ("due", N_("due")),
    ("evidence", N_("evidence")), ("from_stage", N_("from stage")),
    ("from_version", N_("from version")), ("gate", N_("control point")),
    ("item_id", N_("item")), ("kind", N_("kind")), ("level", N_("level")),
    ("note", N_("note")), ("outcome", N_("outcome")), ("owner", N_("owner")),
    ("play", N_("play")), ("playbook_id", N_("playbook")),
    ("playbook_version", N_("playbook version")), ("reason", N_("reason")),
    ("resume_on", N_("resume on")), ("role", N_("role")), ("stage", N_("stage")),
    ("sub_reason", N_("sub-reason")), ("title", N_("title")), ("to_stage", N_("to stage")),
    ("to_version", N_("to version")), ("until", N_("until")), ("warnings", N_("warnings")),
    ("winner", N_("winner")), ("criterion", N_("criterion")))}
"""The fields of events as the event log names them (the field's name in English)."""


def _field(key: str) -> str:
    """An event's field as people read it: in English its name (`from_stage`), translated
    in another locale."""
    label = _FIELDS.get(key)
    if label is None or current_locale() in (None, "en"):
        return key
    return _(label)


def map_data(smap: StakeholderMap) -> dict[str, Any]:
    """A stakeholder map as plain data."""
    data = dataclasses.asdict(smap)
    for entry, raw in zip(smap.coverage, data["coverage"], strict=True):
        raw["covered"] = entry.covered
    if not smap.coverage:
        data["coverage_note"] = _no_roles()
    return data
