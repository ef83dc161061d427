"""The story `dealflow demo` tells: one tender, from first meeting to contract.

A control-system upgrade for the ethylene cracker of a refinery, sold under the default
playbook. Each chapter is a stage: what the account manager learns and does, told as
the steps the demo runs through the public API. The story is fixed; only the dates
follow today's (contacts a few days ago, the tender in two months).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dealflow.cli._demo_commitments import (
    AgreePlan,
    CloseDate,
    CommitmentStep,
    CompletePlay,
    SeedPlan,
    StepDone,
    TakePlay,
)

__all__ = ["CHAPTERS", "DEAL", "Advance", "Chapter", "Fact", "Item", "Person", "Rate", "Show"]

DEAL: dict[str, Any] = {
    "deal_id": "zhenhai-cracker-dcs",
    "title": "Ethylene cracker control-system upgrade (tender)",
    "account": "Zhenhai Refining & Chemical",
    "owner": "li.wei",
    "actor": "li.wei",
    "amount": 1_200_000,
    "currency": "CNY",
}


@dataclass(frozen=True)
class Fact:
    """Set a fact (a date fact given as days from today)."""

    name: str
    value: Any
    days_from_today: int | None = None


@dataclass(frozen=True)
class Person:
    """Map a stakeholder, last contacted `contact_days_ago` days ago."""

    id: str
    name: str
    title: str
    roles: tuple[str, ...]
    stance: str
    influence: str
    org_win: str
    personal_win: str
    contact_days_ago: int


@dataclass(frozen=True)
class Rate:
    """Change a stakeholder's stance (or other fields), and say why."""

    id: str
    why: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """Mark a checklist item done."""

    id: str
    evidence: str | None = None


@dataclass(frozen=True)
class Advance:
    """Try to move to the next stage."""


@dataclass(frozen=True)
class Show:
    """Show part of the deal: `map`, `plays` or `checklist`."""

    what: str


Step = Fact | Person | Rate | Item | Advance | Show | CommitmentStep


@dataclass(frozen=True)
class Chapter:
    """One stage of the story."""

    title: str
    text: str
    steps: tuple[Step, ...]


CHEN = Person("chen", "Chen Hao", "Cracker unit manager", ("initiator",), "supporter", "medium",
              "Fewer furnace trips and unplanned shutdowns",
              "Fix the unit's reliability before his annual review", 3)
WANG = Person("wang", "Wang Jun", "Deputy general manager, production", ("economic_buyer",),
              "neutral", "high", "Higher ethylene yield and a safer unit",
              "Deliver the plant's reliability target", 9)
LIU = Person("liu", "Liu Yang", "Chief engineer, instrumentation & control",
             ("technical_buyer",), "skeptic", "high", "A system his team can maintain",
             "No failed cut-over on his record", 6)
ZHOU = Person("zhou", "Zhou Lei", "Process engineer, cracker unit", ("coach",), "supporter",
              "low", "Better furnace models", "Lead the advanced-control work", 2)
XU = Person("xu", "Xu Fang", "Shift supervisor, cracker control room", ("user_buyer",),
            "supporter", "medium", "Fewer alarms per shift", "A calmer control room", 4)
SUN = Person("sun", "Sun Qing", "Tendering centre", ("procurement",), "neutral", "medium",
             "A clean, auditable tender", "No complaints from losing bidders", 5)
ZHANG = Person("zhang", "Zhang Wei", "General manager", ("approver",), "neutral", "high",
               "Meet the group's safety and energy targets", "No surprises at group level", 12)

