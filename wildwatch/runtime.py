"""Building the pieces from settings: the composition root's helpers."""

from __future__ import annotations

from core.settings import Settings, get_settings
from store.db import Store, sqlite_path
from store.errors import StoreUnavailable

__all__ = ["Store", "open_store"]


def open_store(
    database_url: str | None = None, *, settings: Settings | None = None, migrate_now: bool = True,
    create: bool = True,
) -> Store:
    """The store at ``database_url`` (default: settings), migrated to the latest schema.

    ``create=False`` is for commands that only read: a SQLite file that does not exist is an error
    naming it, instead of a new empty database (and folders) created behind the user's back."""
    settings = settings or get_settings()
    url = database_url or settings.database_url
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        raise StoreUnavailable(f"no database at {path} (create it with `wildwatch init`, or pass --db)")
    store = Store(url)
    if migrate_now:
        store.migrate()
    return store
