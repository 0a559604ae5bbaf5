"""Request bodies: the route's size limit and its credential check come before a byte is read.

Driven at the ASGI level, so the test sees exactly what the server reads: ``receive`` counts
every body chunk the app asks for.  Before issue 14 a keyless 300 MB ``POST /v1/score`` was read
and parsed whole before the 401 (9 s, 1.3 GB).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine, func, select

from store.models import Review
from tests.faults.tally import note
from tests.review.conftest import login
from tests.security.conftest import SecureWorld, sqlite_world


@dataclass
class Exchange:
    """What the app read of a request and what it answered."""

    reads: int = 0
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


def call(app: Any, method: str, path: str, *, headers: dict[str, str], chunks: list[bytes],
         chunk_delay: float = 0.0, length: int | None = None) -> Exchange:
    """Send one request through ``app`` in chunks; ``length`` None means chunked (no Content-Length)."""
    exchange = Exchange()
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(length).encode()) if length is not None else (b"transfer-encoding", b"chunked"))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "path": path,
             "raw_path": path.encode(), "query_string": b"", "headers": raw, "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000), "root_path": "", "state": {}}
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        if not pending:
            await anyio.sleep_forever()
        exchange.reads += 1
        if chunk_delay:
            await anyio.sleep(chunk_delay)
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            exchange.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            exchange.body += message.get("body", b"")

    async def main() -> None:
        with anyio.fail_after(20):
            await app(scope, receive, send)

    anyio.run(main)
    note("security/requests")
    return exchange


def _reviews(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Review)).scalar_one()


MB = 1024 * 1024
HUGE = 300 * MB  # announced, never sent: the app must answer before asking for it


@pytest.mark.parametrize("path", ["/v1/score", "/v1/keys", "/v1/listings/1/reviews", "/v1/listings", "/nowhere"])
def test_an_announced_oversized_body_is_refused_before_it_is_read(world: SecureWorld, path: str) -> None:
    exchange = call(world.client.app, "POST", path, headers={"content-type": "application/json"},
                    chunks=[b"{" * 1024], length=HUGE)
    assert exchange.status == 413 and exchange.reads == 0
    assert exchange.json()["error"]["code"] == "payload_too_large"
    assert exchange.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("path", "role", "status"),
    [("/v1/score", None, 401), ("/v1/listings/1/reviews", None, 401), ("/v1/listings/1/reviews", "analyst", 403),
     ("/v1/keys", "moderator", 403), ("/v1/score", "revoked", 401)],
)
def test_the_key_is_checked_before_the_body_is_read(any_world: SecureWorld, path: str, role: str | None,
                                                    status: int) -> None:
    """Chunked, so no length to refuse on: the credential check alone must stop it (on both backends)."""
    headers = {"content-type": "application/json"}
    if role == "revoked":
        headers["authorization"] = f"Bearer {any_world.revoked_key}"
    elif role is not None:
        headers["authorization"] = f"Bearer {any_world.keys[role]}"
    exchange = call(any_world.client.app, "POST", path, headers=headers, chunks=[b"x" * 1024] * 8, length=None)
    assert exchange.status == status and exchange.reads == 0, exchange.body
    assert _reviews(any_world.engine) == 0


def test_a_keyless_malformed_body_is_a_401_not_a_parse_error(world: SecureWorld) -> None:
    response = world.client.post("/v1/score", content=b'{"title": "\xff', headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_a_chunked_body_past_the_limit_is_refused_with_a_key(world: SecureWorld) -> None:
    exchange = call(world.client.app, "POST", "/v1/score", chunks=[b" " * (256 * 1024)] * 8, length=None,
                    headers={"content-type": "application/json", "authorization": f"Bearer {world.keys['analyst']}"})
    assert exchange.status == 413 and exchange.reads == 5  # 1 MiB + 1 chunk read, the rest never asked for


def test_a_body_that_trickles_in_is_cut_off(tmp_path: Path) -> None:
    with sqlite_world(tmp_path / "slow", body_timeout_seconds=0.5) as slow:
        exchange = call(slow.client.app, "POST", "/v1/score", chunks=[b" "] * 50, chunk_delay=0.05, length=50,
                        headers={"content-type": "application/json",
                                 "authorization": f"Bearer {slow.keys['analyst']}"})
    assert exchange.status == 408 and exchange.json()["error"]["code"] == "request_timeout"
    assert exchange.reads < 50


def test_a_review_form_without_a_session_is_not_read(world: SecureWorld) -> None:
    exchange = call(world.client.app, "POST", f"/review/listings/{world.listing_ids[0]}/decision",
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    chunks=[b"decision=confirmed&reason=other&note=" + b"n" * 1000] * 4, length=None)
    assert exchange.status == 303 and exchange.headers["location"] == "/review/login" and exchange.reads == 0


def test_the_largest_legitimate_score_request_fits(world: SecureWorld) -> None:
    """/v1/score's limit (1 MiB) holds its largest valid body: 52,000 characters, as JSON escapes."""
    body = json.dumps({"title": "象" * 2000, "description": "牙" * 50_000}).encode()  # \\uXXXX: 6 bytes each
    assert len(body) > 300_000
    response = world.client.post("/v1/score", content=body, headers={**world.headers("analyst"),
                                                                      "Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:200]


def test_limits_are_configurable_per_route(tmp_path: Path) -> None:
    with sqlite_world(tmp_path / "tight", body_limits={"/v1/score": 100}, max_body_bytes=1000) as tight:
        _check_tight_limits(tight)


def _check_tight_limits(tight: SecureWorld) -> None:
    score = {**tight.headers("analyst"), "Content-Type": "application/json"}
    assert tight.client.post("/v1/score", json={"title": "x" * 50}, headers=score).status_code == 200
    assert tight.client.post("/v1/score", json={"title": "x" * 200}, headers=score).status_code == 413
    review = {**tight.headers("moderator"), "Content-Type": "application/json"}
    body = {"decision": "dismissed", "reason": "other", "note": "n" * 500}
    assert tight.client.post(f"/v1/listings/{tight.listing_ids[0]}/reviews", json=body,
                             headers=review).status_code == 201
    body["note"] = "n" * 1500
    assert tight.client.post(f"/v1/listings/{tight.listing_ids[0]}/reviews", json=body,
                             headers=review).status_code == 413


def test_a_moderator_session_form_still_works(world: SecureWorld) -> None:
    login(world.client, world.keys["moderator"])
    page = world.client.get(f"/review/listings/{world.listing_ids[0]}")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    response = world.client.post(f"/review/listings/{world.listing_ids[0]}/decision", follow_redirects=False,
                                 data={"decision": "confirmed", "reason": "other", "csrf": token})
    assert response.status_code == 303 and _reviews(world.engine) == 1


@pytest.fixture(autouse=True)
def _no_leftover_cookies(world: SecureWorld) -> Iterator[None]:
    yield
    world.client.cookies.clear()


def test_every_route_that_takes_a_body_is_checked_before_reading_it(world: SecureWorld) -> None:
    """A new route with a body and no credential check would be read for anyone: only the login may be."""
    from fastapi.routing import APIRoute

    from api.guard import RequestGuard, admit_of

    stack = world.client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(stack, RequestGuard):
        stack = stack.app
    routes = [route for route, _ in stack.routes]
    open_with_body = sorted(route.path for route in routes
                            if (route.body_field is not None or route.dependant.body_params or
                                route.methods & {"POST", "PUT", "PATCH"}) and admit_of(route) is None)
    assert open_with_body == ["/review/login"]
    assert {r.path for r in routes if isinstance(r, APIRoute)} >= {"/v1/score", "/v1/keys", "/review/logout",
                                                                   "/v1/listings/{listing_id}/reviews"}
