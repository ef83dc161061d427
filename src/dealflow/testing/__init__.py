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
    from dealflow.testing._move_attempts import MoveAttempt, moves
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
    from dealflow.testing._team_history import CHECKER, approval_events, full_team, history_of
    from dealflow.testing._timer_histories import timer_histories

_WHERE = {
    "CHECKER": "_team_history", "approval_events": "_team_history", "full_team": "_team_history",
    "history_of": "_team_history",
    "DeepFinding": "_deep", "deep_check": "_deep", "favourable_deals": "_deep",
    "Soundness": "_soundness", "assert_sound": "_soundness", "check_soundness": "_soundness",
    "HOSTILE_STRINGS": "_strategies", "deals": "_strategies", "fact_values": "_strategies",
    "hostile_ids": "_strategies", "hostile_text": "_strategies",
    "playbook_documents": "_strategies", "stakeholders": "_strategies",
    "timer_histories": "_timer_histories",
    "MoveAttempt": "_move_attempts", "moves": "_move_attempts",
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
    "CHECKER",
    "HOSTILE_STRINGS",
    "DeepFinding",
    "MoveAttempt",
    "Soundness",
    "assert_sound",
    "check_soundness",
    "approval_events",
    "close_plans",
    "commitment_histories",
    "commitments",
    "deals",
    "deep_check",
    "fact_values",
    "full_team",
    "history_of",
    "favourable_deals",
    "hostile_ids",
    "hostile_text",
    "moves",
    "playbook_documents",
    "stakeholders",
    "timer_histories",
]
