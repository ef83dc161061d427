"""Red flags in Chinese: with the zh locale, the reason of every red flag of the map names
no English word but the ids and names of the playbook and the deal, on the bundled
playbook and on lab-subscriptions; in English the reasons are as they were."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealflow import (
    Deal,
    Influence,
    Playbook,
    Stakeholder,
    Stance,
    analyse_stakeholders,
    load_playbook,
)
from dealflow._messages import use_locale
from tests._english_words import allowed_words, english_words
from tests.conftest import LAB_PLAYBOOK

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=["complex-b2b", "lab-subscriptions"])
def playbook(request: pytest.FixtureRequest) -> Playbook:
    return load_playbook("complex-b2b" if request.param == "complex-b2b" else LAB_PLAYBOOK)


def _troubled(playbook: Playbook, stage: str) -> Deal:
    """A deal in `stage` whose map raises flags: an influential opponent nobody of ours
    owns, a person never contacted, one not contacted for months."""
    first = playbook.roles[0].id
    people = (
        Stakeholder(id="zhao", name="赵总", roles=(first,), stance=Stance.opponent,
                    influence=Influence.high, last_contact=dt.date(2025, 10, 1)),
        Stakeholder(id="qian", name="钱工", roles=(first,), stance=Stance.neutral,
                    influence=Influence.low),
    )
    return Deal(id="D-9", title="泵站改造", account="华东水务", owner="wang",
                amount=Decimal(900000), playbook_id=playbook.id,
                playbook_version=playbook.version, stage=stage, stakeholders=people,
                created_at=NOW - dt.timedelta(days=90),
                stage_entered_at=NOW - dt.timedelta(days=5))


def test_every_red_flag_reason_is_chinese(playbook: Playbook) -> None:
    allowed = allowed_words(playbook, "D-9", "zhao", "qian")
    codes: set[str] = set()
    found: dict[str, list[str]] = {}
    for stage in playbook.stages:
        with use_locale("zh"):
            result = analyse_stakeholders(playbook, _troubled(playbook, stage.id), now=NOW)
        for flag in result.red_flags:
            codes.add(flag.code)
            if words := english_words(flag.reason, allowed):
                found[f"{stage.id} {flag.code}"] = words
    assert {"high_influence_opponent", "not_contacted", "stale_contact"} <= codes
    assert found == {}


def test_red_flag_reasons_in_english_are_as_before() -> None:
    playbook = load_playbook(LAB_PLAYBOOK)
    result = analyse_stakeholders(playbook, _troubled(playbook, playbook.stages[0].id), now=NOW)
    reasons = {flag.code: flag.reason for flag in result.red_flags}
    first = playbook.roles[0].id
    assert reasons["high_influence_opponent"] == "赵总 opposes us and has high influence"
    assert reasons["not_contacted"] == f"钱工 ({first}) has no recorded contact"
    assert reasons["stale_contact"] == (
        f"赵总 ({first}) last contacted 152 days ago "
        f"(limit {playbook.red_flags.stale_contact_days})")
