"""Analysts see decisions through the JSON API; moderators can decide over it too."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.review.conftest import World, csrf_of, login


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_an_analyst_sees_a_decision_made_in_the_ui(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    page = client.get(f"/review/listings/{world.ids['ivory']}")
    client.post(f"/review/listings/{world.ids['ivory']}/decision",
                data={"csrf": csrf_of(page.text), "decision": "confirmed", "reason": "protected_species"})
    client.cookies.clear()
    body = client.get("/v1/reviews", headers=bearer(world.keys["analyst"])).json()
    (item,) = body["items"]
    assert (item["listing_id"], item["decision"], item["reason"], item["reviewer"], item["model_version"]) == (
        world.ids["ivory"], "confirmed", "protected_species", "moderator-alice", "test-1")
    listing = client.get(f"/v1/listings/{world.ids['ivory']}", headers=bearer(world.keys["analyst"])).json()
    assert listing["review_status"] == "confirmed"


def test_reviews_over_the_api_need_the_moderator_role(client: TestClient, world: World) -> None:
    url = f"/v1/listings/{world.ids['seahorse']}/reviews"
    body = {"decision": "dismissed", "reason": "legal_or_farmed", "note": "farm permit"}
    assert client.post(url, json=body, headers=bearer(world.keys["analyst"])).status_code == 403
    response = client.post(url, json=body, headers=bearer(world.keys["moderator"]))
    assert response.status_code == 201 and response.json()["decision"] == "dismissed"
    bad = client.post(url, json={"decision": "dismissed", "reason": "protected_species"},
                      headers=bearer(world.keys["moderator"]))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_review"
    assert client.post("/v1/listings/99999/reviews", json=body, headers=bearer(world.keys["moderator"])).status_code == 404
    page = client.get("/v1/reviews?decision=dismissed", headers=bearer(world.keys["analyst"])).json()
    assert [r["note"] for r in page["items"]] == ["farm permit"]


def test_alert_deliveries_are_visible_to_moderators(client: TestClient, world: World) -> None:
    assert client.get("/v1/alerts/deliveries", headers=bearer(world.keys["analyst"])).status_code == 403
    body = client.get("/v1/alerts/deliveries?problems=true", headers=bearer(world.keys["moderator"])).json()
    assert body["items"] == [] and body["counts"]["failed"] == 0
