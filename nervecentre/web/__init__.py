"""The web UI and REST API: one FastAPI application over the library (``create_app``)."""

from nervecentre.web.app import create_app

__all__ = ["create_app"]
