"""A local stand-in for Google's CSV export, for tests, benchmarks and the demo.

It answers the way Google does: the export URL redirects (307) to a one-time download
URL on the same server (standing in for *.googleusercontent.com), which sends
``text/csv``. Other modes reproduce what Google does to private, deleted, throttled
and broken sheets; ``shared_with_sa`` sheets answer only to a service account's
token from the fake's token endpoint (``fake_oauth``). Run ``python -m
leadsync.sheets.fake --dir DIR`` to serve every ``DIR/<name>.csv`` as spreadsheet
``<name>``, tab 0.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import secrets
import signal
import sys
import threading
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from leadsync.sheets.fake_oauth import TOKEN_PATH, FakeOAuth, sheet_access

log = logging.getLogger(__name__)

_PRIVATE = frozenset({"private", "private_html", "shared_with_sa"})
_BROKEN = {"deleted", "throttled", "broken", "slow", "truncated", "oversized", "html"}
MODES = frozenset({"ok", *_PRIVATE, *_BROKEN})
SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Google Sheets - Sign in</title></head>"
    b'<body><form action="https://accounts.google.com/v3/signin/identifier">'
    b"Sign in to continue to Sheets</form></body></html>"
)
OTHER_PAGE = (
    b"<!DOCTYPE html><html><head><title>Google Sheets</title></head>"
    b"<body>You need access. Ask for access, or switch to an account with "
    b"access.</body></html>"
)
NOT_FOUND_PAGE = (
    b"<!DOCTYPE html><html><body>Sorry, unable to open the file.</body></html>"
)
BAD_GID_PAGE = b"<!DOCTYPE html><html><body>Bad Request. That's an error.</body></html>"
ERROR_PAGE = b"<!DOCTYPE html><html><body>Server Error. That's an error.</body></html>"
_EXPORT_PATH = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)/export")
_OVERSIZED_ROW = b"Someone,someone@example.com,+15550100000,2024-01-01\n"
_HTML = "text/html; charset=utf-8"


@dataclass
class FakeSheet:
    """What the fake serves for one (spreadsheet id, gid) and how it misbehaves."""

    body: bytes
    mode: str = "ok"
    throttle_times: int | None = None  # None: throttled forever
    retry_after: str = "1"
    fail_times: int | None = None  # None: broken forever
    delay: float = 1.0
    size: int = 8 * 1024 * 1024  # bytes streamed in "oversized" mode
    modified_at: datetime | None = None
    refusals: int = 0  # throttled or failed answers given so far
    shared_with: frozenset[str] = frozenset()  # service accounts that may read it


class FakeGoogle:
    """Serve sheets on ``base_url`` (loopback, a free port) until ``close()``."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, latency: float = 0.0
    ) -> None:
        self.latency = latency
        self._lock = threading.Lock()
        self._sheets: dict[tuple[str, str], FakeSheet] = {}
        self._downloads: dict[str, tuple[str, str]] = {}
        self._hits: Counter[tuple[str, str]] = Counter()
        self._requests: list[tuple[str, str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._host = host
        self._server = _Server((host, port), self)
        # A short poll interval makes close() quick; tests start many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name="fake-google",
            daemon=True,
        )
        self._thread.start()
        self.oauth = FakeOAuth(f"{self.base_url}{TOKEN_PATH}")

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._server.server_port}"

    def put(
        self,
        spreadsheet_id: str,
        gid: str,
        body: bytes,
        *,
        mode: str = "ok",
        shared_with: Collection[str] = (),
        **behaviour: Any,
    ) -> None:
        """Serve ``body`` for this tab, misbehaving as ``mode`` and ``behaviour``
        (throttle_times, retry_after, delay, ...) say: see FakeSheet."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        sheet = FakeSheet(body, mode, shared_with=frozenset(shared_with), **behaviour)
        with self._lock:
            self._sheets[(spreadsheet_id, str(gid))] = sheet

    def load_dir(self, directory: Path) -> list[str]:
        """Serve every ``directory/<name>.csv`` as spreadsheet ``<name>``, gid 0."""
        names = []
        for path in sorted(directory.glob("*.csv")):
            if not _EXPORT_PATH.fullmatch(f"/spreadsheets/d/{path.stem}/export"):
                log.warning("skipping %s: not a usable spreadsheet id", path.name)
                continue
            self.put(path.stem, "0", path.read_bytes())
            names.append(path.stem)
        return names

    def add_service_account(self, email: str, public_key_pem: str | bytes) -> None:
        """Let the token endpoint accept JWTs this account signs (see fake_oauth)."""
        self.oauth.add_service_account(email, public_key_pem)

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        with self._lock:
            return list(self._requests)

    def hits(self, spreadsheet_id: str, gid: str = "0") -> int:
        """How many export requests asked for this tab."""
        with self._lock:
            return self._hits[(spreadsheet_id, str(gid))]

    def close(self) -> None:
        self.stopping.set()  # wakes handlers sleeping in slow or latency modes
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads
        self._thread.join()

    def __enter__(self) -> FakeGoogle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Called by handler threads.

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._requests.append((method, path, headers))

    def export(
        self, spreadsheet_id: str, gid: str, authorization: str | None = None
    ) -> tuple[str, FakeSheet | None]:
        """Decide how to answer an export request: a kind of answer and the sheet."""
        with self._lock:
            self._hits[(spreadsheet_id, gid)] += 1
            sheet = self._sheets.get((spreadsheet_id, gid))
            if sheet is None:
                # Google: an unknown tab of an existing spreadsheet is a bad request.
                known = any(key[0] == spreadsheet_id for key in self._sheets)
                return ("bad_gid" if known else "deleted"), None
            if _refuses(sheet):
                sheet.refusals += 1
                return sheet.mode, replace(sheet)
            if sheet.mode in _PRIVATE:
                return self._private(sheet, authorization), None
            if sheet.mode == "deleted":
                return sheet.mode, None
            return "download", replace(sheet)

    def _private(self, sheet: FakeSheet, authorization: str | None) -> str:
        access = sheet_access(self.oauth, authorization, sheet.shared_with)
        if access == "anonymous":
            return "private" if sheet.mode == "shared_with_sa" else sheet.mode
        return "download" if access == "granted" else access

    def new_download(self, spreadsheet_id: str, gid: str) -> str:
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._downloads[token] = (spreadsheet_id, gid)
        return token

    def take_download(self, token: str) -> FakeSheet | None:
        with self._lock:
            key = self._downloads.pop(token, None)
            sheet = self._sheets.get(key) if key else None
            return replace(sheet) if sheet else None


def _refuses(sheet: FakeSheet) -> bool:
    limit = {"throttled": sheet.throttle_times, "broken": sheet.fail_times}
    if sheet.mode not in limit:
        return False
    times = limit[sheet.mode]
    return times is None or sheet.refusals < times


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close so no thread outlives a test.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], fake: FakeGoogle) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up on purpose (too large, timeouts); that is not news.
        log.debug("fake google: request from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that connects and says nothing must not block close()

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.record("GET", self.path, dict(self.headers.items()))
        if fake.latency and fake.stopping.wait(fake.latency):
            return
        try:
            self._route(fake)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("fake google: client hung up on %s", self.path)
        self.close_connection = True

    def do_POST(self) -> None:
        fake = self.server.fake
        fake.record("POST", self.path, dict(self.headers.items()))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 64 * 1024))
        if urlsplit(self.path).path == TOKEN_PATH:
            self._send(*fake.oauth.answer(body), "application/json; charset=utf-8")
        else:
            self._send(404, NOT_FOUND_PAGE, _HTML)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake google: " + format, *args)

    def _route(self, fake: FakeGoogle) -> None:
        parts = urlsplit(self.path)
        export = _EXPORT_PATH.fullmatch(parts.path)
        if export:
            query = parse_qs(parts.query)
            gid = query.get("gid", ["0"])[-1]
            self._export(fake, export.group(1), gid, query.get("format", [""])[-1])
        elif parts.path.startswith("/download/"):
            self._download(
                fake, fake.take_download(parts.path.removeprefix("/download/"))
            )
        elif parts.path == "/ServiceLogin":
            self._send(200, SIGN_IN_PAGE, _HTML)
        else:
            self._send(404, NOT_FOUND_PAGE, _HTML)

    def _export(
        self, fake: FakeGoogle, spreadsheet_id: str, gid: str, fmt: str
    ) -> None:
        kind, sheet = fake.export(
            spreadsheet_id, gid, self.headers.get("Authorization")
        )
        if kind == "bad_gid" or (fmt != "csv" and kind != "deleted"):
            self._send(400, BAD_GID_PAGE, _HTML)
        elif kind == "deleted":
            self._send(404, NOT_FOUND_PAGE, _HTML)
        elif kind == "private":
            back = quote(f"{fake.base_url}{self.path}", safe="")
            self._redirect(302, f"{fake.base_url}/ServiceLogin?continue={back}")
        elif kind == "private_html":
            self._send(200, SIGN_IN_PAGE, _HTML)
        elif kind == "denied":  # signed in, but not shared with this account
            self._send(403, OTHER_PAGE, _HTML)
        elif kind == "invalid":  # an unknown or expired token
            self._send(401, SIGN_IN_PAGE, _HTML)
        elif kind == "throttled" and sheet is not None:
            self._send(429, ERROR_PAGE, _HTML, {"Retry-After": sheet.retry_after})
        elif kind == "broken":
            self._send(500, ERROR_PAGE, _HTML)
        else:
            token = fake.new_download(spreadsheet_id, gid)
            self._redirect(307, f"{fake.base_url}/download/{token}")

    def _download(self, fake: FakeGoogle, sheet: FakeSheet | None) -> None:
        if sheet is None:
            self._send(404, NOT_FOUND_PAGE, _HTML)
        elif sheet.mode == "html":
            self._send(200, OTHER_PAGE, _HTML)
        elif sheet.mode == "slow":
            self._send_slowly(fake, sheet)
        elif sheet.mode == "truncated":
            # Announce more than is sent, then hang up: a cut connection.
            self._start(200, "text/csv; charset=utf-8", len(sheet.body) * 2 + 1, {})
            self.wfile.write(sheet.body)
        elif sheet.mode == "oversized":
            self._send_oversized(fake, sheet)
        else:
            self._send(200, sheet.body, "text/csv; charset=utf-8", _csv_headers(sheet))

    def _send_slowly(self, fake: FakeGoogle, sheet: FakeSheet) -> None:
        # Trickles the body so that neither the first byte nor any gap is long:
        # only a deadline over the whole body notices.
        self._start(200, "text/csv; charset=utf-8", len(sheet.body), {})
        pieces = [sheet.body[i : i + 16] for i in range(0, len(sheet.body), 16)] or [
            b""
        ]
        for piece in pieces:
            if fake.stopping.wait(sheet.delay / len(pieces)):
                return
            self.wfile.write(piece)
            self.wfile.flush()

    def _send_oversized(self, fake: FakeGoogle, sheet: FakeSheet) -> None:
        # No Content-Length: the client only learns the size by reading, as with a
        # real export of a huge sheet.
        self._start(200, "text/csv; charset=utf-8", None, {})
        self.wfile.write(sheet.body)
        block = _OVERSIZED_ROW * 1024
        sent = len(sheet.body)
        while sent < sheet.size and not fake.stopping.is_set():
            self.wfile.write(block)
            sent += len(block)

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", _HTML, {"Location": location})

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._start(status, content_type, len(body), headers or {})
        self.wfile.write(body)

    def _start(
        self,
        status: int,
        content_type: str,
        length: int | None,
        headers: dict[str, str],
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name, value)
        # One request per connection keeps close() quick: no idle keep-alive threads.
        self.send_header("Connection", "close")
        self.end_headers()


def _csv_headers(sheet: FakeSheet) -> dict[str, str]:
    if sheet.modified_at is None:
        return {}
    return {"Last-Modified": format_datetime(sheet.modified_at, usegmt=True)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m leadsync.sheets.fake",
        description="Serve DIR/<name>.csv as Google Sheets export <name>, gid 0.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        server = FakeGoogle(args.host, args.port)
    except OSError as exc:  # the port is taken: an earlier fake is still running?
        log.error(
            "error: cannot listen on %s:%s: %s", args.host, args.port, exc.strerror
        )
        return 1
    with server as fake:
        names = fake.load_dir(args.dir)
        log.info("fake Google serving %d sheets at %s", len(names), fake.base_url)
        for name in names:
            log.info("  https://docs.google.com/spreadsheets/d/%s/edit#gid=0", name)
        # SIGTERM stops it like Ctrl-C (a background job may ignore SIGINT).
        signal.signal(signal.SIGTERM, lambda *_: fake.stopping.set())
        with contextlib.suppress(KeyboardInterrupt):
            fake.stopping.wait()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
