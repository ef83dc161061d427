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
from dealflow.analytics._forecast import forecast
from dealflow.analytics._funnel import Funnel, funnel
from dealflow.analytics._health import health_ranking
from dealflow.analytics._play_outcomes import plays_report
from dealflow.analytics._query import Filters, scope
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
        "slip": {"deals": len(slipped.deals), "pushed": slipped.deals_pushed,
                 "pushes": slipped.pushes, "days": slipped.days_slipped,
                 "rows": [d for d in worst if d.pushes]},
        "plays": [{"name": p.name, "fired": p.fired, "taken": p.taken,
                   "declined": p.declined,
                   "outcomes": ", ".join(f"{k} {v}" for k, v in sorted(p.outcomes.items()))
                   or "–",
                   "after": " / ".join(str(p.after_taken[k]) for k in ("won", "lost", "open"))}
                  for p in plays_report(store, filters, now=moment, locale=language,
                                        playbook=pb).plays],
    }


def sop_compliance(store: Store, *, now: dt.datetime | None = None,
                   playbook: Playbook | str | None = None) -> Any:
    """SOP compliance over the deals of one playbook (see `scope`); each deal's events are
    replayed with the playbook version it ran under."""
    chosen, _ = scope(store, None, playbook)
    histories = (store.events(deal.id) for deal in store.list_deals(playbook_id=chosen.id))
    return compliance(store.playbook_for, histories, now=now)


_HEALTH_ROWS = 20
"""The report lists this many of the least healthy open deals."""


def _health(store: Store, pb: Playbook, now: dt.datetime, locale: str) -> dict[str, Any]:
    with use_locale(locale):
        ranked = health_ranking(store, playbook=pb, now=now)[:_HEALTH_ROWS]
        return {"title": _("Deal health, least healthy first"),
                "headers": [_("Deal"), _("Stage"), _("Health"), _("Factors")],
                "rows": [{"deal": f"{h.deal_id} {h.title}", "stage": h.stage,
                          "score": "–" if h.score is None else h.score,
                          "factors": [f"{f.name} {f.value:.0%}: {f.reason}" for f in h.factors]}
                         for h in ranked]}


def render_report(store: Store, filters: Filters | None = None, *,
                  now: dt.datetime | None = None, locale: str | None = None,
                  with_compliance: bool = True, with_health: bool = True,
                  playbook: Playbook | str | None = None) -> str:
    """The report of one playbook's deals (see `scope`) as one HTML page."""
    moment = now or dt.datetime.now(dt.UTC)
    pb, filters = scope(store, filters, playbook)
    language = locale or pb.default_locale
    names = {stage.id: pb.text(stage.name, language) for stage in pb.stages}
    layers = funnel(store, filters, playbook=pb)
    rates = win_rates(store, filters, playbook=pb)
    closed = closed_deals(store, filters, playbook=pb)
    cycle = cycle_time(store, filters, playbook=pb)
    outlook = forecast(store, filters, playbook=pb)
    speed = velocity_text(velocity(store, filters, playbook=pb))
    audit = sop_compliance(store, now=moment, playbook=pb) if with_compliance else None
    health = _health(store, pb, moment, language) if with_health else None
    template = _ENV.from_string(
        (files("dealflow.analytics") / "report.html.j2").read_text(encoding="utf-8"))
    return template.render(
        locale=language, title=f"{pb.text(pb.title, language)}: pipeline report",
        playbook=f"{pb.id} {pb.version}", generated=moment.strftime("%Y-%m-%d %H:%M UTC"),
        deals=store.count_deals(), chart=_chart(layers, names),
        funnel=[{"name": names[row.stage], "entered": row.entered, "moved_on": row.moved_on,
                 "lost_total": row.lost_total, "open": row.open,
                 "next": _pct(row.conversion_next), "won": _pct(row.conversion_won),
                 "reason": max(row.lost, key=row.lost.__getitem__) if row.lost else "–"}
                for row in layers.stages],
        times=[{"name": names[t.stage], "stays": t.stays, "mean": _num(t.mean),
                "median": _num(t.median), "p75": _num(t.p75), "p90": _num(t.p90)}
               for t in time_in_stage(store, filters, now=moment, playbook=pb)],
        cycle={"median": _num(cycle.median), "deals": cycle.deals},
        win={"overall": _pct(rates.overall.rate), "won": rates.overall.won,
             "lost": rates.overall.lost,
             "owners": [{"name": k, "won": v.won, "lost": v.lost, "rate": _pct(v.rate)}
                        for k, v in rates.by_owner.items()]},
        closed=[_closed("Won", closed.won), _closed("Lost", closed.lost)],
        velocity=speed, health=health,
        forecast={"crm": None if outlook.crm_total is None else f"{outlook.crm_total:,}",
                  "why": outlook.why, "history": f"{outlook.history_total:,}",
                  "low": f"{outlook.low:,}", "high": f"{outlook.high:,}", "runs": outlook.runs,
                  "stages": [{"name": names[s.stage], "open": s.open_deals,
                              "amount": f"{s.amount:,}", "crm": _pct(s.crm_probability),
                              "history": _pct(s.history_probability),
                              "seen": s.history_transitions} for s in outlook.stages]},
        commitments=_commitments(store, filters, pb, moment, language),
        compliance=None if audit is None else [
            {"name": names.get(stage, stage), "on_time": c.on_time, "late": c.late,
             "overdue": c.overdue, "skipped": c.skipped, "rate": _pct(c.rate)}
            for stage, c in sorted(audit.by_stage.items(),
                                   key=lambda kv: _stage_order(pb, kv[0]))],
        waivers=None if audit is None else audit.waivers.to_dict(),
        reviews=review_counts(store, playbook=pb).to_dict(),
    )
