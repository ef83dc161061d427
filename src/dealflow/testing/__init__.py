"""Tools for testing playbooks and code built on dealflow (needs `hypothesis`).

Install with `pip install dealflow[test]` or add hypothesis to your test dependencies.
"""

from dealflow.testing.strategies import (
    HOSTILE_STRINGS,
    deals,
    fact_values,
    hostile_text,
    playbook_documents,
    stakeholders,
)

__all__ = [
    "HOSTILE_STRINGS",
    "deals",
    "fact_values",
    "hostile_text",
    "playbook_documents",
    "stakeholders",
]
