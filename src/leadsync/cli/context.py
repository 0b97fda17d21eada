"""What every command needs: settings, a migrated database, one-line errors."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.errors import LeadsyncError
from leadsync.store.db import make_engine, make_sessionmaker, upgrade

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


_app: App | None = None


def app(migrate: bool = True) -> App:
    """The process's settings and database, migrated on first use."""
    global _app
    if _app is None:
        settings = Settings.from_env()
        engine = make_engine(settings.database_url)
        if migrate:
            upgrade(engine)
        _app = App(settings, engine, make_sessionmaker(engine))
    return _app


def reset() -> None:
    """Forget the process's database (tests run many commands in one process)."""
    global _app
    if _app is not None:
        _app.engine.dispose()
    _app = None


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def say(message: str) -> None:
    """Messages for people go to stderr; stdout carries only results."""
    typer.echo(message, err=True)


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def fail(message: str, code: int = 1) -> typer.Exit:
    say(f"error: {message}")
    return typer.Exit(code)


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors (and the database's) into one line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except LeadsyncError as exc:
            raise fail(exc.message) from None
        except SQLAlchemyError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise fail(f"database: {first}") from None
        except ValueError as exc:
            raise fail(str(exc)) from None

    return wrapper


def parse_json_option(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise fail(f"{name} is not valid JSON: {exc.msg}") from None
