"""Every known Jinja sandbox escape and exhaustion payload in `payloads.yaml` is refused.

Each payload is tried where it applies: as the `when` of a gate (`rule`), as the text of
an SOP item (`item_text`, then the deal's checklist is built and laid out), as a
checklist layout in a template folder (`layout`), and, for rules that the helpers
evaluate, as the `when` of an item (`item_when`) or of an approval rule
(`approval_when`). The only outcomes allowed:

- the playbook is refused when it loads, with a `PlaybookError` whose problems all stand
  at the payload's place (`stages[0].gates[0].when`, `stages[0].items[0].text`);
- or the run is stopped with a dealflow error (`DealflowError`) that names the place (the
  item, the layout) or the limit.

Each attempt runs in a forked child with a memory cap (RLIMIT_AS) and a CPU cap, and the
parent waits a bounded time: a regression that burns a billion iterations or a gigabyte
fails the test instead of hanging it. Nothing the child says may contain the secret in
`DEALFLOW_SECRET_CANARY`, or the content of `/etc/hostname` or `/etc/passwd`.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import resource
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealflow import Deal, PlaybookError, parse_playbook
from dealflow.cli import app
from dealflow.engine import RuleContext
from dealflow.errors import DealflowError
from dealflow.rules._cost import MAX_TEMPLATE_STEPS
from dealflow.rules._rule import _parse
from dealflow.rules._source import render
from dealflow.sop import build_checklist, render_checklist

HERE = Path(__file__).resolve().parent
MINIMAL = HERE.parent / "playbooks" / "minimal.yaml"
CORPUS_FILE = HERE / "payloads.yaml"
PLACES = ("rule", "item_text", "layout")
"""The places most payloads are tried at (each by at least 30 of them)."""
HELPER_PLACES = ("item_when", "approval_when")
"""Rules that the helpers evaluate (`stage_items_done()`, `approvals_covered()`)."""
WHERE = {"rule": "stages[0].gates[0].when", "item_text": "stages[0].items[0].text",
         "item_when": "stages[0].items[0].when", "approval_when": "approval_rules[0].when"}
CLASSES = frozenset({
    "attribute-escape", "format-string-escape", "attr-filter-escape", "globals-escape",
    "import-and-environ", "mutation", "include-import-extends", "range-exhaustion",
    "loop-exhaustion", "recursion", "multiplication", "power", "concatenation",
    "percent-format", "brace-format", "filter-amplification", "method-amplification",
    "nesting", "unicode-tricks", "data-amplification",
    # issue 15: the cost model
    "rounding", "load-time-constants", "integer-size", "decimal-exponent", "helper-recursion",
    "layout-work", "layout-size",
})
CANARY = "dealflow-canary-7f3a9c1e"
NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
TIMEOUT = 120.0
"""Seconds the parent waits for one attempt (a guard against hangs, not a timing test)."""
MEMORY = 2 * 1024**3
"""Bytes of address space a child may add to what it inherited."""


@dataclass(frozen=True)
class Payload:
    """One corpus entry: its id, class, where it was published, its forms, the outcome
    expected at each place (`refused` when the playbook loads, `stopped` when it runs)
    and what the error must say."""

    id: str
    cls: str
    source: str
    forms: dict[str, str]
    expect: dict[str, str]
    says: str


def _expand(text: str, repeat: dict[str, list[Any]]) -> str:
    for name, (piece, count) in repeat.items():
        text = text.replace(f"<<{name}>>", piece * count)
    return text


def _corpus() -> list[Payload]:
    entries = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))["payloads"]
    payloads = []
    for entry in entries:
        forms: dict[str, str] = {}
        if "expr" in entry:
            forms = {"rule": entry["expr"], "item_text": "{{ " + entry["expr"] + " }}",
                     "layout": "{{ " + entry["expr"] + " }}"}
        if "template" in entry:
            forms.update(item_text=entry["template"], layout=entry["template"])
        forms.update({place: entry[place] for place in (*PLACES, *HELPER_PLACES)
                      if place in entry})
        for place in entry.get("skip", ()):
            forms.pop(place)
        repeat = entry.get("repeat", {})
        forms = {place: _expand(form, repeat) for place, form in forms.items()}
        payloads.append(Payload(entry["id"], entry["class"], entry["source"], forms,
                                entry.get("expect", {}), entry.get("says", "")))
    return payloads


CORPUS = _corpus()


def _cases() -> list[Any]:
    return [pytest.param(payload, place, id=f"{place}:{payload.id}")
            for payload in CORPUS for place in (*PLACES, *HELPER_PLACES)
            if place in payload.forms]


def _minimal_data() -> dict[str, Any]:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _playbook_text(place: str, source: str) -> str:
    data = _minimal_data()
    if place == "rule":
        data["stages"][0]["gates"][0]["when"] = source
    elif place == "item_text":
        data["stages"][0]["items"][0]["text"] = source
    elif place == "item_when":
        data["stages"][0]["items"][0]["when"] = source
    elif place == "approval_when":
        data["approval_rules"] = [{"id": "big_deal", "text": "Big deal", "when": source,
                                   "requires": ["economic_buyer"], "before": "close"}]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


BASE = parse_playbook(_playbook_text("none", ""), "minimal.yaml")
DEAL = Deal(id="d-1", title="Cracker upgrade", account="Zhenhai Refining", amount=1_200_000,
            owner="li.wei", playbook_id=BASE.id, playbook_version=BASE.version,
            stage="qualify", facts={"pain_confirmed": True},
            created_at=NOW - dt.timedelta(days=30), stage_entered_at=NOW - dt.timedelta(days=3))
SHEET = build_checklist(BASE, DEAL, now=NOW)


# -- running one attempt in a guarded child ------------------------------------------------

def _try_rule(source: str, folder: Path) -> str:
    playbook = parse_playbook(_playbook_text("rule", source), "payload.yaml")
    ctx = RuleContext(playbook, DEAL, NOW)
    return repr(playbook.stages[0].gates[0].when.evaluate(ctx))


def _try_item_text(source: str, folder: Path) -> str:
    playbook = parse_playbook(_playbook_text("item_text", source), "payload.yaml")
    sheet = build_checklist(playbook, DEAL, now=NOW)
    return render_checklist(sheet, "md") + "\n".join(item.text for item in sheet.items)


def _try_layout(source: str, folder: Path) -> str:
    (folder / "checklist.md.j2").write_text(source, encoding="utf-8")
    return render_checklist(SHEET, "md", template_dir=folder)


def _try_helper_rule(place: str) -> Callable[[str, Path], str]:
    def attempt(source: str, folder: Path) -> str:
        playbook = parse_playbook(_playbook_text(place, source), "payload.yaml")
        sheet = build_checklist(playbook, DEAL, now=NOW)
        return render_checklist(sheet, "md")

    return attempt


ATTEMPTS: dict[str, Callable[[str, Path], str]] = {
    "rule": _try_rule, "item_text": _try_item_text, "layout": _try_layout,
    "item_when": _try_helper_rule("item_when"), "approval_when": _try_helper_rule("approval_when"),
}


def _limit_child() -> None:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    size = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CPU, (int(TIMEOUT), int(TIMEOUT) + 5))


def _child(conn: Any, place: str, source: str, folder: Path) -> None:
    _limit_child()
    report: dict[str, Any]
    try:
        output = ATTEMPTS[place](source, folder)
        report = {"outcome": "ran", "output": output[:2000], "size": len(output)}
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        report = {
            "outcome": "raised",
            "types": [kind.__name__ for kind in type(exc).__mro__],
            "message": str(exc)[:5000],
            "problems": [(p.path, p.message) for p in getattr(exc, "problems", ())],
            "traceback": "".join(traceback.format_exception(exc))[-3000:],
        }
    conn.send(report)
    conn.close()


def attempt(place: str, source: str, folder: Path) -> dict[str, Any]:
    """Try `source` at `place` in a forked child with capped memory and CPU."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, place, source, folder))
    child.start()
    send.close()
    try:
        if not receive.poll(TIMEOUT):
            raise AssertionError(f"the payload ran for more than {TIMEOUT:.0f} s (not stopped)")
        report: dict[str, Any] = receive.recv()
    except EOFError:
        report = {"outcome": "died"}
    finally:
        child.kill()
        child.join()
    report["exitcode"] = child.exitcode
    return report


