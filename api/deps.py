"""FastAPI dependencies: database session, classifier model, and role-checked, rate-limited API keys.

Each key dependency also carries an ``admit`` check that :mod:`api.guard` runs before a
request body is read, so a request without a valid key never gets its body read or parsed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Hashable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.errors import ApiError, api_error_response
from classifier.protocol import ScoringModel
from store.apikeys import authenticate, role_allows
from store.inline_reads import InlineReader, NotAnswered
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
    "WRITE_METHODS",
    "BearerScheme",
    "KeyHeaderScheme",
    "api_key_from_request",
    "base_url",
    "READ_THREADS",
    "run_read",
]

logger = logging.getLogger(__name__)

#: Requests with these methods get a session whose transaction takes SQLite's write lock up front.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed when the handler succeeds.

    Async so that opening the session (no I/O: it connects on first use) costs no thread hop;
    the commit or rollback and the close run in the threadpool, in one hop.  A request that may
    write (POST, PUT, PATCH, DELETE) begins ``BEGIN IMMEDIATE`` on SQLite: concurrent moderators
    queue for the write lock within the busy timeout instead of failing with "database is locked".
    """
    state = request.app.state
    session: Session = (state.write_sessions if request.method in WRITE_METHODS else state.session_factory)()
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


#: Threads that may run ``run_read`` work at once: fewer than the engine pool's 5 connections, so a
#: read never waits for a connection while holding a thread, and the GIL is not shared by 40
#: threads at 32 connections (the rest queue, cheaply, in the event loop).
READ_THREADS = 4

_T = TypeVar("_T")


async def run_read(request: Request, read: Callable[[Session], _T], *, key: Hashable = None) -> _T:
    """``read(session)``, on the event loop when it is short (SQLite), else in one hop to a worker thread.

    For read-only hot paths whose ``read`` has no side effects: the connection is checked out
    only while ``read`` runs, instead of across the two or three thread hops of a SessionDep
    request.  On a SQLite file the read first runs on the loop itself (store.inline_reads: its
    own connection, a time limit, no waiting for locks); one that does not answer there runs in
    the thread as before, in a read session (on PostgreSQL in autocommit: no BEGIN and ROLLBACK
    around the page's one statement).  ``key`` names the kind of read: a kind that overran goes
    to the thread for a while without being tried on the loop.
    """
    state = request.app.state
    inline: InlineReader | None = state.inline_reader
    if inline is not None:
        if inline.ready:
            try:
                return inline.read(read, key=key)
            except NotAnswered:
                pass
        else:
            _open_soon(state)

    def work() -> _T:
        with state.read_sessions() as session:
            return read(session)

    return await anyio.to_thread.run_sync(work, limiter=state.read_limiter)


#: Seconds between two attempts to open a process's inline reader when one failed.
INLINE_OPEN_RETRY = 5.0


def _open_soon(state: Any) -> None:
    """Open ``state.inline_reader`` in a worker thread (once at a time; after a failure, not again for a while)."""
    if state.inline_opening is not None or time.monotonic() < state.inline_open_after:
        return

    async def open_reader() -> None:
        try:
            await anyio.to_thread.run_sync(state.inline_reader.open, limiter=state.read_limiter)
        except Exception:  # noqa: BLE001 - the thread path keeps answering; the next attempt may work
            logger.warning("could not open the inline reader; reads go to threads", exc_info=True)
            state.inline_open_after = time.monotonic() + INLINE_OPEN_RETRY
        finally:
            state.inline_opening = None

    state.inline_opening = asyncio.ensure_future(open_reader())


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


def base_url(request: Request) -> str:
    """The configured public URL (ending in ``/``) that response links start with; never the Host header."""
    return request.app.state.base_url


def api_key_from_request(request: Request) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


