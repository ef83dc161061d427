"""The story `dealflow demo` tells: one tender, from first meeting to contract and handover.

A control-system upgrade for the ethylene cracker of a refinery, sold under the default
playbook (complex-b2b 2.0.0). Each chapter is a stage: what the account manager learns and
does, told as the steps the demo runs through the public API; the deal is won at contract
+ PO, and the last chapter works the handover checklist the win opens. The story is
fixed; only the dates follow today's (contacts a few days ago, the tender in two months).

Every text of the story is a message id, marked with `N_` where the tables are built and
read in the current locale where it is printed (`DEALFLOW_LANG=zh dealflow demo` tells it
in Chinese): the records keep the id, and their properties (`title`, `note`, ...) give
the text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dealflow._messages import N_
from dealflow.cli._demo_commitments import (
    AgreePlan,
    CloseDate,
    CompletePlay,
    SeedPlan,
    StepDone,
    TakePlay,
    Win,
    told,
)
from dealflow.cli._demo_steps import (
    Advance,
    Approve,
    Chapter,
    Fact,
    Item,
    Line,
    Org,
    Person,
    Rate,
    Rival,
    Score,
    Show,
    Step,
    Told,
    Verify,
    Waive,
    Words,
    addressed,
)

__all__ = ["CHAPTERS", "DEAL", "TEAM", "Advance", "Approve", "Chapter", "Fact", "Item", "Line",
           "Org", "Person", "Rate", "Rival", "Score", "Show", "Step", "Verify", "Waive"]

DEAL: Mapping[str, Any] = Told({
    "deal_id": "zhenhai-cracker-dcs",
    "title": N_("Ethylene cracker control-system upgrade (tender)"),
    "account": N_("Zhenhai Refining & Chemical"),
    "owner": "li.wei",
    "actor": "li.wei",
    "amount": 1_200_000,
    "currency": "CNY",
}, ("title", "account"))


class _Team(tuple[tuple[str, str, tuple[str, ...]], ...]):
    """Our side: (id, name, roles) of each person, the name read in the current locale."""

    def __iter__(self) -> Iterator[tuple[str, str, tuple[str, ...]]]:
        return ((pid, told(name), roles) for pid, name, roles in super().__iter__())


TEAM = _Team((
    ("li.wei", N_("Li Wei"), ("sales",)),
    ("gao.min", N_("Gao Min, VP sales"), ("executive_sponsor",)),
    ("zhao.min", N_("Zhao Min, sales director"), ("sales_director",)),
    ("qian.yu", N_("Qian Yu, contracts"), ("commercial",)),
))
"""Our side of the story: (id, name, roles) of each person."""


CHEN = Person("chen", N_("Chen Hao"), N_("Cracker unit manager"), ("initiator",), "supporter",
              "medium", N_("Fewer furnace trips and unplanned shutdowns"),
              N_("Fix the unit's reliability before his annual review"), 3)
WANG = Person("wang", N_("Wang Jun"), N_("Deputy general manager, production"),
              ("economic_buyer",), "neutral", "high", N_("Higher ethylene yield and a safer unit"),
              N_("Deliver the plant's reliability target"), 9, owner="executive_sponsor")
LIU = Person("liu", N_("Liu Yang"), N_("Chief engineer, instrumentation & control"),
             ("technical_buyer",), "skeptic", "high", N_("A system his team can maintain"),
             N_("No failed cut-over on his record"), 6, owner="presales")
ZHOU = Person("zhou", N_("Zhou Lei"), N_("Process engineer, cracker unit"), ("coach",),
              "supporter", "low", N_("Better furnace models"),
              N_("Lead the advanced-control work"), 2)
XU = Person("xu", N_("Xu Fang"), N_("Shift supervisor, cracker control room"), ("user_buyer",),
            "supporter", "medium", N_("Fewer alarms per shift"), N_("A calmer control room"), 4,
            owner="presales")
SUN = Person("sun", N_("Sun Qing"), N_("Tendering centre"), ("procurement",), "neutral",
             "medium", N_("A clean, auditable tender"), N_("No complaints from losing bidders"),
             5, owner="commercial")
ZHANG = Person("zhang", N_("Zhang Wei"), N_("General manager"), ("approver",), "neutral", "high",
               N_("Meet the group's safety and energy targets"),
               N_("No surprises at group level"), 12, owner="executive_sponsor")
GAO = Person("gao", N_("Gao Ming"), N_("Project manager, EPC contractor"), ("influencer",),
             "supporter", "medium", N_("A cut-over that keeps the EPC schedule"),
             N_("A clean project for his CV"), 7, org="epc")
MA = Person("ma", N_("Ma Lin"), N_("Chief designer, design institute"), ("influencer",),
            "neutral", "medium", N_("A design the institute can stand behind"),
            N_("Credit for the new design"), 8, org="institute", owner="presales")
STRENGTHS = (N_("installed base on the unit"), N_("the control room knows it"))
INCUMBENT = Rival("legacy_dcs", N_("The incumbent DCS vendor"), True, STRENGTHS,
                  {"technology": "even", "lifecycle_cost": "behind",
                   "migration_risk": "behind", "local_service": "ahead"},
                  preferred_by=("liu",))
WON_OVER = Rival("legacy_dcs", N_("The incumbent DCS vendor"), True, STRENGTHS,
                 {"technology": "ahead", "lifecycle_cost": "even",
                  "migration_risk": "ahead", "local_service": "ahead"})

CHAPTERS: tuple[Chapter, ...] = (
    Chapter(N_("1. Qualify: is there a real deal?"),
            N_("Li Wei has met the cracker unit manager at Zhenhai. He tries to move the deal "
               "on at once; the playbook refuses and says why. There is no budget yet: early "
               "on that is only a warning, since shaping the need comes first."),
            (Advance(),
             Org("zhenhai", N_("Zhenhai Refining & Chemical"), "customer"),
             Fact("industry", "petrochemical"), CHEN, Fact("pain_confirmed", True),
             Fact("budget_status", "unknown"),
             Fact("compelling_event",
                  Words(N_("The October turnaround: the cut-over must fit in it"))),
             Item("discovery_meeting"),
             Item("pain_recap", N_("Chen Hao's reply: 7 furnace trips last year, 3 days lost "
                                   "each")),
             Item("vendor_registration", N_("On Zhenhai's approved supplier list, 2025 renewal")),
             Advance())),
    Chapter(N_("2. Discover: map the decision chain"),
            N_("Three people now matter. The chief engineer doubts a new system, and the amount "
               "needs top management: the map shows the red flags, the plays say what to do. "
               "Presales takes on the play for the sceptical chief engineer. The project is "
               "not approved yet (立项): a warning here, a block before the bid."),
            (Org("epc", N_("Sinopec Engineering (EPC contractor)"), "contractor"),
             Org("institute", N_("Luoyang design institute"), "design_institute"),
             WANG, LIU, GAO, MA, Line("chen", "wang"), Line("liu", "wang"),
             Line("ma", "liu", "influences", "high"), Line("gao", "wang", "influences"),
             INCUMBENT, Show("map"), Show("plays"),
             Score("pain", 2, N_("7 furnace trips last year")), Score("metrics", 2),
             Score("economic_buyer", 2, N_("Met Wang Jun")), Score("competition", 2),
             Fact("impact_quantified", True),
             TakePlay("technical_buyer_skeptical", "zhao.presales"),
             Item("map_decision_chain", N_("Map of Chen, Wang and Liu reviewed with Chen")),
             Item("quantify_impact", N_("CNY 4.1 million a year of lost output, agreed by Wang")),
             Item("meet_economic_buyer", N_("Minutes of the meeting with Wang Jun, confirmed")),
             Item("meet_skeptic@liu"),
             Advance())),
    Chapter(N_("3. Shape: influence the specification before the tender"),
            N_("The tender date is out before the specification is shaped: a play fires, and "
               "the playbook will not let the deal on until our requirements are in the "
               "specification. A coach inside the plant helps put them into the draft. The "
               "project is approved and its budget released; the deal gets its expected "
               "close date."),
            (Fact("tender_date", None, days_from_today=60), Show("plays"), ZHOU,
             Line("zhou", "chen"), Score("decision_criteria", 2),
             CloseDate(75, N_("award expected two weeks after the tender")),
             Fact("competitor", Words(N_("the incumbent DCS vendor"))),
             Fact("decision_criteria_known", True), Fact("decision_process_known", True),
             Fact("tender_type", "open_tender"), Fact("evaluation_method", "comprehensive_score"),
             Item("criteria_workshop", N_("Criteria list with weights, confirmed by Liu Yang")),
             Item("spec_input"), Advance(),
             Fact("spec_influenced", True, evidence_id=N_("Draft tender, section 4: our "
                                                          "redundancy requirement"),
                  source="document", confirmed_by="zhou"),
             Fact("project_approved", True, evidence_id=N_("Approval notice ZH-2026-017"),
                  source="document", confirmed_by="wang"),
             Verify("project_approved", "zhao.min", N_("Stamped notice checked")),
             Fact("budget_status", "approved"),
             Advance())),
    Chapter(N_("4. Validate: win the technical evaluation"),
            N_("A proof of concept on the furnace simulator turns the chief engineer around, and "
               "Chen Hao proves he is a champion by arranging a meeting with Wang Jun. Before "
               "we write the bid, our own bid/no-bid review must say go."),
            (XU, Fact("success_criteria_agreed", True),
             Item("agree_success_criteria", N_("Criteria signed by Liu Yang")),
             Item("run_poc", N_("POC report on the furnace 3 simulator, accepted by Liu Yang")),
             Rate("liu", N_("the POC met every criterion"), {"stance": "supporter"}),
             Fact("technical_signoff", True,
                  evidence_id=N_("POC acceptance signed by Liu Yang"), source="document",
                  confirmed_by="liu"),
             CompletePlay("technical_buyer_skeptical", "helped",
                          N_("Liu Yang signed off the POC and now supports us")),
             Rate("chen", N_("he set up the meeting with Wang Jun"), {"stance": "champion"}),
             Fact("champion_tested", True), Item("test_champion"),
             Rate("ma", N_("the design institute endorsed the staged cut-over"),
                  {"stance": "supporter", **addressed(MA)}),
             WON_OVER, Score("champion", 3, N_("Chen Hao arranged the meeting with Wang Jun")),
             Score("decision_criteria", 3), Fact("competitive_position", "ahead"),
             Advance(),
             Approve("bid_no_bid", "zhao.min",
                     N_("Go: the specification carries our requirements, delivery has capacity "
                        "for the October turnaround, margin 28%")),
             Advance())),
    Chapter(N_("5. Propose: the business case, the proposal and the bid"),
            N_("The economic buyer accepts the business case; delivery reviews what we bid "
               "before it goes in, and the price passes our pricing review. Nobody on our side "
               "has verified the accepted case yet, and the tender will not wait: the "
               "executive sponsor waives that control point, on the record."),
            (Item("build_business_case", N_("Payback of 14 months, reviewed with Wang Jun")),
             Rate("wang", N_("the business case answers his yield and reliability targets"),
                  {"stance": "supporter", **addressed(WANG)}),
             Score("metrics", 3, N_("Wang Jun confirmed the CNY 4.1 million")),
             Fact("business_case_accepted", True,
                  evidence_id=N_("Business case v2, accepted in the review with Wang Jun"),
                  source="meeting", confirmed_by="wang"),
             Item("deliver_proposal", N_("Proposal v3 presented to Wang, Liu and Chen")),
             Item("prepare_bid", N_("Bid checklist signed by sales and presales")),
             Item("delivery_review", N_("Delivery review: staged cut-over in the turnaround, "
                                        "delivery lead Wu Tao")),
             Approve("pricing_review", "zhao.min",
                     N_("Bid price 1.2 million, margin 28%, 30% advance")),
             Advance(),
             Waive("business_case_accepted", "gao.min", "executive_sponsor",
                   N_("Wang Jun accepted the case in person; the finance check follows")),
             Advance())),
    Chapter(N_("6. Negotiate: concerns, the customer's approvals and ours"),
            N_("Concerns are answered and procurement maps the contract steps. The move to "
               "contract is still refused: the award needs the general manager's office "
               "meeting, the general manager who approves it is not yet for us, and spend over "
               "50,000 needs our top management's approval. The close plan is seeded and "
               "agreed with the customer, and the close date slips once."),
            (SUN, Fact("concerns_resolved", True), Fact("paper_process_mapped", True),
             Fact("approval_level", "gm_office_meeting"),
             SeedPlan(), AgreePlan("wang", N_("walked through with Wang Jun and Sun Qing")),
             CloseDate(90, N_("the group's legal review adds two weeks")),
             StepDone("legal_review", N_("Redlines agreed with Sun Qing")),
             Item("surface_concerns", N_("Concern list: cut-over risk answered by a staged "
                                         "plan")),
             Score("paper_process", 2), Score("decision_process", 2),
             Advance(), ZHANG, Line("wang", "zhang"),
             Rate("zhang", N_("our VP's visit: the project meets the group's targets"),
                  {"stance": "supporter", **addressed(ZHANG)}),
             Item("customer_approval_path", N_("Office meeting on the 12th; Wang Jun presents")),
             Fact("customer_approval_done", True,
                  evidence_id=N_("Minutes of the general manager's office meeting, item 3"),
                  source="document", confirmed_by="wang"),
             Approve("top_management_over_50k", "gao.min",
                     N_("Deal review of 1.2 million: price, margin and cut-over risk "
                        "approved")),
             Advance())),
    Chapter(N_("7. Decide: contract and purchase order, and the deal is won"),
            N_("Our contract review approves the terms; the contract is signed and the "
               "purchase order arrives, each recorded with its evidence. That is a win: the "
               "deal is won now, not at the kickoff, and the win opens the handover checklist."),
            (Approve("contract_review", "qian.yu",
                     N_("Legal, finance and delivery signed the review; penalties capped at "
                        "5%")),
             Item("track_contract"),
             Fact("contract_signed", True, evidence_id=N_("Contract ZH-DCS-2026-031, both "
                                                          "stamps"),
                  source="document", confirmed_by="sun"),
             Item("collect_contract", N_("Scan of contract ZH-DCS-2026-031")),
             Fact("po_received", True, evidence_id=N_("Purchase order 4500127731"),
                  source="document", confirmed_by="sun"),
             Fact("payment_terms", Words(N_("30% advance, 60% on acceptance, 10% after the "
                                      "warranty"))),
             Item("confirm_po", N_("Purchase order 4500127731, payment terms confirmed")),
             Show("health"), Win())),
    Chapter(N_("8. After the win: the handover checklist"),
            N_("Delivery takes over with what was promised; commercial collects the payments. "
               "This is the checklist the team works from now."),
            (Item("handover_brief", N_("Handover document acknowledged by Wu Tao, delivery "
                                       "lead")),
             Show("checklist"))),
)
"""The story, chapter by chapter."""
