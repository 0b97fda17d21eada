"""The UI's pages: login, logout, and the shells of the two tabs.

Pages carry no data: their scripts read and write through the JSON API, so the UI
shows exactly what the API promises.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leadsync import __version__
from leadsync.api.context import api_context
from leadsync.store.keys import authenticate, hash_token
from leadsync.web.auth import UiSession, check_csrf, ui_session
from leadsync.web.session import SESSION_COOKIE, SESSION_MAX_AGE
from leadsync.web.state import web_state

router = APIRouter(include_in_schema=False)

# Pages load only their own scripts and styles; inline scripts never run.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
LOGIN_FAILED = "This API token is unknown or has been revoked."
WRONG_ORIGIN = "This form was sent from another site. Open the login page and retry."


def _page(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    templates = web_state(request.app).templates
    values.setdefault("version", __version__)
    response = templates.TemplateResponse(request, name, values, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=SECURITY_HEADERS)


def _current(request: Request) -> UiSession | None:
    context = api_context(request.app)
    with context.sessions() as session:
        return ui_session(request, session, web_state(request.app).signer)


def _same_origin(request: Request) -> bool:
    """A form post from a page of ours (browsers send Origin on POST)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host")


@router.get("/login")
async def login_page(request: Request) -> Response:
    if await run_in_threadpool(_current, request) is not None:
        return _redirect("/leads")
    return _page(request, "login.html")


@router.post("/login")
async def login(request: Request) -> Response:
    if not _same_origin(request):
        return _page(request, "login.html", 403, error=WRONG_ORIGIN)
    form = await request.form()
    token = str(form.get("token") or "").strip()
    cookie = await run_in_threadpool(_start_session, request, token)
    if cookie is None:
        return _page(request, "login.html", 401, error=LOGIN_FAILED)
    response = _redirect("/leads")
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _start_session(request: Request, token: str) -> str | None:
    with api_context(request.app).sessions() as session:
        key = authenticate(session, token)
        if key is None or (key.role != "admin" and key.customer_id is None):
            return None
        return web_state(request.app).signer.issue(key.id, hash_token(token))


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    current = await run_in_threadpool(_current, request)
    if current is not None:
        check_csrf(str(form.get("csrf_token") or ""), current.csrf_token)
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


async def _tab(request: Request, tab: str) -> Response:
    current = await run_in_threadpool(_current, request)
    if current is None:
        return _redirect("/login")
    principal = current.principal
    return _page(
        request,
        f"{tab}.html",
        tab=tab,
        csrf_token=current.csrf_token,
        role=principal.role,
        can_write=principal.can_write,
        is_admin=principal.is_admin,
        customer_id=principal.customer_id or "",
    )


@router.get("/")
async def home(request: Request) -> Response:
    return await _tab(request, "leads")


@router.get("/leads")
async def leads_page(request: Request) -> Response:
    return await _tab(request, "leads")


@router.get("/sources")
async def sources_page(request: Request) -> Response:
    return await _tab(request, "sources")
