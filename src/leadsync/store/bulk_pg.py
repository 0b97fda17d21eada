"""PostgreSQL's bulk forms of the lead writes: COPY and arrays, a few round trips
per batch of leads however large it is."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy.orm import Session

from leadsync.store.bulk import (
    HISTORY_COLUMNS,
    INSERT_COLUMNS,
    LOAD_COLUMNS,
    UPDATE_COLUMNS,
    Identity,
    LeadWriter,
    Move,
    Stored,
    _identity,
    _stored,
)
from leadsync.store.snapshot import utc_text

_CHANGED = "leadsync_changed"


class _InstantText(Dumper):
    """A UTC instant as the writers carry it, "YYYY-MM-DD HH:MM:SS.ffffff+00", in
    timestamptz's binary form: microseconds since 2000-01-01 UTC."""

    format = Format.BINARY
    oid = postgres.types["timestamptz"].oid
    _epoch = datetime(2000, 1, 1)
    _micro = timedelta(microseconds=1)

    def __init__(self, cls: type, context: Any = None) -> None:
        super().__init__(cls, context)
        self._memo: dict[str, bytes] = {}  # the sync's "now", in every row

    def dump(self, obj: str) -> bytes:
        known = self._memo.get(obj)
        if known is not None:
            return known
        micros = (datetime.fromisoformat(obj[:26]) - self._epoch) // self._micro
        packed = struct.pack("!q", micros)
        if len(self._memo) < 16:
            self._memo[obj] = packed
        return packed


