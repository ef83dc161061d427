"""The units of the cost model: what a value's size is, how a `%` format is read, how
decimals are bounded, and the places where a value too large once crashed dealflow."""

from __future__ import annotations

import dataclasses
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dealflow import parse_playbook
from dealflow.cli import app
from dealflow.engine import RuleContext, evaluate_rule
from dealflow.errors import DealflowError, LimitExceeded
from dealflow.limits import Limits
from dealflow.rules import compile_rule
from dealflow.rules._cost import (
    MAX_DECIMAL_EXPONENT,
    MAX_INT_BITS,
    OPAQUE_SIZE,
    charge,
    open_steps,
    size_of,
    steps_left,
    stop_steps,
)
from dealflow.rules._guards import ARITHMETIC, percent_specs
from dealflow.sop import build_checklist, render_checklist
from tests.security.test_sandbox_payloads import BASE, DEAL, NOW, SHEET, _minimal_data


@dataclasses.dataclass(frozen=True)
class _Record:
    name: str
    tags: tuple[str, ...]


@pytest.mark.parametrize(("value", "size"), [
    ("abc", 3),
    (["x" * 100] * 10, 1_010),
    ({"ab": "cde"}, 6),
    (10**100, 101),
    (2**64, 20),
    (0, 1),
    (Decimal("1.25"), 5),
    (Decimal("1E+40"), 41),
    (_Record("ab", ("c", "de")), len("name") + 3 + len("tags") + 3 + 2 + 2 + 1 + 2),
    (object(), OPAQUE_SIZE),
    (None, 1),
], ids=["text", "list-of-texts", "mapping", "googol", "2**64", "zero", "decimal",
        "decimal-exponent", "record", "opaque", "none"])
def test_a_value_is_sized_by_what_it_prints_as(value: Any, size: int) -> None:
    assert size_of(value) == size


def test_sizing_a_value_stops_where_the_budget_does() -> None:
    token = open_steps("rule")
    try:
        charge((steps_left() or 0) - 10)  # ten steps left
        with pytest.raises(LimitExceeded, match="MAX_RULE_STEPS"):
            size_of(["x"] * 10**5)
    finally:
        stop_steps(token)


@pytest.mark.parametrize(("fmt", "keys", "widths"), [
    ("%s and %5d", [None, None], 5),
    ("%(a)s %(b)-10.3f", ["a", "b"], 13),
    ("%((a)b)15s", ["(a)b"], 15),
    ("%(((x))y)07d%%", ["((x))y", None], 7),
    ("100%% sure", [None], 0),
], ids=["plain", "named", "nested-key", "deeper-key-and-percent", "literal-percent"])
def test_a_percent_format_is_read_as_python_reads_it(fmt: str, keys: list[str | None],
                                                     widths: int) -> None:
    assert percent_specs(fmt) == (keys, widths)


@pytest.mark.parametrize("fmt", ["%((a)b)1500000000s", "%(a)*s", "%(x)-.1001f", "%.1001f"],
                         ids=["nested-key-width", "star", "named-precision", "precision"])
def test_a_percent_format_past_the_widths_is_refused(fmt: str) -> None:
    with pytest.raises(LimitExceeded, match="MAX_FORMAT_WIDTH"):
        percent_specs(fmt)


@pytest.mark.parametrize(("symbol", "left", "right"), [
    ("*", Decimal("1E+3999"), 100), ("**", Decimal(10), 4001),
    ("/", Decimal("1E+3999"), Decimal("1E-10")), ("+", Decimal("9.99E+4000"), Decimal("1E+4000")),
], ids=["times", "power", "divided", "plus"])
def test_decimal_arithmetic_stays_below_its_exponent(symbol: str, left: Any, right: Any) -> None:
    with pytest.raises(LimitExceeded, match="MAX_DECIMAL_EXPONENT|MAX_EXPONENT"):
        ARITHMETIC[symbol](left, right)


def test_decimal_arithmetic_keeps_money_exact() -> None:
    assert ARITHMETIC["*"](Decimal("1200000.10"), 3) == Decimal("3600000.30")
    assert ARITHMETIC["/"](Decimal(1), Decimal(3)) == Decimal("0.3333333333333333333333333333")
    assert MAX_DECIMAL_EXPONENT == 4_000


