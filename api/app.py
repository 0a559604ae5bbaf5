"""The FastAPI application factory (no app or engine is built at import time)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api.deps import KeyCache
from api.errors import install_error_handlers
from api.model_holder import ModelHolder
from api.ratelimit import RateLimiter
from api.review import router as review_router
from api.routes import evidence, export, health, images, keys, listings, metrics, reports, score, sellers, stats
from classifier.protocol import ScoringModel
from store.db import make_engine, make_session_factory
from store.search import get_tokenizer
from core import __version__
from core.settings import Settings, get_settings

__all__ = ["create_app"]

DESCRIPTION = """\
Flagged wildlife-trade listings for analysts and moderators.

Every endpoint except `/healthz` needs an API key, sent as `Authorization: Bearer <key>`
(or `X-API-Key: <key>`). Create one with `wildwatch apikey create --role analyst`.
Roles: `analyst` (read, export, score), `moderator` (+ review), `admin` (+ keys, metrics).
Errors are JSON: `{"error": {"code": "...", "message": "..."}}`. Requests are rate-limited per key
(HTTP 429 with `Retry-After`). See docs/api.md for examples.
"""


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
    yield


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, model: ScoringModel | None = None) -> FastAPI:
    """Build the API for ``settings``; tests pass their own engine or model."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(title="WildWatch API", version=__version__, description=DESCRIPTION, lifespan=_lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.model_holder = ModelHolder(
        model, path=settings.classifier.model_path, models_dir=settings.classifier.models_dir,
        flag_mammoth_ivory=settings.classifier.flag_mammoth_ivory,
    )
    app.state.key_cache = KeyCache(settings.api.key_cache_seconds)
    app.state.rate_limiter = RateLimiter(settings.api.rate_limit_per_minute, settings.api.rate_limit_burst)
    install_error_handlers(app)
    metrics.install_metrics(app)
    app.include_router(health.router)
    app.include_router(listings.router)
    app.include_router(evidence.router)
    app.include_router(sellers.router)
    app.include_router(images.router)
    app.include_router(stats.router)
    app.include_router(export.router)
    app.include_router(score.router)
    app.include_router(keys.router)
    app.include_router(metrics.router)
    app.include_router(review_router)
    app.include_router(reports.router)
    return app
