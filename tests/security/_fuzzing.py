"""What the fuzz tests and the long fuzz run (`python -m tests.soak.fuzz`) share.

Seeds (valid documents: playbooks, deal files, JSON Lines event logs, rules), mutators
that break them at the byte, line and value level, and one *check* per target that feeds
a mutated document to dealflow and fails on any outcome but the two allowed ones: a
loaded object, or a dealflow error whose every problem names its place (file and line,
or a field path).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from sqlalchemy import func, select

from dealflow import Engine, Stakeholder, Stance, load_playbook
from dealflow.deal import load_deal_file
from dealflow.engine import Event, event_adapter
from dealflow.errors import DealFileError, ImportProblems, PlaybookError, Problem, RuleSyntaxError
from dealflow.limits import Limits
from dealflow.playbook import Playbook, dump_playbook, parse_playbook
from dealflow.rules import compile_rule
from dealflow.rules._rule import MAX_RULE_LENGTH
from dealflow.store import EVENTS, Store, import_jsonl
from dealflow.testing import HOSTILE_STRINGS, hostile_text, playbook_documents

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "tests" / "playbooks"
DEFAULT_PLAYBOOK = REPO / "playbooks" / "complex-b2b.yaml"
FIXED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

# -- seeds -------------------------------------------------------------------------------


@functools.cache
def playbook_seeds(*, with_default: bool = False) -> tuple[bytes, ...]:
    """Valid playbooks and the broken corpus (small files: a fuzz example each parses in a
    few milliseconds); the 55 KB default playbook only when `with_default`."""
    files = [PLAYBOOKS / "minimal.yaml", PLAYBOOKS / "ignored.yaml"]
    files += sorted((PLAYBOOKS / "unsound").glob("*.yaml"))
    files += sorted((PLAYBOOKS / "broken").glob("*.yaml"))
    if with_default:
        files.append(DEFAULT_PLAYBOOK)
    return tuple(path.read_bytes() for path in files)


@functools.cache
def minimal_data() -> dict[str, Any]:
    """tests/playbooks/minimal.yaml as plain data."""
    data: dict[str, Any] = yaml.safe_load((PLAYBOOKS / "minimal.yaml").read_text("utf-8"))
    return data


@functools.cache
def minimal_playbook() -> Playbook:
    return load_playbook(PLAYBOOKS / "minimal.yaml")


@functools.cache
def default_playbook() -> Playbook:
    return load_playbook(DEFAULT_PLAYBOOK)


@functools.cache
def rule_seeds() -> tuple[str, ...]:
    """Every rule of the default playbook and of the unsound corpus."""
    rules: set[str] = set()
    playbooks = [default_playbook()] + [load_playbook(path) for path in
                                        sorted((PLAYBOOKS / "unsound").glob("*.yaml"))]
    for playbook in playbooks:
        for stage in playbook.stages:
            rules.update(gate.when.source for gate in stage.gates)
            for item in stage.items:
                rules.update(r.source for r in (item.when, item.for_each) if r is not None)
        rules.update(play.when.source for play in playbook.plays)
        rules.update(rule.when.source for rule in playbook.approval_rules)
    return tuple(sorted(rules))


def _minimal_history() -> Iterator[Event]:
    """A deal of the minimal playbook won, one lost, one on hold: every kind of event."""
    engine = Engine(minimal_playbook(), clock=lambda: FIXED)
    buyer = Stakeholder(id="eric", name="Eric «CFO» 石油", title="CFO", roles=("economic_buyer",),
                        stance=Stance.champion, last_contact=dt.date(2026, 2, 20))
    deal = None
    for deal_id, ending in (("D-1", "win"), ("D-2", "lose"), ("D-3", "hold")):
        outcome = engine.create(deal_id=deal_id, title=f"Reactor {deal_id}", account="Sinochem",
                                owner="li", actor="test", amount=Decimal("125000.50"))
        steps: list[Callable[[Any], Any]] = [
            lambda d: engine.set_fact(d, "pain_confirmed", True, actor="test"),
            lambda d: engine.complete_item(d, "discovery_call", actor="test", evidence="notes"),
            lambda d: engine.add_stakeholder(d, buyer, actor="test"),
        ]
        if ending == "win":
            steps += [lambda d: engine.advance(d, actor="test"),
                      lambda d: engine.set_fact(d, "contract_signed", True, actor="test"),
                      lambda d: engine.win(d, actor="test")]
        elif ending == "lose":
            steps += [lambda d: engine.lose(d, reason="competitor", actor="test", note="price")]
        else:
            steps += [lambda d: engine.hold(d, reason="budget freeze", actor="test",
                                            resume_on=dt.date(2026, 6, 1))]
        yield from outcome.events
        deal = outcome.deal
        for step in steps:
            outcome = step(deal)
            assert outcome.ok, str(outcome.report)
            deal = outcome.deal
            yield from outcome.events


@functools.cache
def jsonl_seed() -> bytes:
    """A valid JSON Lines event log, as `export_jsonl` writes it."""
    out = io.StringIO()
    for event in _minimal_history():
        out.write(event_adapter.dump_json(event).decode("utf-8") + "\n")
    return out.getvalue().encode("utf-8")


@functools.cache
def deal_file_seeds() -> tuple[bytes, ...]:
    """A deal file as JSON and as YAML."""
    data = {"id": "D-9", "title": "Cracker upgrade", "account": "Zhenhai", "owner": "li",
            "amount": "1250000.00", "currency": "CNY", "stage": "qualify",
            "facts": {"pain_confirmed": True},
            "stakeholders": [{"id": "eric", "name": "Eric", "roles": ["economic_buyer"],
                              "stance": "supporter", "last_contact": "2026-02-20"}]}
    as_json = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    as_yaml = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
    return as_json, as_yaml


# -- mutators ----------------------------------------------------------------------------

#: Byte strings that have broken parsers: YAML and JSON syntax, tags, anchors, aliases,
#: numbers too long to read, deep nesting, control characters, invalid UTF-8, BOMs.
TOKENS: tuple[bytes, ...] = (
    b"&a ", b"*a", b"&a [*a, *a]", b"<<: *a\n", b"? [a, b]\n: c\n", b": ", b"- ", b"[", b"]",
    b"{", b"}", b",", b"---\n", b"...\n", b"\t", b"\x00", b"\x07", b"\x1b[31m", b"\r\n", b"\r",
    b"#", b"'", b'"', b"\\", b"|\n", b">-\n", b"%YAML 1.1\n", b"%TAG !x! tag:x,2000:\n",
    b"!!python/object/apply:os.system ['true']", b"!!python/name:os.system ''",
    b"!!binary aGk=", b"!!set {a, b}", b"!!omap [a: 1]", b"!custom x", b"!!int '12'",
    b"!!float x", b"!!timestamp 2026-02-30", b"~", b"null", b"true", b"no", b"1e999999",
    b"1.0e+999999", b".inf", b"-.nan", b"9" * 5000, b"0x" + b"f" * 4000, b"0b" + b"1" * 20000,
    b"1" + b":1" * 3000, b"-0", b"2026-02-30", b"2026-03-02T25:61:00Z", b"[" * 200,
    b"{a: " * 80, b"- " * 120, b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80",
    b"\xc2\x85", "\u2028".encode(), "\ufeff".encode(), "\U0001f600".encode(),
    b"{{ 7*7 }}", b"{% raw %}", b"\\u0000", b"\\ud800", b"NaN", b"Infinity", b"1e400",
    b'{"a": ' * 60, b"[" * 5000, b'"seq": 0', b'"seq": -1', b'"type": "deal_won"',
    b'"deal_id": ""', b"x" * 3000, b"{{ " + b"9" * 5000 + b" }}", b"{{ 0x" + b"f" * 4000 + b" }}",
    b"{{ deal.", b"{% if true %}", b"{% endif %}", b"{{ stakeholder.name }}", b"{{ x|center }}",
    *(value.encode("utf-8") for value in HOSTILE_STRINGS),
)


@st.composite
def _position(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes, seeds: tuple[bytes, ...]) -> bytes:
    """One byte- or line-level change: flip, insert, delete, duplicate, splice, a token."""
    kind = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "splice", "token",
                                 "line_copy", "line_drop", "line_swap", "line_indent"]))
    at = draw(_position(data))
    if kind == "flip" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)):]
    if kind == "duplicate":
        start = draw(_position(data))
        piece = data[start:start + draw(st.integers(1, 200))]
        return data[:at] + piece + data[at:]
    if kind == "splice":
        other = draw(st.sampled_from(seeds))
        start = draw(_position(other))
        piece = other[start:start + draw(st.integers(1, 400))]
        return data[:at] + piece + data[at + draw(st.integers(0, len(piece))):]
    if kind == "token":
        return data[:at] + draw(st.sampled_from(TOKENS)) + data[at:]
    lines = _lines(data)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    if kind == "line_copy":
        lines.insert(j, lines[i])
    elif kind == "line_drop":
        del lines[i]
    elif kind == "line_swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = draw(st.sampled_from([b" ", b"  ", b"\t", b"- "])) + lines[i]
    return b"".join(lines)


def _deep(depth: int, inner: Any) -> Any:
    for _ in range(depth):
        inner = [inner]
    return inner


#: Values to put where a valid one was: hostile text, numbers at and past every bound,
#: the wrong types, empty and deeply nested collections.
HOSTILE_VALUES: st.SearchStrategy[Any] = st.one_of(
    hostile_text(max_size=60),
    st.integers(),
    st.sampled_from([0, -1, 101, 2**31, 2**63, 10**3000, -(10**300)]),
    st.floats(),
    st.sampled_from([None, True, False, "", " ", [], {}, "true", "2026-02-30"]),
    st.dates(),
    st.lists(hostile_text(max_size=10), max_size=3),
    st.dictionaries(hostile_text(max_size=10), hostile_text(max_size=10), max_size=3),
    st.integers(1, 70).map(lambda depth: _deep(depth, "x")),
    st.sampled_from(["{{ " + "9" * 5000 + " }}", "{{ deal.", "{% if x %}", "{{ lipsum() }}",
                     "{{ stakeholder.name }}", "{{ facts.x|upper }}", "{{ ().__class__ }}"]),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@st.composite
def value_mutation(draw: st.DrawFn, data: Any, *, json_safe: bool = False) -> Any:
    """`data` (plain data) with one value replaced, dropped, duplicated, retyped or nested."""
    paths = list(_paths(data))
    path = draw(st.sampled_from(paths[1:] or paths))
    if not path:
        return draw(HOSTILE_VALUES)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    kind = draw(st.sampled_from(["replace", "drop", "add", "retype", "nest", "duplicate"]))
    values = HOSTILE_VALUES
    if json_safe:  # JSON has no dates; its numbers stay under Python's 4300 digits
        values = values.filter(lambda v: not isinstance(v, dt.date)).map(
            lambda v: json.loads(json.dumps(v, default=str)))
    if kind == "replace":
        parent[last] = draw(values)
    elif kind == "drop":
        del parent[last]
    elif kind == "add" and isinstance(parent, dict):
        parent[draw(hostile_text(max_size=12))] = draw(values)
    elif kind == "add":
        parent.insert(last, draw(values))
    else:
        _reshape(parent, last, kind, draw(st.integers(1, 60)))
    return data


def _reshape(parent: Any, last: Any, kind: str, depth: int) -> None:
    """Wrap a value in a list (or a list in a mapping), nest it `depth` deep, or copy it."""
    if kind == "retype":
        old = parent[last]
        parent[last] = [old] if not isinstance(old, list) else {"x": old}
    elif kind == "nest":
        parent[last] = _deep(depth, parent[last])
    elif isinstance(parent, list):
        parent.insert(last, json.loads(json.dumps(parent[last], default=str)))
    else:
        parent[f"{last}_copy"] = parent[last]


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...], *, max_steps: int = 4) -> bytes:
    """A seed broken by one to `max_steps` byte- and line-level mutations."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, max_steps))):
        data = draw(byte_mutation(data, seeds))
    return data


