"""One error shape for every failure of the API, rendered in one place.

Every error answers ``{"error": {"code", "message", "request_id", "fields"?}}``:
``code`` is stable and machine-readable, ``message`` is for people, ``fields`` maps
each offending input field to what is wrong with it (422 only).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from leadsync.errors import (
    Conflict,
    InvalidInput,
    InvalidUrl,
    LeadsyncError,
    NotFound,
    SyncFailure,
)

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    502: "upstream_error",
    503: "unavailable",
}
INTERNAL_MESSAGE = (
    "Something went wrong on our side. Nothing was changed by this request; "
    "quote the request id when you report it."
)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def unauthorized(
    message: str = "Send a valid API key: Authorization: Bearer lsk_…",
) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def error_body(
    status: int,
    code: str,
    message: str,
    request_id: str | None,
    fields: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if fields:
        error["fields"] = dict(fields)
    return {"error": error}


def error_response(request: Request, error: ApiError) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    body = error_body(error.status, error.code, error.message, request_id, error.fields)
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def from_leadsync(exc: LeadsyncError) -> ApiError:
    """Our error tree at the HTTP boundary."""
    if isinstance(exc, NotFound):
        return ApiError(404, exc.message)
    if isinstance(exc, Conflict):
        return ApiError(409, exc.message)
    if isinstance(exc, InvalidUrl):
        return ApiError(
            422, exc.message, code="invalid_url", fields={"url": exc.message}
        )
    if isinstance(exc, InvalidInput):
        return ApiError(422, exc.message)
    if isinstance(exc, SyncFailure):  # only previews fetch within a request
        status = 502 if exc.transient else 422
        return ApiError(status, exc.message, code=exc.code)
    return ApiError(400, exc.message, code=exc.code)


def validation_fields(errors: Sequence[Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        fields.setdefault(_field_name(error), _field_message(error))
    return fields


def _field_name(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "body"
    where = ("body", "query", "path", "header", "cookie")
    loc = list(error.get("loc", ()))
    if loc and loc[0] in where:
        loc = loc[1:]
    return ".".join(str(part) for part in loc) or "body"


def _field_message(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown or read-only field: it cannot be set here"
    if kind == "json_invalid":
        return "the body is not valid JSON"
    if kind == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return str(error.get("msg", "invalid value"))


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


async def _on_leadsync_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LeadsyncError)
    return error_response(request, from_leadsync(exc))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = validation_fields(exc.errors())
    summary = "; ".join(f"{name}: {text}" for name, text in fields.items())
    return error_response(
        request, ApiError(422, f"Invalid input: {summary}", fields=fields)
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    headers = dict(exc.headers or {})
    return error_response(request, ApiError(status, message, headers=headers))


async def _on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Two requests raced to create the same record; the loser learns it exists.
    log.info("integrity error answered as 409: %s", str(exc).splitlines()[0])
    return error_response(request, ApiError(409, "This record already exists."))


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(LeadsyncError, _on_leadsync_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
