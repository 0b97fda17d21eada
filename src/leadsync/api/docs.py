"""/docs: Swagger UI from files this installation carries (the fastapi-swagger
package's copy of Swagger UI 5, which reads OpenAPI 3.1), so the API reference
works without the internet, as the rest of leadsync does. The schema declares the
bearer token, so the reference's "Authorize" sends it with "Try it out"."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse

from leadsync.api.auth import API_PREFIX

STATIC = "/docs/static"
_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def install_docs(app: FastAPI) -> None:
    """Serve the interactive reference at /docs (FastAPI's own loads it from a CDN)."""
    folder = resources.files("fastapi_swagger").joinpath("resources")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
        )

    @app.get(STATIC + "/{name}", include_in_schema=False)
    def docs_file(name: str) -> FileResponse:
        if name not in _FILES:  # the three files the page loads, nothing else
            raise HTTPException(status_code=404)
        return FileResponse(str(folder.joinpath(name)), media_type=_FILES[name])

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_bearer(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_bearer(schema: dict[str, Any]) -> dict[str, Any]:
    """Every /api operation takes ``Authorization: Bearer <token>``."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (leadsync keys create).",
    }
    for path, operations in schema.get("paths", {}).items():
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            for operation in operations.values():
                operation["security"] = [{"bearer": []}]
    return schema