# -- the corpus itself -------------------------------------------------------------------

def test_the_corpus_is_large_varied_and_well_formed() -> None:
    ids = [payload.id for payload in CORPUS]
    assert len(ids) == len(set(ids)), "payload ids must be unique"
    assert len(CORPUS) >= 40
    assert {payload.cls for payload in CORPUS} == CLASSES
    for payload in CORPUS:
        assert payload.forms, f"{payload.id} is tried nowhere"
        assert payload.source.strip(), f"{payload.id} does not say where it comes from"
        assert payload.expect.keys() == payload.forms.keys(), (
            f"{payload.id} must expect an outcome at each place it is tried, and only there")
        assert set(payload.expect.values()) <= {"refused", "stopped"}, payload.expect
        assert all("<<" not in form for form in payload.forms.values()), payload.id
    assert all(sum(place in p.forms for p in CORPUS) >= 30 for place in PLACES)


# -- every payload, everywhere it applies ------------------------------------------------

@pytest.fixture(autouse=True)
def _secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALFLOW_SECRET_CANARY", CANARY)


def _secrets() -> list[str]:
    found = [CANARY, "root:x:0:0"]
    hostname = Path("/etc/hostname")
    if hostname.is_file() and len(hostname.read_text().strip()) >= 6:
        found.append(hostname.read_text().strip())
    return found


