"""The stakeholder map (support score, red flags, role coverage) and the plays it triggers.

Deals here are snapshots built directly: these functions read a deal, they do not move
it. Each red flag and each play has a calm deal for which nothing fires, and a situation
that changes one thing so that exactly that flag or play fires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from dealflow import (
    ApprovalRule,
    Deal,
    Influence,
    LocalizedText,
    Playbook,
    Stakeholder,
    Stance,
    Status,
    analyse_stakeholders,
    compile_rule,
    load_playbook,
    recommend_plays,
)
from dealflow.deal import Competitor, ItemCompletion, Link, Win

PLAYBOOK = load_playbook().model_copy(update={"approval_rules": (ApprovalRule(
    id="top_management_over_50k", text=LocalizedText("Spend over 50,000 needs top management"),
    when=compile_rule("deal.amount > 50000"), requires=("approver",), before="decide"),)})
"""The default playbook with an approval rule of the customer's roles (its own over-50,000
rule is an internal approval, which raises no red flag of the map)."""
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RECENTLY = dt.date(2026, 2, 25)

H, M, L = Influence.high, Influence.medium, Influence.low


def person(pid: str, stance: Stance, influence: Influence = M, *roles: str,
           last_contact: dt.date | None = RECENTLY) -> Stakeholder:
    """A person whose relationship one of ours (li) owns."""
    return Stakeholder(id=pid, name=pid.title(), roles=roles, stance=stance,
                       influence=influence, last_contact=last_contact, owner="li")


#: Five people covering every role the default playbook requires up to `validate`
#: (initiator, economic, technical and user buyers, coach), one champion among them.
CALM = (
    person("ines", Stance.champion, H, "initiator", "user_buyer"),
    person("eric", Stance.supporter, H, "economic_buyer"),
    person("tara", Stance.supporter, M, "technical_buyer"),
    person("colin", Stance.supporter, L, "coach"),
    person("nora", Stance.neutral, M, last_contact=None),
)


CALM_FACTS: dict[str, Any] = {"compelling_event": "The October turnaround"}
"""What the calm deal knows: a compelling event (without one, a play fires)."""


def deal(stage: str = "validate", people: tuple[Stakeholder, ...] = CALM,
         amount: int = 20000, facts: dict[str, Any] | None = None, **fields: Any) -> Deal:
    """A deal of the default playbook in `stage`, five days in it, with `CALM_FACTS` and
    `facts`."""
    values: dict[str, Any] = {
        "facts": {**CALM_FACTS, **(facts or {})},
        "id": "D-1", "title": "Reactor upgrade", "account": "Sinochem", "owner": "li",
        "amount": Decimal(amount), "playbook_id": PLAYBOOK.id,
        "playbook_version": PLAYBOOK.version, "stage": stage, "stakeholders": people,
        "created_at": NOW - dt.timedelta(days=90),
        "stage_entered_at": NOW - dt.timedelta(days=5),
        "items_done": {"meet_economic_buyer": ItemCompletion(
            actor="li", at=NOW - dt.timedelta(days=60), stage="discover")},
    }
    return Deal(**{**values, **fields})


def changed(pid: str, **changes: Any) -> tuple[Stakeholder, ...]:
    """CALM with the person `pid` changed."""
    return tuple(p.model_copy(update=changes) if p.id == pid else p for p in CALM)


def without(pid: str) -> tuple[Stakeholder, ...]:
    """CALM without the person `pid`."""
    return tuple(p for p in CALM if p.id != pid)


def flags(subject: Deal) -> list[str]:
    return [flag.code for flag in analyse_stakeholders(PLAYBOOK, subject, now=NOW).red_flags]


def plays(subject: Deal) -> list[str]:
    return [rec.play for rec in recommend_plays(PLAYBOOK, subject, now=NOW)]


# -- support score -------------------------------------------------------------------------
@pytest.mark.parametrize(("people", "score"), [
    pytest.param((), 0.0, id="nobody"),
    pytest.param(((Stance.champion, H),), 1.0, id="one-high-champion"),
    pytest.param(((Stance.opponent, L),), -1.0, id="one-low-opponent"),
    pytest.param(((Stance.champion, H), (Stance.opponent, H)), 0.0,
                 id="high-champion-and-high-opponent"),
    pytest.param(((Stance.supporter, M),), 0.5, id="one-supporter"),
    pytest.param(((Stance.neutral, H), (Stance.unknown, L)), 0.0, id="neutral-and-unknown"),
    # (3*2 + 2*-1 + 1*1) / (2 * (3 + 2 + 1)) = 5 / 12
    pytest.param(((Stance.champion, H), (Stance.skeptic, M), (Stance.supporter, L)), 5 / 12,
                 id="champion-skeptic-supporter"),
    # (3*-1 + 1*0) / (2 * (3 + 1)) = -3 / 8
    pytest.param(((Stance.skeptic, H), (Stance.neutral, L)), -0.375, id="high-skeptic"),
    # (2*2 + 2*-2 + 3*1) / (2 * (2 + 2 + 3)) = 3 / 14
    pytest.param(((Stance.champion, M), (Stance.opponent, M), (Stance.supporter, H)), 3 / 14,
                 id="supporter-tips-a-draw"),
])
def test_the_support_score_weighs_each_stance_by_influence(
    people: tuple[tuple[Stance, Influence], ...], score: float
) -> None:
    stakeholders = tuple(person(f"p{i}", stance, influence)
                         for i, (stance, influence) in enumerate(people))

    result = analyse_stakeholders(PLAYBOOK, deal(people=stakeholders), now=NOW)

    assert result.support_score == pytest.approx(score)


def test_supporters_and_opponents_are_listed_with_skeptics_among_the_opponents() -> None:
    people = (*CALM, person("sid", Stance.skeptic), person("otto", Stance.opponent, L))

    result = analyse_stakeholders(PLAYBOOK, deal(people=people), now=NOW)

    assert result.supporters == ("ines", "eric", "tara", "colin")
    assert result.opponents == ("sid", "otto")


# -- red flags -----------------------------------------------------------------------------
#: code -> (a deal that raises exactly that flag, a near miss that raises none)
FLAG_CASES: dict[str, tuple[Callable[[], Deal], Callable[[], Deal]]] = {
    "high_influence_opponent": (
        lambda: deal(people=(*CALM, person("otto", Stance.opponent, H))),
        lambda: deal(people=(*CALM, person("otto", Stance.opponent, M),
                             person("sid", Stance.skeptic, H))),
    ),
    "no_champion": (
        lambda: deal(people=changed("ines", stance=Stance.supporter)),
        lambda: deal("shape", people=changed("ines", stance=Stance.supporter)),
    ),
    "single_threaded": (
        lambda: deal(people=without("nora")),
        lambda: deal("shape", people=without("nora")),
    ),
    "not_contacted": (
        lambda: deal(people=changed("tara", last_contact=None)),
        lambda: deal(people=changed("nora", last_contact=None)),
    ),
    "stale_contact": (
        lambda: deal(people=changed("tara", last_contact=dt.date(2026, 1, 30))),
        lambda: deal(people=changed("tara", last_contact=dt.date(2026, 1, 31))),
    ),
    "approval_not_covered": (
        lambda: deal(amount=80000),
        lambda: deal(amount=50000),
    ),
    "role_missing": (
        lambda: deal(people=changed("ines", roles=("initiator",))),
        lambda: deal("shape", people=changed("ines", roles=("initiator",))),
    ),
    "no_relationship_owner": (
        lambda: deal(people=changed("eric", owner=None)),
        lambda: deal(people=changed("tara", owner=None)),
    ),
    "opponent_influences_decider": (
        lambda: deal(people=(*CALM, person("otto", Stance.opponent, M)),
                     links=(Link(kind="influences", source="otto", target="eric"),)),
        lambda: deal(people=(*CALM, person("otto", Stance.opponent, M)),
                     links=(Link(kind="influences", source="otto", target="tara"),
                            Link(kind="reports_to", source="otto", target="eric"))),
    ),
    "decider_wins_unaddressed": (
        lambda: deal(people=changed("eric", personal_wins=(Win(text="a promotion"),))),
        lambda: deal(people=changed("eric", personal_wins=(
            Win(text="a promotion", addressed=True),))),
    ),
}


def test_the_calm_deal_raises_no_red_flag() -> None:
    assert flags(deal()) == []


def test_a_low_influence_champion_is_no_champion_for_the_red_flag() -> None:
    assert flags(deal(people=changed("ines", influence=L))) == ["no_champion"]


def test_the_old_free_text_win_of_a_decider_counts_as_unaddressed() -> None:
    (flag,) = analyse_stakeholders(
        PLAYBOOK, deal(people=changed("eric", org_win="lower energy cost")), now=NOW).red_flags

    assert flag.code == "decider_wins_unaddressed"
    assert "lower energy cost" in flag.reason


@pytest.mark.parametrize("code", FLAG_CASES)
def test_a_red_flag_is_raised_in_its_situation_and_no_other(code: str) -> None:
    raising, _ = FLAG_CASES[code]

    (flag,) = analyse_stakeholders(PLAYBOOK, raising(), now=NOW).red_flags

    assert flag.code == code
    assert flag.severity in ("high", "medium", "low")
    assert flag.reason


@pytest.mark.parametrize("code", FLAG_CASES)
def test_a_red_flag_is_absent_in_the_near_miss_of_its_situation(code: str) -> None:
    _, near_miss = FLAG_CASES[code]

    assert flags(near_miss()) == []


@pytest.mark.parametrize(("code", "stakeholder", "role", "fragment"), [
    pytest.param("high_influence_opponent", "otto", None,
                 "Otto opposes us and has high influence", id="high_influence_opponent"),
    pytest.param("no_champion", None, None, "no champion by stage validate", id="no_champion"),
    pytest.param("single_threaded", None, None,
                 "4 contact(s) mapped; stage validate asks for at least 5", id="single_threaded"),
    pytest.param("not_contacted", "tara", "technical_buyer",
                 "Tara (technical_buyer) has no recorded contact", id="not_contacted"),
    pytest.param("stale_contact", "tara", "technical_buyer",
                 "last contacted 31 days ago (limit 30)", id="stale_contact"),
    pytest.param("approval_not_covered", None, "approver",
                 "approval rule top_management_over_50k", id="approval_not_covered"),
    pytest.param("role_missing", None, "user_buyer",
                 "stage validate requires role user_buyer mapped", id="role_missing"),
])
def test_a_red_flag_names_who_or_which_role_and_why(
    code: str, stakeholder: str | None, role: str | None, fragment: str
) -> None:
    (flag,) = analyse_stakeholders(PLAYBOOK, FLAG_CASES[code][0](), now=NOW).red_flags

    assert (flag.stakeholder, flag.role) == (stakeholder, role)
    assert fragment in flag.reason


def test_red_flags_come_most_severe_first() -> None:
    people = (person("ines", Stance.supporter, H, "initiator", "user_buyer", last_contact=None),
              person("eric", Stance.opponent, H, "economic_buyer"))

    result = analyse_stakeholders(PLAYBOOK, deal(people=people, amount=90000), now=NOW)

    severities = [flag.severity for flag in result.red_flags]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    assert {flag.code for flag in result.red_flags} == {
        "high_influence_opponent", "no_champion", "approval_not_covered", "single_threaded",
        "not_contacted", "role_missing"}


# -- role coverage -------------------------------------------------------------------------
def test_role_coverage_marks_the_roles_required_by_the_stage_and_those_before_it(
    default_playbook: Playbook,
) -> None:
    result = analyse_stakeholders(default_playbook, deal("shape"), now=NOW)

    coverage = {entry.role: entry for entry in result.coverage}
    assert list(coverage) == [role.id for role in default_playbook.roles]
    assert {role for role, entry in coverage.items() if entry.required} == {
        "initiator", "economic_buyer", "technical_buyer", "coach"}
    assert coverage["initiator"].holders == ("ines",)
    assert coverage["economic_buyer"].name == "Economic buyer"
    assert coverage["user_buyer"].covered
    assert not coverage["user_buyer"].required
    assert not coverage["procurement"].covered


def test_role_coverage_lists_holders_most_influential_first() -> None:
    people = (person("low", Stance.neutral, L, "influencer"),
              person("high", Stance.neutral, H, "influencer"),
              person("mid", Stance.neutral, M, "influencer"))

    result = analyse_stakeholders(PLAYBOOK, deal(people=people), now=NOW, locale="zh")

    (influencer,) = [entry for entry in result.coverage if entry.role == "influencer"]
    assert influencer.holders == ("high", "mid", "low")
    assert influencer.name == "影响者"


# -- plays ---------------------------------------------------------------------------------
#: play -> a deal in the situation the play answers; the calm deal fires no play.
PLAY_CASES: dict[str, Callable[[], Deal]] = {
    "high_influence_opponent": lambda: deal(people=(*CALM, person("otto", Stance.opponent, H))),
    "no_champion": lambda: deal(people=changed("ines", stance=Stance.supporter)),
    "tender_before_spec": lambda: deal("shape", facts={"tender_date": dt.date(2026, 4, 1)}),
    "big_deal_sponsor": lambda: deal(amount=80000),
    "technical_buyer_skeptical": lambda: deal(people=changed("tara", stance=Stance.skeptic)),
    "economic_buyer_not_met": lambda: deal("propose", items_done={}),
    "single_threaded": lambda: deal("discover", people=CALM[:2]),
    "stalled_deal": lambda: deal(stage_entered_at=NOW - dt.timedelta(days=31)),
    "incumbent_ahead": lambda: deal(competitors=(Competitor(
        id="acme", name="Acme", incumbent=True, positions={"lifecycle_cost": "behind"}),)),
    "economic_buyer_not_supporting": lambda: deal(
        "propose", people=changed("eric", stance=Stance.neutral)),
    "new_player": lambda: deal(facts={"reorganisation": True}),
    "champion_gone_quiet": lambda: deal(
        people=changed("ines", last_contact=NOW.date() - dt.timedelta(days=22))),
    "price_before_technical_win": lambda: deal(facts={"price_pressure": True}),
    "failed_tender": lambda: deal("propose", facts={"tender_failed": True}),
    "behind_at_the_bid": lambda: deal("propose", facts={"competitive_position": "behind"}),
    "no_compelling_event": lambda: deal("shape").model_copy(update={"facts": {}}),
}


def test_an_incumbent_we_are_not_behind_fires_no_play() -> None:
    rivals = (Competitor(id="acme", name="Acme", incumbent=True,
                         positions={"lifecycle_cost": "ahead"}),
              Competitor(id="beta", name="Beta", positions={"technology": "even"}))

    assert plays(deal(competitors=rivals)) == []


def test_the_table_covers_every_play_of_the_playbook(default_playbook: Playbook) -> None:
    assert set(PLAY_CASES) == {play.id for play in default_playbook.plays}


@pytest.mark.parametrize("stage", [stage.id for stage in PLAYBOOK.stages])
def test_the_calm_deal_fires_no_play_in_any_stage(stage: str) -> None:
    assert plays(deal(stage)) == []


@pytest.mark.parametrize("play", PLAY_CASES)
def test_a_play_fires_in_the_situation_built_for_it(play: str) -> None:
    (recommendation,) = recommend_plays(PLAYBOOK, PLAY_CASES[play](), now=NOW)

    spec = next(p for p in PLAYBOOK.plays if p.id == play)
    assert recommendation.play == play
    assert recommendation.priority == spec.priority
    assert recommendation.why == spec.when.source
    assert recommendation.action == PLAYBOOK.text(spec.action)
    assert recommendation.situation == PLAYBOOK.text(spec.name)


@pytest.mark.parametrize(("situation", "absent"), [
    pytest.param(lambda: deal("shape", people=changed("ines", stance=Stance.supporter)),
                 "no_champion", id="no_champion-before-validate"),
    pytest.param(lambda: deal("propose", facts={"tender_date": dt.date(2026, 4, 1)}),
                 "tender_before_spec", id="tender_before_spec-after-shape"),
    pytest.param(lambda: deal("shape", facts={"tender_date": dt.date(2026, 4, 1),
                                              "spec_influenced": True}),
                 "tender_before_spec", id="tender_before_spec-with-spec-influenced"),
    pytest.param(lambda: deal("qualify", people=CALM[:1]), "single_threaded",
                 id="single_threaded-in-qualify"),
    pytest.param(lambda: deal(people=(*CALM, person("otto", Stance.opponent, H)),
                              facts={"opponent_plan": True}),
                 "high_influence_opponent", id="high_influence_opponent-with-a-plan"),
    pytest.param(lambda: deal(stage_entered_at=NOW - dt.timedelta(days=30)), "stalled_deal",
                 id="stalled_deal-at-30-days"),
    pytest.param(lambda: deal("validate", people=changed("eric", stance=Stance.neutral)),
                 "economic_buyer_not_supporting",
                 id="economic_buyer_not_supporting-before-propose"),
    pytest.param(lambda: deal(people=changed(
        "ines", last_contact=NOW.date() - dt.timedelta(days=21))), "champion_gone_quiet",
                 id="champion_gone_quiet-at-21-days"),
    pytest.param(lambda: deal(facts={"price_pressure": True, "technical_signoff": True}),
                 "price_before_technical_win", id="price_pressure-after-the-technical-win"),
    pytest.param(lambda: deal("qualify").model_copy(update={"facts": {}}),
                 "no_compelling_event", id="no_compelling_event-in-qualify"),
    pytest.param(lambda: deal("propose", facts={"competitive_position": "even"}),
                 "behind_at_the_bid", id="behind_at_the_bid-when-level"),
])
def test_a_play_stays_quiet_outside_its_stages_or_once_handled(
    situation: Callable[[], Deal], absent: str
) -> None:
    assert absent not in plays(situation())


def test_plays_come_by_priority_then_in_playbook_order() -> None:
    people = (*changed("ines", stance=Stance.supporter)[:2],
              person("tara", Stance.skeptic, M, "technical_buyer"),
              person("otto", Stance.opponent, H))
    subject = deal(people=people, amount=80000, stage_entered_at=NOW - dt.timedelta(days=40))

    recommendations = recommend_plays(PLAYBOOK, subject, now=NOW)

    assert [rec.play for rec in recommendations] == [
        "high_influence_opponent", "no_champion", "big_deal_sponsor",
        "technical_buyer_skeptical", "stalled_deal"]
    assert [rec.priority for rec in recommendations] == [5, 10, 15, 15, 30]


def test_a_play_names_who_steps_in_in_the_requested_locale() -> None:
    subject = PLAY_CASES["high_influence_opponent"]()

    (english,) = recommend_plays(PLAYBOOK, subject, now=NOW)
    (chinese,) = recommend_plays(PLAYBOOK, subject, now=NOW, locale="zh")

    assert english.who == ("Account manager", "Executive sponsor")
    assert chinese.who == ("销售（客户经理）", "我方高层")
    assert chinese.action.startswith("单独拜访反对者")


@pytest.mark.parametrize("status", [Status.won, Status.lost], ids=["won", "lost"])
def test_a_closed_deal_gets_no_plays(status: Status) -> None:
    troubled = PLAY_CASES["high_influence_opponent"]().model_copy(update={"status": status})

    assert plays(troubled) == []


def test_a_held_deal_still_gets_plays() -> None:
    troubled = PLAY_CASES["high_influence_opponent"]().model_copy(
        update={"status": Status.on_hold})

    assert plays(troubled) == ["high_influence_opponent"]


def test_a_low_influence_champion_does_not_silence_the_no_champion_play() -> None:
    assert plays(deal(people=changed("ines", influence=L))) == ["no_champion"]