def _yaml_bytes(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100).encode("utf-8")


@st.composite
def playbook_bytes(draw: st.DrawFn, *, with_default: bool = False) -> bytes:
    """A broken playbook: a seed file, or a generated valid playbook, with its values and
    then its bytes mutated."""
    seeds = playbook_seeds(with_default=with_default)
    source = draw(st.sampled_from(["file", "values", "generated"]))
    if source == "file":
        return draw(mutated(seeds))
    # a copy: the mutations below change it in place, and a generated document may share
    # parts with the strategy's constants (hypothesis then sees them change between runs)
    base = (json.loads(json.dumps(minimal_data())) if source == "values"
            else copy.deepcopy(draw(playbook_documents(max_stages=3))))
    for _ in range(draw(st.integers(1, 3))):
        base = draw(value_mutation(base))
    data = _yaml_bytes(base)
    if draw(st.booleans()):
        data = draw(byte_mutation(data, seeds))
    return data


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    """A broken JSON Lines event log: values of some events changed, then bytes and lines."""
    seed = jsonl_seed()
    lines = [json.loads(line) for line in seed.splitlines()]
    for _ in range(draw(st.integers(0, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        lines[index] = draw(value_mutation(lines[index], json_safe=True))
    data = "".join(json.dumps(line, ensure_ascii=draw(st.booleans())) + "\n"
                   for line in lines).encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 3))):
        data = draw(byte_mutation(data, (seed,)))
    return data


