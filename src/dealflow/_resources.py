"""Files shipped with the package: the bundled playbooks and SOP templates.

In a wheel they live in `dealflow/_data/` (force-included by hatchling); in a source
checkout or an editable install they are read from the top of the repository.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["DEFAULT_PLAYBOOK", "bundled_dir"]

DEFAULT_PLAYBOOK = "complex-b2b"


def bundled_dir(name: str) -> Traversable:
    """The folder `playbooks` or `sops` as shipped with the installed package."""
    packaged = files("dealflow") / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    return checkout
