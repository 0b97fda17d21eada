"""The FastAPI application: routes, auth, one error shape, request ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from leadsync import __version__
from leadsync.api import (
    errors,
    routes_customers,
    routes_leads,
    routes_ops,
    routes_runs,
    routes_service_account,
    routes_sheets,
)
from leadsync.api.auth import AuthGate, bearer_principal
from leadsync.api.context import ApiContext, Runner, api_context
from leadsync.api.docs import install_docs
from leadsync.api.middleware import MAX_BODY_BYTES, RequestContext
from leadsync.config import Settings
from leadsync.store.db import make_engine, make_sessionmaker
from leadsync.sync.inprocess import InProcessRunner

DESCRIPTION = """
JSON API of leadsync. Send `Authorization: Bearer <API token>` (create one with
`leadsync keys create`). Every error answers
`{"error": {"code", "message", "request_id", "fields"?}}`; every response carries an
`X-Request-ID` header. A record of another customer answers 404.
"""


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    runner: Runner | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The app. Without ``sessions`` it opens ``settings.database_url`` (already
    migrated); without ``runner`` manual syncs run in this process's threads."""
    context = _context(settings, sessions, runner)
    app = FastAPI(
        title="leadsync",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,  # served from local files (api/docs.py)
        redoc_url=None,  # ReDoc too loads from a CDN; /docs is the reference
    )
    app.state.leadsync = context
    errors.install(app)
    install_docs(app)
    for module in (
        routes_customers,
        routes_sheets,
        routes_leads,
        routes_runs,
        routes_ops,
        routes_service_account,
    ):
        app.include_router(module.router)
    # The UI builds on the API (imported here, so the layers import one way only).
    from leadsync.web import install_web

    install_web(app)
    # The last added runs first: request ids and limits, then the token check.
    app.add_middleware(AuthGate)
    app.add_middleware(RequestContext, max_body_bytes=max_body_bytes)
    return app


def _context(
    settings: Settings,
    sessions: sessionmaker[Session] | None,
    runner: Runner | None,
) -> ApiContext:
    closers: list[Callable[[], None]] = []
    if sessions is None:
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
        closers.append(engine.dispose)
    if runner is None:
        in_process = InProcessRunner(sessions, settings)
        runner = in_process
        closers.insert(0, in_process.shutdown)  # finish runs before the engine goes
    return ApiContext(
        settings=settings,
        sessions=sessions,
        runner=runner,
        principal_resolvers=[bearer_principal],
        closers=closers,
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    for close in api_context(app).closers:
        close()
