"""Enablement content (issue 21): what a stage or a play links to (talk tracks, reference
cases, product sheets), shown in the checklists under the stage or the play.

`Stage` and `Play` take `content` from `WithContent`; a piece of content is a kind, a
title (localised like every text), and a link and/or a short text. Sizes are bounded like
every text a playbook carries (`MAX_TEXT`, `MAX_LIST`); a link that is not http(s) is
refused by the lint (DF132) and never made a link by the layouts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from dealflow.playbook._base import _Model
from dealflow.playbook._localized import Text
from dealflow.values import MAX_LIST, MAX_TEXT

__all__ = ["CONTENT_KINDS", "Content", "ContentKind", "WithContent", "web_link"]

ContentKind = Literal["talk_track", "reference_case", "product_sheet", "other"]
CONTENT_KINDS: tuple[ContentKind, ...] = ("talk_track", "reference_case", "product_sheet",
                                          "other")
"""The kinds of enablement content, in the order the reference lists them."""


class Content(_Model):
    """A piece of enablement content: a talk track, a reference case, a product sheet."""

    kind: ContentKind
    """What it is: talk_track, reference_case, product_sheet or other."""
    title: Text
    """Its title, as the checklist shows it."""
    url: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    """Where it is: an http(s) address (optional)."""
    text: Text | None = None
    """A short text shown with it, such as the talk track itself (optional)."""


class WithContent(_Model):
    """The `content` a stage or a play links to."""

    content: Annotated[tuple[Content, ...], Field(max_length=MAX_LIST)] = ()
    """Enablement content shown in the checklist under the stage or play."""


def web_link(url: str | None) -> bool:
    """Whether `url` is an http(s) address a layout may make a link of."""
    if not url:
        return False
    scheme, sep, rest = url.partition("://")
    return bool(sep) and scheme.lower() in ("http", "https") and bool(rest.strip()) \
        and not any(char.isspace() or ord(char) < 32 for char in url)
