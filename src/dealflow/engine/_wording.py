"""The words the engine reports with, in the current locale: the name of an operation
(`advance`, `set fact`, ...) and of a deal's status (`open`, `on_hold`, ...).

The operation and the status stay ids in data (`GateReport.operation`, `Deal.status`);
`operation_text` and `status_text` give the word a person reads, and an id they do not
know comes back as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from dealflow._messages import N_, _

__all__ = ["check_id_text", "operation_text", "operator_text", "status_text", "statuses_text"]

_OPERATIONS = {
    "create": N_("create"), "advance": N_("advance"), "win": N_("win"), "lose": N_("lose"),
    "close": N_("close"), "move back": N_("move back"), "reopen": N_("reopen"),
    "hold": N_("hold"), "resume": N_("resume"), "edit": N_("edit"),
    "set fact": N_("set fact"), "verify fact": N_("verify fact"),
    "add stakeholder": N_("add stakeholder"), "update stakeholder": N_("update stakeholder"),
    "remove stakeholder": N_("remove stakeholder"), "complete item": N_("complete item"),
    "set next step": N_("set next step"), "approve": N_("approve"), "waive": N_("waive"),
    "review": N_("review"), "score": N_("score"), "link": N_("link"), "unlink": N_("unlink"),
    "set organisation": N_("set organisation"), "remove organisation": N_("remove organisation"),
    "set competitor": N_("set competitor"), "remove competitor": N_("remove competitor"),
    "set close date": N_("set close date"), "add plan step": N_("add plan step"),
    "update plan step": N_("update plan step"), "agree plan": N_("agree plan"),
    "seed plan": N_("seed plan"), "take play": N_("take play"),
    "complete play": N_("complete play"), "decline play": N_("decline play"),
    "log activity": N_("log activity"), "migrate": N_("migrate"), "sweep": N_("sweep"),
}

_STATUSES = {"open": N_("open"), "on_hold": N_("on_hold"), "won": N_("won"),
             "lost": N_("lost"), "closed": N_("closed")}


def operation_text(operation: str) -> str:
    """The name of engine operation `operation` in the current locale."""
    known = _OPERATIONS.get(operation)
    return _(known) if known is not None else operation


_OPERATORS = {"in": N_("in"), "not in": N_("not in")}


def operator_text(operator: str) -> str:
    """A rule's comparison operator as read in an explanation: `in` and `not in` in the
    current locale, a symbol (`>=`, `==`) as it is."""
    known = _OPERATORS.get(operator)
    return _(known) if known is not None else operator


_CHECKS = {
    "answer": N_("answer"), "approval": N_("approval"), "authority": N_("authority"),
    "close_date": N_("close_date"), "deal": N_("deal"), "effect": N_("effect"),
    "evidence": N_("evidence"), "fact": N_("fact"), "field": N_("field"), "gate": N_("gate"),
    "item": N_("item"), "kind": N_("kind"), "link": N_("link"), "move": N_("move"),
    "on": N_("on"), "org": N_("org"), "plan": N_("plan"), "play": N_("play"),
    "playbook": N_("playbook"), "reason": N_("reason"), "resume_on": N_("resume_on"),
    "review": N_("review"), "role": N_("role"), "roles": N_("roles"),
    "scorecard": N_("scorecard"), "stage": N_("stage"), "stakeholder": N_("stakeholder"),
    "status": N_("status"), "step": N_("step"), "sub_reason": N_("sub_reason"),
    "text": N_("text"), "until": N_("until"), "value": N_("value"), "verifier": N_("verifier"),
    "competitor": N_("competitor"), "stance": N_("stance"), "influence": N_("influence"),
}


def check_id_text(check_id: str, rule: str = "") -> str:
    """The id of a check as shown to a person: a control point's id (it has a `rule` and
    no `:`) as the playbook wrote it, a check the engine makes (`status`, `reason`,
    `role:<id>`) in the current locale."""
    kind, colon, rest = check_id.partition(":")
    known = _CHECKS.get(kind)
    if known is None or (rule and not colon):
        return check_id
    return _(known) + colon + rest


def status_text(status: str) -> str:
    """The name of deal status `status` (`open`, `on_hold`, ...) in the current locale."""
    known = _STATUSES.get(status)
    return _(known) if known is not None else status


def statuses_text(statuses: Iterable[str]) -> str:
    """Several statuses as alternatives: `open or on_hold` (in the current locale)."""
    return _(" or ").join(status_text(status) for status in statuses)
