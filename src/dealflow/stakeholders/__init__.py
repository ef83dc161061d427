"""The customer's decision chain: role coverage, weighted support, red flags, and the
plays that answer the situations a deal is in."""

from dealflow.stakeholders._map import RedFlag, RoleCoverage, StakeholderMap, analyse_stakeholders
from dealflow.stakeholders._plays import Recommendation, recommend_plays

__all__ = [
    "Recommendation",
    "RedFlag",
    "RoleCoverage",
    "StakeholderMap",
    "analyse_stakeholders",
    "recommend_plays",
]
