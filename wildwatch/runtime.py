"""Building the pieces from settings: the composition root's helpers."""

from __future__ import annotations

from core.settings import Settings, get_settings
from store.db import Store

__all__ = ["Store", "open_store"]


def open_store(database_url: str | None = None, *, settings: Settings | None = None, migrate_now: bool = True) -> Store:
    """The store at ``database_url`` (default: settings), migrated to the latest schema."""
    settings = settings or get_settings()
    store = Store(database_url or settings.database_url)
    if migrate_now:
        store.migrate()
    return store
