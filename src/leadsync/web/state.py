"""What the web layer keeps on the app: the session signer and the templates."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from leadsync.web.session import SessionSigner


@dataclass(frozen=True)
class WebState:
    signer: SessionSigner
    templates: Jinja2Templates


def web_state(app: FastAPI) -> WebState:
    state: WebState = app.state.leadsync_web
    return state
