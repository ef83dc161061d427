"""The bundled tender-cn playbook: a public tender in China, bid/no-bid as a decision with
its own control points, no negotiation between bid and award, won only with a signed
contract, the handover opened by the win, and the 30 days to sign after the award."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealflow import Deal, Engine, Playbook, Stakeholder, Team, TeamMember, load_playbook
from dealflow.deal import Evidence, Source, Status
from dealflow.errors import MoveRefused
from dealflow.testing import deep_check, favourable_deals

NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)
TEAM = Team(people=(
    TeamMember(id="zhao", name="Zhao Lei", roles=("sales",)),
    TeamMember(id="qian", name="Qian Hui", roles=("sales_director",)),
    TeamMember(id="sun", name="Sun Tao", roles=("executive",)),
    TeamMember(id="zhou", name="Zhou Min", roles=("legal",)),
))


@pytest.fixture(scope="module")
def tender() -> Playbook:
    return load_playbook("tender-cn")


@pytest.fixture
def engine(tender: Playbook) -> Engine:
    return Engine(tender, clock=lambda: NOW, team=TEAM)


@pytest.fixture
def new_deal(engine: Engine) -> Deal:
    return engine.create(deal_id="T-1", title="DCS upgrade", account="Yulin Beihua",
                         owner="zhao", actor="zhao", amount=8_600_000, currency="CNY").deal


def _in(deal: Deal, stage: str, **facts: object) -> Deal:
    """`deal` put in `stage` with `facts` (a test shortcut past the earlier stages)."""
    return deal.model_copy(update={"stage": stage, "facts": {**deal.facts, **facts}})


def _backed(engine: Engine, deal: Deal, **facts: object) -> Deal:
    """`deal` with each of `facts` set with evidence, as the tender's gates ask."""
    for name, value in facts.items():
        backing = Evidence(evidence=f"{name} document", source=Source.document,
                           on=NOW.date())
        deal = engine.set_fact(deal, name, value, actor="zhao", evidence=backing,
                               raise_on_refusal=True).deal
    return deal


def test_it_loads_by_id_with_chinese_first(tender: Playbook) -> None:
    assert tender.id == "tender-cn"
    assert tender.locales == ("zh", "en")
    assert tender.text(tender.stages[3].name) == "投标决策"
    assert tender.text(tender.stages[3].name, "en") == "Bid / no-bid decision"


def test_it_is_sound_under_the_deep_checks(tender: Playbook) -> None:
    assert [finding.code for finding in deep_check(tender, examples=30)] == []


def test_the_tender_path_has_no_negotiation_between_bid_and_award(tender: Playbook) -> None:
    stages = [stage.id for stage in tender.stages]
    assert stages == ["lead_guidance", "project_budget", "spec_shaping", "bid_decision",
                      "bid_preparation", "bid_evaluation", "award", "contract_signing"]
    after_bid = stages[stages.index("bid_preparation"):stages.index("award") + 1]
    assert after_bid == ["bid_preparation", "bid_evaluation", "award"]


@pytest.mark.parametrize(("fact", "label", "stored"), [
    ("tender_type", "公开招标", "open_tender"),
    ("tender_type", "Single source", "single_source"),
    ("tender_type", "竞争性磋商", "competitive_consultation"),
    ("evaluation_method", "综合评分法", "comprehensive_scoring"),
    ("evaluation_method", "最低评标价法", "lowest_evaluated_price"),
    ("qualification_review", "资格预审", "prequalification"),
], ids=["open", "single-source-en", "consultation", "scoring", "lowest-price", "prequal"])
def test_tender_facts_take_their_chinese_or_english_labels(
    engine: Engine, new_deal: Deal, fact: str, label: str, stored: str,
) -> None:
    deal = engine.set_fact(new_deal, fact, label, actor="zhao", raise_on_refusal=True).deal
    assert deal.facts[fact] == stored


def test_a_fact_without_its_evidence_does_not_pass_its_control_point(
    engine: Engine, new_deal: Deal,
) -> None:
    deal = _in(new_deal, "project_budget", budget="9000000 CNY")
    deal = engine.set_fact(deal, "project_approved", True, actor="zhao").deal
    blocking = {check.id for check in engine.explain(deal).blocking}
    assert "project_approval_backed" in blocking
    deal = _backed(engine, deal, project_approved=True)
    assert "project_approval_backed" not in {c.id for c in engine.explain(deal).blocking}


