"""The request guard: refuse what a hostile client sends before it costs memory or time.

For every request that carries a body, in this order and before a byte of the body is read:

1. ``Content-Length`` above the route's limit: 413 (``WILDWATCH_API__BODY_LIMITS``, else
   ``WILDWATCH_API__MAX_BODY_BYTES``);
2. the route's own credential check (an API key with the right role, or a review session),
   taken from the route's dependencies: a request that would be refused is refused now;
3. the body is read up to the limit (413 past it, also for chunked bodies) within
   ``WILDWATCH_API__BODY_TIMEOUT_SECONDS`` (408 for a body that trickles in), then replayed.

A refusal sent before the body is read closes the connection (``Connection: close``): the
server drops the rest of the body instead of buffering it, so memory stays flat however large
or slow the bodies are.  Every response also gets ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import anyio
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import ApiSettings

__all__ = ["RequestGuard", "Admit"]

logger = logging.getLogger(__name__)

#: A route's credential check: None to let the request in, else the response that refuses it.
Admit = Callable[[Request], Awaitable[Response | None]]


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers={"Connection": "close"})


def admit_of(route: APIRoute) -> Admit | None:
    """The ``admit`` check carried by one of the route's dependencies (see api.deps.require_role)."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        admit = getattr(dependency.call, "admit", None)
        if admit is not None:
            return admit  # type: ignore[no-any-return]
        pending.extend(dependency.dependencies)
    return None


class RequestGuard:
    """Pure ASGI middleware (see the module docstring).

    ``routes`` are the app's API routes, matched here by path and method (the router has not
    run yet); a request matching none gets the default limit and no credential check.
    """

    def __init__(self, app: ASGIApp, *, routes: Sequence[APIRoute], settings: ApiSettings) -> None:
        self.app = app
        self.routes = [(route, admit_of(route)) for route in routes]
        self.default_limit = settings.max_body_bytes
        self.limits = dict(settings.body_limits)
        self.timeout = settings.body_timeout_seconds

    def _route(self, scope: Scope) -> tuple[APIRoute | None, Admit | None]:
        for route, admit in self.routes:
            if scope["method"] in (route.methods or ()) and route.path_regex.match(scope["path"]):
                return route, admit
        return None, None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
            await send(message)

        headers = Headers(scope=scope)
        length_header = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        if not chunked and length_header in (None, "0"):
            await self.app(scope, receive, send_nosniff)
            return
        route, admit = self._route(scope)
        if route is not None:
            scope["route"] = route  # metrics count refusals by route template too
        limit = self.limits.get(route.path, self.default_limit) if route is not None else self.default_limit
        try:
            length = int(length_header) if length_header is not None else None
        except ValueError:
            await _refusal(400, "invalid_request", "Content-Length is not a number")(scope, receive, send_nosniff)
            return
        if length is not None and length > limit:
            logger.info("refused a %d-byte body for %s %s (limit %d)", length, scope["method"], scope["path"], limit)
            await _refusal(413, "payload_too_large", f"the request body may be at most {limit} bytes here")(
                scope, receive, send_nosniff)
            return
        if admit is not None:
            refusal = await admit(Request(scope))
            if refusal is not None:
                refusal.headers["Connection"] = "close"
                await refusal(scope, receive, send_nosniff)
                return
        body = await self._read(scope, receive, send_nosniff, limit)
        if body is None:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # a disconnect, for handlers that watch for one
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send_nosniff)

    async def _read(self, scope: Scope, receive: Receive, send: Send, limit: int) -> bytes | None:
        """The whole body, or None after refusing it (too large, too slow) or a client that left."""
        chunks: list[bytes] = []
        size = 0
        with anyio.move_on_after(self.timeout) as deadline:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await _refusal(413, "payload_too_large", f"the request body may be at most {limit} bytes here")(
                        scope, receive, send)
                    return None
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        assert deadline.cancelled_caught
        logger.info("refused a body that took over %gs for %s %s", self.timeout, scope["method"], scope["path"])
        await _refusal(408, "request_timeout", f"the request body did not arrive within {self.timeout:g} s")(
            scope, receive, send)
        return None