@st.composite
def deal_file_bytes(draw: st.DrawFn) -> bytes:
    """A broken deal file (JSON or YAML)."""
    seeds = deal_file_seeds()
    if draw(st.booleans()):
        return draw(mutated(seeds))
    data = json.loads(seeds[0])
    for _ in range(draw(st.integers(1, 3))):
        data = draw(value_mutation(data, json_safe=True))
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


_RULE_TOKENS = (
    "(", ")", "[", "]", "{", "}", " and ", " or ", "not ", " if ", " else ", "|", "|attr('x')",
    "|length", "|sum", "|map('upper')", "|format(1)", "|center(99999999)", ".__class__",
    "['__globals__']", "()", "(1,)", " ** ", " * ", "9" * 5000, "1e999", "10 ** 10 ** 10",
    "'a' * 10 ** 9", "range(10 ** 9)", "lipsum", "cycler", "self", "{{", "}}", "{%", "%}",
    "\x00", "\n", "'", '"', "\\", "~", "is defined", " is divisibleby 0", " // 0", " % 0",
    "facts.", "covered('", "deal.amount", "stakeholders[0]", "not " * 300, "(" * 300,
    "-" * 300, "[" * 300, "x." * 300, "😀", "\u202e",
)


@st.composite
def rule_text(draw: st.DrawFn) -> str:
    """A rule of the seeds, broken by one to four character-level changes or splices."""
    seeds = rule_seeds()
    rule = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(rule)))
        kind = draw(st.sampled_from(["token", "text", "delete", "splice", "combine"]))
        if kind == "token":
            rule = rule[:at] + draw(st.sampled_from(_RULE_TOKENS)) + rule[at:]
        elif kind == "text":
            rule = rule[:at] + draw(hostile_text(max_size=8)) + rule[at:]
        elif kind == "delete":
            rule = rule[:at] + rule[at + draw(st.integers(1, 12)):]
        elif kind == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            rule = rule[:at] + other[start:start + draw(st.integers(1, 40))] + rule[at:]
        else:
            joint = draw(st.sampled_from([" and ", " or ", " and not "]))
            rule = f"({rule}){joint}({draw(st.sampled_from(seeds))})"
    return rule


