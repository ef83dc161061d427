"""The foreign playbook (lab-subscriptions) with a fact of every type, for the value tests.

`docs/examples/lab-subscriptions.yaml` shares no id with the bundled playbook; this version adds a
`float`, a `date` and a `str` fact to its `bool`, `enum` and `int` ones, so that every
kind of fact value can be tried on a playbook that is not the bundled one. Its version
is `3-all-facts`, so that it never passes for lab-subscriptions.yaml's version 3.
"""

from __future__ import annotations

import functools
from pathlib import Path

from dealflow import Playbook, parse_playbook

FOREIGN = Path(__file__).resolve().parents[1] / "docs" / "examples" / "lab-subscriptions.yaml"

_VERSION = 'version: "3"\n'
_SEATS = "  - {id: seats, name: {en: Seats, zh: 席位数}, type: int}\n"
_MORE = ("  - {id: utilisation, name: {en: Utilisation, zh: 使用率}, type: float}\n"
         "  - {id: go_live, name: {en: Go-live date, zh: 上线日期}, type: date}\n"
         "  - {id: lab_notes, name: {en: Lab notes, zh: 实验室备注}, type: str}\n")


@functools.cache
def lab_text() -> str:
    """The YAML text of the playbook."""
    text = FOREIGN.read_text(encoding="utf-8")
    assert _SEATS in text, "lab-subscriptions.yaml changed: update tests/_lab.py"
    assert _VERSION in text, "lab-subscriptions.yaml changed: update tests/_lab.py"
    return text.replace(_SEATS, _SEATS + _MORE).replace(_VERSION, 'version: "3-all-facts"\n')


@functools.cache
def lab_playbook() -> Playbook:
    """The foreign playbook with a fact of every type."""
    return parse_playbook(lab_text(), str(FOREIGN))
