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

__all__ = ["CHAPTERS", "DEAL", "TEAM", "Advance", "Approve", "Chapter", "Fact", "Item", "Line",
           "Org", "Person", "Rate", "Rival", "Score", "Show", "Verify", "Waive"]

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
    evidence: str | None = None
    source: str | None = None
    confirmed_by: str | None = None


@dataclass(frozen=True)
class Verify:
    """A second person checks the evidence behind a fact."""

    name: str
    by: str
    note: str = ""


@dataclass(frozen=True)
class Waive:
    """A blocked control point is waived, on the record."""

    gate: str
    person: str
    role: str
    reason: str


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
    org: str = "zhenhai"
    owner: str = "sales"


@dataclass(frozen=True)
class Org:
    """Declare an organisation of the decision chain."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class Line:
    """Draw a line: `source` reports to, or influences, `target`."""

    source: str
    target: str
    kind: str = "reports_to"
    strength: str = "medium"


@dataclass(frozen=True)
class Rival:
    """Name a competitor, with our position per decision criterion."""

    id: str
    name: str
    incumbent: bool
    strengths: tuple[str, ...]
    positions: dict[str, str]
    preferred_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Score:
    """Score a criterion of the scorecard."""

    criterion: str
    level: int
    evidence: str = ""


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
class Approve:
    """Give one of the playbook's internal approvals: who (on `TEAM`) and with what note."""

    approval: str
    by: str
    note: str


TEAM: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("li.wei", "Li Wei", ("sales",)),
    ("gao.min", "Gao Min, VP sales", ("executive_sponsor",)),
)
"""Our side of the story: (id, name, roles) of each person."""


@dataclass(frozen=True)
class Show:
    """Show part of the deal: `map`, `plays` or `checklist`."""

    what: str


Step = (Fact | Person | Rate | Item | Advance | Approve | Show | Verify | Waive | Org | Line
        | Rival | Score | CommitmentStep)


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
              "Deliver the plant's reliability target", 9, owner="executive_sponsor")
LIU = Person("liu", "Liu Yang", "Chief engineer, instrumentation & control",
             ("technical_buyer",), "skeptic", "high", "A system his team can maintain",
             "No failed cut-over on his record", 6, owner="presales")
ZHOU = Person("zhou", "Zhou Lei", "Process engineer, cracker unit", ("coach",), "supporter",
              "low", "Better furnace models", "Lead the advanced-control work", 2)
XU = Person("xu", "Xu Fang", "Shift supervisor, cracker control room", ("user_buyer",),
            "supporter", "medium", "Fewer alarms per shift", "A calmer control room", 4,
            owner="presales")
SUN = Person("sun", "Sun Qing", "Tendering centre", ("procurement",), "neutral", "medium",
             "A clean, auditable tender", "No complaints from losing bidders", 5,
             owner="commercial")
ZHANG = Person("zhang", "Zhang Wei", "General manager", ("approver",), "neutral", "high",
               "Meet the group's safety and energy targets", "No surprises at group level", 12,
               owner="executive_sponsor")
GAO = Person("gao", "Gao Ming", "Project manager, EPC contractor", ("influencer",), "supporter",
             "medium", "A cut-over that keeps the EPC schedule", "A clean project for his CV", 7,
             org="epc")
MA = Person("ma", "Ma Lin", "Chief designer, design institute", ("influencer",), "neutral",
            "medium", "A design the institute can stand behind", "Credit for the new design", 8,
            org="institute", owner="presales")
INCUMBENT = Rival("legacy_dcs", "The incumbent DCS vendor", True,
                  ("installed base on the unit", "the control room knows it"),
                  {"technology": "even", "lifecycle_cost": "behind",
                   "migration_risk": "behind", "local_service": "ahead"},
                  preferred_by=("liu",))
WON_OVER = Rival("legacy_dcs", "The incumbent DCS vendor", True,
                 ("installed base on the unit", "the control room knows it"),
                 {"technology": "ahead", "lifecycle_cost": "even",
                  "migration_risk": "ahead", "local_service": "ahead"})


def addressed(person: Person) -> dict[str, Any]:
    """The changes that mark both of a person's wins addressed by our offer."""
    from dealflow.deal import Win

    return {"org_wins": (Win(text=person.org_win, addressed=True),),
            "personal_wins": (Win(text=person.personal_win, addressed=True),)}

