"""What a checklist shows beside the work (issue 21): the enablement content of the stage
and of the plays that fire, and the buyer phase the stage serves, in the checklist's
locale (a text the playbook lacks in that locale falls back to its first locale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dealflow._messages import N_, _, use_locale
from dealflow.deal import Deal
from dealflow.playbook import Content, LocalizedText, Playbook, Stage, move_edges, web_link
from dealflow.rules import trust

__all__ = ["KIND_NAMES", "ContentLine", "buyer_phase_name", "content_dict", "content_lines",
           "lost_reason_label", "opened_text"]

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


def _declared_openings(playbook: Playbook) -> dict[str, LocalizedText]:
    """The texts of the items the playbook opens on a deal (a stage's or a move's
    `open_item` effect, an automation rule's follow-up, whose item id is the rule's), by
    item id."""
    texts: dict[str, LocalizedText] = {}
    effects = [effect for stage in playbook.stages for effect in (*stage.on_enter,
                                                                  *stage.on_leave)]
    effects += [effect for edge in move_edges(playbook) for effect in edge.rule.effects]
    for effect in effects:
        if effect.open_item is not None:
            texts.setdefault(effect.open_item.id, effect.open_item.text)
    for rule in playbook.automation:
        if rule.open_item is not None:
            texts.setdefault(rule.id, rule.open_item.text)
    return texts


def opened_text(playbook: Playbook, item_id: str, stored: str, locale: str) -> str:
    """The text of an item opened on a deal, in `locale`: the playbook's own text when it
    still declares the item with the text the deal stored (in any of its locales), else the
    stored text as it was written."""
    declared = _declared_openings(playbook).get(item_id)
    if declared is None or stored not in {playbook.text(declared, lang)
                                          for lang in playbook.locales}:
        return stored
    return playbook.text(declared, locale)

