"""The located YAML reader (`dealflow._yaml`): positions, problems and limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dealflow._text_files import read_text
from dealflow._yaml import Document, DocumentError, format_path, read_document
from dealflow.errors import Problem
from dealflow.limits import Limits

NESTED = """\
id: demo
stages:
  - id: qualify
    gates:
      - {id: g1, when: "facts.x"}
"""


def read(text: str, limits: Limits | None = None) -> Document:
    return read_document(text, "t.yaml", limits or Limits())


def refused(text: str, limits: Limits | None = None) -> Problem:
    with pytest.raises(DocumentError) as caught:
        read(text, limits)
    return caught.value.problem


def refused_file(path: Path, limits: Limits | None = None) -> Problem:
    with pytest.raises(DocumentError) as caught:
        read_text(path, limits or Limits())
    return caught.value.problem


@pytest.mark.parametrize(
    ("loc", "text"),
    [((), ""), (("id",), "id"), (("stages", 3, "gates", 0, "when"), "stages[3].gates[0].when"),
     ((0, "id"), "[0].id")],
    ids=["document", "key", "nested", "list-at-the-top"],
)
def test_a_location_is_written_as_a_path(loc: tuple[str | int, ...], text: str) -> None:
    assert format_path(loc) == text


@pytest.mark.parametrize(
    ("loc", "key", "position"),
    [
        (("id",), False, (1, 5)),
        (("id",), True, (1, 1)),
        (("stages", 0, "id"), False, (3, 9)),
        (("stages", 0, "gates"), True, (4, 5)),
        (("stages", 0, "gates", 0), False, (5, 9)),
        (("stages", 0, "gates", 0, "when"), True, (5, 18)),
        (("stages", 0, "gates", 0, "when"), False, (5, 24)),
    ],
    ids=["value", "key", "value-in-a-list", "nested-key", "flow-mapping", "flow-key",
         "flow-value"],
)
def test_every_key_and_value_knows_its_line_and_column(
    loc: tuple[str | int, ...], key: bool, position: tuple[int, int]
) -> None:
    assert read(NESTED).position(loc, key=key) == position


def test_a_place_that_was_not_written_points_at_its_closest_ancestor() -> None:
    document = read(NESTED)
    assert document.position(("stages", 0, "gates", 0, "severity")) == (5, 9)
    assert document.position(("stages", 0, "gates", 0, "severity"), key=True) == (5, 9)


def test_a_problem_carries_the_file_the_place_and_the_path() -> None:
    problem = read(NESTED).problem(("stages", 0, "id"), "bad id")
    assert problem == Problem("t.yaml", 3, 9, "stages[0].id", "bad id")


def test_a_duplicate_key_is_reported_and_reading_goes_on() -> None:
    document = read("id: a\nname: first\nid: b\nother: {x: 1, x: 2}\n")
    assert document.data == {"id": "a", "name": "first", "other": {"x": 1}}
    assert document.problems == [
        Problem("t.yaml", 3, 1, "id", "duplicate key 'id' (first defined on line 1); "
                "keep one of them"),
        Problem("t.yaml", 4, 15, "other.x", "duplicate key 'x' (first defined on line 4); "
                "keep one of them"),
    ]


def test_merge_keys_and_complex_keys_are_reported_and_reading_goes_on() -> None:
    document = read("base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n? [a, b]\n: 3\nlast: 4\n")
    assert document.data == {"base": {"x": 1}, "merged": {"y": 2}, "last": 4}
    assert [(p.line, p.path, p.message.split(" (")[0]) for p in document.problems] == [
        (3, "merged", "merge keys"),
        (5, "", "a key must be a plain string, not a list or mapping"),
    ]


def test_keys_are_kept_as_written() -> None:
    document = read("no: 1\nyes: 2\n1: 3\n~: 4\n2026-03-02: 5\nvalue: no\n")
    assert list(document.data) == ["no", "yes", "1", "~", "2026-03-02", "value"]
    assert document.data["value"] is False


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: demo\n")
    text = read_text(path)
    assert text == "id: demo\n"
    assert read(text).position(("id",)) == (1, 5)
    assert read("\ufeffid: demo\n").data == {"id": "demo"}


def _nested(levels: int) -> str:
    return "a: " + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "\n"


#: For each limit of the reader: a document that uses exactly `n` of what it bounds.
AT_THE_LIMIT: dict[str, Callable[[int], str]] = {
    "max_bytes": lambda n: "a: " + "x" * (n - 4) + "\n",
    "max_nodes": lambda n: "[" + ", ".join(["1"] * (n - 1)) + "]\n",
    "max_depth": _nested,
    "max_aliases": lambda n: "a: &a 1\nb: [" + ", ".join(["*a"] * n) + "]\n",
    "max_anchors": lambda n: "[" + ", ".join(f"&a{i} 1" for i in range(n)) + "]\n",
}


@pytest.mark.parametrize("name", list(AT_THE_LIMIT))
@pytest.mark.parametrize("limit", [5, 60])
def test_each_limit_lets_its_value_pass_and_refuses_one_more(name: str, limit: int) -> None:
    limits = Limits(**{name: limit})
    read(AT_THE_LIMIT[name](limit), limits)
    problem = refused(AT_THE_LIMIT[name](limit + 1), limits)
    assert (f"{name}={limit}" in problem.message
            or f"the limit {name} is {limit}" in problem.message), problem.message
    assert problem.message.endswith(f"(raise it with DEALFLOW_LIMITS={name}=N)")


@pytest.mark.parametrize(
    ("text", "limits", "position"),
    [
        ("a: [1, 2, 3]\n", Limits(max_bytes=5), (0, 0)),
        ("a: [1, 2, 3, 4]\n", Limits(max_nodes=3), (1, 8)),
        ("a: [[[1]]]\n", Limits(max_depth=2), (1, 6)),
        ("a: &a [1]\nb: [*a, *a, *a]\n", Limits(max_aliases=2), (2, 13)),
        ("a: &a [1]\nb: &b 2\nc: [&c 3]\n", Limits(max_anchors=2), (3, 5)),
    ],
    ids=["max_bytes", "max_nodes", "max_depth", "max_aliases", "max_anchors"],
)
def test_a_limit_points_at_the_value_that_passes_it(
    text: str, limits: Limits, position: tuple[int, int]
) -> None:
    problem = refused(text, limits)
    assert (problem.line, problem.column) == position


def test_a_file_larger_than_max_bytes_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 10, encoding="utf-8")
    problem = refused_file(path, Limits(max_bytes=20))
    assert "is 50 bytes; the limit max_bytes is 20" in problem.message


def test_nesting_through_an_alias_counts_towards_max_depth() -> None:
    problem = refused("a: &a [[1]]\nb: [[*a]]\n", Limits(max_depth=3))
    assert problem.path == "b[0][0][0]"
    assert problem.message.startswith("nested deeper than max_depth=3 ")


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 100_000, "a: " + "{" * 100_000, "- " * 20_000 + "x\n",
     "".join(" " * i + "- \n" for i in range(1_000))],
    ids=["flow-lists", "flow-mappings", "block-lists-on-one-line", "block-lists"],
)
def test_very_deep_nesting_stops_at_max_depth_instead_of_overflowing_the_stack(
    text: str,
) -> None:
    problem = refused(text)
    assert problem.message == ("nested deeper than max_depth=50 "
                               "(raise it with DEALFLOW_LIMITS=max_depth=N)")
    assert problem.line >= 1


@pytest.mark.parametrize(
    ("text", "path"),
    [("a: &a [*a]\n", "a[0]"), ("&a {b: *a}\n", "b"), ("a: &a {b: [1, *a]}\n", "a.b[1]")],
    ids=["list", "mapping", "through-a-list"],
)
def test_a_recursive_alias_is_refused(text: str, path: str) -> None:
    problem = refused(text)
    assert problem.path == path
    assert "recursive alias" in problem.message


def test_an_alias_bomb_stops_at_max_nodes() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    problem = refused("\n".join(lines), Limits(max_nodes=5_000))
    assert "max_nodes=5000" in problem.message


@pytest.mark.parametrize(
    "text", ["", "  \n\n", "# only a comment\n"], ids=["nothing", "blank-lines", "comment"]
)
def test_a_document_with_no_content_is_empty(text: str) -> None:
    assert refused(text) == Problem("t.yaml", 1, 1, "", "the document is empty")


def test_a_second_document_is_refused_at_its_separator() -> None:
    problem = refused("a: 1\n---\nb: 2\n")
    assert (problem.line, problem.path) == (2, "")
    assert "more than one YAML document" in problem.message


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("a: [1, 2\nb: 3\n", (2, 2), "while parsing a flow sequence (line 1): expected ',' or ']'"),
        ('a: "open\n', (2, 1), "while scanning a quoted scalar (line 1): found unexpected end"),
        ("a:\n\t- 1\n", (2, 1), "found character '\\t' that cannot start any token"),
        ("a: b\x07c\n", (1, 5), "the character #x0007 is not allowed in YAML text"),
    ],
    ids=["unclosed-list", "unclosed-quote", "tab", "control-character"],
)
def test_a_syntax_error_points_at_its_place(
    text: str, position: tuple[int, int], fragment: str
) -> None:
    problem = refused(text)
    assert (problem.line, problem.column) == position
    assert problem.message.startswith("YAML syntax error: ")
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: !!python/object/apply:os.system [ls]\n", "the tag "
         "'tag:yaml.org,2002:python/object/apply:os.system' is not supported"),
        ("a: !!python/name:os.system ''\n", "could not determine a constructor for the tag"),
        ("a: !!set {x, y}\n", "the tag 'tag:yaml.org,2002:set' is not supported"),
        ("a: 2026-02-30\n", "day is out of range for month"),
    ],
    ids=["python-object", "python-name", "set", "impossible-date"],
)
def test_a_value_that_cannot_be_read_is_refused_at_its_place(text: str, fragment: str) -> None:
    problem = refused(text)
    assert (problem.line, problem.column, problem.path) == (1, 4, "a")
    assert problem.message.startswith("cannot read this value: ")
    assert fragment in problem.message
    assert "<unicode string>" not in problem.message


def test_reading_a_directory_says_it_is_one(tmp_path: Path) -> None:
    assert refused_file(tmp_path) == Problem(str(tmp_path), 0, 0, "", "is a directory, not a file")


def test_reading_a_missing_file_says_it_is_not_found(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert refused_file(path) == Problem(str(path), 0, 0, "", "file not found")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"id: x\nname: \x00\x01\n", (2, "is a binary file, not YAML text")),
        (b"id: x\nname: caf\xe9\n", (2, "is not UTF-8 text (save the file as UTF-8)")),
    ],
    ids=["binary", "latin-1"],
)
def test_a_file_that_is_not_utf8_text_is_refused_at_the_first_bad_line(
    tmp_path: Path, content: bytes, problem: tuple[int, str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    found = refused_file(path)
    assert (found.line, found.message) == problem


def _outcome(text: str, *, reference: bool = False) -> object:
    """What the reader makes of `text` (data, places and problems, or the refusal); with
    `reference`, read by PyYAML's own pure-Python parser only."""
    import dealflow._yaml as reader

    fast = reader._CParser
    if reference:
        reader._CParser = None
    try:
        document = read(text)
    except DocumentError as exc:
        return exc.problem
    finally:
        reader._CParser = fast
    return document.data, document.values, document.keys, document.problems


