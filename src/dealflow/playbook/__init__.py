"""The declarative playbook: its model, rules, loader and checks."""

from dealflow._yaml import Limits, using_limits
from dealflow.playbook.loader import bundled_playbooks, dump_playbook, load_playbook, parse_playbook
from dealflow.playbook.model import (
    ApprovalRule,
    BuyerPhase,
    Fact,
    Gate,
    Item,
    LostReason,
    Play,
    Playbook,
    RedFlagPolicy,
    Role,
    Stage,
)
from dealflow.playbook.rules import RULE_NAMES, Rule, compile_rule
from dealflow.playbook.text import LocalizedText

__all__ = [
    "RULE_NAMES",
    "ApprovalRule",
    "BuyerPhase",
    "Fact",
    "Gate",
    "Item",
    "Limits",
    "LocalizedText",
    "LostReason",
    "Play",
    "Playbook",
    "RedFlagPolicy",
    "Role",
    "Rule",
    "Stage",
    "bundled_playbooks",
    "compile_rule",
    "dump_playbook",
    "load_playbook",
    "parse_playbook",
    "using_limits",
]