def test_a_number_literal_longer_than_any_a_rule_may_build_is_refused() -> None:
    data = _minimal_data()
    data["stages"][0]["gates"][0]["when"] = "deal.amount < " + "9" * 4_250
    with pytest.raises(DealflowError, match="MAX_INT_BITS"):
        parse_playbook(yaml.safe_dump(data), "p.yaml", limits=Limits(max_rule_length=5_000))
    assert MAX_INT_BITS < 4_300 * 3.33


def test_a_refused_gate_against_a_huge_number_is_explained_in_short() -> None:
    """A number Python cannot print (here a fact set from Python) no longer crashes the
    explanation of the refusal: it is shown by its size."""
    data = _minimal_data()
    data["facts"].append({"id": "quota", "name": "Quota", "type": "int"})
    data["stages"][0]["gates"][0]["when"] = "facts.quota < 1"
    playbook = parse_playbook(yaml.safe_dump(data), "p.yaml")
    deal = DEAL.model_copy(update={"facts": {"pain_confirmed": True, "quota": 10**5000}})
    sheet = build_checklist(playbook, deal, now=NOW)
    [gate] = [gate for gate in sheet.gates if gate.id == "pain_confirmed"]
    assert not gate.passed
    assert gate.missing == ("facts.quota is a number of 16,610 bits (needs < 1)",)
    assert "16,610 bits" in render_checklist(sheet, "md")


def test_an_explanation_that_fails_falls_back_to_the_rule() -> None:

    rule = compile_rule("stage_items_done()")
    ctx = RuleContext(BASE, DEAL, NOW)

    def broken(*args: Any) -> list[str]:
        raise ValueError("no")

    ctx.stage_items_done = lambda: False  # type: ignore[method-assign]
    ctx.missing_blocking_items = broken  # type: ignore[method-assign]
    passed, missing, error = evaluate_rule(rule, ctx)
    assert not passed
    assert error is None
    assert missing == ("`stage_items_done()` is false (its parts could not be shown: "
                       "ValueError: no)",)


# -- layout files ---------------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "playbook.yaml").write_text(yaml.safe_dump(_minimal_data()), encoding="utf-8")
    (tmp_path / "deal.yaml").write_text(yaml.safe_dump(DEAL.model_dump(mode="json")),
                                        encoding="utf-8")
    return tmp_path


def _checklist(folder: Path, *options: str) -> Any:
    return CliRunner().invoke(app, ["checklist", str(folder / "deal.yaml"), "--playbook",
                                    str(folder / "playbook.yaml"), *options])


def test_a_layout_past_max_bytes_is_refused_before_it_is_read_whole(folder: Path) -> None:
    (folder / "checklist.md.j2").write_bytes(b"x" * 2_000_001)
    result = _checklist(folder)
    assert result.exit_code == 1, result.output
    assert "checklist.md.j2: the layout is 2,000,001 bytes or more; the limit max_bytes is " \
           "2000000 (raise it with DEALFLOW_LIMITS=max_bytes=N)" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_an_included_layout_past_max_bytes_is_refused_too(folder: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEALFLOW_LIMITS", "max_bytes=1000")
    (folder / "checklist.md.j2").write_text("{% include 'part.j2' %}", encoding="utf-8")
    (folder / "part.j2").write_text("y" * 1001, encoding="utf-8")
    with pytest.raises(DealflowError, match=r"part\.j2: the layout is 1,001 bytes"):
        render_checklist(SHEET, "md", template_dir=folder)


def test_a_layout_that_is_not_utf8_is_refused(folder: Path) -> None:
    (folder / "checklist.md.j2").write_bytes(b"ok \xff")
    result = _checklist(folder)
    assert result.exit_code == 1, result.output
    assert "not UTF-8 text (byte 0xff at position 3)" in result.output
    assert "Traceback" not in result.output


def test_a_layout_too_large_to_compile_is_refused_before_python_compiles_it(
        folder: Path) -> None:
    (folder / "checklist.md.j2").write_text("{{ c.deal.title }}" * 30_000, encoding="utf-8")
    with pytest.raises(LimitExceeded, match="checklist template checklist.md.j2 takes more "
                                            "than 100,000 steps"):
        render_checklist(SHEET, "md", template_dir=folder)


def test_a_layout_edited_after_its_first_render_is_read_again(folder: Path) -> None:
    layout = folder / "checklist.md.j2"
    layout.write_text("one", encoding="utf-8")
    assert render_checklist(SHEET, "md", template_dir=folder) == "one"
    layout.write_text("two!", encoding="utf-8")
    stamp = layout.stat().st_mtime + 5
    os.utime(layout, (stamp, stamp))
    assert render_checklist(SHEET, "md", template_dir=folder) == "two!"
