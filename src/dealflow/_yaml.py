"""Reading YAML (and JSON) documents with the position of every value.

The result is plain data plus a map from each path (a tuple of keys and indexes) to the
line and column where it was written, so that any later check can point at the place.
Everything that can go wrong with a file becomes a `Problem`, never a traceback: a file
not found, a binary file, an empty one, YAML syntax, duplicate keys, a non-mapping
document, and alias bombs or runaway nesting (bounded by `Limits`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.events import AliasEvent, NodeEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.reader import ReaderError
from yaml.resolver import Resolver

from dealflow._messages import N_, _
from dealflow.errors import Problem
from dealflow.limits import Limits, current_limits, limit_hint

try:  # libyaml's scanner and parser, when PyYAML was built with it (its wheels are)
    from yaml import cyaml as _cyaml
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    _cyaml = None  # type: ignore[assignment]
_CParser: Any = getattr(_cyaml, "CParser", None)

__all__ = [
    "Document",
    "DocumentError",
    "Location",
    "format_path",
    "read_document",
    "too_big",
]

Location = tuple[str | int, ...]

@dataclass
class Document:
    """A parsed document: its data and where each value and key stands in the file."""

    file: str
    data: Any
    values: dict[Location, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Location, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def position(self, loc: Location, *, key: bool = False) -> tuple[int, int]:
        """The (line, column) of `loc`, or of its closest ancestor that has one."""
        table = self.keys if key else self.values
        if key and loc in table:
            return table[loc]
        probe = tuple(loc)
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def problem(self, loc: Location, message: str, *, key: bool = False) -> Problem:
        """A `Problem` located at `loc`."""
        line, column = self.position(loc, key=key)
        return Problem(self.file, line, column, format_path(loc), message)


class DocumentError(Exception):
    """The document could not be read at all; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def format_path(loc: Location) -> str:
    """`('stages', 3, 'gates', 0, 'when')` -> `stages[3].gates[0].when`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def too_big(size: int, limits: Limits, over: bool = False) -> str:
    """Why a document of `size` bytes is refused (`over`: at least that many)."""
    message = (N_("the document is over {size} bytes; the limit max_bytes is {limit}") if over
               else N_("the document is {size} bytes; the limit max_bytes is {limit}"))
    return _(message, size=size, limit=limits.max_bytes) + " " + limit_hint("max_bytes")


def read_document(text: str, file: str, limits: Limits | None = None) -> Document:
    """Parse YAML `text` (JSON is YAML too) into a located `Document`.

    `limits` defaults to `current_limits()`; `DocumentError` names the one exceeded.
    """
    limits = limits or current_limits()
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise DocumentError(Problem(file, 0, 0, "", too_big(size, limits)))
    at = _Positions(text)
    root = _compose(text, file, limits, at)
    document = Document(file=file, data=None)
    builder = _Builder(document, limits, at)
    document.data = builder.build(root, (), 0)
    return document


class _LimitExceeded(Exception):
    def __init__(self, mark: Mark, loc: Location, message: str) -> None:
        super().__init__(message)
        self.mark, self.loc, self.message = mark, loc, message


class _Limited(Composer):
    """Enforces `max_nodes`, `max_depth`, `max_aliases` and `max_anchors` while the node
    graph is built (mixed into a composer over PyYAML's parser or libyaml's).

    PyYAML's composer recurses once per level of nesting, so a deep enough document would
    end in `RecursionError`; this one stops at the limit, at the node that passes it.
    """

    limits: Limits
    path: list[str | int]
    aliases: int
    anchor_count: int
    nodes: int

    if TYPE_CHECKING:  # the parser's, from the class this is mixed into
        def check_event(self, *choices: Any) -> bool: ...
        def peek_event(self) -> Any: ...

    def _start(self, limits: Limits) -> None:
        self.limits = limits
        self.path = []
        self.aliases = 0
        self.anchor_count = 0
        self.nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > self.limits.max_aliases:
                raise self._exceeded(index, _(
                    "uses more than max_aliases={limit} aliases (`*name`)",
                    limit=self.limits.max_aliases) + " " + limit_hint("max_aliases"))
        else:
            # Values are counted as they are read (the builder counts them again with the
            # aliases expanded): reading 100,000 of them takes seconds already. A key is
            # composed with no index, and is not a value.
            self.nodes += parent is None or index is not None
            if self.nodes > self.limits.max_nodes:
                raise self._exceeded(index, _too_many_nodes(self.limits))
            if self._too_deep(parent):
                raise self._exceeded(index, _deeper(self.limits))
            if self._anchored():
                self.anchor_count += 1
                if self.anchor_count > self.limits.max_anchors:
                    raise self._exceeded(index, _(
                        "uses more than max_anchors={limit} anchors (`&name`)",
                        limit=self.limits.max_anchors) + " " + limit_hint("max_anchors"))
        if parent is not None:
            self.path.append(_step(index))
        try:
            return super().compose_node(parent, index)
        finally:
            if parent is not None:
                self.path.pop()

    def _too_deep(self, parent: Node | None) -> bool:
        # Only a collection recurses; a scalar too deep is reported by the builder.
        return (parent is not None and len(self.path) >= self.limits.max_depth
                and not self.check_event(ScalarEvent))

    def _anchored(self) -> bool:
        event = self.peek_event()
        return isinstance(event, NodeEvent) and event.anchor is not None

    def _exceeded(self, index: Any, message: str) -> _LimitExceeded:
        return _LimitExceeded(self.next_mark(), (*self.path, _step(index)), message)

    def next_mark(self) -> Mark:
        """Where the next event (the node about to be composed) starts."""
        event = self.peek_event()
        mark: Mark = event.start_mark
        return mark


class _Composer(_Limited, yaml.SafeLoader):
    """PyYAML's own (pure Python) parser: the reference, whose messages problems quote."""

    def __init__(self, text: str, limits: Limits) -> None:
        yaml.SafeLoader.__init__(self, text)
        self._start(limits)


