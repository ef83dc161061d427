"""Loading playbooks from YAML, with every problem located in the file."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dealflow._messages import _
from dealflow._plain import describe
from dealflow._problems import schema_problems
from dealflow._resources import DEFAULT_PLAYBOOK, bundled_dir
from dealflow._text_files import read_text
from dealflow._yaml import Document, DocumentError, Location, read_document
from dealflow.errors import PlaybookError, Problem
from dealflow.limits import Limits, current_limits, limit_hint
from dealflow.playbook._model import Playbook
from dealflow.playbook._references import check_references

__all__ = [
    "bundled_playbooks",
    "dump_playbook",
    "load_playbook",
    "parse_playbook",
    "parse_playbook_cached",
]


def bundled_playbooks() -> dict[str, str]:
    """The playbooks shipped with dealflow: name -> YAML text."""
    folder = bundled_dir("playbooks")
    return {
        entry.name.removesuffix(".yaml"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


@functools.lru_cache(maxsize=32)
def parse_playbook_cached(text: str, file: str, limits: Limits) -> Playbook:
    """`parse_playbook`, once per text, file and limits: playbooks are immutable, so the
    same text need not be parsed twice (the bundled playbooks, those a store keeps)."""
    return parse_playbook(text, file, limits=limits)


def load_playbook(
    source: str | Path | None = None, *, limits: Limits | None = None
) -> Playbook:
    """Load and check a playbook; raise `PlaybookError` listing every problem in it.

    `source` is a path to a YAML file, or the name of a bundled playbook; with no
    argument the default playbook for complex B2B projects is loaded. `limits` bounds
    what the file may hold (default: `current_limits()`, which `DEALFLOW_LIMITS` changes).
    """
    limits = limits or current_limits()
    if source is None:
        source = DEFAULT_PLAYBOOK
    path = Path(source)
    if isinstance(source, str) and not path.exists() and "/" not in source and "." not in source:
        bundled = bundled_playbooks()
        if source in bundled:
            return parse_playbook_cached(bundled[source], f"<bundled {source}.yaml>", limits)
        names = ", ".join(bundled) or _("none")
        raise PlaybookError([Problem(source, 0, 0, "", _(
            "no such file, and no bundled playbook of that name (bundled: {names})",
            names=names))])
    try:
        text = read_text(path, limits)
    except DocumentError as exc:
        raise PlaybookError([exc.problem]) from None
    return parse_playbook(text, str(source), limits=limits)


def parse_playbook(
    text: str, file: str = "<string>", *, limits: Limits | None = None
) -> Playbook:
    """Parse and check a playbook from YAML text; `file` names it in error messages.

    `limits` defaults to `current_limits()`; a playbook over `max_stages`, `max_items` or
    `max_rules` is refused before its entries are checked one by one.
    """
    limits = limits or current_limits()
    try:
        document = read_document(text, file, limits)
    except DocumentError as exc:
        raise PlaybookError([exc.problem]) from None
    problems = list(document.problems)
    if not isinstance(document.data, dict):
        problems.append(document.problem((), _(
            "a playbook is a mapping of keys such as `id:` and `stages:`, but this document "
            "holds {what}", what=describe(document.data))))
        raise PlaybookError(problems)
    over = list(_over_limits(document, limits))
    if over:
        raise PlaybookError(problems + over)
    try:
        playbook = Playbook.model_validate(
            document.data, context={"max_rule_length": limits.max_rule_length})
    except ValidationError as exc:
        problems.extend(schema_problems(exc, document, Playbook))
        raise PlaybookError(problems) from None
    for finding in check_references(playbook):
        problems.append(document.problem(finding.loc, finding.message, key=finding.key))
    if problems:
        raise PlaybookError(problems)
    return playbook


def _over_limits(document: Document, limits: Limits) -> Iterator[Problem]:
    """A problem for each of `max_stages`, `max_items` and `max_rules` the playbook exceeds,
    at the first entry past the limit."""
    data = document.data
    stages = data.get("stages")
    if isinstance(stages, list) and len(stages) > limits.max_stages:
        yield document.problem(("stages", limits.max_stages),
                               _("the playbook has {count} stages; the limit max_stages is "
                                 "{limit} {hint}", count=len(stages), limit=limits.max_stages,
                                 hint=limit_hint("max_stages")))
    items: list[Location] = [("stages", i, "items", j) for i, stage in _entries(data, "stages")
                             for j in range(len(_list(stage, "items")))]
    if len(items) > limits.max_items:
        yield document.problem(items[limits.max_items],
                               _("the playbook has {count} SOP items in all its stages; the "
                                 "limit max_items is {limit} {hint}", count=len(items),
                                 limit=limits.max_items, hint=limit_hint("max_items")))
    rules = sorted(_rule_paths(data), key=document.position)
    if len(rules) > limits.max_rules:
        yield document.problem(rules[limits.max_rules],
                               _("the playbook has {count} rules (the `when` and `for_each` of "
                                 "gates, items, plays and approval rules); the limit max_rules "
                                 "is {limit} {hint}", count=len(rules), limit=limits.max_rules,
                                 hint=limit_hint("max_rules")))


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _entries(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) for each mapping in the list `data[key]`."""
    for index, entry in enumerate(_list(data, key)):
        if isinstance(entry, dict):
            yield index, entry


def _rule_paths(data: dict[str, Any]) -> Iterator[Location]:
    """Where the playbook document holds a rule (before it is checked)."""
    for i, stage in _entries(data, "stages"):
        for j, gate in _entries(stage, "gates"):
            if "when" in gate:
                yield ("stages", i, "gates", j, "when")
        for j, item in _entries(stage, "items"):
            yield from (("stages", i, "items", j, key) for key in ("when", "for_each")
                        if key in item)
    for key in ("plays", "approval_rules"):
        yield from ((key, j, "when") for j, entry in _entries(data, key) if "when" in entry)


def dump_playbook(playbook: Playbook) -> str:
    """The playbook as YAML text that `parse_playbook` loads back into an equal object."""
    data = playbook.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
