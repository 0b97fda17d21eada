"""/metrics reads the fleet's runs from the database."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from leadsync.api import create_app
from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.sync.run import sync_sheet
from tests.helpers import make_customer, register, serve

BODY = b"Name,Email\r\nAna,ana@example.com\r\nBo,bo@example.com\r\n"


def _value(text: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    assert match, series
    return float(match.group(1))


def test_metrics_show_durations_rows_and_the_due_queue(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "m", BODY)
    register(sessions, fake_google, customer, "waiting", BODY)  # due, not run
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "m", BODY + b"Cy,cy@example.com\r\n")
    sync_sheet(sessions, sheet, settings)

    with TestClient(create_app(settings, sessions=sessions)) as client:
        text = client.get("/metrics").text

    histogram = "leadsync_sync_run_duration_seconds"
    assert _value(text, f"{histogram}_count") == 2
    assert _value(text, f'{histogram}_bucket{{le="+Inf"}}') == 2
    assert _value(text, f'{histogram}_bucket{{le="300"}}') == 2
    assert 0 < _value(text, f"{histogram}_sum") < 60
    assert _value(text, 'leadsync_sync_rows_total{kind="rows_read"}') == 3 + 4
    assert _value(text, 'leadsync_sync_rows_total{kind="inserted"}') == 2 + 1
    assert _value(text, 'leadsync_sync_rows_total{kind="updated"}') == 0
    assert _value(text, "leadsync_sync_queue_depth") == 1
    assert _value(text, "leadsync_sync_oldest_due_seconds") >= 0