REPO = Path(__file__).resolve().parents[1]
YAML_FILES = sorted(
    [*REPO.glob("playbooks/*.yaml"), *REPO.glob("docs/**/*.yaml"),
     *REPO.glob("tests/playbooks/**/*.yaml"), *REPO.glob("src/dealflow/crm/mappings/*.yaml")])


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_libyaml_reads_every_file_as_the_reference_parser_does(path: Path) -> None:
    """libyaml reads first (ten times faster); it must find what PyYAML finds, where."""
    text = path.read_text("utf-8", errors="surrogateescape")
    assert _outcome(text) == _outcome(text, reference=True)


@pytest.mark.parametrize(
    "text",
    ["a: 1\nb: [x, y\n", "a: \"\\ud800\"\n", "a: 1\n\x07\n", "a: &x 1\nb: *y\n", "- \ud800\n",
     "a: 1\n---\nb: 2\n", "a: " + "[" * 60 + "1" + "]" * 60 + "\n", "a:\tb\n", "? [a]\n: 1\n",
     "a: !!python/object:os.system x\n", "a: 1\r\u2028b: 2\n", "", "%YAML 1.2\n---\na: 1\n",
     "x" * 1100 + ": 1\n", "a: b: c\n", "a:\n  - 1\n - 2\n", "a: 'x\n  y'\nb: |\n  t\n",
     "a: [1, 2,]\n", "{a: 1, a: 2}\n", "a: 0o17\nb: 1_000\nc: 2026-13-01\n", "\ufeffa: 1\n"],
    ids=["flow", "escaped-surrogate", "control", "alias", "lone-surrogate", "two-documents",
         "deep", "tab", "complex-key", "python-tag", "odd-breaks", "empty", "directive",
         "long-key", "nested-plain", "bad-indent", "folded", "flow-trailing-comma",
         "duplicate-flow", "numbers-and-dates", "bom"],
)
def test_an_odd_document_reads_as_the_reference_parser_reads_it(text: str) -> None:
    """Refused or read, each with the same problems at the same places."""
    assert _outcome(text) == _outcome(text, reference=True)
