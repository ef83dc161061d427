"""The story `dealflow demo --playbook tender-cn` tells: one public tender, lead to contract.

The control system and safety system of a coal-chemical plant's air separation unit are
replaced, bought by open tender from a state-owned enterprise. The story walks the
tender path of the `tender-cn` playbook: the need guided and the project approved, the
specification shaped before the tender, the bid/no-bid decision held by its control
points and our bid review, the bid, the opening and evaluation (no negotiation), the
publication and the customer's approvals of the award, and the contract that wins the
deal and opens the handover. It is told in Chinese (the playbook's first locale) or in
English; the dates are set back from today, as if told on the day the contract is signed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dealflow.cli._demo_steps import (
    Advance,
    Approve,
    Fact,
    Item,
    Line,
    Org,
    Person,
    Rate,
    Rival,
    Show,
    Step,
    addressed,
)

if TYPE_CHECKING:  # pragma: no cover
    from dealflow.store import Store

__all__ = ["CloseOn", "TenderChapter", "TenderStep", "Win", "run_tender_step", "tender_story"]


@dataclass(frozen=True)
class CloseOn:
    """Set the expected close date, `days_from_today` out, saying why."""

    days_from_today: int
    note: str


@dataclass(frozen=True)
class Win:
    """Try to close the deal as won."""


TenderStep = CloseOn | Win
Say = Callable[[str, str], None]


@dataclass(frozen=True)
class TenderChapter:
    """One stage of the tender story: its steps are those of the default story and the
    tender's own."""

    title: str
    text: str
    steps: tuple[Step | TenderStep, ...]


def run_tender_step(store: Store, step: TenderStep, deal_id: str, actor: str, say: Say,
                    move: Callable[[str], None]) -> None:
    """Carry out a step of the tender story that the default story has not: `say(verb,
    detail)` what happened; `move(kind)` tries a move (`win`) and reports it."""
    from dealflow._messages import _
    from dealflow.engine import set_close_date

    if isinstance(step, CloseOn):
        day = store.clock().date() + dt.timedelta(days=step.days_from_today)
        store.apply(deal_id, lambda e, d: set_close_date(
            e, d, day, note=step.note, actor=actor)).raise_for_refusal()
        say(_("close date"), _("expected close {day} ({note})", day=day, note=step.note))
    else:
        move("win")


def tender_story(lang: str) -> tuple[dict[str, Any], tuple[tuple[str, str, tuple[str, ...]],
                                                             ...], tuple[TenderChapter, ...]]:
    """The deal, our team and the chapters of the tender story, in `lang` (zh or en)."""
    zh = lang == "zh"

    def t(chinese: str, english: str) -> str:
        return chinese if zh else english

    deal: dict[str, Any] = {
        "deal_id": "yulin-asu-control-tender",
        "title": t("空分装置DCS/SIS改造（公开招标）",
                   "Air separation unit DCS/SIS upgrade (open tender)"),
        "account": t("榆林北化能源有限公司", "Yulin Beihua Energy Co."),
        "owner": "zhao.lei",
        "actor": "zhao.lei",
        "amount": 8_600_000,
        "currency": "CNY",
    }
    team = (("zhao.lei", t("赵磊", "Zhao Lei"), ("sales",)),
            ("xu.bo", t("徐波", "Xu Bo"), ("presales",)),
            ("lin.na", t("林娜", "Lin Na"), ("bid_manager",)),
            ("he.jun", t("何军", "He Jun"), ("delivery",)),
            ("qian.hui", t("钱慧，销售总监", "Qian Hui, sales director"), ("sales_director",)),
            ("wu.fang", t("吴芳，财务经理", "Wu Fang, finance"), ("finance",)),
            ("zhou.min", t("周敏，法务", "Zhou Min, legal"), ("legal",)),
            ("sun.tao", t("孙涛，副总裁", "Sun Tao, vice president"), ("executive",)))
    return deal, team, _chapters(t)