class KeyCache:
    """Remembers checked keys for a few seconds so a request costs no key lookup or write.

    Keyed by the key's SHA-256; a revoked key stops working within ``ttl`` seconds.  A key is
    looked up once however many requests wait for it, and a busy key is looked up again in the
    background once half its time is gone, so its requests never wait for the lookup: a lookup
    writes ``last_used_at``, and at 32 connections every request of an expired key made its own,
    each a thread hop and a write transaction queued on SQLite's write lock.
    For the event loop's use only (``check`` is a coroutine).
    """

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._rows: dict[str, tuple[float, ApiKey]] = {}
        self._lookups: dict[str, asyncio.Future[ApiKey | None]] = {}
        self._lock = threading.Lock()

    async def check(self, key: str, lookup: Callable[[], Awaitable[ApiKey | None]]) -> ApiKey | None:
        """The active key row for ``key`` (None: unknown or revoked), cached, else from ``lookup()``."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        now = self._clock()
        with self._lock:
            hit = self._rows.get(digest)
        if hit is not None and hit[0] > now:
            if hit[0] - now < self.ttl / 2:
                self._lookup(digest, lookup)  # refreshed in the background; this request goes on
            return hit[1]
        return await asyncio.shield(self._lookup(digest, lookup))

    def _lookup(self, digest: str, lookup: Callable[[], Awaitable[ApiKey | None]]) -> asyncio.Future[ApiKey | None]:
        future = self._lookups.get(digest)
        if future is None:
            future = self._lookups[digest] = asyncio.ensure_future(self._remember(digest, lookup))
            future.add_done_callback(lambda done: self._looked_up(digest, done))
        return future

    async def _remember(self, digest: str, lookup: Callable[[], Awaitable[ApiKey | None]]) -> ApiKey | None:
        row = await lookup()
        with self._lock:
            if row is None:
                self._rows.pop(digest, None)  # revoked: a background lookup ends the cached row at once
            elif self.ttl > 0:
                if len(self._rows) > 10_000:
                    self._rows.clear()
                self._rows[digest] = (self._clock() + self.ttl, row)
        return row

    def _looked_up(self, digest: str, done: asyncio.Future[ApiKey | None]) -> None:
        self._lookups.pop(digest, None)
        if not done.cancelled():
            done.exception()  # retrieved: a background lookup's error is the next request's to raise

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


def _authenticated(request: Request, key: str) -> ApiKey | None:
    with request.app.state.write_sessions() as session:
        row = authenticate(session, key)
        if row is not None:
            session.commit()  # records last_used_at
            session.expunge(row)
    return row


#: The two ways to send a key, declared so OpenAPI (and /docs' "Authorize") offers them.
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: <key>`")
#: The same schemes for a dependency that also admits another credential (the reports' session cookie).
BearerScheme = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
KeyHeaderScheme = Annotated[str | None, Depends(_header)]


async def _identify(request: Request, key: str | None, role: str) -> ApiKey:
    """The active key row for ``key`` with at least ``role`` (401/403 otherwise)."""
    # async: a cached key (nearly every request) is checked without a hop to the threadpool
    if key is None:
        raise ApiError(401, "unauthenticated", "an API key is required (Authorization: Bearer <key>)")
    row = await request.app.state.key_cache.check(key, lambda: run_in_threadpool(_authenticated, request, key))
    if row is None:
        raise ApiError(401, "unauthenticated", "invalid or revoked API key")
    if not role_allows(row.role, role):
        raise ApiError(403, "forbidden", f"this needs the {role} role; your key has {row.role}")
    return row


def require_role(role: str) -> Callable[..., Coroutine[Any, Any, ApiKey]]:
    """A dependency that admits keys of ``role`` or a more powerful one (401/403/429 otherwise)."""

    async def admit(request: Request) -> Response | None:
        """The guard's check before the body is read: None to go on, else the refusal to send."""
        try:
            request.state.admitted_key = await _identify(request, api_key_from_request(request), role)
        except ApiError as exc:
            return api_error_response(exc)
        return None

    async def dependency(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        header: Annotated[str | None, Depends(_header)],
    ) -> ApiKey:
        row = getattr(request.state, "admitted_key", None)
        if row is None:
            row = await _identify(request, (bearer.credentials.strip() if bearer else None) or header or None, role)
        wait = request.app.state.rate_limiter.take(row.id)
        if wait > 0:
            raise ApiError(
                429, "rate_limited", f"too many requests for this key; retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        request.state.api_key = row
        return row

    dependency.admit = admit  # type: ignore[attr-defined]
    return dependency


CurrentKey = Annotated[ApiKey, Depends(require_role("analyst"))]
ModeratorKey = Annotated[ApiKey, Depends(require_role("moderator"))]
AdminKey = Annotated[ApiKey, Depends(require_role("admin"))]
