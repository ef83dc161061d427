"""Lint of enablement content (issue 21): a link that is not a web address, and content
that leads nowhere.

- DF132: a `content` url that is not http(s) (`javascript:`, `file:`, a bare path): the
  layouts show it as text, never as a link;
- DF133: content with neither `url` nor `text` (a title alone gives the salesperson
  nothing to open or read).
"""

from __future__ import annotations

from collections.abc import Iterator

from dealflow._messages import _
from dealflow._yaml import Location
from dealflow.playbook._content import Content, web_link
from dealflow.playbook._model import Playbook

__all__ = ["CONTENT_CODES", "lint_content"]

CONTENT_CODES: dict[str, tuple[str, str]] = {
    "DF132": ("error", "content link is not an http(s) address"),
    "DF133": ("warning", "content with neither url nor text"),
}

Raw = tuple[str, Location, str, str]
"""(code, where, message, hint) of one finding."""


def _pieces(pb: Playbook) -> Iterator[tuple[Location, Content]]:
    for s, stage in enumerate(pb.stages):
        for c, piece in enumerate(stage.content):
            yield ("stages", s, "content", c), piece
    for p, play in enumerate(pb.plays):
        for c, piece in enumerate(play.content):
            yield ("plays", p, "content", c), piece


def lint_content(pb: Playbook) -> Iterator[Raw]:
    """The findings DF132 and DF133 of `pb`'s stages and plays."""
    for loc, piece in _pieces(pb):
        if piece.url is not None and not web_link(piece.url):
            yield ("DF132", (*loc, "url"),
                   _("{url} is not an http(s) address", url=repr(piece.url[:80])),
                   _("link to a web page (https://...), or put the words in `text`"))
        if piece.url is None and piece.text is None:
            yield ("DF133", (*loc, "title"), _("content {title} has neither url nor text",
                                                 title=repr(pb.text(piece.title))),
                   _("add the address of the material (`url`) or the words (`text`)"))
