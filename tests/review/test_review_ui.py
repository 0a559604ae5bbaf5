"""The review pages through the real app: login, queue order, escaping, decisions, CSRF, languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from store.db import session_scope
from store.models import AuditLog, Listing, Review, Snapshot
from store.snapshots import SnapshotStore
from tests.review.conftest import HOSTILE, World, csrf_of, login
from tests.fakes import settings_box


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/review", "/review/listings/1", "/review/alerts"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/review/login"


@pytest.mark.parametrize(("role", "landing"), [("analyst", "/reports/latest/"), ("moderator", "/review"),
                                              ("admin", "/review")])
def test_login_sends_moderators_to_the_queue_and_analysts_to_the_reports(
    client: TestClient, world: World, role: str, landing: str,
) -> None:
    page = client.get("/review/login")
    response = client.post("/review/login", data={"api_key": world.keys[role], "csrf": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == landing
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/review" in cookie
    assert "ww_reports=" in cookie and "Path=/reports" in cookie  # the reports read the same session
    assert world.keys[role] not in cookie
    if role == "analyst":  # an analyst reads reports; the queue still needs a moderator
        assert client.get("/review", follow_redirects=False).headers["location"] == "/review/login"


def test_login_rejects_a_missing_csrf_token_and_a_wrong_key(client: TestClient, world: World) -> None:
    client.get("/review/login")
    assert client.post("/review/login", data={"api_key": world.keys["moderator"], "csrf": "forged"}).status_code == 403
    page = client.get("/review/login")
    assert client.post("/review/login", data={"api_key": "ww_wrong", "csrf": csrf_of(page.text)}).status_code == 401


def test_a_tampered_cookie_is_no_session(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    value = client.cookies.get("ww_review")
    assert value
    client.cookies.clear()
    client.cookies.set("ww_review", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert client.get("/review", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("ww_review", value)
    assert client.get("/review", follow_redirects=False).status_code == 200
    client.cookies.set("ww_review", "x" + value)
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_queue_orders_by_score_times_severity_and_marks_uncertain(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    html = client.get("/review").text
    order = [int(part.split('"')[0]) for part in html.split('data-id="')[1:]]
    ids = world.ids
    # pangolin 0.9x3, ivory 0.82x3, ivory2 0.75x3, seahorse 0.95x2; unflagged ones are not queued.
    assert order == [ids["hostile"], ids["ivory"], ids["ivory2"], ids["seahorse"]]
    assert "ivory_king" in html and "2 listings, 2 flagged" in html
    uncertain = client.get("/review?view=uncertain").text
    assert f'data-id="{ids["borderline"]}"' in uncertain and "uncertain" in uncertain
    assert f'data-id="{ids["clean"]}"' not in uncertain


def test_listing_text_is_escaped_and_evidence_highlighted(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    html = client.get(f"/review/listings/{world.ids['hostile']}").text
    assert HOSTILE not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>穿山甲片</mark>" in html
    response = client.get(f"/review/listings/{world.ids['ivory']}")
    assert "<mark>象牙</mark>" in response.text and "<mark>保真</mark>" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_a_decision_is_stored_with_its_audit_entry_and_the_next_listing_follows(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    page = client.get(f"/review/listings/{world.ids['seahorse']}")
    response = client.post(
        f"/review/listings/{world.ids['seahorse']}/decision",
        data={"csrf": csrf_of(page.text), "decision": "dismissed", "reason": "legal_or_farmed", "note": "养殖证齐全",
              "view": "flagged"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/review/listings/{world.ids['hostile']}?view=flagged&done=")
    with session_scope(world.store.sessions) as session:
        (review,) = session.scalars(select(Review))
        assert (review.decision, review.reason, review.note, review.reviewer) == (
            "dismissed", "legal_or_farmed", "养殖证齐全", "moderator-alice")
        assert review.model_version == "test-1" and review.score == 0.95
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "review.decide")).one()
        assert audit.actor == "moderator-alice" and audit.detail["model_version"] == "test-1"
        listing = session.get(Listing, world.ids["seahorse"])
        assert listing is not None and listing.review_status == "dismissed"
    assert f'data-id="{world.ids["seahorse"]}"' not in client.get("/review").text


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"decision": "confirmed", "reason": "protected_species", "csrf": "wrong"}, 403),
        ({"decision": "confirmed", "reason": "protected_species"}, 403),
        ({"decision": "confirmed", "reason": "not_wildlife", "csrf": "OK"}, 422),  # a dismissal's reason
        ({"decision": "deleted", "reason": "other", "csrf": "OK"}, 422),
    ],
)
def test_bad_decision_posts_change_nothing(client: TestClient, world: World, form: dict[str, str], status: int) -> None:
    login(client, world.keys["moderator"])
    token = csrf_of(client.get("/review").text)
    data = {k: (token if v == "OK" else v) for k, v in form.items()}
    assert client.post(f"/review/listings/{world.ids['ivory']}/decision", data=data).status_code == status
    with session_scope(world.store.sessions) as session:
        assert session.scalars(select(Review)).first() is None


def test_a_cross_site_post_is_refused_even_with_the_token(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    token = csrf_of(client.get("/review").text)
    response = client.post(f"/review/listings/{world.ids['ivory']}/decision",
                           data={"csrf": token, "decision": "confirmed", "reason": "protected_species"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_bulk_decision_covers_the_sellers_flagged_listings(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    page = client.get(f"/review/listings/{world.ids['ivory']}")
    assert "Apply to all 2 flagged" in page.text
    response = client.post(f"/review/listings/{world.ids['ivory']}/decision", follow_redirects=False, data={
        "csrf": csrf_of(page.text), "decision": "confirmed", "reason": "repeat_seller", "bulk_seller": "true"})
    assert "bulk=2" in response.headers["location"]
    with session_scope(world.store.sessions) as session:
        reviewed = {r.listing_id for r in session.scalars(select(Review))}
        assert reviewed == {world.ids["ivory"], world.ids["ivory2"]}
        audits = session.scalars(select(AuditLog).where(AuditLog.action == "review.decide")).all()
        assert {a.detail.get("bulk_seller_id") for a in audits} == {world.seller_id}


def test_revoking_the_key_ends_the_session(client: TestClient, world: World) -> None:
    from store.apikeys import authenticate, revoke_api_key

    login(client, world.keys["moderator"])
    with session_scope(world.store.sessions) as session:
        key = authenticate(session, world.keys["moderator"])
        assert key is not None
        revoke_api_key(session, key.id)
    assert client.get("/review", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("lang", "header", "label"),
    [
        ("zh-Hans", "", "确认为非法贸易"),
        ("zh-Hant", "", "確認為非法貿易"),
        ("en", "zh-CN", "Confirm trafficking"),
        (None, "zh-HK,zh;q=0.8", "確認為非法貿易"),
        (None, "zh-CN,zh;q=0.9", "确认为非法贸易"),
        (None, "fr-FR", "Confirm trafficking"),
    ],
)
def test_labels_in_three_languages(client: TestClient, world: World, lang: str | None, header: str, label: str) -> None:
    login(client, world.keys["moderator"])
    url = f"/review/listings/{world.ids['ivory']}" + (f"?lang={lang}" if lang else "")
    assert label in client.get(url, headers={"Accept-Language": header}).text


def test_alert_problems_are_visible_in_the_ui(client: TestClient, world: World) -> None:
    from store.alerts import (
        SubscriptionIn,
        create_subscription,
        enqueue_deliveries,
        mark_attempt_failed,
    )
    from store.models import AlertDelivery, utcnow

    with session_scope(world.store.sessions) as session:
        create_subscription(session, SubscriptionIn(channel="webhook", target="http://127.0.0.1:9/h", secret="s"),
                            box=settings_box())
        enqueue_deliveries(session, [world.ids["ivory"]])
        delivery = session.scalars(select(AlertDelivery)).one()
        delivery.attempts = 1
        mark_attempt_failed(session, [delivery.id], error="webhook answered HTTP 503", now=utcnow())
    login(client, world.keys["moderator"])
    html = client.get("/review/alerts").text
    assert "webhook answered HTTP 503" in html and "retrying: <strong>1</strong>" in html


def test_the_snapshot_is_served_as_sandboxed_text(client: TestClient, world: World, tmp_path: Path) -> None:
    page = f"<html><body>{HOSTILE}象牙</body></html>".encode()
    blob = SnapshotStore(tmp_path / "snapshots").save(page)
    with session_scope(world.store.sessions) as session:
        snapshot = Snapshot(url="https://demo.test/item/1", http_status=200, sha256=blob.sha256, size=blob.size,
                            path=blob.path, encoding="utf-8")
        session.add(snapshot)
        session.flush()
        listing = session.get(Listing, world.ids["ivory"])
        assert listing is not None
        listing.snapshot_id = snapshot.id
    login(client, world.keys["moderator"])
    assert f"/review/snapshots/{snapshot.id}" in client.get(f"/review/listings/{world.ids['ivory']}").text
    response = client.get(f"/review/snapshots/{snapshot.id}")
    assert response.content == page
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert response.headers["x-wildwatch-sha256"] == blob.sha256
