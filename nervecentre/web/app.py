"""Build the FastAPI application: middleware, error handlers, pages, the API, static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from nervecentre import __version__
from nervecentre.api import router as api_router
from nervecentre.api import schema as api_schema
from nervecentre.imports import uploads
from nervecentre.search import case_index
from nervecentre.security.network import parse_networks
from nervecentre.security.throttle import LoginThrottle
from nervecentre.settings import Settings, load_settings
from nervecentre.store.db import Database
from nervecentre.web import errors
from nervecentre.web.middleware import NetworkGuard, ProxyHeaders, SecurityHeaders
from nervecentre.web.pages import router as pages_router

STATIC = Path(__file__).parent / "static"

DESCRIPTION = """The REST API of nervecentre, for scripts and other tools at the centre.

Authenticate with an API token (`nervecentre token create USER --name ...`) sent as
`Authorization: Bearer nct_...`. Every request is checked against the same roles and
need-to-know rules as the web pages, and audited the same way. Errors are problem details
(RFC 9457): `{"type", "title", "status", "detail"}`, with `field` or `errors` for bad input.
"""


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    """The web application over a database (opened from settings when not given)."""
    if db is None:
        db = Database(settings or load_settings())
    settings = db.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Each server process reads the case list's index as it starts (in the background
        # for a large registry), so that the first searches do not wait for it.
        await run_in_threadpool(case_index.warm, db)
        await run_in_threadpool(uploads.expire_uploads, db)  # registers left waiting too long
        if not settings.crawl_worker_in_serve:
            yield
            return
        from nervecentre.crawler.worker import background

        with background(db, "serve"):  # scheduled crawls and re-checks (docs/crawler.md)
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="nervecentre",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI loads from a CDN: never.
        redoc_url=None,
        openapi_url=None,  # served by api.schema, to signed-in callers only
    )
    api_schema.install(app)
    app.state.db = db
    app.state.throttle = LoginThrottle(db, settings.login_ip_max_failures)
    errors.install(app)
    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Outermost first: the allowlist refuses strangers before anything else runs.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(NetworkGuard, networks=parse_networks(settings.allowed_networks))
    # Before the allowlist: the address it checks is the client's, never a forged header's.
    proxies = parse_networks(settings.trusted_proxies, "NERVECENTRE_TRUSTED_PROXIES")
    app.add_middleware(ProxyHeaders, proxies=proxies)
    return app


def app_from_environment() -> FastAPI:
    """The app over the database the ``NERVECENTRE_*`` settings name (uvicorn's factory for
    ``nervecentre serve`` with several processes: each builds its own)."""
    return create_app(load_settings())
