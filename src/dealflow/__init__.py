"""dealflow: stage-gated sales playbooks for complex B2B projects.

Load a playbook, move deals through it only when its control points hold, and ask why
a move was refused. Everything public is listed in `__all__`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - the names below are loaded on first use
    from dealflow.deal import (
        Deal,
        Hold,
        Influence,
        NextStep,
        Stakeholder,
        Stance,
        Status,
        load_deal_file,
    )
    from dealflow.engine import Check, Engine, Event, GateReport, Outcome, RuleContext, replay
    from dealflow.errors import (
        DealFileError,
        DealflowError,
        DefinitionError,
        MoveRefused,
        PlaybookError,
        Problem,
        RuntimeDealError,
    )
    from dealflow.limits import Limits, current_limits, using_limits
    from dealflow.playbook import Playbook, dump_playbook, load_playbook, parse_playbook
    from dealflow.stakeholders import (
        Recommendation,
        RedFlag,
        StakeholderMap,
        analyse_stakeholders,
        recommend_plays,
    )

#: Where each public name lives; modules are imported on first use, so that
#: `import dealflow` (and `dealflow --help`) stay fast.
_WHERE = {
    "Deal": "dealflow.deal", "Hold": "dealflow.deal", "Influence": "dealflow.deal",
    "NextStep": "dealflow.deal", "Stakeholder": "dealflow.deal", "Stance": "dealflow.deal",
    "Status": "dealflow.deal", "load_deal_file": "dealflow.deal",
    "Check": "dealflow.engine", "Engine": "dealflow.engine", "Event": "dealflow.engine",
    "GateReport": "dealflow.engine", "Outcome": "dealflow.engine",
    "RuleContext": "dealflow.engine", "replay": "dealflow.engine",
    "DealFileError": "dealflow.errors", "DealflowError": "dealflow.errors",
    "DefinitionError": "dealflow.errors", "MoveRefused": "dealflow.errors",
    "PlaybookError": "dealflow.errors", "Problem": "dealflow.errors",
    "RuntimeDealError": "dealflow.errors",
    "Limits": "dealflow.limits", "current_limits": "dealflow.limits",
    "using_limits": "dealflow.limits",
    "Playbook": "dealflow.playbook", "dump_playbook": "dealflow.playbook",
    "load_playbook": "dealflow.playbook", "parse_playbook": "dealflow.playbook",
    "Recommendation": "dealflow.stakeholders", "RedFlag": "dealflow.stakeholders",
    "StakeholderMap": "dealflow.stakeholders", "analyse_stakeholders": "dealflow.stakeholders",
    "recommend_plays": "dealflow.stakeholders",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dealflow' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Check",
    "Deal",
    "DealFileError",
    "DealflowError",
    "DefinitionError",
    "Engine",
    "Event",
    "GateReport",
    "Hold",
    "Influence",
    "Limits",
    "MoveRefused",
    "NextStep",
    "Outcome",
    "Playbook",
    "PlaybookError",
    "Problem",
    "Recommendation",
    "RedFlag",
    "RuleContext",
    "RuntimeDealError",
    "Stakeholder",
    "StakeholderMap",
    "Stance",
    "Status",
    "__version__",
    "analyse_stakeholders",
    "current_limits",
    "dump_playbook",
    "load_deal_file",
    "load_playbook",
    "parse_playbook",
    "recommend_plays",
    "replay",
    "using_limits",
]
