"""``leadsync serve``: migrates, shows a one-time admin login, serves the API."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from leadsync.cli.context import App
from leadsync.cli.serve import ensure_admin_login
from leadsync.config import Settings


def test_admin_login_is_made_once(
    sessions: sessionmaker[Session],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = App(settings, sessions.kw["bind"], sessions)

    ensure_admin_login(ctx, "0.0.0.0", 8123)
    first = capsys.readouterr()
    ensure_admin_login(ctx, "0.0.0.0", 8123)
    second = capsys.readouterr()

    assert first.out == "" and second.out == second.err == ""
    assert re.search(r"Admin token: lsk_\S+ \(shown once\)", first.err)
    assert "http://127.0.0.1:8123/login" in first.err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_starts_on_a_fresh_database(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    env.pop("ENABLE_LEADS_SYNC", None)
    command = [sys.executable, "-c", "from leadsync.cli import main; main()"]
    command += ["serve", "--port", str(port)]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            token = _read_token(server)
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base)
            health = httpx.get(f"{base}/healthz")
            authed = httpx.get(
                f"{base}/api/customers", headers={"Authorization": f"Bearer {token}"}
            )
            anonymous = httpx.get(f"{base}/api/customers")
        finally:
            server.terminate()
            server.communicate(timeout=20)
    assert health.status_code == 200
    assert authed.status_code == 200 and authed.json() == {"items": []}
    assert anonymous.status_code == 401
    assert anonymous.headers["X-Request-ID"]


def _read_token(server: subprocess.Popen[str]) -> str:
    assert server.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        found = re.search(r"Admin token: (lsk_\S+)", line)
        if found:
            return found.group(1)
    raise AssertionError("no admin token line")


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not start")
