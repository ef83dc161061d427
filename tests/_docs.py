"""Reading the docs as tests: fenced blocks, Python examples, and the output they show.

A Python block followed directly by a ```` ```text ```` block shows its output: running
the Python block must print exactly that text. A last line `...` in the text block
means "and more", so only the lines before it are compared.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1] / "docs"
REPO = DOCS.parent
ELLIPSIS = "..."

_FENCE = re.compile(r"^```(?P<lang>\w*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    """A fenced code block of a docs page."""

    page: str
    line: int  # the line of the opening fence, 1-based
    lang: str
    body: str
    start: int  # offset of the opening fence
    end: int  # offset just after the closing fence

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass(frozen=True)
class Example:
    """A Python block, and the text block right after it that shows its output (if any)."""

    block: Block
    shown: Block | None

    @property
    def id(self) -> str:
        return self.block.id


def read(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def blocks(page: str) -> list[Block]:
    """Every fenced code block of `page`, in order."""
    text = read(page)
    return [
        Block(page, text.count("\n", 0, m.start()) + 1, m["lang"], m["body"], m.start(), m.end())
        for m in _FENCE.finditer(text)
    ]


def python_examples(page: str) -> list[Example]:
    """The Python blocks of `page`, each with the text block that follows it directly."""
    text = read(page)
    found = blocks(page)
    examples = []
    for index, block in enumerate(found):
        if block.lang != "python":
            continue
        after = found[index + 1] if index + 1 < len(found) else None
        adjacent = after is not None and not text[block.end:after.start].strip()
        shown = after if adjacent and after is not None and after.lang == "text" else None
        examples.append(Example(block, shown))
    return examples


def run(example: Example, namespace: dict[str, Any]) -> str:
    """Run the example's code in `namespace`; what it printed.

    The code is compiled under the page's name with its lines where they are on the
    page, so a traceback points at the line of the docs that failed.
    """
    block = example.block
    source = "\n" * block.line + block.body
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, f"docs/{block.page}", "exec"), namespace)  # noqa: S102
    return printed.getvalue()


def output_problem(example: Example, printed: str, *, unshown_allowed: bool = True) -> str | None:
    """Why `printed` is not what the example shows, or None when it is.

    Without a text block, the example may print anything when `unshown_allowed`, and
    nothing otherwise.
    """
    if example.shown is None:
        if unshown_allowed or not printed:
            return None
        return (f"{example.id} prints output that the page does not show; add a ```text "
                f"block right after it with exactly:\n{printed}")
    expected = example.shown.body.splitlines()
    actual = printed.splitlines()
    if expected and expected[-1] == ELLIPSIS:
        expected = expected[:-1]
        actual = actual[: len(expected)]
    if actual == expected:
        return None
    diff = "\n".join(difflib.unified_diff(
        expected, actual, f"shown at {example.shown.id}", f"printed by {example.id}",
        lineterm=""))
    return f"{example.id} does not print what the page shows:\n{diff}"


def marked(page: str, name: str) -> tuple[Block, str]:
    """The single code block between `<!-- name:start -->` and `<!-- name:end -->`.

    Returns the block and the marker pair, for messages.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = read(page)
    assert text.count(start) == 1, f"docs/{page} needs exactly one {start}"
    assert text.count(end) == 1, f"docs/{page} needs exactly one {end}"
    first, last = text.index(start), text.index(end)
    inside = [block for block in blocks(page) if first < block.start and block.end < last]
    assert len(inside) == 1, f"docs/{page}: put exactly one code block between {start} and {end}"
    return inside[0], f"{start} ... {end}"
