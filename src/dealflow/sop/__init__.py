"""SOP checklists: the items a deal's stage asks for (`build_checklist`), laid out as
Markdown, HTML, plain text or JSON (`render_checklist`, with the layouts of the top-level `sops/`
folder, shipped in the wheel), and audited for compliance (`compliance`)."""

from dealflow.sop._checklist import Checklist, ChecklistItem, build_checklist, render_item_text
from dealflow.sop._compliance import Compliance, Counts, ItemRecord, audit_deal, compliance
from dealflow.sop._enablement import ContentLine
from dealflow.sop._layouts import CHECKLIST_SCHEMA, Format, checklist_to_dict, render_checklist
from dealflow.sop._waiver_counts import WaiverCounts

__all__ = [
    "CHECKLIST_SCHEMA",
    "Checklist",
    "ChecklistItem",
    "ContentLine",
    "Compliance",
    "Counts",
    "Format",
    "ItemRecord",
    "WaiverCounts",
    "audit_deal",
    "build_checklist",
    "checklist_to_dict",
    "compliance",
    "render_checklist",
    "render_item_text",
]
