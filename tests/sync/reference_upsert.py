"""The upsert as it was before the bulk paths (commit ccf9399), kept as the reference
that tests/sync/test_bulk_equivalence.py compares the bulk paths with.

Applying one read snapshot to the stored leads of one sheet.

The identity and no-data-loss rules of DESIGN.md live here: a lead is
(customer, sheet, lead_key); a non-empty sheet value replaces the stored one, an empty
one never blanks it; app-owned fields are never written; nothing is deleted; a lead
whose row is gone gets ``missing_since``; every replaced value goes to the history.
The caller runs this inside the one transaction that applies the snapshot.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from leadsync.leads.model import LEAD_FIELDS, CreatedAt, LeadRow, Warning
from leadsync.store.models import LeadChange, LeadRecord

BATCH = 1000
# Fields compared and written as plain text (created_at is handled on its own).
TEXT_FIELDS = tuple(f for f in LEAD_FIELDS if f != "created_at")


@dataclass
class MergedLead:
    """The rows of one snapshot sharing a lead_key, folded in sheet order."""

    key: str
    key_kind: str
    row: int
    values: dict[str, str] = field(default_factory=dict)
    created_at: CreatedAt | None = None
    secondary_emails: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def fold(self, lead: LeadRow) -> None:
        self.row = lead.row
        for name in TEXT_FIELDS:
            value = getattr(lead, name)
            if value:
                self.values[name] = value
        if lead.created_at is not None and (
            self.created_at is None or lead.created_at.instant < self.created_at.instant
        ):
            self.created_at = lead.created_at
        if lead.secondary_emails:
            self.secondary_emails = lead.secondary_emails
        self.extra.update({k: v for k, v in lead.extra.items() if v})
        self.raw.update({k: v for k, v in lead.raw.items() if v})
        self.warnings.extend(w.code for w in lead.warnings)

    @property
    def person_key(self) -> str | None:
        return self.values.get("email") or self.values.get("phone")

    def row_hash(self) -> str:
        payload = [
            self.key,
            self.values,
            self.created_at.iso() if self.created_at else None,
            list(self.secondary_emails),
            self.extra,
            self.raw,
            sorted(set(self.warnings)),
        ]
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def merge_rows(leads: Iterable[LeadRow]) -> dict[str, MergedLead]:
    merged: dict[str, MergedLead] = {}
    for lead in leads:
        target = merged.get(lead.lead_key)
        if target is None:
            target = MergedLead(key=lead.lead_key, key_kind=lead.key_kind, row=lead.row)
            merged[lead.lead_key] = target
        target.fold(lead)
    return merged


@dataclass
class ApplyResult:
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    recognized: tuple[int, ...] = ()  # the reference reads every row


@dataclass
class _Stored:
    id: int
    key: str
    row_hash: str
    row_number: int | None
    missing_since: datetime | None
    external_id: str | None
    email: str | None
    phone: str | None


def apply_snapshot(
    session: Session,
    *,
    customer_id: int,
    sheet_id: int,
    leads: Iterable[LeadRow],
    run_id: int,
    now: datetime,
    seen_at: datetime | None = None,
) -> ApplyResult:
    merged = merge_rows(leads)
    stored = _load_index(session, sheet_id)
    result = ApplyResult()
    _rekey(session, merged, stored, result)

    inserts: list[dict[str, Any]] = []
    changed: list[tuple[_Stored, MergedLead]] = []
    moved: list[dict[str, Any]] = []
    for key, lead in merged.items():
        old = stored.get(key)
        if old is None:
            inserts.append(_new_record(lead, customer_id, sheet_id, now))
            result.inserted.append(key)
        elif old.row_hash != lead.row_hash():
            changed.append((old, lead))
        else:
            result.unchanged.append(key)
            if old.row_number != lead.row or old.missing_since is not None:
                moved.append({"id": old.id, "row_number": lead.row})

    for chunk in _chunks(inserts):
        session.execute(insert(LeadRecord), chunk)
    _apply_changes(session, changed, customer_id, run_id, now, result)
    _write_bookkeeping(session, moved, merged, stored, (now, seen_at), result)
    return result


def _load_index(session: Session, sheet_id: int) -> dict[str, _Stored]:
    query = select(
        LeadRecord.id,
        LeadRecord.lead_key,
        LeadRecord.row_hash,
        LeadRecord.row_number,
        LeadRecord.missing_since,
        LeadRecord.external_id,
        LeadRecord.email,
        LeadRecord.phone,
    ).where(LeadRecord.sheet_id == sheet_id)
    return {row.lead_key: _Stored(*row) for row in session.execute(query)}


def _rekey(
    session: Session,
    merged: dict[str, MergedLead],
    stored: dict[str, _Stored],
    result: ApplyResult,
) -> None:
    """A key that changed kind re-keys its one existing lead instead of a twin."""
    unclaimed = [s for key, s in stored.items() if key not in merged]
    for key, lead in merged.items():
        if key in stored or not unclaimed:
            continue
        matches = [s for s in unclaimed if _same_lead(s, lead)]
        if len(matches) != 1:
            continue
        old = matches[0]
        unclaimed.remove(old)
        del stored[old.key]
        session.execute(
            update(LeadRecord)
            .where(LeadRecord.id == old.id)
            .values(lead_key=key, key_kind=lead.key_kind)
        )
        old.key = key
        old.row_hash = ""  # force a value comparison under the new key
        stored[key] = old
        result.warnings.append(Warning(lead.row, None, "lead_rekeyed"))


def _same_lead(old: _Stored, lead: MergedLead) -> bool:
    values = lead.values
    for name in ("external_id", "email"):  # a different one: another person
        if (
            values.get(name)
            and getattr(old, name)
            and values[name] != getattr(old, name)
        ):
            return False
    return any(
        values.get(name) and values.get(name) == getattr(old, name)
        for name in ("external_id", "email", "phone")
    )


def _new_record(
    lead: MergedLead, customer_id: int, sheet_id: int, now: datetime
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "customer_id": customer_id,
        "sheet_id": sheet_id,
        "lead_key": lead.key,
        "key_kind": lead.key_kind,
        "person_key": lead.person_key,
        **{name: lead.values.get(name) for name in TEXT_FIELDS},
        **_created_columns(lead.created_at),
        "secondary_emails": list(lead.secondary_emails),
        "extra": lead.extra,
        "raw": lead.raw,
        "warnings": sorted(set(lead.warnings)),
        "row_hash": lead.row_hash(),
        "row_number": lead.row,
        "first_seen_at": now,
        "last_seen_at": now,
        "missing_since": None,
        "status": "new",
        "notes": None,
        "updated_at": now,
    }
    return record


def _created_columns(created: CreatedAt | None) -> dict[str, Any]:
    if created is None:
        return {
            "created_at": None,
            "created_at_text": None,
            "created_at_offset": None,
            "created_at_date_only": False,
        }
    return {
        "created_at": created.instant,
        "created_at_text": created.iso(),
        "created_at_offset": created.offset_minutes,
        "created_at_date_only": created.date_only,
    }


def _apply_changes(
    session: Session,
    changed: list[tuple[_Stored, MergedLead]],
    customer_id: int,
    run_id: int,
    now: datetime,
    result: ApplyResult,
) -> None:
    for chunk in _chunks(changed):
        ids = [old.id for old, _ in chunk]
        records = {
            r.id: r
            for r in session.scalars(select(LeadRecord).where(LeadRecord.id.in_(ids)))
        }
        updates: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for old, lead in chunk:
            record = records[old.id]
            values, diffs = _diff(record, lead, now)
            updates.append({"id": old.id, **values})
            history.extend(
                {
                    "customer_id": customer_id,
                    "lead_id": old.id,
                    "field": name,
                    "old_value": before,
                    "new_value": after,
                    "run_id": run_id,
                    "actor": "sync",
                    "changed_at": now,
                }
                for name, before, after in diffs
            )
            (result.updated if diffs else result.unchanged).append(lead.key)
        session.expunge_all()  # bulk updates below bypass the loaded objects
        session.execute(update(LeadRecord), updates)
        if history:
            session.execute(insert(LeadChange), history)


def _diff(
    record: LeadRecord, lead: MergedLead, now: datetime
) -> tuple[dict[str, Any], list[tuple[str, str | None, str | None]]]:
    """Every sheet-owned column's new value, and (field, old, new) per replaced value.

    The returned dict always has the same keys, so one executemany writes a batch.
    """
    values: dict[str, Any] = {"row_hash": lead.row_hash(), "row_number": lead.row}
    diffs: list[tuple[str, str | None, str | None]] = []
    for name in TEXT_FIELDS:
        new, old = lead.values.get(name), getattr(record, name)
        values[name] = new or old
        if new and new != old:
            diffs.append((name, old, new))
    created = lead.created_at
    if created is not None and created.iso() != record.created_at_text:
        diffs.append(("created_at", record.created_at_text, created.iso()))
        values.update(_created_columns(created))
    else:
        values.update(
            created_at=record.created_at,
            created_at_text=record.created_at_text,
            created_at_offset=record.created_at_offset,
            created_at_date_only=record.created_at_date_only,
        )
    old_secondary = list(record.secondary_emails or [])
    values["secondary_emails"] = old_secondary
    if lead.secondary_emails and list(lead.secondary_emails) != old_secondary:
        values["secondary_emails"] = list(lead.secondary_emails)
        new_text = ", ".join(lead.secondary_emails)
        diffs.append(("secondary_emails", ", ".join(old_secondary) or None, new_text))
    extra = dict(record.extra or {})
    for key, new_value in lead.extra.items():
        if extra.get(key) != new_value:
            diffs.append((f"extra.{key}", extra.get(key), new_value))
            extra[key] = new_value
    values["extra"] = extra
    values["raw"] = {**(record.raw or {}), **lead.raw}
    values["warnings"] = sorted(set(lead.warnings))
    values["person_key"] = values["email"] or values["phone"]
    values["missing_since"] = None
    values["updated_at"] = now if diffs else record.updated_at
    return values, diffs


def _write_bookkeeping(
    session: Session,
    moved: list[dict[str, Any]],
    merged: dict[str, MergedLead],
    stored: dict[str, _Stored],
    times: tuple[datetime, datetime | None],
    result: ApplyResult,
) -> None:
    """Rows moved, rows gone, rows back: bookkeeping, never a value change. A
    lead gone now was last seen when the sheet was last read (``seen_at``); a
    present lead's last_seen_at is derived from the sheet, never written."""
    now, seen_at = times
    for chunk in _chunks(moved):
        session.execute(
            update(LeadRecord),
            [{**m, "missing_since": None} for m in chunk],
        )
    gone = [s for key, s in stored.items() if key not in merged]
    newly_missing = [s for s in gone if s.missing_since is None]
    result.missing.extend(s.key for s in newly_missing)
    for chunk in _chunks([s.id for s in newly_missing]):
        session.execute(
            update(LeadRecord).where(LeadRecord.id.in_(chunk)).values(missing_since=now)
        )
        if seen_at is not None:
            session.execute(
                update(LeadRecord)
                .where(LeadRecord.id.in_(chunk), LeadRecord.last_seen_at < seen_at)
                .values(last_seen_at=seen_at)
            )


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
