"""What every route needs: settings, database sessions, the sync runner, resolvers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker

from leadsync.api.principal import Resolver
from leadsync.config import Settings


class Runner(Protocol):
    """Starts a queued manual sync of one sheet somewhere (a thread, a worker)."""

    def kick(self, sheet_id: int) -> Any: ...


@dataclass
class ApiContext:
    settings: Settings
    sessions: sessionmaker[Session]
    runner: Runner
    principal_resolvers: list[Resolver] = field(default_factory=list)
    # What create_app made itself and so must close on shutdown.
    closers: list[Callable[[], None]] = field(default_factory=list)


def api_context(app: FastAPI) -> ApiContext:
    context: ApiContext = app.state.leadsync
    return context


def get_context(request: Request) -> ApiContext:
    return api_context(request.app)


Ctx = Annotated[ApiContext, Depends(get_context)]
