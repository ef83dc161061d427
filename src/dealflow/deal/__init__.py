"""Deals and the people in the customer's decision chain: `Deal`, `Stakeholder`, facts
with their types, and deal files (JSON or YAML).

The small vocabularies (`Stance`, `Influence`, `Status`) load at once, so that the
command line can offer them as choices; the models load on first use.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from dealflow.deal._kinds import Influence, Source, Stance, Status

if TYPE_CHECKING:  # pragma: no cover - the names below are loaded on first use
    from dealflow.deal._chain import Competitor, Link, LinkKind, Organisation, Position, Score, Win
from dealflow.deal._kinds import PlayResult, PlayState, StepStatus

if TYPE_CHECKING:  # pragma: no cover - the names below are loaded on first use
    from dealflow.deal._commitments import PlanAgreement, PlanStep, PlayRecord
    from dealflow.deal._deal import (
        INFLUENCE_WEIGHT,
        STANCE_VALUE,
        ApprovalRecord,
        Deal,
        FactValue,
        Hold,
        ItemCompletion,
        NextStep,
        OpenedItem,
        Snapshot,
        Stakeholder,
        coerce_fact,
        typed_facts,
    )
    from dealflow.deal._deal_file import load_deal_file
    from dealflow.deal._evidence import (
        Evidence,
        Provenance,
        Review,
        Verification,
        Waiver,
    )
    from dealflow.deal._fact_types import fact_text
    from dealflow.deal._team import (
        TEAM_VARIABLE,
        Team,
        TeamMember,
        load_team,
        team_from_environment,
    )

_WHERE = {
    "INFLUENCE_WEIGHT": "_deal", "STANCE_VALUE": "_deal", "Deal": "_deal",
    "ApprovalRecord": "_deal", "Snapshot": "_deal",
    "FactValue": "_deal", "Hold": "_deal", "ItemCompletion": "_deal", "NextStep": "_deal",
    "Stakeholder": "_deal", "coerce_fact": "_deal", "typed_facts": "_deal",
    "load_deal_file": "_deal_file", "fact_text": "_fact_types",
    "OpenedItem": "_deal", "TEAM_VARIABLE": "_team", "Team": "_team",
    "TeamMember": "_team", "load_team": "_team", "team_from_environment": "_team",
    "Evidence": "_evidence", "Provenance": "_evidence", "Review": "_evidence",
    "Verification": "_evidence", "Waiver": "_evidence",
    "Competitor": "_chain", "Link": "_chain", "Organisation": "_chain", "Score": "_chain",
    "Win": "_chain", "LinkKind": "_chain", "Position": "_chain",
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
    "TEAM_VARIABLE",
    "ApprovalRecord",
    "Competitor",
    "Deal",
    "Evidence",
    "FactValue",
    "Hold",
    "Influence",
    "ItemCompletion",
    "Link",
    "LinkKind",
    "NextStep",
    "OpenedItem",
    "Snapshot",
    "Stakeholder",
    "Stance",
    "Status",
    "Team",
    "TeamMember",
    "Provenance",
    "Review",
    "Source",
    "Verification",
    "Waiver",
    "Organisation",
    "Position",
    "Score",
    "Win",
    "PlanAgreement",
    "PlanStep",
    "PlayRecord",
    "PlayResult",
    "PlayState",
    "StepStatus",
    "coerce_fact",
    "fact_text",
    "load_deal_file",
    "load_team",
    "team_from_environment",
    "typed_facts",
]