# -- checks ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the checks saw: examples run, by outcome."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


TALLY = Tally()


def assert_located(problems: tuple[Problem, ...], file: str, data: bytes | str) -> None:
    """Every problem names `file` and a place in it: a line (1-based, in the document, with
    a column) or a field path; line 0 only for a file refused as a whole, naming why."""
    assert problems, "an error with no problem in it"
    lines = (data.count(b"\n") if isinstance(data, bytes) else data.count("\n")) + 1
    for problem in problems:
        assert problem.file == file, problem
        assert problem.message.strip(), problem
        if problem.line:
            assert 1 <= problem.line <= lines, problem
            assert problem.column >= 1, problem
        else:
            assert problem.path or re.search(r"max_\w+|file|binary|UTF-8", problem.message), \
                problem


def check_playbook(data: bytes, folder: Path) -> Playbook | None:
    """Load a playbook file of `data`: a playbook (which dumps and loads back equal), or a
    `PlaybookError` with every problem located."""
    path = folder / "fuzz.yaml"
    path.write_bytes(data)
    try:
        playbook = load_playbook(path)
    except PlaybookError as exc:
        assert_located(exc.problems, str(path), data)
        TALLY.add("playbook refused")
        return None
    assert parse_playbook(dump_playbook(playbook), "dumped.yaml") == playbook
    TALLY.add("playbook loaded")
    return playbook


