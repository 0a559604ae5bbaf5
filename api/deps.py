"""FastAPI dependencies: database session, classifier model, and role-checked, rate-limited API keys."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.errors import ApiError
from classifier.protocol import ScoringModel
from store.apikeys import authenticate, role_allows
from store.models import ApiKey
from core.settings import Settings

__all__ = [
    "get_db",
    "SessionDep",
    "SettingsDep",
    "ModelDep",
    "require_role",
    "CurrentKey",
    "ModeratorKey",
    "AdminKey",
    "KeyCache",
    "api_key_from_request",
]


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed when the handler succeeds.

    Async so that opening the session (no I/O: it connects on first use) costs no thread hop;
    the commit or rollback and the close run in the threadpool, in one hop.
    """
    session: Session = request.app.state.session_factory()
    ok = False
    try:
        yield session
        ok = True
    finally:
        with anyio.CancelScope(shield=True):  # a disconnect must not leak the connection
            await run_in_threadpool(_finish, session, ok)


def _finish(session: Session, ok: bool) -> None:
    try:
        if ok:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_model(request: Request) -> ScoringModel:
    """The loaded classifier model (503 when none could be loaded)."""
    model = request.app.state.model_holder.get()
    if model is None:
        raise ApiError(503, "model_unavailable", "no classifier model is loaded")
    return model


# scope="function": commit before the response is sent.  With the default ("request") FastAPI sends
# the 201 first and commits afterwards, so a crash in between lost acknowledged writes.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ModelDep = Annotated[ScoringModel, Depends(get_model)]


def api_key_from_request(request: Request) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


class KeyCache:
    """Remembers checked keys for a few seconds so a request costs no key lookup or write.

    Keyed by the key's SHA-256; a revoked key stops working within ``ttl`` seconds.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._rows: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> ApiKey | None:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            hit = self._rows.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, key: str, row: ApiKey) -> None:
        if self.ttl <= 0:
            return
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            if len(self._rows) > 10_000:
                self._rows.clear()
            self._rows[digest] = (time.monotonic() + self.ttl, row)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def _authenticated(request: Request, key: str) -> ApiKey | None:
    with request.app.state.session_factory() as session:
        row = authenticate(session, key)
        if row is not None:
            session.commit()  # records last_used_at
            session.expunge(row)
            request.app.state.key_cache.put(key, row)
    return row


def require_role(role: str) -> Callable[[Request], Coroutine[Any, Any, ApiKey]]:
    """A dependency that admits keys of ``role`` or a more powerful one (401/403/429 otherwise)."""

    async def dependency(request: Request) -> ApiKey:
        # async: a cached key (nearly every request) is checked without a hop to the threadpool
        key = api_key_from_request(request)
        if key is None:
            raise ApiError(401, "unauthenticated", "an API key is required (Authorization: Bearer <key>)")
        row = request.app.state.key_cache.get(key)
        if row is None:
            row = await run_in_threadpool(_authenticated, request, key)
        if row is None:
            raise ApiError(401, "unauthenticated", "invalid or revoked API key")
        if not role_allows(row.role, role):
            raise ApiError(403, "forbidden", f"this needs the {role} role; your key has {row.role}")
        wait = request.app.state.rate_limiter.take(row.id)
        if wait > 0:
            raise ApiError(
                429, "rate_limited", f"too many requests for this key; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        request.state.api_key = row
        return row

    return dependency


CurrentKey = Annotated[ApiKey, Depends(require_role("analyst"))]
ModeratorKey = Annotated[ApiKey, Depends(require_role("moderator"))]
AdminKey = Annotated[ApiKey, Depends(require_role("admin"))]