def _people(t: Callable[[str, str], str]) -> dict[str, Person]:
    """The people of the customer's decision chain, by id."""
    return {p.id: p for p in (
        Person("ma", t("马强", "Ma Qiang"), t("空分车间主任", "Head of the air separation unit"),
               ("initiator",), "supporter", "medium",
               t("减少空分联锁停车", "Fewer trips of the air separation unit"),
               t("年底考核前解决装置的可靠性问题", "Fix the unit before his annual review"),
               3, org="yulin"),
        Person("liu", t("刘建国", "Liu Jianguo"), t("分管生产副总经理", "Deputy GM, production"),
               ("deputy_gm",), "neutral", "high",
               t("安全平稳运行，完成集团考核", "A safe, steady plant that meets group targets"),
               t("任期内不出安全事故", "No safety incident on his watch"), 8, org="yulin",
               owner="executive"),
        Person("chen", t("陈涛", "Chen Tao"), t("总工程师", "Chief engineer"),
               ("technical_lead",), "skeptic", "high",
               t("系统可靠、好维护", "A system that is reliable and easy to maintain"),
               t("改造切换不出问题", "No failed cut-over on his record"), 5, org="yulin",
               owner="presales"),
        Person("wang", t("王工", "Wang Gong"),
               t("设计院仪控室主任", "Head of I&C, design institute"),
               ("designer",), "neutral", "medium",
               t("设计经得起审查", "A design that passes review"),
               t("新设计标准由他牵头", "Lead the new design standard"), 6, org="institute",
               owner="presales"),
        Person("zhou", t("周宁", "Zhou Ning"), t("仪表主管", "Instrument supervisor"),
               ("coach",), "supporter", "medium",
               t("仪表系统好用", "Instruments that work"),
               t("成为改造项目骨干", "A lead role in the upgrade"),
               2, org="yulin"),
        Person("gao", t("高峰", "Gao Feng"), t("空分操作班长", "Shift leader, air separation"),
               ("user_dept",), "supporter", "low",
               t("报警少、操作稳", "Fewer alarms, steadier operation"),
               t("班组考核好看", "A better score for his crew"), 4, org="yulin"),
        Person("sun", t("孙丽", "Sun Li"), t("招标采购中心主任", "Head of the tendering centre"),
               ("procurement_center",), "neutral", "medium",
               t("招标合规、不被投诉", "A compliant tender without complaints"),
               t("流程干净", "A clean process"), 5, org="yulin", owner="bid_manager"),
        Person("zhang", t("张伟", "Zhang Wei"), t("总经理", "General manager"),
               ("general_manager",), "neutral", "high",
               t("完成集团下达的能耗和安全指标", "Meet the group's energy and safety targets"),
               t("集团层面不出意外", "No surprises at group level"), 12, org="yulin",
               owner="executive"),
        Person("yang", t("杨明", "Yang Ming"), t("党委书记", "Party secretary"),
               ("collective_body",), "neutral", "high",
               t("重大事项决策合规", "Major decisions taken by the rules"),
               t("决策经得起审计", "Decisions that pass an audit"), 15, org="yulin",
               owner="executive"),
    )}


