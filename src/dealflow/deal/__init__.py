"""Deals and the people in the customer's decision chain: `Deal`, `Stakeholder`, facts
with their types, and deal files (JSON or YAML).

The small vocabularies (`Stance`, `Influence`, `Status`) load at once, so that the
command line can offer them as choices; the models load on first use.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from dealflow.deal._kinds import Influence, PlayResult, PlayState, Stance, Status, StepStatus

if TYPE_CHECKING:  # pragma: no cover - the names below are loaded on first use
    from dealflow.deal._commitments import PlanAgreement, PlanStep, PlayRecord
    from dealflow.deal._deal import (
        INFLUENCE_WEIGHT,
        STANCE_VALUE,
        Deal,
        FactValue,
        Hold,
        ItemCompletion,
        NextStep,
        Stakeholder,
        coerce_fact,
        typed_facts,
    )
    from dealflow.deal._deal_file import load_deal_file

_WHERE = {
    "INFLUENCE_WEIGHT": "_deal", "STANCE_VALUE": "_deal", "Deal": "_deal",
    "FactValue": "_deal", "Hold": "_deal", "ItemCompletion": "_deal", "NextStep": "_deal",
    "Stakeholder": "_deal", "coerce_fact": "_deal", "typed_facts": "_deal",
    "load_deal_file": "_deal_file",
    "PlanAgreement": "_commitments", "PlanStep": "_commitments", "PlayRecord": "_commitments",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INFLUENCE_WEIGHT",
    "STANCE_VALUE",
    "Deal",
    "FactValue",
    "Hold",
    "Influence",
    "ItemCompletion",
    "NextStep",
    "PlanAgreement",
    "PlanStep",
    "PlayRecord",
    "PlayResult",
    "PlayState",
    "Stakeholder",
    "Stance",
    "Status",
    "StepStatus",
    "coerce_fact",
    "load_deal_file",
    "typed_facts",
]
