"""Every route validates what the path carries; reports are sandboxed; links never come from Host.

Before issue 14: `GET /review/listings/9223372036854775808` was a 500 (OverflowError), reports
had no CSP or nosniff, and a request's `Host` header was copied into every JSON link.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from api.guard import RequestGuard
from tests.faults.tally import note
from tests.review.conftest import login
from tests.security.conftest import SecureWorld, sqlite_world

HOSTILE_SEGMENTS = [
    "9223372036854775808", "99999999999999999999999999", "-1", "0", "1.5", "1e3", "0x10", "abc", "%00",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..", "%EF%BC%91%EF%BC%92", "1%20OR%201=1", "%F0%9F%90%98", "9" * 5000,
]
BODIES = {
    "/v1/listings/{listing_id}/reviews": {"json": {"decision": "dismissed", "reason": "other"}},
    "/review/listings/{listing_id}/decision": {"data": {"decision": "dismissed", "reason": "other", "csrf": "x"}},
    "/v1/keys": {"json": {"role": "analyst", "name": "x"}},
    "/v1/score": {"json": {"title": "x"}},
}


def _routes(world: SecureWorld) -> list[APIRoute]:
    stack = world.client.app.middleware_stack  # type: ignore[attr-defined]
    while not isinstance(stack, RequestGuard):
        stack = stack.app
    return [route for route, _ in stack.routes]


def test_every_route_answers_hostile_path_values_without_a_500(world: SecureWorld) -> None:
    login(world.client, world.keys["admin"])  # the review pages too, past their login check
    templated = [route for route in _routes(world) if "{" in route.path]
    assert len(templated) >= 8
    for route in templated:
        for method in sorted(route.methods - {"HEAD"}):
            for segment in HOSTILE_SEGMENTS:
                path = re.sub(r"\{[^}]+\}", segment, route.path)
                response = world.client.request(method, path, headers=world.headers("admin"), follow_redirects=False,
                                                **BODIES.get(route.path, {}))  # type: ignore[arg-type]
                note("security/requests")
                assert response.status_code < 500, (method, path[:80], response.status_code, response.text[:200])


@pytest.mark.parametrize("path", ["/review/listings/9223372036854775808", "/review/snapshots/9223372036854775808",
                                  "/review?done=9223372036854775808", "/reports/9223372036854775808/"])
def test_out_of_range_ids_are_422(world: SecureWorld, path: str) -> None:
    login(world.client, world.keys["moderator"])
    response = world.client.get(path, headers=world.headers("analyst"), follow_redirects=False)
    assert response.status_code == 422, response.text[:200]


def test_reports_are_sandboxed(world: SecureWorld, tmp_path: Path) -> None:
    report = tmp_path / "reports" / "7"
    report.mkdir(parents=True)
    (report / "index.html").write_text("<html><body><script>alert(1)</script>report</body></html>")
    (report / "summary.json").write_text("{}")
    for name in ("", "summary.json"):
        response = world.client.get(f"/reports/7/{name}", headers=world.headers("analyst"))
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert response.headers["referrer-policy"] == "no-referrer"


def test_every_response_says_nosniff(world: SecureWorld) -> None:
    for path in ("/healthz", "/v1/listings", "/nowhere", "/review/login"):
        assert world.client.get(path, headers=world.headers("analyst")).headers["x-content-type-options"] == "nosniff"


def _all_links(body: object) -> list[str]:
    if isinstance(body, dict):
        found = [v for k, v in body.items() if k in ("link", "self", "seller", "snapshot", "listings")
                 and isinstance(v, str)]
        return found + [link for v in body.values() for link in _all_links(v)]
    if isinstance(body, list):
        return [link for v in body for link in _all_links(v)]
    return []


def test_links_ignore_the_host_header(world: SecureWorld) -> None:
    evil = {**world.headers("analyst"), "Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    links = []
    for path in ("/v1/listings", f"/v1/listings/{world.listing_ids[0]}", "/v1/sellers"):
        response = world.client.get(path, headers=evil)
        assert response.status_code == 200
        links += _all_links(response.json())
    assert len(links) >= 5
    assert all(link.startswith("http://127.0.0.1:8000/v1/") for link in links), links[:5]


def test_links_start_with_the_configured_base_url(tmp_path: Path) -> None:
    with sqlite_world(tmp_path, base_url="https://wildwatch.example.org/api") as configured:
        response = configured.client.get("/v1/listings", headers={**configured.headers("analyst"),
                                                                   "Host": "evil.example"})
    links = _all_links(response.json())
    assert links and all(link.startswith("https://wildwatch.example.org/api/v1/") for link in links)
