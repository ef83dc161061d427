"""The facts as rules read them: `facts.<id>` (`FactsView`), `Unset` for a declared fact
not yet set, money as `Money` with the playbook's exchange rates (`rule_values`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dealflow._money import Money
from dealflow.errors import RuleEvalError
from dealflow.playbook import Playbook
from dealflow.rules import trust
from dealflow.values import FactValue

__all__ = ["FactsView", "Unset", "rule_values"]


class Unset:
    """The value of a declared fact that has not been set: false, and not comparable."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Unset)

    def __hash__(self) -> int:
        return hash(None)

    def _fail(self, other: object) -> bool:
        raise RuleEvalError(f"fact {self.name!r} is not set")

    __lt__ = __le__ = __gt__ = __ge__ = _fail

    def __str__(self) -> str:
        return "not set"

    def __repr__(self) -> str:
        return f"Unset({self.name!r})"


class FactsView:
    """`facts.<id>` in rules: the value, or `Unset` for a declared fact not yet set.

    Money facts (and money fields of records) are read as `Money` with the playbook's
    exchange rates, so that comparing them in two currencies without a rate fails."""

    __slots__ = ("_declared", "_values")

    def __init__(self, values: Mapping[str, FactValue], declared: frozenset[str],
                 playbook: Playbook | None = None) -> None:
        self._values = rule_values(values, playbook) if playbook is not None else values
        self._declared = declared

    def __getattr__(self, name: str) -> FactValue | Unset:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._values:
            return self._values[name]
        if name in self._declared:
            return Unset(name)
        raise RuleEvalError(f"unknown fact {name!r}")

    __getitem__ = __getattr__


trust(FactsView, FactsView.__getattr__)  # its public names are all facts: read at once
trust(Money)


def rule_values(values: Mapping[str, FactValue], playbook: Playbook) -> dict[str, Any]:
    """The facts as rules see them: money as `Money` (with the playbook's exchange rates),
    the rest as stored."""
    money = playbook.money_facts
    if not money:
        return dict(values)
    rates = playbook.rates
    seen: dict[str, Any] = dict(values)
    for name, fields in money.items():
        value = seen.get(name)
        if value is None:
            continue
        if not fields:
            seen[name] = Money.of(value, rates)
        elif isinstance(value, tuple):
            seen[name] = tuple(
                {key: Money.of(field, rates) if key in fields and field is not None else field
                 for key, field in record.items()} if isinstance(record, dict) else record
                for record in value)
    return seen
