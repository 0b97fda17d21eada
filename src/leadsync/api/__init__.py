"""The JSON API: FastAPI routes, API-key auth and strict customer scoping."""

from leadsync.api.app import create_app

__all__ = ["create_app"]