CHAPTERS: tuple[Chapter, ...] = (
    Chapter("1. Qualify: is there a real deal?",
            "Li Wei has met the cracker unit manager at Zhenhai. He tries to move the deal on "
            "at once; the playbook refuses and says why.",
            (Advance(),
             Fact("industry", "petrochemical"), CHEN, Fact("pain_confirmed", True),
             Fact("budget_status", "planned"),
             Item("discovery_meeting"),
             Item("pain_recap", "Chen Hao's reply: 7 furnace trips last year, 3 days lost each"),
             Item("vendor_registration", "On Zhenhai's approved supplier list, 2025 renewal"),
             Advance())),
    Chapter("2. Discover: map the decision chain and get the project approved",
            "Three people now matter. The chief engineer doubts a new system, and the amount "
            "needs top management: the map shows the red flags, the plays say what to do. "
            "Presales takes on the play for the sceptical chief engineer.",
            (WANG, LIU, Show("map"), Show("plays"),
             TakePlay("technical_buyer_skeptical", "zhao.presales"),
             Fact("impact_quantified", True), Fact("project_approved", True),
             Item("map_decision_chain", "Map of Chen, Wang and Liu reviewed with Chen"),
             Item("quantify_impact", "CNY 4.1 million a year of lost output, agreed by Wang"),
             Item("meet_economic_buyer", "Minutes of the meeting with Wang Jun, confirmed"),
             Item("meet_skeptic@liu"),
             Advance())),
    Chapter("3. Shape: influence the specification before the tender",
            "The tender date is out before the specification is shaped: a play fires. A coach "
            "inside the plant helps put our requirements into the draft. The deal gets its "
            "expected close date.",
            (Fact("tender_date", None, days_from_today=60), Show("plays"), ZHOU,
             CloseDate(75, "award expected two weeks after the tender"),
             Fact("competitor", "the incumbent DCS vendor"),
             Fact("decision_criteria_known", True), Fact("decision_process_known", True),
             Item("criteria_workshop", "Criteria list with weights, confirmed by Liu Yang"),
             Item("spec_input"), Fact("spec_influenced", True),
             Advance())),
    Chapter("4. Validate: win the technical evaluation",
            "A proof of concept on the furnace simulator turns the chief engineer around, and "
            "Chen Hao proves he is a champion by arranging a meeting with Wang Jun.",
            (XU, Fact("success_criteria_agreed", True),
             Item("agree_success_criteria", "Criteria signed by Liu Yang"),
             Item("run_poc", "POC report on the furnace 3 simulator, accepted by Liu Yang"),
             Rate("liu", "the POC met every criterion", {"stance": "supporter"}),
             CompletePlay("technical_buyer_skeptical", "helped",
                          "Liu Yang signed off the POC and now supports us"),
             Fact("technical_signoff", True),
             Rate("chen", "he set up the meeting with Wang Jun", {"stance": "champion"}),
             Fact("champion_tested", True), Item("test_champion"),
             Advance())),
    Chapter("5. Propose: the business case and the bid",
            "The economic buyer accepts the business case; the proposal is presented in "
            "person and the bid is prepared.",
            (Item("build_business_case", "Payback of 14 months, reviewed with Wang Jun"),
             Fact("business_case_accepted", True),
             Item("deliver_proposal", "Proposal v3 presented to Wang, Liu and Chen"),
             Item("prepare_bid", "Bid checklist signed by sales and presales"),
             Advance())),
    Chapter("6. Negotiate: concerns, paper process and the approval rule",
            "Concerns are answered and procurement maps the contract steps. The move to "
            "contract is still refused: spend over 50,000 needs top management's approval, "
            "so an approver must be mapped before `decide`. The close plan is seeded and "
            "agreed with the customer, and the close date slips once.",
            (SUN, Fact("concerns_resolved", True), Fact("paper_process_mapped", True),
             SeedPlan(), AgreePlan("wang", "walked through with Wang Jun and Sun Qing"),
             CloseDate(90, "the group's legal review adds two weeks"),
             StepDone("legal_review", "Redlines agreed with Sun Qing"),
             Item("surface_concerns", "Concern list: cut-over risk answered by a staged plan"),
             Advance(), ZHANG, Advance())),
    Chapter("7. Decide: the contract checklist",
            "The deal is at the last step before the contract. This is the checklist the "
            "account manager works from now.",
            (Show("checklist"),)),
)
