"""/docs: Swagger UI from files this installation carries (the fastapi-swagger
package's copy of Swagger UI 5, which reads OpenAPI 3.1), so the API reference
works without the internet, as the rest of leadsync does."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/docs/static"


def install_docs(app: FastAPI) -> None:
    """Serve the interactive reference at /docs (FastAPI's own loads it from a CDN)."""
    files = resources.files("fastapi_swagger").joinpath("resources")
    app.mount(STATIC, StaticFiles(directory=str(files)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
        )
