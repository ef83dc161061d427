"""Tools for testing playbooks and code built on dealflow: hypothesis strategies that
generate valid deals for any playbook, the soundness checks (`check_soundness`,
`assert_sound`, `deep_check`) and the pytest plugin (`--dealflow-playbooks`).

They need hypothesis: `pip install dealflow[testing]`. The names load on first use, so
that the pytest plugin, registered whenever dealflow is installed, loads without it.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - the names below are loaded on first use
    from dealflow.testing._commitment_strategies import (
        close_plans,
        commitment_histories,
        commitments,
    )
    from dealflow.testing._deep import DeepFinding, deep_check, favourable_deals
    from dealflow.testing._soundness import Soundness, assert_sound, check_soundness
    from dealflow.testing._strategies import (
        HOSTILE_STRINGS,
        deals,
        fact_values,
        hostile_ids,
        hostile_text,
        playbook_documents,
        stakeholders,
    )

_WHERE = {
    "DeepFinding": "_deep", "deep_check": "_deep", "favourable_deals": "_deep",
    "Soundness": "_soundness", "assert_sound": "_soundness", "check_soundness": "_soundness",
    "HOSTILE_STRINGS": "_strategies", "deals": "_strategies", "fact_values": "_strategies",
    "hostile_ids": "_strategies", "hostile_text": "_strategies",
    "playbook_documents": "_strategies", "stakeholders": "_strategies",
    "close_plans": "_commitment_strategies", "commitment_histories": "_commitment_strategies",
    "commitments": "_commitment_strategies",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "HOSTILE_STRINGS",
    "DeepFinding",
    "Soundness",
    "assert_sound",
    "check_soundness",
    "close_plans",
    "commitment_histories",
    "commitments",
    "deals",
    "deep_check",
    "fact_values",
    "favourable_deals",
    "hostile_ids",
    "hostile_text",
    "playbook_documents",
    "stakeholders",
]
