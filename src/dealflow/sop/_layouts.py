"""Laying out checklists as Markdown, HTML or JSON.

Markdown and HTML come from the Jinja templates in `sops/` (shipped with the package),
rendered in a sandbox with `StrictUndefined`; HTML is autoescaped and Markdown escapes
every value from deal data with the `md` filter. A directory given as `template_dir`
(or a stage's own `template`) is searched first, so a team can lay out its own page.
JSON has a documented, versioned shape (`CHECKLIST_SCHEMA`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.loaders import split_template_path

from dealflow._messages import N_, _, use_locale
from dealflow._resources import bundled_dir
from dealflow._safe_text import visible
from dealflow.deal import Deal
from dealflow.errors import DealflowError, DefinitionError, LimitExceeded
from dealflow.limits import current_limits, limit_hint
from dealflow.rules import DATA_ERRORS, LayoutSandbox, TrustingSandbox, template_line
from dealflow.sop._checklist import Checklist, ChecklistItem
from dealflow.sop._close_plan import plan_dict, plays_taken_dict
from dealflow.sop._enablement import content_dict

__all__ = ["CHECKLIST_SCHEMA", "Format", "checklist_to_dict", "render_checklist"]

CHECKLIST_SCHEMA = "dealflow.checklist/1"
Format = Literal["md", "html", "json", "plain"]

LABELS: dict[str, str] = {
    "account": N_("Account"), "owner": N_("Owner"), "amount": N_("Amount"),
    "status": N_("Status"), "goal": N_("Goal"), "next_step": N_("Next step"),
    "checklist": N_("Checklist"), "due": N_("due"), "overdue": N_("OVERDUE"),
    "not_applicable": N_("no longer applies"), "blocking": N_("must be done"),
    "gate_not_applicable": N_("not applicable"), "evidence": N_("evidence"),
    "no_items": N_("Nothing on the checklist for this stage."),
    "gates": N_("Control points"), "red_flags": N_("Red flags"), "plays": N_("Plays"),
    "chain_map": N_("Decision chain"), "high": N_("High"), "medium": N_("Medium"),
    "low": N_("Low"), "state": N_("State"), "item": N_("Item"), "done": N_("done"),
    "open": N_("open"), "on_hold": N_("on hold"), "won": N_("won"), "lost": N_("lost"),
    "closed": N_("closed"),
    "facts_evidence": N_("Evidence behind the facts"), "confirmed_by": N_("confirmed by"),
    "verified_by": N_("verified by"), "set_by": N_("set by"), "waived": N_("waived"),
    "close_date": N_("Expected close"), "close_plan": N_("Close plan"), "ours": N_("Ours"),
    "theirs": N_("Theirs"), "agreed_with": N_("agreed with"),
    "not_agreed": N_("not agreed yet"), "planned": N_("planned"), "dropped": N_("dropped"),
    "plays_taken": N_("Plays taken on"), "taken": N_("taken on"),
    "completed": N_("completed"), "declined": N_("declined"),
    # -- issue 21: the deal's status apart from an item's state, play outcomes, the buyer
    # phase, hints and enablement content
    "status_open": N_("deal status|open"), "status_on_hold": N_("on hold"),
    "status_won": N_("won"), "status_lost": N_("lost"), "status_closed": N_("closed"),
    "outcome_helped": N_("helped"), "outcome_partly": N_("partly"),
    "outcome_no_effect": N_("no_effect"), "outcome_hurt": N_("hurt"),
    "buyer_phase": N_("Buyer phase"), "hint": N_("Hint"),
    "content": N_("Enablement content"), "lost_reason": N_("Lost reason"),
    "true": N_("true"), "false": N_("false"),
    "source_meeting": N_("meeting"), "source_email": N_("email"),
    "source_document": N_("document"), "source_call": N_("call"), "source_visit": N_("visit"),
    "source_demo": N_("demo"), "source_workshop": N_("workshop"), "source_other": N_("other"),
}
"""The words of the bundled layouts, by key (English; a layout sees them as `t`, in the
checklist's locale). A message `context|text` is `text` where it has no translation: the
context tells apart two uses of one English word (a deal `open` is 跟进中, an item 待办)."""


def labels(locale: str) -> dict[str, str]:
    """`LABELS` in `locale` (English for a locale without a catalogue)."""
    with use_locale(locale):
        return {key: _(text).rpartition("|")[2] if "|" in text else _(text)
                for key, text in LABELS.items()}


#: What a layout may raise while it renders: dealflow's own errors (a limit passed), nesting
#: too deep, and what Python and Jinja raise on the data (`DATA_ERRORS`).
_FAILURES: tuple[type[Exception], ...] = (DealflowError, RecursionError, *DATA_ERRORS)

_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")
_MD_BLOCK_START = re.compile(r"^(?:([#+=>-])|(\d{1,9})([.)]))")
"""What opens a block (heading, list, quote, setext underline, ordered list) at a line's
start."""
_BACKTICKS = re.compile(r"`+")
_ENTITY = re.compile(r"&(?=#|[A-Za-z][A-Za-z0-9]*;)")
"""An `&` that would start an entity (`&amp;`, `&#42;`): the only `&` Markdown reads."""
_UNDERSCORES = re.compile(r"_+")


def _one_line(value: Any) -> str:
    return " ".join(visible(str(value).replace("\r\n", "\n")).splitlines()).strip()


def _plain(value: Any) -> str:
    """A value as plain text on one line: line breaks become spaces, control characters
    show as escapes (`\\x1b`); nothing else changes (no Markdown, no entities)."""
    return _one_line(value)


def _underscores(text: str) -> str:
    """Escape the runs of `_` that could open or close emphasis: not those inside a word
    (`contract_signed`), which Markdown leaves alone."""
    def escape(run: re.Match[str]) -> str:
        before = text[run.start() - 1] if run.start() else " "
        after = text[run.end()] if run.end() < len(text) else " "
        return run[0] if before.isalnum() and after.isalnum() else "\\_" * len(run[0])

    return _UNDERSCORES.sub(escape, text)


def _md(value: Any, code: bool = False) -> str:
    """Escape a value for Markdown so that it prints as text and changes no structure,
    with no more escapes than needed (the raw text stays readable).

    Inline syntax (emphasis, links, images, code, tables, strikethrough) is backslash-
    escaped (`_` only where it could open or close emphasis, not inside a word), `<`
    becomes `&lt;` (no HTML, no autolink), an `&` that would start an entity becomes
    `&amp;`, line breaks become spaces (no new block) and a block marker at the start
    (`#`, `-`, `+`, `=`, `>`, `1.`) is escaped, since a value may begin a line. Control
    characters show as escapes (`\\x1b`). With `code`, the value becomes a code span,
    fenced by more backticks than it holds.
    """
    text = _one_line(value)
    if code:
        fence = "`" * (1 + max((len(run) for run in _BACKTICKS.findall(text)), default=0))
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}" if text else ""
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    text = _underscores(_MD_SPECIAL.sub(r"\\\1", text))
    return _MD_BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


class _FolderLoader(FileSystemLoader):
    """Layouts from a folder of yours, each at most `max_bytes` (the limit of playbooks:
    `DEALFLOW_LIMITS=max_bytes=N`), and UTF-8; read no further than the limit, so a huge
    file (or a device) is refused before it fills the memory."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        for folder in self.searchpath:
            path = Path(folder).joinpath(*split_template_path(template))
            if path.is_file():
                return _read_layout(path), str(path), _unchanged(path)
        raise TemplateNotFound(template)


def _unchanged(path: Path) -> Callable[[], bool]:
    """Whether the layout at `path` is still the one read (Jinja's cache asks)."""
    mtime = path.stat().st_mtime

    def check() -> bool:
        try:
            return path.stat().st_mtime == mtime
        except OSError:
            return False

    return check


def _read_layout(path: Path) -> str:
    limit = current_limits().max_bytes
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        size = max(len(data), path.stat().st_size)
        raise DefinitionError(_("checklist template {path}: the layout is {size} bytes or "
                                "more; the limit max_bytes is {limit} {hint}", path=path,
                                size=f"{size:,}", limit=limit, hint=limit_hint("max_bytes")))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(_("checklist template {path}: not UTF-8 text (byte {byte} at "
                                "position {position})", path=path,
                                byte=f"0x{data[exc.start]:02x}", position=exc.start)) from None


class _BundledLoader(BaseLoader):
    """Templates from the package's `sops/` folder (works from a wheel too)."""

    def get_source(self, environment: Any, template: str) -> tuple[str, None, Any]:
        # only files inside `sops/`: no `..`, no absolute paths (`/etc/passwd`)
        entry = bundled_dir("sops").joinpath(*split_template_path(template))
        if not entry.is_file():
            raise TemplateNotFound(template)
        return entry.read_text(encoding="utf-8"), None, lambda: True


@functools.lru_cache(maxsize=32)
def _environment(template_dir: Path | None, html: bool) -> TrustingSandbox:
    """One environment per layout folder and mode: Jinja caches compiled templates in it.

    Layouts from a folder of yours run in `LayoutSandbox` (see `dealflow.rules`):
    no globals, guarded operators and filters, and a budget of steps and output per
    render. The bundled layouts alone are part of dealflow's own code: they run in the
    plain sandbox, without paying for the budget on every step (which doubled the time of
    a Markdown checklist)."""
    options: dict[str, Any] = {"undefined": StrictUndefined, "autoescape": html,
                               "trim_blocks": False, "keep_trailing_newline": True}
    if template_dir is None:
        trusted = TrustingSandbox(loader=_BundledLoader(), **options)
        trusted.globals.clear()
        trusted.filters["md"] = _md
        trusted.filters["plain"] = _plain
        return trusted
    env = LayoutSandbox(
        loader=ChoiceLoader([_FolderLoader(str(template_dir)), _BundledLoader()]),
        **options)
    env.add_filter("md", _md)
    env.add_filter("plain", _plain)
    return env


def _item_dict(item: ChecklistItem) -> dict[str, Any]:
    return {
        "id": item.id, "item_id": item.item_id, "text": item.text, "owner": item.owner,
        "owner_name": item.owner_name, "due": item.due.isoformat(), "state": item.state,
        "blocking": item.blocking, "evidence_required": item.evidence_required,
        "stakeholder": item.stakeholder,
        "done": None if item.done is None else {
            "actor": item.done.actor, "at": item.done.at.isoformat(),
            "evidence": item.done.evidence, "late": item.done_late,
        },
    }


def evidence_rows(deal: Deal) -> list[dict[str, Any]]:
    """Each fact set with evidence: its value and provenance, as plain data."""
    rows = []
    for name, known in sorted(deal.provenance.items()):
        if name not in deal.facts:
            continue
        value = deal.facts[name]
        check = known.verification
        rows.append({
            "fact": name, "value": value.isoformat() if isinstance(value, dt.date) else value,
            **known.evidence.model_dump(mode="json"), "set_by": known.set_by,
            "set_at": known.set_at.isoformat(), "verified_by": check.by if check else None,
            "verification_note": check.note if check else None})
    return rows


def checklist_to_dict(checklist: Checklist) -> dict[str, Any]:
    """The checklist as plain data in the `dealflow.checklist/1` shape."""
    deal = checklist.deal
    return {
        "schema": CHECKLIST_SCHEMA,
        "generated_at": checklist.generated_at.isoformat(),
        "locale": checklist.locale,
        "playbook": {"id": checklist.playbook_id, "version": checklist.playbook_version},
        "deal": {"id": deal.id, "title": deal.title, "account": deal.account,
                 "owner": deal.owner, "amount": str(deal.amount), "currency": deal.currency,
                 "status": deal.status.value, "lost_reason": deal.lost_reason,
                 "lost_reason_name": checklist.lost_reason_name or None},
        "stage": {"id": checklist.stage, "name": checklist.stage_name,
                  "goal": checklist.stage_goal,
                  "buyer_phase": None if checklist.buyer_phase is None else {
                      "id": checklist.buyer_phase, "name": checklist.buyer_phase_name},
                  "content": content_dict(checklist.content)},
        "items": [_item_dict(item) for item in checklist.items],
        "gates": [check.to_dict() for check in checklist.gates],
        "red_flags": [{"code": f.code, "severity": f.severity, "reason": f.reason,
                       "stakeholder": f.stakeholder, "role": f.role} for f in checklist.red_flags],
        "plays": [{"play": p.play, "situation": p.situation, "action": p.action,
                   "who": list(p.who), "strategy": p.strategy, "priority": p.priority,
                   "why": p.why, "content": content_dict(checklist.play_content.get(p.play, ()))}
                  for p in checklist.plays],
        "evidence": evidence_rows(deal),
        "close_date": None if deal.close_date is None else deal.close_date.isoformat(),
        "close_plan": plan_dict(checklist.plan, deal.plan_agreed),
        "plays_taken": plays_taken_dict(checklist.plays_taken),
    }


_TEMPLATES = {"md": "checklist.md.j2", "html": "checklist.html.j2", "plain": "checklist.txt.j2"}
"""The bundled layout of each format but JSON."""


def render_checklist(checklist: Checklist, fmt: Format = "md", *,
                     template_dir: str | Path | None = None,
                     template: str | None = None) -> str:
    """The checklist laid out as `md`, `html`, `plain` (text for a terminal or a chat
    that shows no Markdown: no escapes, no markup) or `json`.

    `template` names a template file (searched in `template_dir`, then in `sops/`);
    by default `checklist.md.j2`, `checklist.html.j2` or `checklist.txt.j2`.
    """
    if fmt == "json":
        return json.dumps(checklist_to_dict(checklist), ensure_ascii=False, indent=2) + "\n"
    if fmt not in _TEMPLATES:
        raise DefinitionError(_("unknown checklist format {format}; use md, html, plain or "
                                "json", format=repr(fmt)))
    env = _environment(Path(template_dir) if template_dir else None, html=fmt == "html")
    name = template or _TEMPLATES[fmt]
    try:
        page = env.get_template(name)
    except TemplateNotFound:
        raise DefinitionError(_("checklist template {name} not found (looked in {folder})",
                                name=repr(name), folder=template_dir) if template_dir else _(
            "checklist template {name} not found (looked in the bundled sops/)",
            name=repr(name))) from None
    except TemplateSyntaxError as exc:
        raise DefinitionError(_("checklist template {name}, line {line}: {message}",
                                name=exc.filename or name, line=exc.lineno,
                                message=exc.message)) from None
    except LimitExceeded as exc:  # too large to compile within its budget
        raise LimitExceeded(_("checklist template {name} {reason}", name=name,
                              reason=exc)) from None
    except (RecursionError, SyntaxError):  # Jinja's parser, or Python compiling its code
        raise DefinitionError(_("checklist template {name} is nested too deeply to compile "
                                "(parentheses, brackets, filters or blocks)",
                                name=name)) from None
    try:
        return page.render(c=checklist, t=labels(checklist.locale),
                           evidence=evidence_rows(checklist.deal))
    except _FAILURES as exc:  # a layout's failure is the layout's error
        raise _layout_error(name, exc) from None


def _layout_error(name: str, exc: Exception) -> DealflowError:
    """A layout that failed while rendering, as a dealflow error naming file and line."""
    filename, line = template_line(exc)
    where = _("checklist template {name}, line {line}", name=filename or name, line=line) \
        if line else _("checklist template {name}", name=filename or name)
    if isinstance(exc, LimitExceeded):
        return LimitExceeded(f"{where} {exc}")
    if isinstance(exc, DealflowError):  # an included layout refused as it was read
        return exc
    if isinstance(exc, RecursionError):
        return LimitExceeded(_("{where} is nested too deeply to render (a macro, loop or "
                               "include that calls itself)", where=where))
    if isinstance(exc, TemplateNotFound):
        return DefinitionError(_("{where}: template {name} not found (layouts may only "
                                 "include, import or extend files of their own folder)",
                                 where=where, name=repr(exc.name)))
    if isinstance(exc, TemplateSyntaxError):
        return DefinitionError(_("checklist template {name}, line {line}: {message}",
                                 name=exc.filename or name, line=exc.lineno,
                                 message=exc.message))
    message = getattr(exc, "message", None) or str(exc)
    return DefinitionError(f"{where}: {type(exc).__name__}: {message}")
