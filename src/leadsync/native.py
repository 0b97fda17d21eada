"""Which of the reader's modules run compiled (setup.py builds them with mypyc).

A compiled module is imported instead of its source, so a source edited after the
build would not run: ``stale`` names such modules (the tests refuse to start on
them; ``make`` rebuilds). Standard library only: setup.py loads this file alone.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

# The modules a read runs once per row or per cell, and what they call.
MODULES = (
    "leadsync.leads.cells",
    "leadsync.leads.cellreader",
    "leadsync.leads.classify",
    "leadsync.leads.dates",
    "leadsync.leads.decode",
    "leadsync.leads.emails",
    "leadsync.leads.header",
    "leadsync.leads.model",
    "leadsync.leads.names",
    "leadsync.leads.phones",
    "leadsync.leads.rows",
    "leadsync.leads.stream",
    "leadsync.store.jsontext",
    "leadsync.store.snapshot",
    "leadsync.store.stage",
)
# The digests of the sources a build compiled, beside the package's __init__.
RECORD = "native-build.json"
_PACKAGE = Path(__file__).resolve().parent


def source_file(root: Path, name: str) -> Path:
    """A module's source under ``root`` (src/, or site-packages once installed)."""
    return root / (name.replace(".", "/") + ".py")


def source_digests(root: Path) -> dict[str, str]:
    """Each module's source digest, its file under ``root``."""
    return {
        name: hashlib.blake2b(
            source_file(root, name).read_bytes(), digest_size=16
        ).hexdigest()
        for name in MODULES
    }


def compiled() -> list[str]:
    """The modules of ``MODULES`` that are imported from a compiled file."""
    return [
        name
        for name in MODULES
        if not str(importlib.import_module(name).__file__).endswith(".py")
    ]


def stale(record: Path = _PACKAGE / RECORD) -> list[str]:
    """Compiled modules whose source changed since the build compiled them."""
    names = compiled()
    if not names:
        return []
    try:
        built = json.loads(record.read_text())
    except (OSError, ValueError):
        return names  # compiled by something that kept no record
    now = source_digests(_PACKAGE.parent)
    return [name for name in names if built.get(name) != now[name]]
