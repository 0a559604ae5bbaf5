"""Building the pieces from settings: the composition root's helpers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_session_factory, migrate
from core.settings import Settings, get_settings

__all__ = ["Store", "open_store"]


@dataclass
class Store:
    """An engine and its session factory for one database URL."""

    url: str

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    def migrate(self) -> None:
        migrate(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def open_store(database_url: str | None = None, *, settings: Settings | None = None, migrate_now: bool = True) -> Store:
    """The store at ``database_url`` (default: settings), migrated to the latest schema."""
    settings = settings or get_settings()
    store = Store(database_url or settings.database_url)
    if migrate_now:
        store.migrate()
    return store
