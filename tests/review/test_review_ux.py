"""The review UI a moderator would choose (issue 15, capability 5), through the real app.

Labelled badges, contact handles and linked sellers with links, seller pages, species and
evidence in the UI's language, Undo of the last decision within a minute (audited, on SQLite and
PostgreSQL), and a paginated queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from store.db import session_scope
from store.errors import Conflict
from store.models import AuditLog, Contact, Listing, Review, utcnow
from store.reviews import record_review, undo_last_decision
from tests.review.conftest import World, build_world, csrf_of, login
from tests.review.factories import add_listing, add_seller, store_for
from core.settings import Settings


def app_client(world: World, tmp_path: Path) -> TestClient:
    settings = Settings(database_url=world.store.url, var_dir=tmp_path,
                        crawler={"snapshot_dir": tmp_path / "snapshots"})  # type: ignore[arg-type]
    return TestClient(create_app(settings, engine=world.store.engine, model=object()), base_url="http://testserver")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def moderator(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    """A signed-in moderator on SQLite and on PostgreSQL."""
    with store_for(request, tmp_path) as store:
        world = build_world(store)
        with app_client(world, tmp_path) as client:
            login(client, world.keys["moderator"])
            yield client, world


def decide(client: TestClient, listing_id: int, decision: str = "confirmed", reason: str = "protected_species",
           **extra: str) -> str:
    page = client.get(f"/review/listings/{listing_id}")
    response = client.post(f"/review/listings/{listing_id}/decision", follow_redirects=False,
                           data={"decision": decision, "reason": reason, "csrf": csrf_of(page.text), **extra})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def undo(client: TestClient, after: str) -> tuple[int, str]:
    page = client.get(after)
    form = re.search(r'<form class="flash"[^>]*action="/review/undo".*?</form>', page.text, re.S)
    assert form is not None, "the saved flash offers Undo"
    response = client.post("/review/undo", data={"csrf": csrf_of(form.group(0)), "view": "flagged"},
                           follow_redirects=False)
    return response.status_code, response.headers.get("location", response.text)


def test_badges_say_what_their_numbers_are(client: TestClient, world: World) -> None:
    login(client, world.keys["moderator"])
    queue = client.get("/review").text
    # seahorse: score 0.95 x severity 2 (CITES II); the threshold is the model's
    assert "Priority 1.90" in queue and "score 0.95 / threshold 0.50" in queue
    assert 'title="Queue order: score × species severity' in queue
    listing = client.get(f"/review/listings/{world.ids['seahorse']}?lang=zh-Hans").text
    assert "优先级 1.90" in listing and "评分 0.95 / 阈值 0.50" in listing


def test_contact_handles_linked_sellers_and_seller_pages(client: TestClient, world: World) -> None:
    with session_scope(world.store.sessions) as session:
        twin = add_seller(session, "白货行", marketplace="other.test")
        twin_listing = add_listing(session, title="白货 手镯", score=0.7, species="elephant ivory", seller=twin,
                                   marketplace="other.test")
        session.add_all([Contact(listing_id=world.ids["ivory"], seller_id=world.seller_id, kind="wechat", value="ivory88"),
                         Contact(listing_id=twin_listing.id, seller_id=twin.id, kind="wechat", value="ivory88")])
        twin_id, twin_listing_id = twin.id, twin_listing.id
    login(client, world.keys["moderator"])
    page = client.get(f"/review/listings/{world.ids['ivory']}").text
    assert '<span class="kind">wechat</span> <code>ivory88</code>' in page
    assert f'<a class="seller" href="/review/sellers/{world.seller_id}">ivory_king</a>' in page
    assert f'<a href="/review/sellers/{twin_id}">白货行</a> <small class="host">other.test</small>' in page
    assert "shares ivory88" in page
    seller = client.get(f"/review/sellers/{twin_id}")
    assert seller.status_code == 200
    assert f'<a href="/review/sellers/{world.seller_id}">ivory_king</a>' in seller.text  # linked back
    assert f'<a class="title" href="/review/listings/{twin_listing_id}">白货 手镯</a>' in seller.text
    assert "ivory88" in seller.text and "Seller&#39;s page on the marketplace" in seller.text
    assert client.get("/review/sellers/999999").status_code == 404
    assert client.get("/review/sellers/0").status_code == 422
    queue = client.get("/review").text
    assert f'<a class="seller" href="/review/sellers/{world.seller_id}">ivory_king</a>' in queue


@pytest.mark.parametrize(("lang", "species", "code_word", "contact"), [
    ("zh-Hans", "穿山甲", "暗语：老虎", "站外联系方式"),
    ("zh-Hant", "穿山甲", "暗語：老虎", "站外聯絡方式"),
    ("en", "pangolin", "code word: tiger", "off-platform contact"),
])
def test_species_and_evidence_labels_speak_the_ui_language(
    client: TestClient, world: World, lang: str, species: str, code_word: str, contact: str,
) -> None:
    with session_scope(world.store.sessions) as session:
        listing_id = add_listing(session, title="穿山甲片 老虎油 加微信", score=0.93, species="pangolin;seahorse",
                                 reasons=["穿山甲片 (pangolin)", "老虎油 (code word: tiger)", "微信 (off-platform contact)",
                                          "正品 (+0.31)"]).id
    login(client, world.keys["moderator"])
    page = client.get(f"/review/listings/{listing_id}?lang={lang}").text
    assert f'<span class="species" lang="{lang}">{species}</span>' in page
    assert f'<span class="term">穿山甲片</span> <span class="why" lang="{lang}">{species}</span>' in page
    assert code_word in page and contact in page
    seahorse = {"zh-Hans": "海马", "zh-Hant": "海馬", "en": "seahorse"}[lang]
    assert f'<span class="species" lang="{lang}">{seahorse}</span>' in client.get(f"/review?lang={lang}").text


def test_undo_takes_the_last_decision_back_and_audits_it(moderator: tuple[TestClient, World]) -> None:
    client, world = moderator
    ivory = world.ids["ivory"]
    after = decide(client, ivory)
    status, location = undo(client, after)
    assert status == 303 and location == f"/review/listings/{ivory}?view=flagged&undone=1"
    assert "Decision undone for 1 listing(s)" in client.get(location).text
    with session_scope(world.store.sessions) as session:
        assert session.get(Listing, ivory).review_status is None  # back in the queue
        (review,) = session.scalars(select(Review).where(Review.listing_id == ivory))
        assert review.undone_at is not None  # kept for the trail, marked undone
        (audit,) = session.scalars(select(AuditLog).where(AuditLog.action == "review.undo"))
        assert audit.actor == "moderator-alice" and audit.target_id == str(ivory)
        assert audit.detail["decision"] == "confirmed" and audit.detail["restored"] is None
    assert f'data-id="{ivory}"' in client.get("/review").text
    analyst = {"Authorization": f"Bearer {world.keys['analyst']}"}
    assert client.get("/v1/reviews", headers=analyst).json()["items"] == []  # an undone decision is no decision
    assert client.get(f"/review/listings/{ivory}").text.count('class="undone"') == 1
    # nothing left to undo: the earlier decision stays
    assert client.post("/review/undo", data={"csrf": csrf_of(client.get("/review").text)},
                       follow_redirects=False).status_code == 409


def test_undo_after_a_minute_is_refused(moderator: tuple[TestClient, World]) -> None:
    client, world = moderator
    after = decide(client, world.ids["seahorse"], "dismissed", "not_wildlife")
    with session_scope(world.store.sessions) as session:
        session.execute(update(Review).values(created_at=utcnow() - timedelta(seconds=61)))
    status, body = undo(client, after)
    assert status == 409 and "within a minute" in body
    with session_scope(world.store.sessions) as session:
        assert session.get(Listing, world.ids["seahorse"]).review_status == "dismissed"


def test_undo_of_a_bulk_decision_reopens_every_listing(moderator: tuple[TestClient, World]) -> None:
    client, world = moderator
    after = decide(client, world.ids["ivory"], bulk_seller="true")
    assert "bulk=2" in after
    status, location = undo(client, after)
    assert status == 303 and location.endswith("undone=2")
    with session_scope(world.store.sessions) as session:
        statuses = session.scalars(select(Listing.review_status).where(Listing.seller_id == world.seller_id))
        assert set(statuses) == {None}
        assert len(list(session.scalars(select(AuditLog).where(AuditLog.action == "review.undo")))) == 2


def test_undoing_a_dismissal_flags_the_listing_again(moderator: tuple[TestClient, World]) -> None:
    """A dismissal unflags at once (decision memory); taking it back gives the model's verdict back."""
    client, world = moderator
    ivory = world.ids["ivory"]
    with session_scope(world.store.sessions) as session:
        flagged_before = session.get(Listing, ivory).flagged
    after = decide(client, ivory, "dismissed", "not_wildlife")
    with session_scope(world.store.sessions) as session:
        assert session.get(Listing, ivory).flagged is False
    status, _ = undo(client, after)
    assert status == 303
    with session_scope(world.store.sessions) as session:
        listing = session.get(Listing, ivory)
        assert (listing.review_status, listing.flagged) == (None, flagged_before)
    assert f'data-id="{ivory}"' in client.get("/review").text  # back in the queue


