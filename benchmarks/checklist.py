"""The Markdown checklist of one deal, built (the stage's items that apply, their texts
rendered, what is done and due) and laid out, against plain Jinja rendering the same
page from the same texts already in plain data (the bundled template, unsandboxed, given
a plain dict of namespaces and lists): what a hand-written page would cost once its
texts are known. The baseline is checked to print the very same page.

Target: build + layout <= 2x the baseline; the layout alone is reported.
"""

from __future__ import annotations

import datetime as dt
import sys

from jinja2 import Environment

from benchmarks._common import Figure, per_call
from dealflow import Deal, Stakeholder, load_playbook
from dealflow.sop import build_checklist, render_checklist

PLAYBOOK = load_playbook()
NOW = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
DEAL = Deal(id="zh-1", title="Ethylene cracker control upgrade", account="Zhenhai Refining",
            owner="li.wei", amount=1_200_000, playbook_id=PLAYBOOK.id,
            playbook_version=PLAYBOOK.version, stage="discover",
            created_at=NOW - dt.timedelta(days=20), stage_entered_at=NOW - dt.timedelta(days=3),
            stakeholders=tuple(Stakeholder(id=f"p{i}", name=f"Person {i}",
                                           roles=("economic_buyer",) if i == 0 else ("user_buyer",),
                                           stance="skeptic" if i % 3 == 0 else "supporter",
                                           influence="high") for i in range(6)))

def _plain(value: object) -> object:
    """The same data as plain namespaces and lists (what a hand-written page would pass)."""
    import dataclasses
    import enum
    from types import SimpleNamespace

    from pydantic import BaseModel

    if isinstance(value, enum.Enum):
        return SimpleNamespace(value=value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return SimpleNamespace(**{f.name: _plain(getattr(value, f.name))
                                  for f in dataclasses.fields(value)})
    if isinstance(value, BaseModel):
        return SimpleNamespace(**{name: _plain(getattr(value, name))
                                  for name in type(value).model_fields})
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def ours() -> float:
    return per_call(lambda: render_checklist(build_checklist(PLAYBOOK, DEAL, now=NOW), "md"),
                    number=200)


def layout_only() -> float:
    sheet = build_checklist(PLAYBOOK, DEAL, now=NOW)
    return per_call(lambda: render_checklist(sheet, "md"), number=300)


def baseline() -> float:
    """The bundled Markdown layout rendered by plain (unsandboxed) Jinja from dicts."""
    from dealflow._resources import bundled_dir
    from dealflow.sop._layouts import _md, evidence_rows, labels
    from dealflow.sop._layouts import _plain as _one_line

    sheet = build_checklist(PLAYBOOK, DEAL, now=NOW)
    env = Environment(autoescape=False, keep_trailing_newline=True)
    env.filters["md"] = _md
    env.filters["plain"] = _one_line
    page = env.from_string((bundled_dir("sops") / "checklist.md.j2").read_text("utf-8"))
    # The words in the checklist's locale and the evidence rows, worked out before timing.
    data = {"c": _plain(sheet), "t": labels(sheet.locale),
            "evidence": evidence_rows(sheet.deal)}
    expected = render_checklist(sheet, "md")
    assert page.render(**data) == expected, "the baseline must print the same page"
    return per_call(lambda: page.render(**data), number=300)


def main(quick: bool = False) -> list[Figure]:
    value, layout, base = ours(), layout_only(), baseline()
    return [Figure("checklist build + layout md, one deal", value, "us", base, "<= 2x",
                   value <= 2 * base),
            Figure("checklist layout only md, one deal", layout, "us", base, "reported",
                   True)]


if __name__ == "__main__":
    for figure in main("--quick" in sys.argv):
        print(figure.line())
