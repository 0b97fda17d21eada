"""The object ``leadsync preview --json`` prints for a read (DESIGN.md)."""

from __future__ import annotations

from typing import Any

from leadsync.leads.model import LeadRow, ReadResult, Warning


def preview_json(result: ReadResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "file_errors": [
            {"code": e.code, "message": e.message} for e in result.file_errors
        ],
        "header_row": result.header_row,
        "columns": [
            {"letter": c.letter, "header": c.header, "field": c.field}
            for c in result.columns
        ],
        "leads": [_lead(lead) for lead in result.leads],
        "skipped": [{"row": s.row, "reason": s.reason} for s in result.skipped],
        "warnings": [_warning(w) for w in result.warnings],
    }


def _lead(lead: LeadRow) -> dict[str, Any]:
    return {
        "row": lead.row,
        "lead_key": lead.lead_key,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "created_at": lead.created_at.iso() if lead.created_at else None,
        "channel": lead.channel,
        "campaign": lead.campaign,
        "external_id": lead.external_id,
        "secondary_emails": list(lead.secondary_emails),
        "extra": dict(lead.extra),
    }


def _warning(warning: Warning) -> dict[str, Any]:
    item: dict[str, Any] = {
        "row": warning.row,
        "column": warning.column,
        "code": warning.code,
    }
    if warning.field is not None:
        item["field"] = warning.field
    return item
