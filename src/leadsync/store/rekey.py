"""A key that changed kind re-keys its one existing lead instead of making a twin.

A rounded id becomes readable, a phone-only row gains an email: before a new key is
inserted, a stored lead of the sheet that has no row in the snapshot is matched by
external id, email or phone; if exactly one matches, it takes the new key (warning
``lead_rekeyed``). New keys are considered in sheet order, as their merged values
say. Only snapshot rows that share a value with such a stored lead can match, so
the spooled rows are read for those alone, and only when there is such a lead.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadsync.leads.model import Warning
from leadsync.store.bulk import Identity, LeadWriter
from leadsync.store.snapshot import KEY, KIND, ROW, TEXT_FIELDS, VALUES, Snapshot

_FIELDS = ("external_id", "email", "phone")
_CONTRADICTING = frozenset({"external_id", "email"})
_AT = tuple(TEXT_FIELDS.index(name) for name in _FIELDS)


def rekey(
    writer: LeadWriter,
    snapshot: Snapshot,
    unclaimed: Sequence[Identity],
    warnings: list[Warning],
) -> set[int]:
    """Re-key the stored leads some new key matches; their ids."""
    values = {
        (name, getattr(lead, name))
        for lead in unclaimed
        for name in _FIELDS
        if getattr(lead, name)
    }
    if not values:
        return set()
    candidates = _candidates(snapshot, values)
    candidates -= set(writer.lookup(sorted(candidates)))  # stored keys are not new
    if not candidates:
        return set()
    pool = list(unclaimed)
    moves: list[tuple[str, str, int]] = []
    for key, (kind, row, identity) in _merged(snapshot, candidates).items():
        matches = [lead for lead in pool if _same(lead, identity)]
        if len(matches) != 1:
            continue
        pool.remove(matches[0])
        moves.append((key, kind, matches[0].id))
        warnings.append(Warning(row, None, "lead_rekeyed"))
    writer.rekey(moves)
    return {id_ for _, _, id_ in moves}


def _candidates(snapshot: Snapshot, values: set[tuple[str, str]]) -> set[str]:
    """Keys with a row sharing an identity value with an unclaimed lead."""
    found: set[str] = set()
    pairs = list(zip(_FIELDS, _AT, strict=True))
    for row in snapshot.rows():
        cells = row[VALUES]
        if any((name, cells[at]) in values for name, at in pairs):
            found.add(row[KEY])
    return found


def _merged(
    snapshot: Snapshot, keys: set[str]
) -> dict[str, tuple[str, int, tuple[str | None, ...]]]:
    """Per candidate key, in sheet order: the key kind of its first row, its last
    row, and its merged external id, email and phone (later non-empty wins)."""
    merged: dict[str, tuple[str, int, tuple[str | None, ...]]] = {}
    for row in snapshot.rows():
        key = row[KEY]
        if key not in keys:
            continue
        identity = tuple(row[VALUES][at] for at in _AT)
        if key in merged:
            kind, _, before = merged[key]
            identity = tuple(b or a for a, b in zip(before, identity, strict=True))
        else:
            kind = row[KIND]
        merged[key] = (kind, row[ROW], identity)
    return merged


def _same(lead: Identity, identity: tuple[str | None, ...]) -> bool:
    """One shared value and no contradicting one: a phone shared by a household or
    a front desk must not hand one person's lead (and its notes) to another, so a
    different email or a different platform id means a different person."""
    pairs = [
        (name, value, getattr(lead, name))
        for name, value in zip(_FIELDS, identity, strict=True)
    ]
    if any(
        new and old and new != old for name, new, old in pairs if name in _CONTRADICTING
    ):
        return False
    return any(new and new == old for _, new, old in pairs)
