"""Tools for testing playbooks and code built on dealflow (needs `hypothesis`).

Install with `pip install dealflow[test]` or add hypothesis to your test dependencies.
"""

from dealflow.testing.deep import DeepFinding, deep_check, favourable_deals
from dealflow.testing.soundness import Soundness, assert_sound, check_soundness
from dealflow.testing.strategies import (
    HOSTILE_STRINGS,
    deals,
    fact_values,
    hostile_ids,
    hostile_text,
    playbook_documents,
    stakeholders,
)

__all__ = [
    "HOSTILE_STRINGS",
    "DeepFinding",
    "Soundness",
    "assert_sound",
    "check_soundness",
    "deep_check",
    "favourable_deals",
    "deals",
    "fact_values",
    "hostile_ids",
    "hostile_text",
    "playbook_documents",
    "stakeholders",
]