class _JsonText(Dumper):
    """JSON text in jsonb's binary form: a version byte, then the text."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: str) -> bytes:
        return b"\x01" + obj.encode()


# New leads go in by binary COPY: the server parses no instants, numbers or COPY
# escapes (1.2 s of its CPU per 100k leads instead of 1.7 s). Columns not named
# here are text.
_COLUMN_TYPES = {
    **dict.fromkeys(("customer_id", "sheet_id", "created_at_offset"), "int4"),
    **dict.fromkeys(("created_at", "first_seen_at", "last_seen_at"), "timestamptz"),
    **dict.fromkeys(("missing_since", "updated_at"), "timestamptz"),
    **dict.fromkeys(("secondary_emails", "extra", "raw", "warnings"), "jsonb"),
    "created_at_date_only": "bool",
    "row_digest": "bytea",
    "row_number": "int4",
}
_INSERT_TYPES = [_COLUMN_TYPES.get(name, "text") for name in INSERT_COLUMNS]
# How format_type() names them.
_SQL_TYPES = {
    "int4": "integer",
    "timestamptz": "timestamp with time zone",
    "jsonb": "jsonb",
    "bool": "boolean",
    "bytea": "bytea",
    "text": "text",
}


class PgLeadWriter(LeadWriter):
    """New leads of consecutive batches stream into one COPY, so the server
    stores a batch while the next one is prepared; any other statement ends it."""

    mark = "%s"
    tz_suffix = "+00"
    stages = False  # its COPY is the bulk path; no stage files
    _changed_table = False

    def __init__(
        self, session: Session, customer_id: int, sheet_id: int, now: datetime
    ) -> None:
        super().__init__(session, customer_id, sheet_id, now)
        self._inserting = ExitStack()
        self._insert_copy: Any = None

    def __enter__(self) -> PgLeadWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._insert_copy = None
        self._inserting.__exit__(*exc)  # a failed apply aborts the COPY

    def same_instant(self, stored: Any, text: str) -> bool:
        # PostgreSQL hands back an aware datetime.
        return stored is not None and utc_text(stored.astimezone(UTC)) == text

    def _cursor(self, streaming: bool = False) -> Any:
        self._end_insert()
        if streaming:  # server-side: a big sheet's rows are not fetched at once
            return self.driver.cursor(name="leadsync_many")
        return self.driver.cursor()

    def _end_insert(self) -> None:
        if self._insert_copy is not None:
            self._insert_copy = None
            self._inserting.close()

    def identities(self, ids: Sequence[int]) -> list[Identity]:
        rows = self._run(
            "SELECT id, lead_key, external_id, email, phone, missing_since "
            "FROM leads WHERE id = ANY(?) ORDER BY id",
            [list(ids)],
        )
        return [_identity(row) for row in rows]

    def lookup(self, keys: Sequence[str]) -> dict[str, Stored]:
        # A join, not "lead_key = ANY(...)": right after a big first sync the
        # statistics still say the table is empty, and a scan testing every row
        # against a 2,000-key array took minutes; a join hashes the keys instead.
        rows = self._run(
            "SELECT lead_key, id, row_hash, row_digest, row_number, missing_since "
            "FROM unnest(?::text[]) AS k(key) JOIN leads ON lead_key = k.key "
            "WHERE customer_id = ? AND sheet_id = ?",
            [list(keys), *self.scope],
        )
        return {key: _stored(rest) for key, *rest in rows}

    def load(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        # jsonb arrives decoded and times as datetimes, which is how they go back.
        columns = ", ".join(f"leads.{name}" for name in LOAD_COLUMNS)
        rows = self._run(
            f"SELECT {columns} FROM unnest(?::int[]) AS k(id) "
            "JOIN leads ON leads.id = k.id",
            [list(ids)],
        )
        return {row[0]: dict(zip(LOAD_COLUMNS, row, strict=True)) for row in rows}

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Any]) -> None:
        if not rows:
            return
        with self._cursor() as cursor:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._insert_copy is None:
            binary = self._binary_fits()
            cursor = self._inserting.enter_context(self._cursor())
            sql = f"COPY leads ({', '.join(INSERT_COLUMNS)}) FROM STDIN"
            if binary:
                cursor.adapters.register_dumper(None, _InstantText)
                cursor.adapters.register_dumper(None, _JsonText)
                sql += " (FORMAT BINARY)"
            self._insert_copy = self._inserting.enter_context(cursor.copy(sql))
            if binary:
                self._insert_copy.set_types(_INSERT_TYPES)
        for row in rows:
            self._insert_copy.write_row(row)

    def _binary_fits(self) -> bool:
        """Whether the leads columns have the types the binary COPY writes: one
        an operator changed (an id widened to bigint, say) takes the text form,
        which the server converts."""
        rows = self._run(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = 'leads'::regclass AND attnum > 0 AND NOT attisdropped"
        )
        found = dict(rows)
        return all(
            _SQL_TYPES[wanted]
            == found.get(name, "").replace("character varying", "text")
            for name, wanted in zip(INSERT_COLUMNS, _INSERT_TYPES, strict=True)
        )

    def history(self, rows: Sequence[Sequence[Any]]) -> None:
        self._copy("lead_changes", HISTORY_COLUMNS, rows)

    def update(self, rows: Sequence[Sequence[Any]]) -> None:
        """COPY the new values into a temporary table, then one UPDATE ... FROM."""
        if not rows:
            return
        columns = (*UPDATE_COLUMNS, "id")
        if not self._changed_table:
            self._run(
                f"CREATE TEMP TABLE {_CHANGED} ON COMMIT DROP AS "
                f"SELECT {', '.join(columns)} FROM leads WITH NO DATA"
            )
            self._changed_table = True
        self._copy(_CHANGED, columns, rows)
        sets = ", ".join(f"{name} = c.{name}" for name in UPDATE_COLUMNS)
        self._run(f"UPDATE leads SET {sets} FROM {_CHANGED} c WHERE leads.id = c.id")
        self._run(f"TRUNCATE {_CHANGED}")

    def move(self, rows: Sequence[Move]) -> None:
        if not rows:
            return
        numbers, digests, warnings, ids = zip(*rows, strict=True)
        self._run(
            "UPDATE leads SET row_number = m.row_number, row_digest = m.row_digest, "
            "row_warnings = m.row_warnings, missing_since = NULL "
            "FROM unnest(?::int[], ?::bytea[], ?::text[], ?::int[]) "
            "AS m(row_number, row_digest, row_warnings, id) WHERE leads.id = m.id",
            [list(numbers), list(digests), list(warnings), list(ids)],
        )

    def wrote_many(self) -> None:
        # Statistics that still count a sheet's leads as a handful make the next
        # sync's lookups scan the sheet per batch; ANALYZE in this transaction
        # counts its own new rows. Only the columns lookups and reports filter
        # on: statistics of the JSON columns cost the most and serve no plan.
        self._run("ANALYZE leads (customer_id, sheet_id, lead_key, person_key)")

    def mark_missing(self, ids: Sequence[int], seen_at: datetime | None) -> None:
        if ids:
            seen = self.instant(utc_text(seen_at)) if seen_at else None
            self._run(
                "UPDATE leads SET missing_since = ?, last_seen_at = CASE "
                "WHEN last_seen_at < ?::timestamptz THEN ?::timestamptz "
                "ELSE last_seen_at END WHERE id = ANY(?)",
                [self.now, seen, seen, list(ids)],
            )


def lead_writer(
    session: Session, customer_id: int, sheet_id: int, now: datetime
) -> LeadWriter:
    """The bulk writer for the session's database."""
    postgres = session.get_bind().dialect.name == "postgresql"
    return (PgLeadWriter if postgres else LeadWriter)(
        session, customer_id, sheet_id, now
    )
