"""Bulk reads and writes of one sheet's leads, below the ORM.

SQLAlchemy's per-row type processing (JSON columns, UTCDateTime) costs more than
the database itself on a 100k-row sheet, so the apply path hands the driver plain
values: JSON already serialized, datetimes as UTCDateTime stores them (on SQLite a
naive UTC text, "YYYY-MM-DD HH:MM:SS.ffffff"; on PostgreSQL that text with "+00"),
so the ORM reads back exactly what it would have written. Every statement runs on
the session's connection, inside the one transaction that applies the snapshot.
``LeadWriter`` is the SQLite form (executemany); bulk_pg.py is PostgreSQL's (COPY,
arrays): a few round trips per batch, never one per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadsync.store.db import ATTACHED, CHECKPOINT_LATER
from leadsync.store.snapshot import NEW_COLUMNS, VALUE_COLUMNS, utc_text

# The temporary table of the keys that were folded rather than copied.
_SHARED = "leadsync_shared_keys"
_LAST_ROWID = 2**63 - 1
INSERT_COLUMNS = (
    "customer_id",
    "sheet_id",
    *NEW_COLUMNS,
    "first_seen_at",
    "last_seen_at",
    "missing_since",
    "status",
    "notes",
    "updated_at",
)
# What a changed lead's comparison needs, and what its update writes (after id).
LOAD_COLUMNS = ("id", *VALUE_COLUMNS, "updated_at")
UPDATE_COLUMNS = (
    *LOAD_COLUMNS[1:],
    "warnings",
    "person_key",
    "row_hash",
    "row_digest",
    "row_warnings",
    "row_number",
    "missing_since",
)
HISTORY_COLUMNS = (
    "customer_id",
    "lead_id",
    "field",
    "old_value",
    "new_value",
    "run_id",
    "actor",
    "changed_at",
)
_JSON_COLUMNS = frozenset({"secondary_emails", "extra", "raw"})
SQLITE_CACHE_KIB = 64 * 1024
# SQLite allows 32,766 variables per statement; keep well below.
LOOKUP_CHUNK = 5000


Move = tuple[int, bytes | None, str | None, int]
"""(row number, row digest, row warnings, id): bookkeeping of an unchanged lead"""


@dataclass(frozen=True)
class Stored:
    """A stored lead's bookkeeping, for the key a snapshot row has."""

    id: int
    row_hash: str
    row_digest: bytes | None
    row_number: int | None
    missing: bool


@dataclass(frozen=True)
class Identity:
    """A stored lead the snapshot has no row for: re-key candidate or missing."""

    id: int
    key: str
    external_id: str | None
    email: str | None
    phone: str | None
    missing: bool