CHAPTERS: tuple[Chapter, ...] = (
    Chapter("1. Qualify: is there a real deal?",
            "Li Wei has met the cracker unit manager at Zhenhai. He tries to move the deal on "
            "at once; the playbook refuses and says why.",
            (Advance(),
             Org("zhenhai", "Zhenhai Refining & Chemical", "customer"),
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
            (Org("epc", "Sinopec Engineering (EPC contractor)", "contractor"),
             Org("institute", "Luoyang design institute", "design_institute"),
             WANG, LIU, GAO, MA, Line("chen", "wang"), Line("liu", "wang"),
             Line("ma", "liu", "influences", "high"), Line("gao", "wang", "influences"),
             INCUMBENT, Show("map"), Show("plays"),
             Score("pain", 2, "7 furnace trips last year"), Score("metrics", 2),
             Score("economic_buyer", 2, "Met Wang Jun"), Score("competition", 2),
             Fact("impact_quantified", True),
             Fact("project_approved", True, evidence="Approval notice ZH-2026-017",
                  source="document", confirmed_by="wang"),
             Verify("project_approved", "zhao.min", "Stamped notice checked"),
             TakePlay("technical_buyer_skeptical", "zhao.presales"),
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
             Line("zhou", "chen"), Score("decision_criteria", 2),
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
             Fact("technical_signoff", True, evidence="POC acceptance signed by Liu Yang",
                  source="document", confirmed_by="liu"),
             CompletePlay("technical_buyer_skeptical", "helped",
                          "Liu Yang signed off the POC and now supports us"),
             Rate("chen", "he set up the meeting with Wang Jun", {"stance": "champion"}),
             Fact("champion_tested", True), Item("test_champion"),
             Rate("ma", "the design institute endorsed the staged cut-over",
                  {"stance": "supporter", **addressed(MA)}),
             WON_OVER, Score("champion", 3, "Chen Hao arranged the meeting with Wang Jun"),
             Score("decision_criteria", 3),
             Advance())),
    Chapter("5. Propose: the business case and the bid",
            "The economic buyer accepts the business case; the proposal is presented in "
            "person and the bid is prepared. Nobody on our side has verified the accepted "
            "case yet, and the tender will not wait: the executive sponsor waives that "
            "control point, on the record.",
            (Item("build_business_case", "Payback of 14 months, reviewed with Wang Jun"),
             Rate("wang", "the business case answers his yield and reliability targets",
                  addressed(WANG)),
             Score("metrics", 3, "Wang Jun confirmed the CNY 4.1 million"),
             Fact("business_case_accepted", True, evidence="Business case v2, accepted in "
                  "the review with Wang Jun", source="meeting", confirmed_by="wang"),
             Item("deliver_proposal", "Proposal v3 presented to Wang, Liu and Chen"),
             Item("prepare_bid", "Bid checklist signed by sales and presales"),
             Advance(),
             Waive("business_case_accepted", "gao.min", "executive_sponsor",
                   "Wang Jun accepted the case in person; the finance check follows"),
             Advance())),
    Chapter("6. Negotiate: concerns, paper process and the approval",
            "Concerns are answered and procurement maps the contract steps. The move to "
            "contract is still refused: spend over 50,000 needs top management's approval, "
            "given by our executive sponsor and recorded before `decide`. The close plan is "
            "seeded and agreed with the customer, and the close date slips once.",
            (SUN, Fact("concerns_resolved", True), Fact("paper_process_mapped", True),
             SeedPlan(), AgreePlan("wang", "walked through with Wang Jun and Sun Qing"),
             CloseDate(90, "the group's legal review adds two weeks"),
             StepDone("legal_review", "Redlines agreed with Sun Qing"),
             Item("surface_concerns", "Concern list: cut-over risk answered by a staged plan"),
             Score("paper_process", 2), Score("decision_process", 2),
             Advance(), ZHANG, Line("wang", "zhang"),
             Rate("zhang", "the proposal meets the group's targets", addressed(ZHANG)),
             Approve("top_management_over_50k", "gao.min",
                     "Deal review of 1.2 million: price, margin and cut-over risk approved"),
             Advance())),
    Chapter("7. Decide: the contract checklist",
            "The deal is at the last step before the contract. This is the checklist the "
            "account manager works from now.",
            (Show("health"), Show("checklist"))),
)
