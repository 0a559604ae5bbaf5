"""The FastAPI application factory (no app or engine is built at import time)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

import anyio
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from api.deps import READ_THREADS, KeyCache
from api.errors import install_error_handlers
from api.guard import RequestGuard
from api.model_holder import ModelHolder
from api.param_cache import cache_param_introspection
from api.ratelimit import RateLimiter
from api.review import evidence as review_evidence
from api.review import pages as review_pages
from api.review import rest as review_rest
from api.review import sellers as review_sellers
from api.review.auth import LoginRequired, login_required_handler
from api.routes import (
    evidence, export, health, images, keys, listings, metrics, reports, score, sellers, species, stats,
)
from classifier.protocol import ScoringModel
from store.inline_reads import InlineReader
from store.db import make_engine, make_read_session_factory, make_session_factory, require_current_schema
from store.search import get_tokenizer
from core import __version__
from core.secrets import secret_key
from core.settings import Settings, get_settings

__all__ = ["create_app", "public_base_url"]

DESCRIPTION = """\
Flagged wildlife-trade listings for analysts and moderators.

Every endpoint except `/healthz` and these docs needs an API key, sent as
`Authorization: Bearer <key>` (or `X-API-Key: <key>`): press **Authorize** to enter one.
Create one with `wildwatch apikey create --role analyst`.
Roles: `analyst` (read, export, score), `moderator` (+ review), `admin` (+ keys, metrics).
Errors are JSON: `{"error": {"code": "...", "message": "..."}}`. Requests are rate-limited per key
(HTTP 429 with `Retry-After`); request bodies are limited in size (HTTP 413) and checked for a
key before they are read. See docs/api.md for examples.
"""

#: The docs pages run Swagger UI / ReDoc from files installed with fastapi-offline: no CDN.
DOCS_ASSETS = files("fastapi_offline") / "static"
DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the search tokenizer up front, then move everything loaded so far out of the GC's sight.

    The first text query would otherwise pay for loading the dictionaries.  ``gc.freeze()``:
    the framework's, the ORM's and the dictionaries' objects live as long as the process, and
    without it every full collection walks them all — a pause of 100+ ms mid-request at 1M rows.
    """
    get_tokenizer()("象牙")
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if app.state.inline_reader is not None:
            app.state.inline_reader.close()


def public_base_url(settings: Settings) -> str:
    """Where clients reach the API, ending in ``/``: the configured URL, else host and port."""
    return settings.api.public_base_url()


def _install_docs(app: FastAPI) -> None:
    """/docs (Swagger UI, with "Authorize" for a key) and /redoc, served from installed files."""
    app.mount("/docs/static", StaticFiles(directory=str(DOCS_ASSETS)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json", title="WildWatch API - Swagger UI",
            swagger_js_url=f"{root}/docs/static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/static/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/static/favicon.png",
            swagger_ui_parameters={"persistAuthorization": False},
        )
        page.headers.update(DOCS_HEADERS)
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}/openapi.json", title="WildWatch API - ReDoc",
            redoc_js_url=f"{root}/docs/static/redoc.standalone.js",
            redoc_favicon_url=f"{root}/docs/static/favicon.png", with_google_fonts=False,
        )
        page.headers.update(DOCS_HEADERS)
        return page


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, model: ScoringModel | None = None) -> FastAPI:
    """Build the API for ``settings``; tests pass their own engine or model.

    Without an engine (``uvicorn --factory api.app:create_app``) the database must exist with the
    current schema (StoreUnavailable otherwise: run ``wildwatch init``); it is never created here.
    """
    settings = settings or get_settings()
    cache_param_introspection()
    if engine is None:
        engine = make_engine(settings.database_url, create=False)
        require_current_schema(engine)
    app = FastAPI(
        title="WildWatch API", version=__version__, description=DESCRIPTION, lifespan=_lifespan,
        docs_url=None, redoc_url=None, openapi_url="/openapi.json" if settings.api.docs else None,
    )
    app.state.settings = settings
    app.state.session_secret = secret_key(settings)
    app.state.base_url = public_base_url(settings)
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.write_sessions = make_session_factory(engine, writes=True)
    app.state.read_sessions = make_read_session_factory(engine)  # api.deps.run_read
    app.state.model_holder = ModelHolder(
        model, path=settings.classifier.model_path, models_dir=settings.classifier.models_dir,
        flag_mammoth_ivory=settings.classifier.flag_mammoth_ivory,
    )
    app.state.read_limiter = anyio.CapacityLimiter(READ_THREADS)
    app.state.inline_reader = InlineReader.for_engine(engine)  # SQLite files: short reads on the event loop
    app.state.inline_opening = None
    app.state.inline_open_after = 0.0
    app.state.key_cache = KeyCache(settings.api.key_cache_seconds)
    app.state.rate_limiter = RateLimiter(settings.api.rate_limit_per_minute, settings.api.rate_limit_burst)
    install_error_handlers(app)
    app.add_exception_handler(LoginRequired, login_required_handler)
    routers = [health.router, listings.router, evidence.router, sellers.router, images.router, stats.router,
               export.router, species.router, score.router, keys.router, metrics.router, review_pages.router,
               review_rest.router, review_evidence.router, review_sellers.router, reports.router]
    for router in routers:
        app.include_router(router)
    guarded = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    app.add_middleware(RequestGuard, routes=guarded, settings=settings.api)
    metrics.install_metrics(app)  # outside the guard: refused requests are counted too
    if settings.api.docs:
        _install_docs(app)
    return app
