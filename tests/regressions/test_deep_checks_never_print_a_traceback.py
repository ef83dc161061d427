"""Regression: `dealflow validate --deep` printed a hypothesis exception-group traceback.

An item text that passes a limit of the sandbox only for some deals (a title repeated
100,000 times, a power of ten as large as the amount) raised `LimitExceeded` out of the
deep check's own code; two such texts in two stages made hypothesis report "2 distinct
failures" as an exception group, with its traceback. Such a text is now a DF202 finding
naming the item and the limit, with its deal; and should a check stop for any other
reason, it is one `DealflowError` naming the check and every reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealflow import RuleContext, parse_playbook
from dealflow.cli import app
from dealflow.errors import DealflowError
from dealflow.playbook import Stage
from dealflow.testing import _deep as deep
from dealflow.testing import deep_check
from tests.conftest import TESTS

MINIMAL = (TESTS / "playbooks" / "minimal.yaml").read_text(encoding="utf-8")
FIRST_TEXT = ('text: {en: "Hold a discovery call with {{ deal.account }}", '
              'zh: "与{{ deal.account }}开展需求访谈"}')
CLOSE_GATE = "        when: facts.contract_signed and covered('economic_buyer')\n"
OVER_LIMITS = MINIMAL.replace(
    FIRST_TEXT, 'text: {en: "{% if deal.stakeholders %}{{ deal.title * 100000 }}{% endif %}", '
                'zh: "x"}', 1,
).replace(CLOSE_GATE, CLOSE_GATE + """    items:
      - id: sign
        text: {en: "{{ 10 ** (deal.amount|int + 1000) }}", zh: "y"}
        owner: sales
""", 1)
"""Two item texts that pass a limit for some deals only (so the playbook loads): a long
title repeated (MAX_SIZE) in the first stage, a large power (MAX_EXPONENT) in the last."""


@pytest.fixture
def over_limits(tmp_path: Path) -> Path:
    assert OVER_LIMITS.count("100000") == 1
    assert "10 ** (deal.amount" in OVER_LIMITS
    path = tmp_path / "over-limits.yaml"
    path.write_text(OVER_LIMITS, encoding="utf-8")
    return path


def test_texts_over_a_limit_are_findings_with_the_limit_and_a_deal(over_limits: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--deep", "--examples", "30",
                                      str(over_limits)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "distinct failures" not in result.output
    printed = " ".join(result.output.split())
    assert printed.count("DF202 error:") >= 1, printed
    assert printed.count("limit MAX_") >= printed.count("DF202 error:"), printed
    assert printed.count("deal: id:") == printed.count("DF202 error:"), printed


def test_the_finding_names_the_item_whose_text_passes_the_limit() -> None:
    found = deep_check(parse_playbook(OVER_LIMITS), examples=30)
    texts = [f for f in found if f.code == "DF202"]
    assert texts
    assert all("item 'sign'" in f.message or "item 'discovery_call'" in f.message
               for f in texts), texts
    assert all(f.witness for f in texts)


def _two_ways_to_fail(ctx: RuleContext, stage: Stage) -> str | None:
    """A stand-in for the check of item texts that fails, in two distinct ways."""
    if ctx.deal.stakeholders:
        raise ValueError("a check that fails with people mapped")
    raise KeyError("a check that fails without")


def test_a_check_that_stops_is_one_clear_error_with_every_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deep, "_unfilled", _two_ways_to_fail)
    with pytest.raises(DealflowError) as raised:
        deep_check(parse_playbook(MINIMAL), examples=20)
    message = str(raised.value)
    assert message.startswith("minimal 1: the deep check that every rule evaluates and "
                              "every checklist renders stopped on a generated deal: ")
    assert "ValueError: a check that fails with people mapped" in message
    assert "KeyError: 'a check that fails without'" in message


def test_the_cli_prints_a_stopped_check_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deep, "_unfilled", _two_ways_to_fail)
    path = TESTS / "playbooks" / "minimal.yaml"
    result = CliRunner().invoke(app, ["validate", "--deep", "--examples", "20", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "the deep check that every rule evaluates" in " ".join(result.output.split())
