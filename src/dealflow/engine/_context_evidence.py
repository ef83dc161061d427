"""The rule helpers of evidence: `confirmed('fact')`, `confirmed('fact', role='...')`,
`verified('fact')` and `evidence('fact')`, and how a false one is explained.

They read the provenance the deal keeps for each fact set with evidence (`Deal.provenance`):
a fact is confirmed when the stakeholder who confirmed it is still on the deal's map (and,
with `role`, holds that role), verified when a second person checked it.
"""

from __future__ import annotations

import re
from typing import Any

from dealflow._messages import _
from dealflow.deal import Deal, Provenance
from dealflow.errors import RuleEvalError

__all__ = ["EvidenceHelpers", "describe_evidence_call"]


class EvidenceHelpers:
    """The evidence helpers of the rule context (mixed into `RuleContext`)."""

    deal: Deal

    def _provenance(self, name: str) -> Provenance | None:
        if not isinstance(name, str):
            raise RuleEvalError(f"expected a fact's id, not {type(name).__name__}")
        if name not in self.deal.facts:
            return None
        return self.deal.provenance.get(name)

    def confirmed(self, name: str, role: str | None = None) -> bool:
        """Whether fact `name` is set and was confirmed by a stakeholder on the map (who
        holds `role`, when given)."""
        known = self._provenance(name)
        person_id = known.evidence.confirmed_by if known is not None else None
        person = self.deal.stakeholder(person_id) if person_id is not None else None
        if person is None:
            return False
        return role is None or role in person.roles

    def verified(self, name: str) -> bool:
        """Whether fact `name` is set and its evidence was verified by a second person."""
        known = self._provenance(name)
        return known is not None and known.verification is not None

    def evidence(self, name: str) -> str:
        """The evidence behind fact `name` ('' when it has none): true when there is some."""
        known = self._provenance(name)
        return (known.evidence.evidence or "") if known is not None else ""


_ROLE = re.compile(r"role\s*=\s*['\"]([^'\"]+)['\"]")


def describe_evidence_call(name: str, args: tuple[Any, ...], text: str) -> str | None:
    """A false evidence helper (`text` is the call as written) in plain words; None for
    another helper."""
    fact = args[0] if args else None
    named = _ROLE.search(text)
    role = named.group(1) if named else (args[1] if len(args) > 1 else None)
    if name == "confirmed":
        if role:
            return _("fact {name} is not confirmed by a stakeholder holding role {role}",
                     name=fact, role=role)
        return _("fact {name} is not confirmed by a stakeholder on the map", name=fact)
    if name == "verified":
        return _("fact {name} is not verified by a second person", name=fact)
    if name == "evidence":
        return _("fact {name} has no evidence", name=fact)
    return None
