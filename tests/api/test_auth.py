"""Keys: Bearer or X-API-Key, roles, JSON 401/403, and only /healthz open."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

PROTECTED = [
    ("get", "/v1/listings"),
    ("get", "/v1/listings/1"),
    ("get", "/v1/listings/1/snapshot"),
    ("get", "/v1/sellers"),
    ("get", "/v1/sellers/1"),
    ("get", "/v1/stats"),
    ("get", "/v1/export"),
    ("post", "/v1/score"),
    ("get", "/v1/keys"),
    ("post", "/v1/keys"),
    ("delete", "/v1/keys/1"),
    ("get", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ww_not_a_key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "x" * 5000},
        {"Authorization": "Bearer "},
    ],
)
def test_no_or_wrong_key_is_401_json(api: Api, method: str, path: str, headers: dict[str, str]) -> None:
    response = api.client.request(method, path, headers=headers, json={"title": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [("get", "/v1/keys", "analyst"), ("get", "/v1/keys", "moderator"), ("post", "/v1/keys", "analyst"),
     ("delete", "/v1/keys/1", "moderator"), ("get", "/metrics", "analyst")],
)
def test_wrong_role_is_403_json(api: Api, method: str, path: str, role: str) -> None:
    response = api.client.request(
        method, path, headers={"Authorization": f"Bearer {api.keys[role]}"}, json={"role": "analyst", "name": "x"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_x_api_key_header_works(api: Api) -> None:
    response = api.client.get("/v1/listings", headers={"X-API-Key": api.keys["analyst"]})
    assert response.status_code == 200


def test_healthz_is_open(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "model": "fake-1", "detail": None}


def test_revoked_key_stops_working(api: Api) -> None:
    created = api.post("/v1/keys", role="admin", json={"role": "analyst", "name": "temp"}).json()
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert api.client.get("/v1/listings", headers=headers).status_code == 200
    assert api.client.request("DELETE", f"/v1/keys/{created['id']}",
                              headers={"Authorization": f"Bearer {api.keys['admin']}"}).status_code == 204
    assert api.client.get("/v1/listings", headers=headers).status_code == 401
