"""One self-contained HTML page with the figures a sales leader reads: the funnel drawn as
a chart, conversion and drop-off per layer, time in stage, win rate, the won and lost
deals (amounts per currency, days to close), forecast (also by quarter of expected close),
close-date slip, the plays' outcomes, SOP compliance with the control points waived, the
counted win/loss review answers and the deals ranked by health. No script, no
external file: it opens anywhere and prints well."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from typing import Any

from jinja2 import StrictUndefined

from dealflow._messages import _, use_locale
from dealflow.analytics._by_phase import funnel_by_phase
from dealflow.analytics._forecast import forecast
from dealflow.analytics._funnel import Funnel, funnel
from dealflow.analytics._health import health_ranking
from dealflow.analytics._play_outcomes import plays_report
from dealflow.analytics._query import Filters, scope
from dealflow.analytics._report_words import (
    factor_name,
    lost_reason_name,
    outcome_name,
    report_labels,
    review_rows,
    sentence,
    strong,
)
from dealflow.analytics._review_counts import review_counts
from dealflow.analytics._slip import forecast_by_period, slip
from dealflow.analytics._timing import cycle_time, time_in_stage
from dealflow.analytics._winrate import Closed, closed_deals, velocity, velocity_text, win_rates
from dealflow.playbook import Playbook
from dealflow.rules import TrustingSandbox
from dealflow.sop import compliance
from dealflow.store import Store

__all__ = ["render_report", "sop_compliance"]

_ENV = TrustingSandbox(undefined=StrictUndefined, autoescape=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _chart(result: Funnel, names: dict[str, str]) -> dict[str, Any]:
    width, row, gap, left = 760, 34, 8, 250
    top = max((layer.entered for layer in result.stages), default=0) or 1
    span = width - left - 120
    bars = []
    for index, layer in enumerate(result.stages):
        bar_width = max(2.0, span * layer.entered / top)
        lost_width = span * layer.lost_total / top
        x = left + (span - bar_width) / 2
        bars.append({"x": round(x, 1), "y": index * (row + gap), "width": round(bar_width, 1),
                     "height": row, "lost_x": round(x + bar_width - lost_width, 1),
                     "lost_width": round(lost_width, 1), "label": names[layer.stage],
                     "right": f"{layer.entered} → {_pct(layer.conversion_next)}"})
    return {"width": width, "height": len(bars) * (row + gap), "bars": bars}


def _stage_order(playbook: Playbook, stage: str) -> tuple[int, str]:
    """Stages in the playbook's order; a stage only an older version has comes last."""
    known = {s.id for s in playbook.stages}
    return (playbook.stage_index(stage) if stage in known else len(known), stage)


def _closed(name: str, group: Closed) -> dict[str, Any]:
    days = group.days_to_close
    return {"name": name, "deals": group.deals,
            "amounts": [f"{total:,} {currency}" for currency, total in group.amount.items()],
            "mean": _num(days.mean), "median": _num(days.median), "p75": _num(days.p75)}


def _commitments(store: Store, filters: Filters | None, pb: Playbook, moment: dt.datetime,
                 language: str) -> dict[str, Any]:
    """Slip, the forecast by quarter of expected close, and the plays' outcomes."""
    slipped = slip(store, filters, playbook=pb)
    worst = sorted(slipped.deals, key=lambda d: (-d.days_slipped, d.deal_id))[:20]
    return {
        "periods": [{"period": r.period, "deals": r.deals, "amount": f"{r.amount:,}",
                     "crm": f"{r.crm_total:,}", "history": f"{r.history_total:,}"}
                    for r in forecast_by_period(store, filters, by="quarter", now=moment,
                                                playbook=pb).periods],
        "slip": {"sentence": sentence(
                     _("{deals} deal(s) with a close date; {pushed} pushed ({pushes} pushes, "
                       "{days} days slipped)."), deals=len(slipped.deals),
                     pushed=strong(slipped.deals_pushed), pushes=slipped.pushes,
                     days=slipped.days_slipped),
                 "rows": [d for d in worst if d.pushes]},
        "plays": [{"name": p.name, "fired": p.fired, "taken": p.taken,
                   "declined": p.declined,
                   "outcomes": ", ".join(f"{outcome_name(k)} {v}"
                                         for k, v in sorted(p.outcomes.items())) or "–",
                   "after": " / ".join(str(p.after_taken[k]) for k in ("won", "lost", "open"))}
                  for p in plays_report(store, filters, now=moment, locale=language,
                                        playbook=pb).plays],
    }


