"""Applying one read snapshot to the stored leads of one sheet.

The identity and no-data-loss rules of DESIGN.md live here: a lead is
(customer, sheet, lead_key); a non-empty sheet value replaces the stored one, an empty
one never blanks it; app-owned fields are never written; nothing is deleted; a lead
whose row is gone gets ``missing_since``; every replaced value goes to the history.
The caller runs this inside the one transaction that applies the snapshot.

The snapshot streams through in batches (store/snapshot.py gives each key's rows
folded into one lead); each batch is looked up, inserted, compared and updated in
bulk (store/bulk.py), so memory holds a batch and the keys, never every lead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from leadsync.leads.model import LeadRow, Warning
from leadsync.store.bulk import Identity, LeadWriter, Move
from leadsync.store.bulk_pg import lead_writer
from leadsync.store.jsontext import dumps
from leadsync.store.known import KnownRows, RowsConflict
from leadsync.store.rekey import rekey
from leadsync.store.snapshot import (
    CREATED,
    DIGEST,
    EXTRA,
    HASH,
    KEY,
    RAW,
    ROW,
    ROW_WARNINGS,
    SECONDARY,
    TEXT_FIELDS,
    VALUES,
    Packed,
    Snapshot,
    fold,
    from_new_values,
    lead_warnings,
    new_values,
    person_key,
)

BATCH = 2000
# After this many new leads in one sync, the planner's statistics are refreshed
# (PostgreSQL): the next sync's key lookups are planned from them; SQLite leaves
# the commit's WAL checkpoint to a background thread.
MANY_INSERTED = 10_000
# What became of each key, stored in Snapshot.counts once its lead is applied.
INSERTED, UPDATED, UNCHANGED = -1, -2, -3


@dataclass
class ApplyResult:
    """Keys in sheet order (of their first row) per outcome."""

    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    # Ids of unchanged leads whose row was recognized by its digest, not read.
    recognized: Sequence[int] = ()


@dataclass
class _Apply:
    writer: LeadWriter
    known: KnownRows
    customer_id: int
    run_id: int
    status: dict[str, int]
    had_leads: bool
    inserted: int = 0


def apply_snapshot(
    session: Session,
    *,
    customer_id: int,
    sheet_id: int,
    leads: Snapshot | Iterable[LeadRow],
    run_id: int,
    now: datetime,
    seen_at: datetime | None = None,
    known: KnownRows | None = None,
) -> ApplyResult:
    """Apply a snapshot (consumed: apply it once) or plain lead rows.

    ``seen_at`` is when the sheet was last read in full before this run (its last
    successful sync): the last time a lead that has no row now was seen.
    ``known`` holds the rows the read recognized instead of reading them; raises
    ``RowsConflict`` when one of them must be read after all.
    """
    if not isinstance(leads, Snapshot):
        with Snapshot.of(leads) as snapshot:
            return apply_snapshot(
                session,
                customer_id=customer_id,
                sheet_id=sheet_id,
                leads=snapshot,
                run_id=run_id,
                now=now,
                seen_at=seen_at,
                known=known,
            )
    writer = lead_writer(session, customer_id, sheet_id, now)
    job = _Apply(writer, known or KnownRows(), customer_id, run_id, leads.counts, False)
    result = ApplyResult(recognized=job.known.recognized)
    with writer:
        _apply(job, leads, result, seen_at)
    _sort_keys(leads.counts, result)
    return result


def _apply(
    job: _Apply, snapshot: Snapshot, result: ApplyResult, seen_at: datetime | None
) -> None:
    writer = job.writer
    unclaimed, job.had_leads = _unclaimed(writer, snapshot.counts, job.known)
    if unclaimed:
        claimed = rekey(writer, snapshot, unclaimed, result.warnings)
        unclaimed = [s for s in unclaimed if s.id not in claimed]
    staged = [] if job.had_leads or not writer.stages else snapshot.staged()
    if staged:
        _insert_staged(job, snapshot, staged)
    else:
        for batch in _batches(snapshot.merged(), BATCH):
            _apply_batch(job, batch)
    writer.move(job.known.moves)
    newly_missing = [s for s in unclaimed if not s.missing]
    writer.mark_missing([s.id for s in newly_missing], seen_at)
    result.missing = [s.key for s in newly_missing]
    if job.inserted >= MANY_INSERTED:
        writer.wrote_many()


def _insert_staged(job: _Apply, snapshot: Snapshot, staged: list[str]) -> None:
    """A first sync whose lead rows were staged as they were read (store/stage.py):
    a lead of one row is copied from its stage file, the rows of a key that has
    several are folded in sheet order as ``Snapshot.merged`` folds them, and all
    are inserted in the order ``Snapshot.merged`` gives them."""
    counts, writer = snapshot.counts, job.writer
    shared = [key for key, count in counts.items() if count > 1]
    writer.attach_stages(staged, shared)
    folded: dict[str, tuple[int, int, Packed]] = {}  # key -> (part, rowid, lead)
    for part, rowid, *values in writer.staged_rows():
        lead = from_new_values(values)
        earlier = folded.get(lead[KEY])
        if earlier is not None:
            lead = fold(earlier[2], lead)
        folded[lead[KEY]] = (part, rowid, lead)
    if len(folded) != len(shared):  # a key neither copied nor folded: not one lost
        raise RuntimeError(f"staged rows of {len(shared) - len(folded)} keys missing")
    leads = sorted(folded.values(), key=lambda found: found[2][ROW])
    job.inserted = writer.insert_staged(
        [(part, rowid, _new_row(writer, lead)) for part, rowid, lead in leads]
    )
    if job.inserted != len(counts):
        raise RuntimeError(f"{job.inserted} leads staged, {len(counts)} read")
    for key in counts:
        counts[key] = INSERTED


def _unclaimed(
    writer: LeadWriter, keys: dict[str, int], known: KnownRows
) -> tuple[list[Identity], bool]:
    """Stored leads of the sheet without a row in the snapshot, and whether the
    sheet had any stored lead."""
    ids, had_leads = [], False
    for id_, key in writer.stored_keys():
        had_leads = True
        if key not in keys and not known.was_claimed(id_):
            ids.append(id_)
    return (writer.identities(ids) if ids else []), had_leads


def _batches(leads: Iterator[Packed], size: int) -> Iterator[list[Packed]]:
    while batch := list(islice(leads, size)):
        yield batch


def _apply_batch(job: _Apply, batch: list[Packed]) -> None:
    writer, status, known = job.writer, job.status, job.known
    stored = writer.lookup([lead[KEY] for lead in batch]) if job.had_leads else {}
    inserts: list[tuple[Any, ...]] = []
    changed: list[tuple[int, Packed, str]] = []
    moved: list[Move] = []
    for lead in batch:
        key, digest = lead[KEY], lead[HASH]
        old = stored.get(key)
        if old is None:
            inserts.append(_new_row(writer, lead))
            status[key] = INSERTED
            continue
        if known.was_claimed(old.id):
            raise RowsConflict(key)
        if old.row_hash != digest:
            changed.append((old.id, lead, digest))
            continue
        status[key] = UNCHANGED
        if old.row_number != lead[ROW] or old.missing or old.row_digest != lead[DIGEST]:
            moved.append((lead[ROW], lead[DIGEST], lead[ROW_WARNINGS], old.id))
    writer.insert(inserts)
    job.inserted += len(inserts)
    if changed:
        _apply_changes(job, changed)
    writer.move(moved)


def _new_row(writer: LeadWriter, lead: Packed) -> tuple[Any, ...]:
    """A new lead in INSERT_COLUMNS order."""
    now = writer.now
    return (
        *writer.scope,
        *new_values(lead, writer.tz_suffix),
        now,
        now,
        None,
        "new",
        None,
        now,
    )


def _apply_changes(job: _Apply, changed: list[tuple[int, Packed, str]]) -> None:
    writer = job.writer
    records = writer.load([id_ for id_, _, _ in changed])
    updates: list[tuple[Any, ...]] = []
    history: list[tuple[Any, ...]] = []
    for id_, lead, digest in changed:
        values, diffs = _diff(writer, records[id_], lead)
        updated_at = writer.now if diffs else records[id_]["updated_at"]
        updates.append((*values, updated_at, *_tail(lead, values, digest), id_))
        history.extend(
            (job.customer_id, id_, name, old, new, job.run_id, "sync", writer.now)
            for name, old, new in diffs
        )
        job.status[lead[KEY]] = UPDATED if diffs else UNCHANGED
    writer.update(updates)
    writer.history(history)


Diff = tuple[str, str | None, str | None]


def _diff(
    writer: LeadWriter, record: dict[str, Any], lead: Packed
) -> tuple[list[Any], list[Diff]]:
    """Sheet-owned columns (LOAD_COLUMNS order, without id and updated_at) after a
    non-empty value replaced the stored one, and (field, old, new) per replacement."""
    values: list[Any] = []
    diffs: list[Diff] = []
    for name, new in zip(TEXT_FIELDS, lead[VALUES], strict=True):
        old = record[name]
        values.append(new or old)
        if new and new != old:
            diffs.append((name, old, new))
    created = lead[CREATED]
    if created is not None and created[0] != record["created_at_text"]:
        diffs.append(("created_at", record["created_at_text"], created[0]))
    # A new value, or the same date in another time zone (the sheet's setting
    # changed): the instant it stands for follows, without history of its own.
    if created is not None and not (
        created[0] == record["created_at_text"]
        and writer.same_instant(record["created_at"], created[1])
    ):
        values += [writer.instant(created[1]), created[0], created[2], created[3]]
    else:
        values += [
            record[name]
            for name in (
                "created_at",
                "created_at_text",
                "created_at_offset",
                "created_at_date_only",
            )
        ]
    values.append(dumps(_secondary(record, lead, diffs)))
    values.append(dumps(_extra(record, lead, diffs)))
    values.append(dumps({**(record["raw"] or {}), **json.loads(lead[RAW])}))
    return values, diffs


def _secondary(record: dict[str, Any], lead: Packed, diffs: list[Diff]) -> list[str]:
    old = list(record["secondary_emails"] or [])
    new: list[str] = json.loads(lead[SECONDARY])
    if not new or new == old:
        return old
    diffs.append(("secondary_emails", ", ".join(old) or None, ", ".join(new)))
    return new


def _extra(record: dict[str, Any], lead: Packed, diffs: list[Diff]) -> dict[str, Any]:
    extra = dict(record["extra"] or {})
    for key, new in json.loads(lead[EXTRA]).items():
        if extra.get(key) != new:
            diffs.append((f"extra.{key}", extra.get(key), new))
            extra[key] = new
    return extra


def _tail(lead: Packed, values: list[Any], digest: str) -> tuple[Any, ...]:
    """warnings, person_key, row_hash, row_digest, row_warnings, row_number,
    missing_since of a changed lead."""
    digest_columns = lead[DIGEST], lead[ROW_WARNINGS]
    person = person_key(values)
    return lead_warnings(lead), person, digest, *digest_columns, lead[ROW], None


def _sort_keys(status: dict[str, int], result: ApplyResult) -> None:
    lists = {
        INSERTED: result.inserted,
        UPDATED: result.updated,
        UNCHANGED: result.unchanged,
    }
    for key, outcome in status.items():
        lists[outcome].append(key)
