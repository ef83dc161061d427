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

from dealflow._resources import bundled_dir
from dealflow._safe_text import visible
from dealflow.deal import Deal
from dealflow.errors import DealflowError, DefinitionError, LimitExceeded
from dealflow.limits import current_limits, limit_hint
from dealflow.rules import DATA_ERRORS, LayoutSandbox, TrustingSandbox, template_line
from dealflow.sop._checklist import Checklist, ChecklistItem
from dealflow.sop._close_plan import plan_dict, plays_taken_dict

__all__ = ["CHECKLIST_SCHEMA", "Format", "checklist_to_dict", "render_checklist"]

CHECKLIST_SCHEMA = "dealflow.checklist/1"
Format = Literal["md", "html", "json"]

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "account": "Account", "owner": "Owner", "amount": "Amount", "status": "Status",
        "goal": "Goal", "next_step": "Next step", "checklist": "Checklist", "due": "due",
        "overdue": "OVERDUE", "not_applicable": "no longer applies", "blocking": "must be done",
        "gate_not_applicable": "not applicable",
        "evidence": "evidence", "no_items": "Nothing on the checklist for this stage.",
        "gates": "Control points", "red_flags": "Red flags", "plays": "Plays",
        "chain_map": "Decision chain",
        "high": "High", "medium": "Medium", "low": "Low", "state": "State", "item": "Item",
        "done": "done", "open": "open", "on_hold": "on hold", "won": "won", "lost": "lost",
        "facts_evidence": "Evidence behind the facts", "confirmed_by": "confirmed by",
        "verified_by": "verified by", "set_by": "set by", "waived": "waived",
        "close_date": "Expected close", "close_plan": "Close plan", "ours": "Ours",
        "theirs": "Theirs", "agreed_with": "agreed with", "not_agreed": "not agreed yet",
        "planned": "planned", "dropped": "dropped", "plays_taken": "Plays taken on",
        "taken": "taken on", "completed": "completed", "declined": "declined",
    },
    "zh": {
        "account": "客户", "owner": "负责人", "amount": "金额", "status": "状态",
        "goal": "阶段目标", "next_step": "下一步", "checklist": "检查清单", "due": "截止",
        "overdue": "已逾期", "not_applicable": "已不适用", "blocking": "必须完成",
        "gate_not_applicable": "不适用",
        "evidence": "证据", "no_items": "本阶段没有清单事项。",
        "gates": "关键控制点", "red_flags": "风险信号", "plays": "应对策略",
        "chain_map": "决策链",
        "high": "高", "medium": "中", "low": "低", "state": "状态", "item": "事项",
        "done": "已完成", "open": "待办", "on_hold": "暂停", "won": "赢单", "lost": "丢单",
        "facts_evidence": "事实依据", "confirmed_by": "确认人", "verified_by": "核实人",
        "set_by": "录入人", "waived": "已豁免",
        "close_date": "预计成交", "close_plan": "成交计划", "ours": "我方", "theirs": "客户方",
        "agreed_with": "已与对方确认", "not_agreed": "尚未与客户确认", "planned": "计划中",
        "dropped": "已取消", "plays_taken": "已采取的应对策略", "taken": "执行中",
        "completed": "已完成", "declined": "未采纳",
    },
}

#: What a layout may raise while it renders: dealflow's own errors (a limit passed), nesting
#: too deep, and what Python and Jinja raise on the data (`DATA_ERRORS`).
_FAILURES: tuple[type[Exception], ...] = (DealflowError, RecursionError, *DATA_ERRORS)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MD_BLOCK_START = re.compile(r"^(?:([#+=-])|(\d{1,9})([.)]))")
"""What opens a block (heading, list, setext underline, ordered list) at a line's start."""
_BACKTICKS = re.compile(r"`+")