def sop_compliance(store: Store, *, now: dt.datetime | None = None,
                   playbook: Playbook | str | None = None) -> Any:
    """SOP compliance over the deals of one playbook (see `scope`); each deal's events are
    replayed with the playbook version it ran under."""
    chosen, _filters = scope(store, None, playbook)
    histories = (store.events(deal.id) for deal in store.list_deals(playbook_id=chosen.id))
    return compliance(store.playbook_for, histories, now=now)


_HEALTH_ROWS = 20
"""The report lists this many of the least healthy open deals."""


def _health(store: Store, pb: Playbook, now: dt.datetime, locale: str) -> dict[str, Any]:
    with use_locale(locale):
        ranked = health_ranking(store, playbook=pb, now=now)[:_HEALTH_ROWS]
        return {"title": _("Deal health, least healthy first"),
                "headers": [_("Deal"), _("Stage"), _("Health"), _("Factors")],
                "rows": [{"deal": f"{h.deal_id} {h.title}",
                          "stage": pb.text(pb.stage(h.stage).name, locale)
                          if any(s.id == h.stage for s in pb.stages)
                          else h.stage,
                          "score": "–" if h.score is None else h.score,
                          "factors": [f"{factor_name(f.name)} {f.value:.0%}: {f.reason}"
                                      for f in h.factors]}
                         for h in ranked]}