class LeadWriter:
    """SQLite: executemany on the driver's cursor, parameters pre-serialized."""

    mark = "?"
    tz_suffix = ""
    stages = True  # takes staged new leads (``insert_staged``)

    def __init__(
        self, session: Session, customer_id: int, sheet_id: int, now: datetime
    ) -> None:
        pooled = session.connection().connection
        driver = pooled.driver_connection
        assert driver is not None  # a live connection inside the transaction
        self.driver: Any = driver
        self._pooled_info = pooled.info
        self._stages: list[str] = []  # attached stage files' names
        self.scope = (customer_id, sheet_id)
        self.now = self.instant(utc_text(now))

    def __enter__(self) -> LeadWriter:
        # The unique key index takes keys in no order; with SQLite's default 2 MB
        # page cache a 500k-row sheet re-reads index pages for every batch. A
        # bigger cache for this transaction only, given back after.
        self._cache = self._run("PRAGMA cache_size")[0][0]
        self._run(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(f"PRAGMA cache_size = {int(self._cache)}")

    def instant(self, text: str) -> Any:
        """A UTC instant text as this database's driver takes it."""
        return text + self.tz_suffix

    def same_instant(self, stored: Any, text: str) -> bool:
        """Whether a loaded created_at is the UTC instant ``text`` (snapshot.py's
        "YYYY-MM-DD HH:MM:SS.ffffff"): SQLite hands back the text it stored."""
        return bool(stored == text)

    def _marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self._cursor()
        try:
            cursor.execute(sql.replace("?", self.mark), params)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cursor = self._cursor()
        try:
            cursor.executemany(sql.replace("?", self.mark), rows)
        finally:
            cursor.close()

    # -- reads ------------------------------------------------------------------

    def stored_keys(self) -> Iterator[tuple[int, str]]:
        """(id, key) of every lead of the sheet."""
        cursor = self._cursor()
        try:
            where = "customer_id = ? AND sheet_id = ?".replace("?", self.mark)
            cursor.execute(f"SELECT id, lead_key FROM leads WHERE {where}", self.scope)
            while rows := cursor.fetchmany(5000):
                yield from rows
        finally:
            cursor.close()

    def stored_digests(
        self,
    ) -> Iterator[tuple[bytes, int, int | None, bool, str | None]]:
        """(row digest, id, row number, missing, row warnings) of the sheet's leads
        that have a row digest (store/known.py)."""
        cursor = self._cursor(streaming=True)
        try:
            cursor.execute(
                "SELECT row_digest, id, row_number, missing_since IS NOT NULL, "
                "row_warnings FROM leads WHERE customer_id = ? AND sheet_id = ? "
                "AND row_digest IS NOT NULL".replace("?", self.mark),
                self.scope,
            )
            while rows := cursor.fetchmany(5000):
                yield from rows
        finally:
            cursor.close()

    def _cursor(self, streaming: bool = False) -> Any:
        """A cursor of the transaction's connection; a ``streaming`` one fetches
        as it goes (SQLite's always do)."""
        return self.driver.cursor()

    def identities(self, ids: Sequence[int]) -> list[Identity]:
        found: list[Identity] = []
        for chunk in _chunks(ids, LOOKUP_CHUNK):
            found += [
                _identity(row)
                for row in self._run(
                    "SELECT id, lead_key, external_id, email, phone, missing_since "
                    f"FROM leads WHERE id IN ({self._marks(len(chunk))})",
                    chunk,
                )
            ]
        return sorted(found, key=lambda identity: identity.id)

    def lookup(self, keys: Sequence[str]) -> dict[str, Stored]:
        """The stored leads of the sheet with these keys."""
        found: dict[str, Stored] = {}
        for chunk in _chunks(keys, LOOKUP_CHUNK):
            rows = self._run(
                "SELECT lead_key, id, row_hash, row_digest, row_number, missing_since "
                "FROM leads WHERE customer_id = ? AND sheet_id = ? "
                f"AND lead_key IN ({self._marks(len(chunk))})",
                [*self.scope, *chunk],
            )
            for key, *rest in rows:
                found[key] = _stored(rest)
        return found

    def load(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What a changed lead's comparison needs, JSON decoded, times as text."""
        loaded: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(ids, LOOKUP_CHUNK):
            rows = self._run(
                f"SELECT {', '.join(LOAD_COLUMNS)} FROM leads "
                f"WHERE id IN ({self._marks(len(chunk))})",
                chunk,
            )
            for row in rows:
                record = dict(zip(LOAD_COLUMNS, row, strict=True))
                for name in _JSON_COLUMNS:
                    record[name] = self._json(record[name])
                loaded[record["id"]] = record
        return loaded

    def _json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    # -- writes -----------------------------------------------------------------

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        """New leads, each a tuple in INSERT_COLUMNS order."""
        self._many(
            f"INSERT INTO leads ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({self._marks(len(INSERT_COLUMNS))})",
            rows,
        )

    def update(self, rows: Sequence[Sequence[Any]]) -> None:
        """Changed leads, each a tuple in UPDATE_COLUMNS order, then the id."""
        sets = ", ".join(f"{name} = ?" for name in UPDATE_COLUMNS)
        self._many(f"UPDATE leads SET {sets} WHERE id = ?", rows)

    def history(self, rows: Sequence[Sequence[Any]]) -> None:
        """Replaced values, each a tuple in HISTORY_COLUMNS order."""
        self._many(
            f"INSERT INTO lead_changes ({', '.join(HISTORY_COLUMNS)}) "
            f"VALUES ({self._marks(len(HISTORY_COLUMNS))})",
            rows,
        )

    def move(self, rows: Sequence[Move]) -> None:
        """Unchanged leads whose row moved, came back or reads anew (a new digest:
        another layout, settings or reader)."""
        self._many(
            "UPDATE leads SET row_number = ?, row_digest = ?, row_warnings = ?, "
            "missing_since = NULL WHERE id = ?",
            rows,
        )

    def rekey(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """(new key, key kind, id); an empty row hash forces a value comparison."""
        self._many(
            "UPDATE leads SET lead_key = ?, key_kind = ?, row_hash = '', "
            "row_digest = NULL, row_warnings = NULL WHERE id = ?",
            rows,
        )

    def mark_missing(self, ids: Sequence[int], seen_at: datetime | None) -> None:
        """Leads the snapshot has no row for: missing from now on, and last seen
        when the sheet was last read in full before (``seen_at``). A present lead
        is never touched: its last_seen_at is the sheet's last successful sync
        (store/leads.py), so no sync rewrites every present lead."""
        seen = self.instant(utc_text(seen_at)) if seen_at else None
        for chunk in _chunks(ids, LOOKUP_CHUNK):
            self._run(
                "UPDATE leads SET missing_since = ?, last_seen_at = CASE "
                "WHEN last_seen_at < ? THEN ? ELSE last_seen_at END "
                f"WHERE id IN ({self._marks(len(chunk))})",
                [self.now, seen, seen, *chunk],
            )

    def wrote_many(self) -> None:
        """After many new leads: their commit leaves the WAL checkpoint to a
        background thread (store/db.py ``Checkpointer``). SQLite plans the
        lookups by their indexes without statistics."""
        self._run("PRAGMA wal_autocheckpoint = 0")
        self._pooled_info[CHECKPOINT_LATER] = -1

    # -- staged new leads (store/stage.py; SQLite) --------------------------------

    def attach_stages(self, files: Sequence[str], shared: Sequence[str]) -> None:
        """Attach the stage files of a first sync (store/stage.py) and note the
        keys of several rows, which the caller folds. The files stay attached
        until the connection goes back to its pool (store/db.py)."""
        attached = self._pooled_info.setdefault(ATTACHED, [])
        for path in files:
            name = f"leadsync_stage{len(attached)}"
            self._run(f"ATTACH DATABASE ? AS {name}", [path])
            attached.append(name)
            self._stages.append(name)
        self._run(f"CREATE TEMP TABLE IF NOT EXISTS {_SHARED} (key TEXT PRIMARY KEY)")
        self._run(f"DELETE FROM {_SHARED}")
        self._many(f"INSERT INTO {_SHARED} VALUES (?)", [(key,) for key in shared])

    def staged_rows(self) -> list[Any]:
        """The staged rows of the shared keys in sheet order: (part, rowid,
        *NEW_COLUMNS), a part being the position of its file."""
        if not self._stages:
            return []
        rows = " UNION ALL ".join(
            f"SELECT {part} AS part, rowid AS at, {', '.join(NEW_COLUMNS)} "
            f"FROM {name}.leads WHERE lead_key IN (SELECT key FROM {_SHARED})"
            for part, name in enumerate(self._stages)
        )
        return self._run(f"SELECT * FROM ({rows}) ORDER BY row_number")

    def insert_staged(self, folded: Sequence[tuple[int, int, Sequence[Any]]]) -> int:
        """Insert the staged leads of one row and the ``folded`` ones, each given
        as (part, rowid of its last row, its INSERT_COLUMNS) in sheet order, in the
        order of each lead's last row, as a snapshot gives its leads
        (``Snapshot.merged``): the staged rows go in by ranges of rowid between
        the folded leads; how many leads."""
        copied = [0] * len(self._stages)  # the last rowid copied, per part
        count = 0
        columns = ", ".join(NEW_COLUMNS)
        cursor = self._cursor()

        def copy(part: int, upto: int) -> None:
            nonlocal count
            cursor.execute(
                f"INSERT INTO leads ({', '.join(INSERT_COLUMNS)}) "
                f"SELECT ?, ?, {columns}, ?, ?, NULL, 'new', NULL, ? "
                f"FROM {self._stages[part]}.leads WHERE rowid > ? AND rowid <= ? "
                f"AND lead_key NOT IN (SELECT key FROM {_SHARED})",
                (*self.scope, self.now, self.now, self.now, copied[part], upto),
            )
            count += cursor.rowcount
            copied[part] = upto

        try:
            for part, rowid, row in folded:
                for before in range(part):
                    copy(before, _LAST_ROWID)
                copy(part, rowid)
                self.insert([row])
                count += 1
            for part in range(len(self._stages)):
                copy(part, _LAST_ROWID)
        finally:
            cursor.close()
        return count


def _stored(row: Sequence[Any]) -> Stored:
    """A Stored from (id, row_hash, row_digest, row_number, missing_since)."""
    digest = bytes(row[2]) if row[2] is not None else None
    return Stored(row[0], row[1], digest, row[3], row[4] is not None)


def _identity(row: Sequence[Any]) -> Identity:
    """An Identity from (id, lead_key, external_id, email, phone, missing_since)."""
    return Identity(row[0], row[1], row[2], row[3], row[4], row[5] is not None)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