if _CParser is not None:
    class _FastComposer(_Limited, _CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's parser (C, ten times faster) under the same composer and limits: a
        first try; a document it refuses is read again by `_Composer`."""

        def __init__(self, text: str, limits: Limits) -> None:
            _CParser.__init__(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start(limits)


def _too_many_nodes(limits: Limits) -> str:
    return _("document expands to more than max_nodes={limit} values (an alias bomb?)",
             limit=limits.max_nodes) + " " + limit_hint("max_nodes")


def _deeper(limits: Limits) -> str:
    return (_("nested deeper than max_depth={limit}", limit=limits.max_depth) + " "
            + limit_hint("max_depth"))


def _step(index: Any) -> str | int:
    """The path step of a child: its index in a list, or its key (`?` for a complex key)."""
    if isinstance(index, int):
        return index
    return str(index.value) if isinstance(index, ScalarNode) else "?"


class _Positions:
    """The 1-based (line, column) of a PyYAML mark, lines ending at `\n` only, as editors,
    grep and sed count them. PyYAML also ends a line at a lone `\r`, NEL (U+0085) and the
    Unicode line and paragraph separators; in a text that holds one, its own line numbers
    would point past the place."""

    _ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")

    def __init__(self, text: str) -> None:
        self.starts: list[int] | None = None
        if self._ODD_BREAK.search(text):
            self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def __call__(self, mark: Mark) -> tuple[int, int]:
        if self.starts is None:
            return mark.line + 1, mark.column + 1
        line = bisect.bisect_right(self.starts, mark.index)
        return line, mark.index - self.starts[line - 1] + 1


def _compose(text: str, file: str, limits: Limits, at: _Positions) -> Node:
    """The node graph of the only document in `text`, or `DocumentError`.

    libyaml reads it first; a document libyaml cannot read, or that breaks a limit, is
    read again by PyYAML's parser, whose messages (and marks) every problem quotes.
    """
    # libyaml takes a tab after `key:` as a space, where PyYAML refuses it: such texts go
    # to the reference parser only, so a file means the same with libyaml or without.
    if _CParser is not None and "\t" not in text:
        try:
            fast = _FastComposer(text, limits)
            try:
                return _single_node(fast, file, at)
            finally:
                fast.dispose()
        # A syntax error, text libyaml cannot take (a lone surrogate: UnicodeEncodeError)
        # or a limit: the reference parser reads it again and says it in its own words.
        except (yaml.YAMLError, ValueError, _LimitExceeded, DocumentError):
            pass
    try:
        loader = _Composer(text, limits)  # reading starts here: it refuses control characters
        try:
            return _single_node(loader, file, at)
        finally:
            loader.dispose()
    except _LimitExceeded as exc:
        line, column = at(exc.mark)
        problem = Problem(file, line, column, format_path(exc.loc), exc.message)
        raise DocumentError(problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = at(mark) if mark else (0, 0)
        problem = Problem(file, line, column, "",
                          _("YAML syntax error: {what}", what=_what(exc, at)))
        raise DocumentError(problem) from None
    except ReaderError as exc:
        line, column = _line_column(text, exc.position)
        character = f"#x{exc.character:04x}"
        problem = Problem(file, line, column, "", _(
            "YAML syntax error: the character {character} is not allowed in YAML text; "
            "remove it", character=character))
        raise DocumentError(problem) from None
    except yaml.YAMLError as exc:
        raise DocumentError(Problem(file, 0, 0, "", _("YAML error: {error}", error=exc))) from None


def _single_node(loader: _Limited, file: str, at: _Positions) -> Node:
    node = loader.get_node() if loader.check_node() else None
    if node is None:
        raise DocumentError(Problem(file, 1, 1, "", _("the document is empty")))
    if loader.check_node():
        second = loader.next_mark()
        raise DocumentError(
            Problem(file, at(second)[0], 1, "",
                    _("holds more than one YAML document (`---`); put one playbook per file"))
        )
    return node


def _what(exc: yaml.MarkedYAMLError, at: _Positions) -> str:
    """`while parsing a flow mapping (line 5): expected ',' or '}', but got ':'`."""
    context, start, end = exc.context, exc.context_mark, exc.problem_mark
    if context and start and end and at(start)[0] != at(end)[0]:
        context += f" (line {at(start)[0]})"
    return ": ".join(part for part in (context, exc.problem) if part)


def _line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of the character at `position` in `text`."""
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


#: The tags of plain lists and mappings; any other tag on a collection (`!!python/...`,
#: `!!set`, `!custom`) is refused rather than silently ignored.
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"})


_INT_TAG = "tag:yaml.org,2002:int"
_MAX_NUMBER_CHARS = 4_000
_MAX_NUMBER_BITS = 13_000  # about 3,900 decimal digits
_TOO_LONG_A_NUMBER = N_("cannot read this value: the number is too long (at most about "
                        "3,900 digits); quote it if it is text")


class _Builder:
    def __init__(self, document: Document, limits: Limits, at: _Positions) -> None:
        self.at = at
        self.document = document
        self.limits = limits
        self.count = 0
        self.open: set[int] = set()  # the collections being built: a node's ancestors
        self.constructor = yaml.SafeLoader("")

    def _fail(self, node: Node, loc: Location, message: str) -> DocumentError:
        mark = node.start_mark
        return DocumentError(
            Problem(self.document.file, *self.at(mark), format_path(loc), message)
        )

    def _note(self, node: Node, loc: Location, message: str) -> None:
        self.document.problems.append(self._fail(node, loc, message).problem)

    def build(self, node: Node, loc: Location, depth: int) -> Any:
        self._check(node, loc, depth)
        mark = node.start_mark
        self.document.values.setdefault(loc, self.at(mark))
        if isinstance(node, ScalarNode):
            return self._scalar(node, loc)
        self.open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, loc, depth)
            return [self.build(child, (*loc, i), depth + 1) for i, child in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _check(self, node: Node, loc: Location, depth: int) -> None:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise self._fail(node, loc, _too_many_nodes(self.limits))
        if id(node) in self.open:
            raise self._fail(node, loc, _("an alias refers to a value that contains it "
                                          "(a recursive alias)"))
        if depth > self.limits.max_depth:
            raise self._fail(node, loc, _deeper(self.limits))
        if not isinstance(node, ScalarNode) and node.tag not in _COLLECTION_TAGS:
            raise self._fail(node, loc, _("cannot read this value: the tag {tag} is not "
                                          "supported", tag=repr(node.tag)))

    def _scalar(self, node: Node, loc: Location) -> Any:
        # A number too long to print (Python refuses more than 4300 decimal digits), or a
        # sexagesimal one (`1:30:00`) so long that reading it takes quadratic time.
        if node.tag == _INT_TAG and len(node.value) > _MAX_NUMBER_CHARS:
            raise self._fail(node, loc, _(_TOO_LONG_A_NUMBER))
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:  # e.g. an unknown tag such as `!!python/object`
            reason = _("cannot read this value: {reason}", reason=_what(exc, self.at))
            raise self._fail(node, loc, reason) from None
        except (yaml.YAMLError, ValueError) as exc:  # e.g. an impossible timestamp
            raise self._fail(node, loc, _("cannot read this value: {reason}", reason=exc)) from None
        if isinstance(value, int) and value.bit_length() > _MAX_NUMBER_BITS:  # `0xfff...`
            raise self._fail(node, loc, _(_TOO_LONG_A_NUMBER))
        return value

    def _mapping(self, node: MappingNode, loc: Location, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._note(key_node, loc, _("merge keys (`<<`) are not supported; write the keys "
                                                "out"))
                continue
            if not isinstance(key_node, ScalarNode):
                self._note(key_node, loc, _("a key must be a plain string, not a list or "
                                                "mapping"))
                continue
            # The key as written: `no:` stays "no" (a locale), not the boolean false.
            key = str(key_node.value)
            child = (*loc, key)
            mark = key_node.start_mark
            if key in result:
                first = self.document.keys[child]
                self._note(key_node, child, _(
                    "duplicate key {key} (first defined on line {line}); keep one of them",
                    key=repr(key), line=first[0]))
                continue
            self.document.keys[child] = self.at(mark)
            result[key] = self.build(value_node, child, depth + 1)
        return result