def _phases(store: Store, filters: Filters | None, pb: Playbook, language: str,
            names: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of the funnel by buyer phase."""
    return [{"phase": p.phase, "name": p.name, "entered": p.entered, "moved_on": p.moved_on,
             "stages": ", ".join(names[layer.stage] for layer in p.stages) or "–",
             "lost_total": p.lost_total, "open": p.open, "next": _pct(p.conversion_next),
             "won": _pct(p.conversion_won)}
            for p in funnel_by_phase(store, filters, playbook=pb, locale=language).phases]


def _sentences(cycle: Any, rates: Any, speed: str, outlook: Any) -> dict[str, Any]:
    """The sentences around the figures, in the current locale."""
    crm = None if outlook.crm_total is None else sentence(
        _("CRM way (amount × stage probability): {crm}."), crm=strong(f"{outlook.crm_total:,}"))
    return {
        "cycle": sentence(_("Cycle time from creation to close: median {median} days over "
                            "{deals} closed deals."), median=_num(cycle.median),
                          deals=cycle.deals),
        "win": sentence(_("Overall: {overall} ({won} won, {lost} lost). Velocity: {velocity} "
                          "per day."), overall=_pct(rates.overall.rate), won=rates.overall.won,
                        lost=rates.overall.lost, velocity=speed),
        "crm": crm,
        "history": sentence(_("From history (Markov chain): {history}, 90% interval {low} – "
                              "{high} ({runs} runs)."),
                            history=strong(f"{outlook.history_total:,}"),
                            low=f"{outlook.low:,}", high=f"{outlook.high:,}", runs=outlook.runs),
    }


def render_report(store: Store, filters: Filters | None = None, *,
                  now: dt.datetime | None = None, locale: str | None = None,
                  with_compliance: bool = True, with_health: bool = True,
                  playbook: Playbook | str | None = None,
                  by_phase: bool | None = None) -> str:
    """The report of one playbook's deals (see `scope`) as one HTML page, in `locale`
    (default: the playbook's first locale).

    `by_phase` adds the funnel grouped by buyer phase (`funnel_by_phase`); by default it
    is there when the playbook declares buyer phases."""
    pb, filters = scope(store, filters, playbook)
    language = locale or pb.default_locale
    with use_locale(language):
        return _render(store, filters, pb, language, now or dt.datetime.now(dt.UTC),
                       with_compliance=with_compliance, with_health=with_health,
                       by_phase=bool(pb.buyer_phases) if by_phase is None else by_phase)


def _render(store: Store, filters: Filters | None, pb: Playbook, language: str,
            moment: dt.datetime, *, with_compliance: bool, with_health: bool,
            by_phase: bool) -> str:
    names = {stage.id: pb.text(stage.name, language) for stage in pb.stages}
    layers = funnel(store, filters, playbook=pb)
    rates = win_rates(store, filters, playbook=pb)
    closed = closed_deals(store, filters, playbook=pb)
    cycle = cycle_time(store, filters, playbook=pb)
    outlook = forecast(store, filters, playbook=pb)
    speed = velocity_text(velocity(store, filters, playbook=pb))
    audit = sop_compliance(store, now=moment, playbook=pb) if with_compliance else None
    health = _health(store, pb, moment, language) if with_health else None
    said = _sentences(cycle, rates, speed, outlook)
    commitments = _commitments(store, filters, pb, moment, language)
    reviews = review_counts(store, playbook=pb).to_dict()
    template = _ENV.from_string(
        (files("dealflow.analytics") / "report.html.j2").read_text(encoding="utf-8"))
    return template.render(
        locale=language, title=_("{title}: pipeline report", title=pb.text(pb.title, language)),
        t=report_labels(), stage_names=names,
        gate_names={g.id: pb.text(g.text, language) for s in pb.stages for g in s.gates},
        playbook=f"{pb.id} {pb.version}", generated=moment.strftime("%Y-%m-%d %H:%M UTC"),
        deals=_("{count} deals", count=store.count_deals()), chart=_chart(layers, names),
        funnel=[{"name": names[row.stage], "entered": row.entered, "moved_on": row.moved_on,
                 "lost_total": row.lost_total, "open": row.open,
                 "next": _pct(row.conversion_next), "won": _pct(row.conversion_won),
                 "reason": lost_reason_name(pb, max(row.lost, key=row.lost.__getitem__),
                                            language) if row.lost else "–"}
                for row in layers.stages],
        phases=_phases(store, filters, pb, language, names) if by_phase else None,
        times=[{"name": names[t.stage], "stays": t.stays, "mean": _num(t.mean),
                "median": _num(t.median), "p75": _num(t.p75), "p90": _num(t.p90)}
               for t in time_in_stage(store, filters, now=moment, playbook=pb)],
        cycle=said["cycle"],
        win={"sentence": said["win"],
             "owners": [{"name": k, "won": v.won, "lost": v.lost, "rate": _pct(v.rate)}
                        for k, v in rates.by_owner.items()]},
        closed=[_closed(_("Won"), closed.won), _closed(_("Lost"), closed.lost)], health=health,
        forecast={"crm_sentence": said["crm"], "history_sentence": said["history"],
                  "why": outlook.why,
                  "stages": [{"name": names[s.stage], "open": s.open_deals,
                              "amount": f"{s.amount:,}", "crm": _pct(s.crm_probability),
                              "history": _pct(s.history_probability),
                              "seen": s.history_transitions} for s in outlook.stages]},
        commitments=commitments,
        compliance=None if audit is None else [
            {"name": names.get(stage, stage), "on_time": c.on_time, "late": c.late,
             "overdue": c.overdue, "skipped": c.skipped, "rate": _pct(c.rate)}
            for stage, c in sorted(audit.by_stage.items(),
                                   key=lambda kv: _stage_order(pb, kv[0]))],
        waivers=None if audit is None else audit.waivers.to_dict(),
        waivers_sentence="" if audit is None else _(
            "{count} control point(s) waived on the record.", count=audit.waivers.to_dict()[
                "total"]),
        reviews=reviews, review_rows=review_rows(pb, reviews["total"], language),
        reviews_sentence=_("{reviewed} of {closed} closed deal(s) reviewed.",
                           reviewed=reviews["reviewed"], closed=reviews["closed"]),
    )
