"""Prometheus metrics: request counts and latencies by route, for an admin key.

Prometheus sends the key with ``authorization: {credentials: <key>}`` in its scrape config.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import AdminKey
from api.errors import ERROR_RESPONSES

__all__ = ["router", "install_metrics"]

router = APIRouter(tags=["ops"], responses=ERROR_RESPONSES)


def install_metrics(app: FastAPI) -> None:
    """Count and time every request by method, route template and status (one registry per app)."""
    registry = CollectorRegistry()
    requests = Counter(
        "wildwatch_http_requests", "HTTP requests handled.", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "wildwatch_http_request_seconds", "Time to handle an HTTP request.", ["method", "route"], registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )
    app.state.metrics_registry = registry
    app.add_middleware(_MetricsMiddleware, requests=requests, latency=latency)


class _MetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): streamed exports pass through untouched."""

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            self.latency.labels(scope["method"], template).observe(time.perf_counter() - start)
            self.requests.labels(scope["method"], template, str(status)).inc()


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def get_metrics(request: Request, key: AdminKey) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