def check_deal_file(data: bytes, folder: Path, *, suffix: str = ".json") -> None:
    """Load a deal file of `data`: a deal, or a `DealFileError` with every problem located."""
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        load_deal_file(path, minimal_playbook(), now=FIXED)
    except DealFileError as exc:
        assert_located(exc.problems, str(path), data)
        TALLY.add("deal file refused")
        return
    TALLY.add("deal file loaded")


def event_count(store: Store) -> int:
    with store.database.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(EVENTS)).scalar_one())


def empty_store(store: Store) -> None:
    """Delete every deal and event from `store` (its playbooks stay)."""
    with store.writing() as conn:
        for table in reversed(EVENTS.metadata.sorted_tables):
            if table.name not in {"meta", "playbooks"}:
                conn.execute(table.delete())


def check_import(data: bytes, folder: Path, store: Store, limits: Limits | None = None,
                 *, preload: int = 0) -> None:
    """Import a JSON Lines file of `data` into `store`, emptied and then given the first
    `preload` events of the seed: a result that adds what it says, or `ImportProblems` with
    every problem located and nothing written."""
    empty_store(store)
    path = folder / "fuzz.jsonl"
    if preload:
        path.write_bytes(b"".join(jsonl_seed().splitlines(keepends=True)[:preload]))
        import_jsonl(store, path)
    path.write_bytes(data)
    before = event_count(store)
    try:
        result = import_jsonl(store, path, limits=limits)
    except ImportProblems as exc:
        assert_located(exc.problems, str(path), data)
        assert event_count(store) == before, "an import that failed wrote events"
        TALLY.add("import refused")
        return
    assert event_count(store) == before + result.added
    assert result.added + result.skipped <= result.lines
    TALLY.add("import done")


def check_rule(source: str, max_length: int = MAX_RULE_LENGTH) -> None:
    """Compile a rule: a `Rule`, or `RuleSyntaxError` (the one error of the compiler, which
    a playbook reports at the rule's place)."""
    try:
        rule = compile_rule(source, max_length=max_length)
    except RuleSyntaxError as exc:
        why = str(exc)
    else:
        assert rule.source == source
        TALLY.add("rule compiled")
        return
    assert why.strip()
    TALLY.add("rule refused")


def check_rule_in_playbook(source: str) -> None:
    """A rule as the gate of the minimal playbook: it loads, or every problem is located
    at the gate (and one is when the rule does not compile)."""
    data = json.loads(json.dumps(minimal_data()))
    data["stages"][0]["gates"][0]["when"] = source
    text = _yaml_bytes(data).decode("utf-8")
    try:
        compile_rule(source)
        compiles = True
    except RuleSyntaxError:
        compiles = False
    try:
        parse_playbook(text, "rule.yaml")
    except PlaybookError as exc:
        problems = exc.problems
    else:
        assert compiles, "a rule that does not compile was loaded in a playbook"
        TALLY.add("playbook with rule loaded")
        return
    assert_located(problems, "rule.yaml", text)
    assert all(p.path.startswith("stages[0].gates[0]") for p in problems), problems
    TALLY.add("playbook with rule refused")
