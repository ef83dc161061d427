"""Persistence: deals, their append-only event log and their playbooks in SQL databases."""

from dealflow.store._files import sqlite_file
from dealflow.store.csv_export import export_csv, neutralise
from dealflow.store.jsonl import ImportResult, export_jsonl, import_events, import_jsonl
from dealflow.store.repository import DEFAULT_URL, Store, database_url
from dealflow.store.tables import SCHEMA_VERSION

__all__ = [
    "DEFAULT_URL",
    "SCHEMA_VERSION",
    "ImportResult",
    "Store",
    "database_url",
    "export_csv",
    "export_jsonl",
    "import_events",
    "import_jsonl",
    "neutralise",
    "sqlite_file",
]
