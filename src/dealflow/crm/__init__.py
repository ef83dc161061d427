"""Bringing history in from a CRM: Salesforce, HubSpot or any CSV, through a mapping.

A mapping (YAML) says how the export is laid out (`long`: a row per stage change;
`wide`: a row per deal with a date per stage) and what its columns and values mean for
the playbook. `import_csv` checks every row first, then stores the events of the deals
without problems; `check_csv` is the dry run. Mappings for Salesforce's and HubSpot's
default pipelines ship with dealflow: `load_mapping("salesforce")`, `"hubspot"`. A deal
with no date at all takes the date the mapping's `undated` gives it.
"""

from dealflow.crm._csv import count_lines
from dealflow.crm._importer import CsvImport, Progress, check_csv, import_csv
from dealflow.crm._mapping import Columns, CrmMapping, Dates, Undated
from dealflow.crm._mapping_loader import bundled_mappings, load_mapping, parse_mapping

__all__ = [
    "Columns",
    "CrmMapping",
    "CsvImport",
    "Dates",
    "Progress",
    "Undated",
    "bundled_mappings",
    "check_csv",
    "count_lines",
    "import_csv",
    "load_mapping",
    "parse_mapping",
]