def test_undo_restores_an_earlier_decision_and_only_ones_own(moderator: tuple[TestClient, World]) -> None:
    client, world = moderator
    with session_scope(world.store.sessions) as session:
        record_review(session, world.ids["ivory"], decision="escalated", reason="needs_expert", reviewer="bob")
    decide(client, world.ids["ivory"])
    with session_scope(world.store.sessions) as session:
        with pytest.raises(Conflict):  # bob's decision was not made with this key
            undo_last_decision(session, api_key_id=10**6, reviewer="bob")
    status, _ = undo(client, f"/review?done={world.ids['ivory']}")
    assert status == 303
    with session_scope(world.store.sessions) as session:
        assert session.get(Listing, world.ids["ivory"]).review_status == "escalated"


def test_the_queue_is_paginated(client: TestClient, world: World) -> None:
    with session_scope(world.store.sessions) as session:
        for n in range(120):
            add_listing(session, title=f"象牙 #{n}", score=0.6 + n / 1000, species="elephant ivory")
    login(client, world.keys["moderator"])
    first = client.get("/review").text
    total = 120 + 4  # and the world's four flagged listings
    assert f"<small>({total})</small>" in first and "Page 1 of 3 · 124 listings" in first
    assert first.count('class="card item') == 50 and 'id="page-prev"' not in first
    assert 'id="page-next" href="/review?view=flagged&amp;page=2"' in first
    pages = [first, client.get("/review?page=2").text, client.get("/review?view=flagged&page=3").text]
    ids = [re.findall(r'data-id="(\d+)"', page) for page in pages]
    assert [len(x) for x in ids] == [50, 50, 24] and len({i for x in ids for i in x}) == total
    assert 'id="page-next"' not in pages[2] and 'id="page-prev"' in pages[2]
    assert "Page 3 of 3" in client.get("/review?page=99").text  # past the end: the last page
    assert client.get("/review?page=0").status_code == 422
