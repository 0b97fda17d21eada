"""The two-tab web UI (Leads; Lead sources): pages, static scripts, UI sessions."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from leadsync.api.context import api_context
from leadsync.web.auth import cookie_resolver
from leadsync.web.routes import router
from leadsync.web.session import SessionSigner, load_secret
from leadsync.web.state import WebState

HERE = Path(__file__).parent


def install_web(app: FastAPI) -> None:
    """Add the UI to an API app: its pages, its static files, and the session
    cookie as a second way (after the bearer token) to call the API."""
    context = api_context(app)
    secret = load_secret(context.settings.database_url, sessions=context.sessions)
    signer = SessionSigner(secret)
    templates = Jinja2Templates(directory=HERE / "templates")
    app.state.leadsync_web = WebState(signer, templates)
    context.principal_resolvers.append(cookie_resolver(signer))
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


__all__ = ["install_web"]
