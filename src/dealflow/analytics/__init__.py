"""The numbers a sales leader runs the business on, computed in the database.

Funnel layer by layer, time in stage and cycle time, stalled deals, win rates, the won
and lost deals (amounts per currency, days to close) and velocity, the forecast (the CRM
way and from history, and by period of expected close), close-date slip, what came of
the plays, and simulated histories. Days are days of 24 hours of elapsed
time, fractional; a deal counts with its outcome now (lost, reopened and won is won).

Histories imported from a CRM may hold a deal whose first stage has no date (a wide
export with the "date entered" of its first stage blank): its `deal_created` event is
stored at the time of the deal's earliest dated event and marked `undated`. Such a
deal counts as having reached that stage everywhere (funnel, win rate by stage
reached, forecast transitions); its stay there has no known length and is left out of
time in stage (and of the percentile limits of `stalled`); its cycle time runs from
that earliest dated event.
"""

from dealflow.analytics._by_phase import FunnelByPhase, PhaseFunnel, funnel_by_phase
from dealflow.analytics._competition import CompetitorFigures, competition
from dealflow.analytics._forecast import (
    Chain,
    Forecast,
    StageForecast,
    absorption,
    forecast,
    transition_chain,
)
from dealflow.analytics._funnel import Funnel, StageFunnel, funnel
from dealflow.analytics._health import (
    FACTORS,
    DealHealth,
    HealthFactor,
    deal_health,
    health_ranking,
)
from dealflow.analytics._html_report import render_report, sop_compliance
from dealflow.analytics._play_outcomes import PlayFigures, PlaysReport, plays_report
from dealflow.analytics._query import Filters
from dealflow.analytics._report_words import factor_name, lost_reason_name, outcome_name
from dealflow.analytics._review_counts import ReviewCounts, count_reviews, review_counts
from dealflow.analytics._simulate import SimulationProfile, simulate
from dealflow.analytics._slip import (
    DealContribution,
    DealSlip,
    PeriodForecast,
    PeriodRow,
    Slip,
    forecast_by_period,
    slip,
)
from dealflow.analytics._timing import (
    CycleTime,
    StageTime,
    StalledDeal,
    cycle_time,
    stalled,
    time_in_stage,
)
from dealflow.analytics._winrate import (
    DEFAULT_BANDS,
    Closed,
    ClosedDeals,
    Rate,
    Velocity,
    WinRates,
    closed_deals,
    velocity,
    velocity_text,
    win_rates,
)

__all__ = [
    "FunnelByPhase",
    "PhaseFunnel",
    "funnel_by_phase",
    "factor_name",
    "lost_reason_name",
    "outcome_name",
    "FACTORS",
    "DealHealth",
    "HealthFactor",
    "deal_health",
    "health_ranking",
    "CompetitorFigures",
    "competition",
    "DEFAULT_BANDS",
    "Chain",
    "Closed",
    "ClosedDeals",
    "CycleTime",
    "DealContribution",
    "DealSlip",
    "Filters",
    "Forecast",
    "Funnel",
    "PeriodForecast",
    "PeriodRow",
    "PlayFigures",
    "PlaysReport",
    "Rate",
    "ReviewCounts",
    "SimulationProfile",
    "Slip",
    "StageForecast",
    "StageFunnel",
    "StageTime",
    "StalledDeal",
    "Velocity",
    "WinRates",
    "absorption",
    "closed_deals",
    "count_reviews",
    "cycle_time",
    "forecast",
    "forecast_by_period",
    "funnel",
    "plays_report",
    "render_report",
    "review_counts",
    "simulate",
    "slip",
    "sop_compliance",
    "stalled",
    "time_in_stage",
    "transition_chain",
    "velocity",
    "velocity_text",
    "win_rates",
]