@pytest.fixture
def at_bid_decision(engine: Engine, new_deal: Deal) -> Deal:
    """A deal at the bid decision with every control point of the bid met but the review."""
    people = (Stakeholder(id="liu", name="Liu", roles=("deputy_gm",)),
              Stakeholder(id="sun", name="Sun", roles=("procurement_center",)))
    deal = _in(new_deal, "bid_decision", qualification_review="post_qualification",
               spec_bias="neutral", competitive_position="leading")
    deal = deal.model_copy(update={"stakeholders": people})
    return _backed(engine, deal, tender_published_on=dt.date(2026, 8, 20),
                   delivery_confirmed=True)


def test_bidding_needs_the_bid_review_on_record(engine: Engine, at_bid_decision: Deal) -> None:
    refused = engine.advance(at_bid_decision, actor="zhao")
    assert [check.id for check in refused.report.blocking] == ["approval:bid_review"]
    deal = engine.approve(at_bid_decision, "bid_review", by="qian", note="Bid: spec neutral",
                          raise_on_refusal=True).deal
    assert engine.advance(deal, actor="zhao", raise_on_refusal=True).deal.stage == (
        "bid_preparation")


def test_a_tender_written_for_a_rival_blocks_the_bid_unless_an_executive_waives_it(
    engine: Engine, at_bid_decision: Deal,
) -> None:
    deal = engine.approve(at_bid_decision, "bid_review", by="qian", note="Strategic account",
                          raise_on_refusal=True).deal
    deal = engine.set_fact(deal, "spec_bias", "控标对手（为他人定制）", actor="zhao").deal
    assert deal.facts["spec_bias"] == "rival"
    assert [c.id for c in engine.advance(deal, actor="zhao").report.blocking] == [
        "spec_not_controlled"]
    deal = engine.waive(deal, "spec_not_controlled", person="sun", role="executive",
                        reason="The reference site matters more than this margin",
                        actor="sun", raise_on_refusal=True).deal
    assert engine.advance(deal, actor="zhao", raise_on_refusal=True).deal.stage == (
        "bid_preparation")


def test_a_no_bid_is_its_own_outcome_after_the_review_with_a_reason(
    engine: Engine, at_bid_decision: Deal,
) -> None:
    refused = engine.close(at_bid_decision, outcome="no_bid", actor="zhao")
    assert {check.id for check in refused.report.blocking} == {
        "no_bid_reviewed", "no_bid_reason_given"}
    deal = engine.approve(at_bid_decision, "bid_review", by="qian",
                          note="No bid: written for a rival", raise_on_refusal=True).deal
    closed = engine.close(deal, outcome="no_bid", actor="zhao",
                          note="Section 3 names a rival's controller", raise_on_refusal=True)
    assert (closed.deal.status, closed.deal.outcome) == (Status.closed, "no_bid")


@pytest.mark.parametrize("stage", ["bid_preparation", "bid_evaluation", "award"])
def test_a_deal_is_never_won_before_the_contract_stage(
    engine: Engine, new_deal: Deal, stage: str,
) -> None:
    with pytest.raises(MoveRefused):
        engine.win(_in(new_deal, stage), actor="zhao", raise_on_refusal=True)


@pytest.fixture
def signed(engine: Engine, new_deal: Deal) -> Deal:
    """A deal at the contract stage, signed ten days after the award notice, its bid and
    price reviewed."""
    deal = _in(new_deal, "contract_signing", contract_matches_bid=True,
               contract_signed_on=dt.date(2026, 9, 1),
               payment_terms=({"milestone": "advance", "percent": 30},
                              {"milestone": "acceptance", "percent": 70}))
    deal = _backed(engine, deal, contract_signed=True, award_notice_date=dt.date(2026, 8, 22))
    for approval in ("bid_review", "pricing_review"):  # given by the sales director
        deal = engine.approve(deal, approval, by="qian", note="reviewed",
                              raise_on_refusal=True).deal
    return deal


