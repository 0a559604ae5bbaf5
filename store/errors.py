"""Store errors, part of WildWatch's one error tree."""

from __future__ import annotations

from core.errors import StoreError

__all__ = ["StoreUnavailable", "NotFound", "Conflict"]


class StoreUnavailable(StoreError):
    """The database cannot be reached or migrated."""


class NotFound(StoreError):
    """A requested row does not exist (for the CLI a user mistake, exit 2, not an unreachable database)."""

    exit_code = 2


class Conflict(StoreError):
    """A request contradicts what is stored (an idempotency key reused for another request)."""