def _md(value: Any, code: bool = False) -> str:
    """Escape a value for Markdown so that it prints as text and changes no structure.

    Inline syntax (emphasis, links, images, code, tables, strikethrough) is backslash-
    escaped, `&`, `<` and `>` become entities (no HTML, no autolink, no entity), line
    breaks become spaces (no new block) and a block marker at the start (`#`, `-`, `+`,
    `=`, `1.`) is escaped, since a value may begin a line. Control characters show as
    escapes (`\\x1b`). With `code`, the value becomes a code span, fenced by more
    backticks than it holds.
    """
    text = " ".join(visible(str(value).replace("\r\n", "\n")).splitlines()).strip()
    if code:
        fence = "`" * (1 + max((len(run) for run in _BACKTICKS.findall(text)), default=0))
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}" if text else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
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
        raise DefinitionError(f"checklist template {path}: the layout is {size:,} bytes or "
                              f"more; the limit max_bytes is {limit} {limit_hint('max_bytes')}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(f"checklist template {path}: not UTF-8 text (byte "
                              f"0x{data[exc.start]:02x} at position {exc.start})") from None


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
        return trusted
    env = LayoutSandbox(
        loader=ChoiceLoader([_FolderLoader(str(template_dir)), _BundledLoader()]),
        **options)
    env.add_filter("md", _md)
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
                 "status": deal.status.value},
        "stage": {"id": checklist.stage, "name": checklist.stage_name,
                  "goal": checklist.stage_goal},
        "items": [_item_dict(item) for item in checklist.items],
        "gates": [check.to_dict() for check in checklist.gates],
        "red_flags": [{"code": f.code, "severity": f.severity, "reason": f.reason,
                       "stakeholder": f.stakeholder, "role": f.role} for f in checklist.red_flags],
        "plays": [{"play": p.play, "situation": p.situation, "action": p.action,
                   "who": list(p.who), "strategy": p.strategy, "priority": p.priority,
                   "why": p.why} for p in checklist.plays],
        "evidence": evidence_rows(deal),
        "close_date": None if deal.close_date is None else deal.close_date.isoformat(),
        "close_plan": plan_dict(checklist.plan, deal.plan_agreed),
        "plays_taken": plays_taken_dict(checklist.plays_taken),
    }


def render_checklist(checklist: Checklist, fmt: Format = "md", *,
                     template_dir: str | Path | None = None,
                     template: str | None = None) -> str:
    """The checklist laid out as `md`, `html` or `json`.

    `template` names a template file (searched in `template_dir`, then in `sops/`);
    by default `checklist.md.j2` or `checklist.html.j2`.
    """
    if fmt == "json":
        return json.dumps(checklist_to_dict(checklist), ensure_ascii=False, indent=2) + "\n"
    if fmt not in ("md", "html"):
        raise DefinitionError(f"unknown checklist format {fmt!r}; use md, html or json")
    env = _environment(Path(template_dir) if template_dir else None, html=fmt == "html")
    name = template or f"checklist.{fmt}.j2"
    labels = {**LABELS["en"], **LABELS.get(checklist.locale.split("-")[0], {})}
    try:
        page = env.get_template(name)
    except TemplateNotFound:
        raise DefinitionError(f"checklist template {name!r} not found (looked in "
                              f"{template_dir or 'the bundled sops/'})") from None
    except TemplateSyntaxError as exc:
        raise DefinitionError(f"checklist template {exc.filename or name}, line "
                              f"{exc.lineno}: {exc.message}") from None
    except LimitExceeded as exc:  # too large to compile within its budget
        raise LimitExceeded(f"checklist template {name} {exc}") from None
    except (RecursionError, SyntaxError):  # Jinja's parser, or Python compiling its code
        raise DefinitionError(f"checklist template {name} is nested too deeply to compile "
                              "(parentheses, brackets, filters or blocks)") from None
    try:
        return page.render(c=checklist, t=labels, evidence=evidence_rows(checklist.deal))
    except _FAILURES as exc:  # a layout's failure is the layout's error
        raise _layout_error(name, exc) from None


def _layout_error(name: str, exc: Exception) -> DealflowError:
    """A layout that failed while rendering, as a dealflow error naming file and line."""
    filename, line = template_line(exc)
    where = f"checklist template {filename or name}" + (f", line {line}" if line else "")
    if isinstance(exc, LimitExceeded):
        return LimitExceeded(f"{where} {exc}")
    if isinstance(exc, DealflowError):  # an included layout refused as it was read
        return exc
    if isinstance(exc, RecursionError):
        return LimitExceeded(f"{where} is nested too deeply to render (a macro, loop or "
                             "include that calls itself)")
    if isinstance(exc, TemplateNotFound):
        return DefinitionError(f"{where}: template {exc.name!r} not found (layouts may only "
                               "include, import or extend files of their own folder)")
    if isinstance(exc, TemplateSyntaxError):
        return DefinitionError(f"checklist template {exc.filename or name}, line "
                               f"{exc.lineno}: {exc.message}")
    message = getattr(exc, "message", None) or str(exc)
    return DefinitionError(f"{where}: {type(exc).__name__}: {message}")
