"""What a checklist shows beside the work (issue 21): the enablement content of the stage
and of the plays that fire, and the buyer phase the stage serves, in the checklist's
locale (a text the playbook lacks in that locale falls back to its first locale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dealflow._messages import N_, _, use_locale
from dealflow.deal import Deal
from dealflow.playbook import Content, Playbook, Stage, web_link
from dealflow.rules import trust

__all__ = ["KIND_NAMES", "ContentLine", "buyer_phase_name", "content_dict", "content_lines",
           "lost_reason_label"]

KIND_NAMES: dict[str, str] = {
    "talk_track": N_("Talk track"),
    "reference_case": N_("Reference case"),
    "product_sheet": N_("Product sheet"),
    "other": N_("Material"),
}
"""The name of each kind of content (English; translated where shown)."""


@trust
@dataclass(frozen=True, slots=True)
class ContentLine:
    """A piece of enablement content as a checklist shows it, in one locale.

    `link` is True when `url` is an http(s) address the layouts may make a link of; any
    other address is shown as text."""

    kind: str
    kind_name: str
    title: str
    url: str | None
    link: bool
    text: str


def content_lines(playbook: Playbook, pieces: tuple[Content, ...],
                  locale: str) -> tuple[ContentLine, ...]:
    """`pieces` in `locale`, in their order."""
    with use_locale(locale):
        return tuple(ContentLine(piece.kind, _(KIND_NAMES[piece.kind]),
                                 playbook.text(piece.title, locale), piece.url,
                                 web_link(piece.url), playbook.text(piece.text, locale))
                     for piece in pieces)


def content_dict(lines: tuple[ContentLine, ...]) -> list[dict[str, Any]]:
    """The content as the JSON checklist gives it."""
    return [{"kind": line.kind, "kind_name": line.kind_name, "title": line.title,
             "url": line.url, "text": line.text or None} for line in lines]


def buyer_phase_name(playbook: Playbook, stage: Stage, locale: str) -> str:
    """The name of the buyer phase `stage` serves, in `locale`; '' when it serves none."""
    for phase in playbook.buyer_phases:
        if phase.id == stage.buyer_phase:
            return playbook.text(phase.name, locale)
    return ""


def lost_reason_label(playbook: Playbook, deal: Deal, locale: str) -> str:
    """Why `deal` was lost, by the names of its lost reason and sub-reason in `locale`
    (an id the playbook does not know shows as it is); '' when it was not lost."""
    if deal.lost_reason is None:
        return ""
    reason = next((r for r in playbook.lost_reasons if r.id == deal.lost_reason), None)
    if reason is None:
        return deal.lost_reason
    name = playbook.text(reason.name, locale)
    sub = next((s for s in reason.sub_reasons if s.id == deal.lost_sub_reason), None)
    if sub is not None:
        return f"{name} · {playbook.text(sub.name, locale)}"
    return f"{name} · {deal.lost_sub_reason}" if deal.lost_sub_reason else name
