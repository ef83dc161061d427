"""dealflow: stage-gated sales playbooks for complex B2B projects.

Load a playbook, move deals through it only when its control points hold, and ask why
a move was refused. Everything public is listed in `__all__`.
"""

from dealflow.context import RuleContext
from dealflow.deal import Deal, Hold, Influence, NextStep, Stakeholder, Stance, Status
from dealflow.dealfile import load_deal_file
from dealflow.engine import Engine, Outcome
from dealflow.errors import (
    DealFileError,
    DealflowError,
    DefinitionError,
    MoveRefused,
    PlaybookError,
    Problem,
    RuntimeDealError,
)
from dealflow.events import Event, replay
from dealflow.playbook import Playbook, dump_playbook, load_playbook, parse_playbook
from dealflow.plays import Recommendation, recommend_plays
from dealflow.report import Check, GateReport
from dealflow.stakeholders import RedFlag, StakeholderMap, analyse_stakeholders

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
    "dump_playbook",
    "load_deal_file",
    "load_playbook",
    "parse_playbook",
    "recommend_plays",
    "replay",
]
