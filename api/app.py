"""The FastAPI application factory (no app or engine is built at import time)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from api.errors import install_error_handlers
from api.model_holder import ModelHolder
from api.routes import health, listings, reports
from store.db import make_engine, make_session_factory
from wildwatch import __version__
from wildwatch.settings import Settings, get_settings

__all__ = ["create_app"]

DESCRIPTION = """\
Flagged wildlife-trade listings for analysts and moderators.

Every endpoint except `/healthz` needs an API key, sent as `Authorization: Bearer <key>`
(or `X-API-Key: <key>`). Create one with `wildwatch apikey create --role analyst`.
"""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, model: Any = None) -> FastAPI:
    """Build the API for ``settings``; tests pass their own engine or model."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(title="WildWatch API", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.model_holder = ModelHolder(
        model, path=settings.classifier.model_path, models_dir=settings.classifier.models_dir
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(listings.router)
    app.include_router(reports.router)
    return app
