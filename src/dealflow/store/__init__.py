"""Persistence: deals, their append-only event log and their playbooks in SQL databases."""

from dealflow.store._counters import LOSS_FIGURES, STAGE_FIGURES
from dealflow.store._csv_export import export_csv, neutralise
from dealflow.store._database import open_engine
from dealflow.store._files import sqlite_file
from dealflow.store._jsonl import ImportResult, export_jsonl, import_events, import_jsonl
from dealflow.store._repository import DEFAULT_URL, HeldPlaybook, Store, database_url
from dealflow.store._sql import amount_sums, amount_total, days_between
from dealflow.store._sweep import SweepAction, SweepFailure, SweepReport, sweep
from dealflow.store._tables import DEALS, EVENTS, SCHEMA_VERSION, STAGE_CHANGES

__all__ = [
    "DEALS",
    "DEFAULT_URL",
    "EVENTS",
    "LOSS_FIGURES",
    "SCHEMA_VERSION",
    "STAGE_CHANGES",
    "STAGE_FIGURES",
    "HeldPlaybook",
    "ImportResult",
    "Store",
    "SweepAction",
    "SweepFailure",
    "SweepReport",
    "amount_sums",
    "amount_total",
    "database_url",
    "days_between",
    "export_csv",
    "export_jsonl",
    "import_events",
    "import_jsonl",
    "neutralise",
    "open_engine",
    "sqlite_file",
    "sweep",
]
