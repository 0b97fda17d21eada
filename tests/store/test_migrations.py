"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from leadsync.store.db import make_engine
from leadsync.store.models import Base


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    # Trigram indexes exist only in the migration (PostgreSQL with pg_trgm).
    differences = [
        d for d in differences if not (d[0] == "remove_index" and "trgm" in d[1].name)
    ]
    assert differences == []
