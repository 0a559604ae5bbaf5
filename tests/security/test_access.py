"""Every endpoint, every role: no key, a wrong key, a revoked key and a lower role are all refused.

The operation list comes from the live OpenAPI schema, so a new endpoint is checked the day it
lands (it defaults to needing the analyst role unless listed in ``REQUIRED``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.faults.tally import note
from tests.security.conftest import ROLES, SecureWorld

#: Operations that need more than an analyst key (or none).
REQUIRED: dict[tuple[str, str], str | None] = {
    ("GET", "/healthz"): None,
    ("GET", "/metrics"): "admin",
    ("GET", "/v1/keys"): "admin",
    ("POST", "/v1/keys"): "admin",
    ("DELETE", "/v1/keys/{key_id}"): "admin",
    ("POST", "/v1/listings/{listing_id}/reviews"): "moderator",
    ("GET", "/v1/alerts/deliveries"): "moderator",
}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/score"): {"title": "象牙手镯"},
    ("POST", "/v1/keys"): {"role": "analyst", "name": "made by the access test"},
    ("POST", "/v1/listings/{listing_id}/reviews"): {"decision": "escalated", "reason": "needs_expert"},
}


def _operations(world: SecureWorld) -> list[tuple[str, str]]:
    spec = world.client.get("/openapi.json").json()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item]


def _call(world: SecureWorld, method: str, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    known = {"listing_id": world.listing_ids[0], "key_id": 999_999}
    concrete = re.sub(r"\{(\w+)\}", lambda m: str(known.get(m.group(1), 1)), path)
    return world.client.request(method, concrete, headers=headers, json=BODIES.get((method, path)))


def test_schema_lists_every_protected_operation(world: SecureWorld) -> None:
    operations = _operations(world)
    assert len(operations) >= 15
    assert set(REQUIRED) <= set(operations), "REQUIRED names an operation the API no longer has"


@pytest.mark.parametrize("credential", ["none", "garbage", "revoked", "empty bearer", "query string"])
def test_without_a_valid_key_every_operation_is_refused(world: SecureWorld, credential: str) -> None:
    headers = {"none": {}, "garbage": {"Authorization": "Bearer ww_not_a_real_key"},
               "revoked": {"Authorization": f"Bearer {world.revoked_key}"},
               "empty bearer": {"Authorization": "Bearer "}, "query string": {}}[credential]
    for method, path in _operations(world):
        if REQUIRED.get((method, path), "analyst") is None:
            continue
        if credential == "query string":
            path = path + f"?api_key={world.keys['admin']}&key={world.keys['admin']}"
        response = _call(world, method, path, headers)
        note("security/requests")
        assert response.status_code == 401, f"{method} {path} with {credential}: {response.status_code}"
        assert response.json()["error"]["code"]


def test_lower_roles_are_refused_and_sufficient_roles_are_not(world: SecureWorld) -> None:
    for method, path in _operations(world):
        needed = REQUIRED.get((method, path), "analyst")
        if needed is None:
            continue
        for role in ROLES:
            response = _call(world, method, path, world.headers(role))
            note("security/requests")
            if ROLES.index(role) < ROLES.index(needed):
                assert response.status_code == 403, f"{method} {path} as {role}: {response.status_code}"
            else:
                assert response.status_code not in (401, 403), f"{method} {path} as {role}: {response.text[:200]}"
                assert response.status_code < 500, f"{method} {path} as {role}: {response.text[:200]}"


@pytest.mark.parametrize("page", ["/review", "/review/alerts", "/review/listings/{id}", "/review/snapshots/1"])
def test_review_pages_need_a_session(world: SecureWorld, page: str) -> None:
    for headers in ({}, world.headers("admin")):  # an API key header is not a UI session
        response = world.client.get(page.format(id=world.listing_ids[0]), headers=headers, follow_redirects=False)
        note("security/requests")
        assert response.status_code == 303 and response.headers["location"] == "/review/login"


def test_review_login_refuses_revoked_and_unknown_keys(world: SecureWorld) -> None:
    """(An analyst key signs in since issue 15, to read the reports; the queue still refuses it.)"""
    for key in (world.revoked_key, "ww_garbage", ""):
        page = world.client.get("/review/login")
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        response = world.client.post("/review/login", data={"api_key": key, "csrf": token}, follow_redirects=False)
        note("security/requests")
        assert response.status_code == 401
        assert "ww_review" not in response.cookies