def test_won_means_the_contract_is_signed_and_reviewed_and_opens_the_handover(
    engine: Engine, signed: Deal,
) -> None:
    unsigned = signed.model_copy(update={"facts": {**signed.facts, "contract_signed": False}})
    assert "contract_signed_backed" in {
        c.id for c in engine.win(unsigned, actor="zhao").report.blocking}
    assert [c.id for c in engine.win(signed, actor="zhao").report.blocking] == [
        "approval:contract_review"]
    reviewed = engine.approve(signed, "contract_review", by="zhou", note="Follows the bid",
                              raise_on_refusal=True).deal
    won = engine.win(reviewed, actor="zhao", raise_on_refusal=True)
    assert won.deal.status is Status.won
    assert [getattr(e, "item_id", None) for e in won.events if e.type == "item_opened"] == [
        "handover_to_delivery", "kickoff_meeting", "collection_plan"]


def test_a_contract_signed_after_30_days_is_warned_about(engine: Engine, signed: Deal) -> None:
    late = _backed(engine, signed, award_notice_date=dt.date(2026, 7, 20))
    assert [c.id for c in engine.explain(late).warnings] == ["signed_within_30_days"]
    assert engine.explain(signed).warnings == ()


@pytest.mark.parametrize(("stage", "days_after_award", "signed", "reminded"), [
    ("award", 10, False, False),
    ("award", 20, False, True),
    ("contract_signing", 25, False, True),
    ("contract_signing", 25, True, False),
    ("bid_evaluation", 25, False, False),
], ids=["10-days", "20-days", "25-days-at-contract", "signed", "not-yet-awarded-stage"])
def test_the_sweep_reminds_of_the_30_days_to_sign_after_the_award(
    tender: Playbook, new_deal: Deal, stage: str, days_after_award: int, signed: bool,
    reminded: bool,
) -> None:
    rule = next(r for r in tender.automation if r.id == "contract_30_day_reminder")
    deal = _in(new_deal, stage, award_notice_date=dt.date(2026, 8, 1), contract_signed=signed)
    later = dt.datetime(2026, 8, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(days=days_after_award)
    context = Engine(tender, clock=lambda: later).context(deal)
    assert context.holds(rule.when) is reminded


TENDER = load_playbook("tender-cn")


REVIEWS = {"bid_review": "qian", "pricing_review": "qian", "contract_review": "zhou"}


def _reviewed(engine: Engine, deal: Deal, reviews: set[str]) -> Deal:
    """`deal` with the internal reviews in `reviews` given, each by a person who may."""
    for approval in sorted(reviews):
        outcome = engine.approve(deal, approval, by=REVIEWS[approval], note="reviewed")
        deal = outcome.deal if outcome.ok else deal
    return deal


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(deal=favourable_deals(TENDER))
def test_no_deal_is_won_before_the_contract_stage_or_without_a_backed_contract(
    deal: Deal,
) -> None:
    engine = Engine(TENDER, clock=lambda: NOW, team=TEAM)
    deal = _reviewed(engine, deal, set(REVIEWS))  # every review given: they are not the point
    won = engine.win(deal, actor="zhao")
    if deal.stage != "contract_signing":
        assert not won.ok
    if won.ok:
        assert deal.facts.get("contract_signed") is True
        assert engine.context(deal).evidence("contract_signed")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(deal=favourable_deals(TENDER), reviews=st.sets(st.sampled_from(sorted(REVIEWS))))
def test_a_no_bid_is_only_for_a_reviewed_bid_decision_and_never_counts_as_a_loss(
    deal: Deal, reviews: set[str],
) -> None:
    engine = Engine(TENDER, clock=lambda: NOW, team=TEAM)
    deal = _reviewed(engine, deal, reviews)
    closed = engine.close(deal, outcome="no_bid", actor="zhao", note="written for a rival")
    allowed = deal.stage in ("spec_shaping", "bid_decision") and "bid_review" in deal.approvals
    assert closed.ok is allowed
    if closed.ok:
        assert closed.deal.status is Status.closed


@pytest.mark.parametrize(("stage", "locale", "title"), [
    ("spec_shaping", "zh", "与设计院谈技术参数"),
    ("spec_shaping", "en", "Talking parameters with the design institute"),
    ("bid_preparation", "zh", "投标文件形式审查清单"),
    ("bid_preparation", "en", "Formal-review checklist for the bid"),
], ids=["shaping-zh", "shaping-en", "bid-zh", "bid-en"])
def test_the_checklist_carries_the_stages_enablement_content(tender: Playbook, new_deal: Deal,
                                                             stage: str, locale: str,
                                                             title: str) -> None:
    from dealflow.sop import build_checklist, render_checklist

    page = render_checklist(build_checklist(tender, _in(new_deal, stage), locale=locale), "md")
    assert title in page