SECRETS = _secrets()


@pytest.mark.parametrize(("payload", "place"), _cases())
def test_payload_is_refused_or_stopped_with_a_dealflow_error(
    payload: Payload, place: str, tmp_path: Path
) -> None:
    report = attempt(place, payload.forms[place], tmp_path)
    said = repr(report)
    for secret in SECRETS:
        assert secret not in said, f"{payload.id} leaked {secret!r}"
    assert report["outcome"] != "ran", (
        f"{payload.id} ({payload.cls}) got through at {place}: {report['output'][:500]!r}")
    assert report["outcome"] == "raised", f"{payload.id}: the child died: {report}"
    assert "DealflowError" in report["types"], (
        f"{payload.id} at {place} raised {report['types'][0]}, not a dealflow error:\n"
        f"{report['traceback']}")
    assert "Traceback" not in report["message"]
    if "PlaybookError" in report["types"]:
        assert place in WHERE, f"{payload.id}: a layout cannot make the playbook fail"
        assert report["problems"], report
        for path, message in report["problems"]:
            assert path == WHERE[place], f"{payload.id}: problem at {path}: {message}"
            assert message.strip()
    elif place == "item_text":
        assert "stages[0].items[0]" in report["message"], report["message"]
    elif place == "layout":
        assert "checklist template" in report["message"], report["message"]
        assert "checklist.md.j2" in report["message"], report["message"]
    else:  # a rule stopped while being evaluated names the limit it passed
        assert "limit MAX_" in report["message"], report["message"]
    refused = "PlaybookError" in report["types"]
    assert payload.expect[place] == ("refused" if refused else "stopped"), (
        f"{payload.id} at {place}: expected {payload.expect[place]}, got {report['message']}")
    told = report["message"] + "".join(message for _, message in report["problems"])
    assert payload.says in told, f"{payload.id} at {place} does not say {payload.says!r}: {told}"


# -- the guards themselves ---------------------------------------------------------------

def test_the_guard_catches_a_payload_that_would_run_away(tmp_path: Path) -> None:
    """The harness is not vacuous: work past the sandbox's budget, done by Python itself,
    is reported as not stopped instead of hanging the suite."""
    report = attempt("layout", "{{ c.items | length }}", tmp_path)
    assert report["outcome"] == "ran"
    assert report["output"].strip() == "0" or report["output"].strip().isdigit()


def test_a_legit_layout_with_loops_and_macros_still_renders(tmp_path: Path) -> None:
    layout = (
        "{% macro row(item) %}- {{ item.text | md }} ({{ item.owner_name }}){% endmacro %}"
        "{% for item in c.items %}{{ row(item) }}{{ loop.cycle('', '') }}\n{% endfor %}"
        "{{ c.deal.account | upper }} {{ '%05.1f' % 3.14159 }} {{ '{:>8}'.format('x') }} "
        "{{ t.items() | list | length > 3 }} {{ c.deal.title.split() | join('-') }}"
    )
    report = attempt("layout", layout, tmp_path)
    assert report["outcome"] == "ran", report
    assert "Hold a discovery call with Zhenhai Refining" in report["output"]
    assert "ZHENHAI REFINING" in report["output"]
    assert "003.1" in report["output"]
    assert "       x" in report["output"]
    assert "Cracker-upgrade" in report["output"]


def test_a_layout_may_loop_up_to_its_step_budget(tmp_path: Path) -> None:
    within = "{% for a in 'x' * 300 %}{% for b in 'y' * 300 %}{% endfor %}{% endfor %}ok"
    beyond = "{% for a in 'x' * 400 %}{% for b in 'y' * 400 %}{% endfor %}{% endfor %}ok"
    assert 300 * 301 < MAX_TEMPLATE_STEPS < 400 * 401
    assert attempt("layout", within, tmp_path)["output"].strip() == "ok"
    stopped = attempt("layout", beyond, tmp_path)
    assert "LimitExceeded" in stopped["types"]
    assert "MAX_TEMPLATE_STEPS" in stopped["message"]


