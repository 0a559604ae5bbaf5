"""Persistence for WildWatch: SQLAlchemy 2 models, Alembic migrations and the functions
the crawler, the API and the CLI use to read and write.  Functions take the session as
an argument and never commit: the caller owns the transaction."""

from store.db import make_engine, make_session_factory, migrate, ping, session_scope
from store.errors import NotFound, StoreUnavailable

__all__ = ["make_engine", "make_session_factory", "migrate", "ping", "session_scope", "NotFound", "StoreUnavailable"]
