"""Authentication (who calls) and scoping (which customer's records they may touch).

Scoping rule: a record of another customer does not exist for the caller (404, never
403). Only a caller who may see a record learns that they may not change it (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from leadsync.api.context import api_context
from leadsync.api.errors import ApiError, error_body, forbidden, unauthorized
from leadsync.api.principal import Principal
from leadsync.errors import NotFound
from leadsync.store.keys import authenticate
from leadsync.store.scope import visible_customer

API_PREFIX = "/api"


def bearer_principal(conn: HTTPConnection, session: Session) -> Principal | None:
    """``Authorization: Bearer lsk_…``. A header that is there but wrong is a 401."""
    header = conn.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Use the header Authorization: Bearer <API token>.")
    key = authenticate(session, token.strip())
    if key is None or (key.role != "admin" and key.customer_id is None):
        raise unauthorized("This API token is unknown or has been revoked.")
    return Principal(key.id, key.role, key.customer_id)


def resolve_principal(conn: HTTPConnection) -> Principal:
    """Ask each resolver in turn (bearer token first; the web layer adds a cookie)."""
    context = api_context(conn.app)
    with context.sessions() as session:
        for resolver in context.principal_resolvers:
            principal = resolver(conn, session)
            if principal is not None:
                return principal
    raise unauthorized()


async def current_principal(request: Request) -> Principal:
    """The dependency routes use. The gate has usually resolved it already."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = await run_in_threadpool(resolve_principal, request)
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(current_principal)]


class AuthGate:
    """Refuse unauthenticated /api requests before routing and body parsing, so a
    caller without a valid token learns nothing (not even what a body should be)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not _is_api(path):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        try:
            principal = await run_in_threadpool(resolve_principal, conn)
        except ApiError as error:
            await _send_error(scope, send, error)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


async def _send_error(scope: Scope, send: Send, error: ApiError) -> None:
    request_id = scope.get("state", {}).get("request_id")
    body = error_body(error.status, error.code, error.message, request_id)
    response = JSONResponse(body, status_code=error.status, headers=error.headers)
    await response(scope, _no_body, send)


async def _no_body() -> dict[str, object]:
    return {"type": "http.request", "body": b"", "more_body": False}


def read_scope(
    session: Session, caller: Principal, customer_id: int | None
) -> int | None:
    """Which customer a read covers: None means every customer (admins only)."""
    if caller.is_admin:
        if customer_id is not None:
            visible_customer(session, customer_id)
        return customer_id
    if customer_id is not None and customer_id != caller.customer_id:
        raise NotFound(f"customer {customer_id} not found")
    return caller.customer_id


def write_scope(session: Session, caller: Principal, customer_id: int | None) -> int:
    """The one customer a write goes to; another customer's does not exist."""
    if caller.is_admin and customer_id is None:
        message = "An admin key must say which customer: give customer_id."
        raise ApiError(422, message, fields={"customer_id": message})
    scope = read_scope(session, caller, customer_id)
    require_writer(caller)
    assert scope is not None
    return scope


def require_writer(caller: Principal) -> None:
    if not caller.can_write:
        raise forbidden("This API token can only read.")


def require_admin(caller: Principal) -> None:
    if not caller.is_admin:
        raise forbidden("Only an admin API token can do this.")
