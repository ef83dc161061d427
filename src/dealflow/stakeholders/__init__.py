"""The customer's decision chain: role coverage, weighted support, red flags, and the
plays that answer the situations a deal is in."""

from dealflow.stakeholders._graph import (
    ChainEdge,
    ChainGraph,
    ChainGroup,
    ChainNode,
    chain_graph,
    chain_mermaid,
)
from dealflow.stakeholders._map import RedFlag, RoleCoverage, StakeholderMap, analyse_stakeholders
from dealflow.stakeholders._plays import Recommendation, recommend_plays
from dealflow.stakeholders._svg import chain_svg

__all__ = [
    "ChainEdge",
    "ChainGraph",
    "ChainGroup",
    "ChainNode",
    "Recommendation",
    "RedFlag",
    "RoleCoverage",
    "StakeholderMap",
    "analyse_stakeholders",
    "chain_graph",
    "chain_mermaid",
    "chain_svg",
    "recommend_plays",
]
