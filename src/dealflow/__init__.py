"""dealflow: stage-gated sales playbooks for complex B2B projects.

Load a playbook, move deals through it only when its control points hold, and ask why
a move was refused. Everything public is listed in `__all__`.
"""

from dealflow.errors import DealflowError, DefinitionError, PlaybookError, Problem, RuntimeDealError
from dealflow.playbook import Playbook, dump_playbook, load_playbook, parse_playbook

__version__ = "0.1.0"

__all__ = [
    "DealflowError",
    "DefinitionError",
    "Playbook",
    "PlaybookError",
    "Problem",
    "RuntimeDealError",
    "__version__",
    "dump_playbook",
    "load_playbook",
    "parse_playbook",
]