def test_the_cli_prints_a_refused_layout_as_an_error_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "sops"
    folder.mkdir()
    playbook = folder / "playbook.yaml"
    playbook.write_text(_playbook_text("none", ""), encoding="utf-8")
    (folder / "checklist.md.j2").write_text(
        "{{ ('{0.__init__.__globals__}' | attr('format'))(c.deal) }}", encoding="utf-8")
    deal = tmp_path / "deal.yaml"
    deal.write_text(yaml.safe_dump(DEAL.model_dump(mode="json")), encoding="utf-8")
    result = CliRunner().invoke(app, ["checklist", str(deal), "--playbook", str(playbook)])
    assert result.exit_code == 1, result.output
    assert "checklist template" in result.output
    assert "checklist.md.j2" in result.output
    assert "Traceback" not in result.output
    assert "access to attribute '__init__'" in result.output  # the first one refused
    assert "__builtins__" not in result.output


def test_a_stage_template_cannot_name_a_file_outside_the_layout_folders(tmp_path: Path) -> None:
    for name in ("/etc/passwd", "../../../../../../../../etc/passwd", "/etc/hostname"):
        with pytest.raises(DealflowError, match="not found"):
            render_checklist(SHEET, "md", template_dir=tmp_path, template=name)


def test_a_refused_rule_is_located_and_says_why() -> None:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(_playbook_text("rule", "'a' * 10**9"), "payload.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "stages[0].gates[0].when"
    assert "MAX_SIZE" in problem.message
    assert "100,000" in problem.message


# -- what stays allowed ------------------------------------------------------------------

@pytest.mark.parametrize(("rule", "value"), [
    ("facts['pain_confirmed'] and deal.account | upper == 'ZHENHAI REFINING'", True),
    ("[deal.account, deal.title] | map('lower') | select('in', ['cracker upgrade']) | list"
     " | length", 1),
    ("[{'n': 'b'}, {'n': 'a'}] | sort(attribute='n') | map(attribute='n') | join(',')",
     "a,b"),
    ("'%05.1f' % 3.14159 ~ ('x' * 3) ~ (2 ** 10) | string", "003.1xxx1024"),
])
def test_a_rule_within_the_limits_still_evaluates(rule: str, value: Any) -> None:
    playbook = parse_playbook(_playbook_text("rule", rule), "payload.yaml")
    when = playbook.stages[0].gates[0].when
    assert when.evaluate(RuleContext(playbook, DEAL, NOW)) == value


def test_a_layout_may_still_format_large_numbers(tmp_path: Path) -> None:
    """Only the filters whose numbers size their output refuse large numbers."""
    layout = ("{{ '%s CNY' | format(c.deal.amount) }} {{ c.deal.amount | default(10**9) }} "
              "{{ '{:,}'.format(c.deal.amount) }}")
    report = attempt("layout", layout, tmp_path)
    assert report["outcome"] == "ran", report
    assert report["output"].split() == ["1200000", "CNY", "1200000", "1,200,000"]


def test_a_stopped_rule_leaves_no_budget_behind() -> None:
    """The budget of steps is per evaluation: a rule that used it up does not starve the
    next one (nor does one evaluation's budget leak into the other)."""
    maps = "| map('upper') " * 60
    greedy = parse_playbook(_playbook_text(
        "rule", f"(deal.account * 3000) | list {maps}| list | length"), "payload.yaml")
    ctx = RuleContext(greedy, DEAL, NOW)
    for _ in range(2):
        with pytest.raises(DealflowError, match="limit MAX_RULE_STEPS"):
            greedy.stages[0].gates[0].when.evaluate(ctx)
    small = parse_playbook(_playbook_text(
        "rule", "(deal.account * 100) | list | map('upper') | list | length"), "payload.yaml")
    assert small.stages[0].gates[0].when.evaluate(RuleContext(small, DEAL, NOW)) == 1600


@pytest.mark.parametrize("rule", [
    "10 ** (10 ** 10)", "2 ** 999 ** 999", "not (facts.a or facts.b) and facts.c",
    "(stakeholders | first).name", "-(days_in_stage + 1) * 2",
    "deal.title ~ (deal.account ~ 'x')",
    "stakeholders | length > 2 and (facts.a if facts.b else facts.c)",
])
def test_a_rule_in_a_message_reads_as_written(rule: str) -> None:
    """Messages quote rules written back from their tree; the text must parse to the
    same tree (Jinja's `**` groups from the left, so `2 ** 999 ** 999` is shown as
    `(2 ** 999) ** 999`)."""
    text = render(_parse(rule))
    assert render(_parse(text)) == text
    assert _parse(text) == _parse(rule)
