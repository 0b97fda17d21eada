"""Secrets shared by every process of one installation, kept in its database."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from leadsync.store.models import AppSecret


def shared_secret(sessions: sessionmaker[Session], name: str) -> str:
    """The named secret, made on first use; processes racing to make it agree."""
    with sessions() as session:
        found = session.get(AppSecret, name)
        if found is not None:
            return found.value
    try:
        with sessions.begin() as session:
            session.add(AppSecret(name=name, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process made it first: use theirs
    with sessions() as session:
        return session.get_one(AppSecret, name).value
