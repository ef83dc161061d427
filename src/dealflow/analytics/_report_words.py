"""The words of the HTML pipeline report (issue 21): headings, column headers and the
sentences around the figures, in the report's locale.

`report_labels` gives the headings and headers (English here, marked with `N_`, looked up
where used); `sentence` fills a translated sentence with figures for the autoescaped
template, a figure given as `strong(...)` in bold. Ids the playbook names (lost reasons,
play outcomes, health factors) are shown by their label in the locale.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from dealflow._messages import N_, _
from dealflow.analytics._funnel import NO_REASON
from dealflow.playbook import Playbook

__all__ = ["factor_name", "lost_reason_name", "outcome_name", "report_labels", "review_rows",
           "sentence", "strong"]

_LABELS: dict[str, str] = {
    "funnel": N_("Funnel"), "stage": N_("Stage"), "entered": N_("Entered"),
    "moved_on": N_("Moved on"), "lost_here": N_("Lost here"), "open": N_("Open"),
    "to_next": N_("To next"), "to_won": N_("To won"), "main_reason": N_("Main lost reason"),
    "by_phase": N_("Funnel by buyer phase"), "phase": N_("Buyer phase"),
    "stages": N_("Stages"),
    "time": N_("Time in stage (days)"), "stays": N_("Stays"), "mean": N_("Mean"),
    "median": N_("Median"),
    "win": N_("Win rate"), "closed": N_("Closed"), "deals": N_("Deals"),
    "amount": N_("Amount"), "days_mean": N_("Days to close: mean"), "owner": N_("Owner"),
    "won": N_("Won"), "lost": N_("Lost"), "rate": N_("Win rate"),
    "forecast": N_("Forecast of the open pipeline"), "open_deals": N_("Open deals"),
    "playbook_p": N_("Playbook p"), "history_p": N_("History p"),
    "seen": N_("Transitions seen"),
    "by_quarter": N_("Forecast by quarter of expected close"), "quarter": N_("Quarter"),
    "crm_way": N_("CRM way"), "from_history": N_("From history"),
    "no_close_date": N_("no close date"), "no_open_deals": N_("No open deals."),
    "slip": N_("Close-date slip"), "deal": N_("Deal"), "first_date": N_("First date"),
    "now": N_("Now"), "pushes": N_("Pushes"), "days_slipped": N_("Days slipped"),
    "plays": N_("Plays and their outcomes"), "play": N_("Play"), "fired": N_("Fired"),
    "taken": N_("Taken on"), "declined": N_("Declined"), "outcomes": N_("Outcomes"),
    "after": N_("After taken (won / lost / open)"),
    "compliance": N_("SOP compliance"), "on_time": N_("On time"), "late": N_("Late"),
    "overdue": N_("Overdue"), "skipped": N_("Skipped"), "compliance_rate": N_("Rate"),
    "waivers": N_("Waivers"), "waived": N_("Waived"), "by": N_("By"),
    "gate": N_("control point"), "gate_owner": N_("owner"), "approver": N_("approver"),
    "reviews": N_("Win/loss reviews"), "outcome": N_("Outcome"),
    "question": N_("Question"), "answer": N_("Answer"),
}

_OUTCOMES = {"won": N_("won"), "lost": N_("lost"), "helped": N_("helped"),
             "partly": N_("partly"), "no_effect": N_("no_effect"), "hurt": N_("hurt")}
_FACTORS = {"scorecard": N_("scorecard"), "red_flags": N_("red flags"),
            "time_in_stage": N_("time in stage"), "checklist": N_("checklist"),
            "close_date": N_("close date")}


def report_labels() -> dict[str, str]:
    """The report's headings and headers in the current locale."""
    return {key: _(text) for key, text in _LABELS.items()}


def strong(value: object) -> Markup:
    """`value` in bold, for `sentence`."""
    return Markup("<strong>{}</strong>").format(value)


def sentence(template: str, **values: object) -> Markup:
    """`template` (a message already looked up: `_("...")` without values) with `values`
    filled in, escaped; a value given as markup (`strong`) keeps it."""
    return Markup(escape(template)).format(**values)


def lost_reason_name(playbook: Playbook, reason: str, locale: str) -> str:
    """A lost reason by its name in `locale`; its id when the playbook no longer has it."""
    if reason == NO_REASON:
        return _("no reason given")
    for known in playbook.lost_reasons:
        if known.id == reason:
            return playbook.text(known.name, locale)
    return reason


def outcome_name(outcome: str) -> str:
    """An outcome (won, lost, or what a play did) in the current locale."""
    return _(_OUTCOMES[outcome]) if outcome in _OUTCOMES else outcome


def factor_name(factor: str) -> str:
    """A health factor's name in the current locale (its id for one added by a team)."""
    return _(_FACTORS[factor]) if factor in _FACTORS else factor


def _choice_names(playbook: Playbook, source: str | None, locale: str) -> dict[str, str]:
    """The names of the choices a question takes from the playbook (none for declared
    choices: those are ids, shown as they are)."""
    if source == "gates":
        return {g.id: playbook.text(g.text, locale) for s in playbook.stages for g in s.gates}
    if source == "plays":
        return {p.id: playbook.text(p.name, locale) for p in playbook.plays}
    if source == "lost_reasons":
        return {r.id: playbook.text(r.name, locale) for r in playbook.lost_reasons}
    if source == "stages":
        return {s.id: playbook.text(s.name, locale) for s in playbook.stages}
    return {}


def review_rows(playbook: Playbook, rows: list[dict[str, Any]],
                locale: str) -> list[dict[str, Any]]:
    """Counted review answers with the outcome, the question's text and the choice's name
    in `locale` (a question or choice the playbook no longer has shows its id)."""
    shown = []
    for row in rows:
        form = playbook.reviews.form(row["outcome"])
        question = form.question(row["question"]) if form is not None else None
        names = _choice_names(playbook, question.choices_from, locale) if question else {}
        shown.append({**row, "outcome": outcome_name(row["outcome"]),
                      "question": playbook.text(question.text, locale) if question
                      else row["question"], "choice": names.get(row["choice"], row["choice"])})
    return shown
