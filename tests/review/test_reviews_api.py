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


def test_a_retried_review_with_an_idempotency_key_is_stored_once(client: TestClient, world: World) -> None:
    url = f"/v1/listings/{world.ids['seahorse']}/reviews"
    body = {"decision": "dismissed", "reason": "legal_or_farmed", "note": "farm permit"}
    headers = {**bearer(world.keys["moderator"]), "Idempotency-Key": "7d1e6c1a-retry-1"}
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)  # the client lost the first response
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    reviews = client.get("/v1/reviews", headers=bearer(world.keys["analyst"])).json()["items"]
    assert [r["id"] for r in reviews] == [first.json()["id"]]

    other = client.post(url, json={**body, "note": "second thoughts"}, headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    fresh = client.post(url, json=body, headers={**headers, "Idempotency-Key": "7d1e6c1a-retry-2"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    for bad in ("", "x" * 201, "has space"):
        response = client.post(url, json=body, headers={**bearer(world.keys["moderator"]), "Idempotency-Key": bad})
        assert response.status_code == 422, bad


def test_idempotency_keys_belong_to_one_api_key(any_world: World) -> None:
    from store.reviews import record_review_once

    with any_world.store.sessions() as session, session.begin():
        a, replay_a = record_review_once(session, any_world.ids["ivory"], idempotency_key="k", api_key_id=1,
                                         decision="confirmed", reason="protected_species", reviewer="a")
        b, replay_b = record_review_once(session, any_world.ids["ivory"], idempotency_key="k", api_key_id=2,
                                         decision="confirmed", reason="protected_species", reviewer="b")
        assert a.id != b.id and not replay_a and not replay_b


def test_the_same_key_twice_at_once_stores_one_review(any_world: World) -> None:
    """Two requests with one key in flight together: the second waits, then replays the first."""
    import threading
    import time

    from store.models import Review
    from store.reviews import record_review_once

    results: list[tuple[int, bool]] = []

    def post(pause: float) -> None:
        with any_world.store.sessions() as session, session.begin():
            review, replayed = record_review_once(
                session, any_world.ids["ivory"], idempotency_key="same", api_key_id=1, decision="confirmed",
                reason="protected_species", reviewer="a")
            time.sleep(pause)  # still uncommitted while the other request arrives
            results.append((review.id, replayed))

    first = threading.Thread(target=post, args=(0.5,))
    first.start()
    time.sleep(0.1)
    post(0.0)
    first.join()
    assert sorted(replayed for _, replayed in results) == [False, True]
    assert len({review_id for review_id, _ in results}) == 1
    with any_world.store.sessions() as session:
        assert session.query(Review).filter(Review.idempotency_key == "same").count() == 1
