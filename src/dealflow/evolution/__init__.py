"""Changing a playbook: what a new version changes (`diff_playbooks`) and moving the live
deals onto it (`plan_upgrade`, `upgrade`)."""

from dealflow.evolution._diff import Change, PlaybookDiff, diff_playbooks
from dealflow.evolution._upgrade import DealPlan, UpgradePlan, plan_upgrade, upgrade

__all__ = [
    "Change",
    "DealPlan",
    "PlaybookDiff",
    "UpgradePlan",
    "diff_playbooks",
    "plan_upgrade",
    "upgrade",
]
