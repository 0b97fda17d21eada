"""New leads staged in a SQLite file of their own while a big sheet is read.

SQLite has one write lock, which the API shares, so a sync reads the whole sheet
before it takes it (DESIGN.md). A big first sync then spent about a second under
the lock binding 29 parameters per lead. When a first read runs in two processes
(sync/split.py), each part also writes its lead rows, already in the columns a
new lead takes (``snapshot.new_values``), to a file of its own, outside any lock
and while the other part is still read. The apply attaches the files and copies
the leads that have one row each with one ``INSERT … SELECT`` (store/bulk.py
``insert_staged``); leads of several rows are folded from their staged rows.
Standard library only: the read helper imports no database layer.
"""

from __future__ import annotations

import sqlite3

from leadsync.store.snapshot import NEW_COLUMNS, Packed, new_values

_BATCH = 2000


class Stage:
    """One part's lead rows, in a file the apply attaches."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        # A scratch file: nothing to recover if the process dies.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(f"CREATE TABLE IF NOT EXISTS leads ({', '.join(NEW_COLUMNS)})")
        marks = ", ".join("?" * len(NEW_COLUMNS))
        self._insert = f"INSERT INTO leads VALUES ({marks})"
        self._rows: list[tuple[object, ...]] = []

    def add(self, lead: Packed) -> None:
        self._rows.append(new_values(lead))
        if len(self._rows) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self._db.execute("BEGIN")
            self._db.executemany(self._insert, self._rows)
            self._db.execute("COMMIT")
            self._rows = []

    def reset(self) -> None:
        self._rows = []
        self._db.execute("DELETE FROM leads")

    def close(self) -> None:
        self.flush()
        self._db.close()
