"""Tools for testing playbooks and code built on dealflow (needs `hypothesis`).

Install with `pip install dealflow[test]` or add hypothesis to your test dependencies.
"""

from dealflow.testing.strategies import playbook_documents

__all__ = ["playbook_documents"]
