"""Who is calling: the role and customer of an API key (or, later, a UI session)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

WRITER_ROLES = frozenset({"admin", "editor"})


@dataclass(frozen=True)
class Principal:
    key_id: int
    role: str  # admin, editor, viewer
    customer_id: int | None  # None only for admins: every customer

    @property
    def actor(self) -> str:
        """How changes by this caller are recorded in a lead's history."""
        return f"key:{self.key_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES


# A way to recognise a caller from a request: a bearer token, a session cookie...
# Each answers a Principal, None ("not mine, ask the next"), or raises ApiError(401).
Resolver = Callable[[HTTPConnection, Session], Principal | None]
