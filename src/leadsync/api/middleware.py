"""Per request: an id, a size limit, one access log line, and no tracebacks out."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadsync.api.errors import INTERNAL_MESSAGE, error_body

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
REQUEST_ID_HEADER = "x-request-id"
# An incoming id is kept only if it cannot forge log lines or headers.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request it was written for."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class RequestContext:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        exchange = _Exchange(scope, send, request_id, self.max_body_bytes)
        try:
            await self._handle(exchange, scope, receive)
        finally:
            exchange.log()
            REQUEST_ID.reset(token)

    async def _handle(
        self, exchange: _Exchange, scope: Scope, receive: Receive
    ) -> None:
        if exchange.declared_length() > self.max_body_bytes:
            await exchange.fail(413, str(BodyTooLarge(self.max_body_bytes).detail))
            return
        try:
            await self.app(scope, exchange.limit(receive), exchange.send)
        except Exception:
            log.exception(
                "request failed method=%s path=%s", scope["method"], scope["path"]
            )
            if not exchange.started:
                await exchange.fail(500, INTERNAL_MESSAGE)


class _Exchange:
    """One request's bookkeeping: status, timing, the request id header."""

    def __init__(self, scope: Scope, send: Send, request_id: str, limit: int) -> None:
        self.scope = scope
        self._send = send
        self.request_id = request_id
        self.max_body_bytes = limit
        self.started = False
        self.status = 500
        self.began = time.perf_counter()

    def declared_length(self) -> int:
        for name, value in self.scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    def limit(self, receive: Receive) -> Receive:
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise BodyTooLarge(self.max_body_bytes)
            return message

        return limited

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            headers = [
                (k, v) for k, v in message.get("headers", []) if k != b"x-request-id"
            ]
            headers.append((b"x-request-id", self.request_id.encode()))
            message = {**message, "headers": headers}
        await self._send(message)

    async def fail(self, status: int, text: str) -> None:
        code = {413: "payload_too_large", 500: "internal_error"}[status]
        body = json.dumps(error_body(status, code, text, self.request_id)).encode()
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status == 413:
            headers.append((b"connection", b"close"))
        await self.send(
            {"type": "http.response.start", "status": status, "headers": headers}
        )
        await self.send({"type": "http.response.body", "body": body})

    def log(self) -> None:
        elapsed = (time.perf_counter() - self.began) * 1000
        log.info(
            "request method=%s path=%s status=%d duration_ms=%.1f request_id=%s",
            self.scope["method"],
            self.scope["path"],
            self.status,
            elapsed,
            self.request_id,
        )


def _incoming_id(scope: Scope) -> str | None:
    headers: Any = scope.get("headers", [])
    for name, value in headers:
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None
