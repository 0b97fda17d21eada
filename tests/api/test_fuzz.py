"""Schema-based fuzzing of every operation in /openapi.json: nothing answers 500.

Bounded (a few examples per operation) so the suite stays fast; run with
LEADSYNC_FUZZ_EXAMPLES=200 for a deeper search.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from leadsync.api import create_app
from leadsync.config import Settings
from tests.api.conftest import RecordingRunner, World, bearer

schemathesis = pytest.importorskip("schemathesis")
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

EXAMPLES = int(os.environ.get("LEADSYNC_FUZZ_EXAMPLES", "8"))


def test_no_operation_answers_500(
    settings: Settings, sessions: sessionmaker[Session], world: World
) -> None:
    app = create_app(settings, sessions=sessions, runner=RecordingRunner())
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tokens = [world.admin, world.token("editor"), world.token("viewer")]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17

    for operation in operations:

        @given(case=operation.as_strategy(), token=st.sampled_from(tokens))
        @fuzz_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: object, token: str) -> None:
            response = case.call(headers=bearer(token))  # type: ignore[attr-defined]
            assert response.status_code < 500, (
                case.as_curl_command(),  # type: ignore[attr-defined]
                response.text,
            )
            if response.status_code >= 400:
                assert "error" in response.json()

        check()