def _chapters(t: Callable[[str, str], str]) -> tuple[TenderChapter, ...]:
    p = _people(t)
    rival = Rival("foreign_dcs", t("某外资DCS厂商", "A foreign DCS vendor"), True,
                  (t("装置现用系统", "the unit's installed system"),),
                  {"technical_score": "even", "price_score": "ahead", "service": "behind"},
                  preferred_by=("chen",))
    payments = json.dumps([{"milestone": t("预付款", "advance"), "percent": 30},
                           {"milestone": t("到货款", "delivery"), "percent": 30},
                           {"milestone": t("验收款", "acceptance"), "percent": 30},
                           {"milestone": t("质保金", "retention"), "percent": 10}],
                          ensure_ascii=False)
    return (
        TenderChapter(t("1. 线索与需求引导：有没有真实的需求？", "1. Lead: is there a real need?"),
                t("赵磊在技术交流会上认识了空分车间主任。他想马上推进，打法手册拒绝了，并说明原因。",
                  "Zhao Lei met the head of the air separation unit at a technical seminar. He "
                  "tries to move the deal on at once; the playbook refuses and says why."),
                (Advance(),
                 Org("yulin", t("榆林北化能源有限公司", "Yulin Beihua Energy Co."), "customer"),
                 Org("group", t("北化集团", "Beihua Group"), "group"),
                 p["ma"], Fact("need_confirmed", True),
                 Item("first_visit"),
                 Item("need_recap", t("马强回复：去年联锁停车4次，每次损失约60万元",
                                      "Ma Qiang's reply: 4 trips last year, about 600,000 each")),
                 Item("supplier_registration", t("已在北化集团供应商名录内（2026年复审）",
                                                 "On Beihua Group's supplier list (2026 review)")),
                 Advance())),
        TenderChapter(t("2. 立项与预算：帮客户把项目立起来", "2. Project approval and budget"),
                t("项目投资约900万元，要走可研和立项。立项批复有文号，作为佐证材料记录；"
                  "分管副总要见到，态度要清楚。",
                  "The project is worth about 9 million and needs a feasibility study and "
                  "approval. The approval has a document number, recorded as evidence; the "
                  "deputy GM in charge must be met and his stance known."),
                (p["liu"], p["chen"], Line("ma", "liu"), Line("chen", "liu"),
                 Fact("budget", "9000000 CNY"),
                 Fact("compelling_event", t("2027年5月全厂大修窗口",
                                            "The plant turnaround of May 2027")),
                 Fact("project_approved", True,
                      evidence_id=t("立项批复 榆北能发〔2026〕37号",
                                 "Project approval YBN-2026-37"),
                      source="document", confirmed_by="liu"),
                 Fact("tender_type", t("公开招标", "Open tender")),
                 CloseOn(0, t("按招标计划倒推：定标后30日内签约",
                              "worked back from the tender plan: signed within 30 days of "
                              "the award")),
                 Item("map_chain_and_approvals", t("决策链地图：马强、刘建国、陈涛",
                                                   "Map of Ma Qiang, Liu Jianguo, Chen Tao")),
                 Item("feasibility_support"),
                 Advance())),
        TenderChapter(t("3. 招标前规格引导：标书成文前是影响结果的最后机会",
                  "3. Shaping the spec: the last chance to shape the outcome"),
                t("总工对换系统有疑虑，现有系统的外资厂商占着位置。售前和设计院做技术交流，"
                  "把我方的三重冗余方案写进规格书；招标后规格很难再改。",
                  "The chief engineer doubts a new system, and the foreign incumbent is "
                  "installed. Presales works with the design institute to get our triple-"
                  "redundant design into the specification; after the tender it rarely "
                  "changes."),
                (Org("institute", t("中化设计院", "Sinochem design institute"),
                     "design_institute"),
                 p["wang"], p["zhou"], p["gao"], Line("wang", "chen", "influences", "high"),
                 Line("zhou", "chen"), rival,
                 Fact("evaluation_method", t("综合评分法", "Comprehensive scoring")),
                 Fact("qualification_review", t("资格预审", "Prequalification")),
                 Item("tech_exchange", t("交流纪要：关注冗余、切换和备件",
                                         "Minutes: redundancy, cut-over and spares")),
                 Item("spec_proposal"),
                 Rate("wang", t("技术交流后采纳了三重冗余方案", "adopted the triple-redundant "
                                "design after the exchange"), {"stance": "supporter"}),
                 Rate("chen", t("看过同类装置业绩后转为支持", "supports us after a reference "
                                "visit"), {"stance": "supporter"}),
                 Rate("ma", t("安排我们与总工单独交流", "arranged our meeting with the chief "
                              "engineer"), {"stance": "champion"}),
                 Fact("spec_influenced", True,
                      evidence_id=t("招标文件技术规格草稿第3.2节采纳了三重冗余控制器",
                                 "Section 3.2 of the draft specification asks for "
                                 "triple-redundant controllers"),
                      source="document", confirmed_by="chen"),
                 Item("rival_check"),
                 Show("map"),
                 Advance())),
        TenderChapter(t("4. 投标决策：投还是不投", "4. Bid or no-bid"),
                t("招标公告发布了。投不投，要看控制点：标书是否为他人定制、资格预审是否通过、"
                  "交付能否保证，最后由投标决策评审拍板。若标书为他人定制，就用 "
                  "deal close --outcome no_bid 结束，也要经过评审。",
                  "The tender is out. Whether we bid depends on the control points: is it "
                  "written for someone else, did we prequalify, can we deliver; the bid "
                  "review decides. A tender written for a rival ends with deal close "
                  "--outcome no_bid, after the same review."),
                (p["sun"],
                 Fact("tender_published_on", None, days_from_today=-45,
                      evidence_id=t("招标公告 BH-ZB-2026-118", "Tender notice BH-ZB-2026-118"),
                      source="document"),
                 Fact("bid_deadline", None, days_from_today=-20),
                 Fact("bid_bond", "170000 CNY"),
                 Fact("prequalified", True,
                      evidence_id=t("资格预审合格通知书", "Prequalification notice"),
                      source="document"),
                 Fact("spec_bias", t("中性", "Neutral")),
                 Fact("competitive_position", t("领先", "Leading")),
                 Item("buy_tender_documents"),
                 Show("plays"),
                 Rate("liu", t("我方副总裁拜访后，方案回应了他的安全和考核目标",
                               "after our vice president's visit, the offer answers his "
                               "safety and target concerns"),
                      {"stance": "supporter", **addressed(p["liu"])}),
                 Advance(),
                 Fact("delivery_confirmed", True,
                      evidence_id=t("交付部评审：工期和现场条件满足", "Delivery review: schedule "
                                 "and site conditions met"),
                      source="document"),
                 Item("bid_no_bid_review", t("投标决策评审表，已签字", "Bid review form, "
                                             "signed")),
                 Approve("bid_review", "qian.hui",
                         t("结论：投标。规格中性，已通过资格预审，交付已确认",
                           "Bid: the spec is neutral, we prequalified, delivery confirmed")),
                 Advance())),
        TenderChapter(t("5. 标书编制与投标", "5. Preparing and submitting the bid"),
                t("逐条响应、形式审查、报价测算。报价经财务评审后才能递交，保证金从基本账户转出。",
                  "Every clause answered, the formalities checked, the price worked out. "
                  "Finance reviews the price before the bid goes in; the bond leaves our "
                  "main account."),
                (Item("compliance_matrix"),
                 Item("formality_check", t("形式审查表，林娜复核", "Formality checklist, "
                                           "checked by Lin Na")),
                 Item("price_sheet"),
                 Approve("pricing_review", "wu.fang",
                         t("报价860万元，毛利率31%，价格分测算第二",
                           "Price 8.6 million, margin 31%, second on the price score")),
                 Item("pay_bond"),
                 Fact("bid_bond_paid", True,
                      evidence_id=t("保证金电汇回单", "Bond transfer receipt"),
                      source="document"),
                 Fact("bid_submitted", True,
                      evidence_id=t("投标文件签收回执 第07号", "Bid receipt no. 07"),
                      source="document"),
                 Advance())),
        TenderChapter(t("6. 开标评标：这里没有“谈判”", "6. Opening and evaluation: no negotiation"),
                t("招标投标法规定，评标期间不得就价格和方案进行谈判，所以本打法手册在投标和定标"
                  "之间没有谈判阶段：只按评标委员会的书面要求澄清。",
                  "The Tendering and Bidding Law forbids negotiating price or solution "
                  "during the evaluation, so this playbook has no negotiation stage between "
                  "bid and award: we only answer the committee's written clarifications."),
                (Fact("bid_opening_date", None, days_from_today=-20,
                      evidence_id=t("开标记录表（五家投标）", "Opening record (five bids)"),
                      source="document"),
                 Item("attend_opening"), Item("answer_clarifications"),
                 Fact("candidate_rank", t("第一名", "First")),
                 Fact("candidates_published_on", None, days_from_today=-16,
                      evidence_id=t("中标候选人公示（招标网）", "Candidates published on the "
                                 "tender site"),
                      source="document"),
                 Advance())),
        TenderChapter(t("7. 中标公示与定标：客户的逐级审批", "7. Publication and award: the "
                  "customer's approvals"),
                t("公示3天，无异议。项目是国企“三重一大”事项，由总经理办公会审议：定标前总经理和"
                  "党委书记都要在决策链上，两项决策都要有纪要为证。",
                  "Three days of publication, no objection. The project is a major matter of "
                  "a state-owned enterprise, decided by the general manager's office "
                  "meeting: the general manager and the party secretary must be on the map "
                  "before the award, and both decisions backed by minutes."),
                (Fact("publication_cleared", True),
                 Fact("approval_level", t("总经理办公会审议", "General manager's office meeting")),
                 Fact("soe_major_matter", True),
                 Advance(),
                 p["zhang"], p["yang"], Line("liu", "zhang"), Line("yang", "zhang",
                                                                    "influences", "high"),
                 Rate("zhang", t("方案满足集团的能耗和安全指标", "the offer meets the group's "
                                 "energy and safety targets"), addressed(p["zhang"])),
                 Rate("yang", t("决策材料齐全、程序合规", "the decision papers are complete "
                                "and by the rules"), addressed(p["yang"])),
                 Fact("gm_office_approved", True,
                      evidence_id=t("总经理办公会纪要〔2026〕第21期", "GM office minutes 2026/21"),
                      source="document"),
                 Fact("collective_decision_made", True,
                      evidence_id=t("党委会决议 2026-14号", "Party committee resolution 2026-14"),
                      source="document"),
                 Fact("award_notice_date", None, days_from_today=-10,
                      evidence_id=t("中标通知书 BH-ZB-2026-118-01", "Award notice "
                                 "BH-ZB-2026-118-01"),
                      source="document", confirmed_by="sun"),
                 Show("map"),
                 Advance())),
        TenderChapter(t("8. 合同签订：签了合同才算赢单", "8. The contract: won means signed"),
                t("合同依据招标文件和投标文件签订，中标通知书发出后10天签约，在30日时限内。"
                  "法务评审合同后才能计为赢单；交付移交是赢单后打开的检查清单。",
                  "The contract follows the tender and our bid, signed 10 days after the "
                  "award notice, inside the 30 days. Legal reviews it before the deal counts "
                  "as won; the handover to delivery is a checklist the win opens."),
                (Fact("payment_terms", payments), Fact("contract_matches_bid", True),
                 Item("contract_draft_check"),
                 Fact("contract_signed", True,
                      evidence_id=t("合同 BH-HT-2026-0456 扫描件", "Scan of contract "
                                 "BH-HT-2026-0456"),
                      source="document", confirmed_by="sun"),
                 Fact("contract_signed_on", None, days_from_today=0),
                 Item("collect_signed_contract", t("合同原件已归档", "Original filed")),
                 Win(),
                 Approve("contract_review", "zhou.min",
                         t("合同与招标文件、投标文件一致，无实质性背离",
                           "The contract follows the tender and our bid, no material "
                           "deviation")),
                 Win(),
                 Show("checklist"))),
    )
