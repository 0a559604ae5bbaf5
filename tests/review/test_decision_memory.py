"""Decision memory: a dismissal holds for its content at once, and relists carry the earlier decision."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from store.db import downgrade, make_engine, migrate, session_scope
from store.memory import AUTO_REVIEWER, normalise_text, prior_decisions, similarity
from store.models import AuditLog, Listing, Review, Score
from store.reviews import record_review, review_training_rows
from store.scores import ScoreIn, record_scores
from tests.databases import BACKENDS, postgres_database
from tests.review.conftest import World, login
from tests.review.factories import add_listing, add_seller

GOLDFISH = ("鹤顶红 金鱼 纯种", "自家鱼场繁殖，头顶红色肉瘤，顺丰活体包邮")


def _rescore(session, listing: Listing, *, flagged: bool, version: str = "test-2", **options) -> list[int]:  # type: ignore[no-untyped-def]
    score = ScoreIn(listing.id, listing.content_hash, 0.9 if flagged else 0.1, flagged, [], [])
    return record_scores(session, [score], model_version=version, threshold=0.5, **options)


def test_a_dismissal_unflags_at_once_and_holds_for_an_unchanged_recrawl(any_world: World) -> None:
    with session_scope(any_world.store.sessions) as session:
        listing = session.get(Listing, any_world.ids["ivory"])
        assert listing is not None and listing.flagged
        review = record_review(session, listing.id, decision="dismissed", reason="not_wildlife", reviewer="bob")
        assert (review.content_hash, listing.flagged) == (listing.content_hash, False)
        # a new model that flags the same content again: history keeps its verdict, the listing stays quiet
        assert _rescore(session, listing, flagged=True) == []
        assert listing.flagged is False
        assert session.scalar(select(Score.flagged).where(Score.listing_id == listing.id,
                                                          Score.model_version == "test-2")) is True
        # changed content is new content: flagged (and alerted) again
        listing.description += " 现货"
        listing.content_hash = "changed"
        assert _rescore(session, listing, flagged=True, version="test-3") == [listing.id]
        assert listing.flagged is True
        assert listing.review_status is None  # back in the Flagged queue for a new look, audited
        (reopen,) = session.scalars(select(AuditLog).where(AuditLog.action == "review.reopen"))
        assert reopen.target_id == str(listing.id)


def test_a_later_decision_gives_back_the_models_verdict(any_world: World) -> None:
    with session_scope(any_world.store.sessions) as session:
        listing_id = any_world.ids["ivory"]
        record_review(session, listing_id, decision="dismissed", reason="other", reviewer="a")
        record_review(session, listing_id, decision="confirmed", reason="protected_species", reviewer="b")
        listing = session.get(Listing, listing_id)
        assert listing is not None and listing.flagged is True
        assert _rescore(session, listing, flagged=True) == []  # was flagged already: no second alert
        assert listing.flagged is True
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "review.decide")
                                .order_by(AuditLog.id)).all()
        assert [(a.detail["flagged_before"], a.detail["flagged_after"]) for a in audit] == [(True, False),
                                                                                             (False, True)]


NORMALISED = [
    ("spacing and punctuation", ("鹤顶红 金鱼", "红头，包邮"), ("鹤顶红金鱼", "红头 包邮!"), 1.0),
    ("full-width and case", ("Blush IVORY vase", ""), ("ｂｌｕｓｈ ivory VASE", ""), 1.0),
    ("one word added", ("Royal Worcester blush ivory vase 1890s", "antique porcelain, gilt, shipping worldwide"),
     ("Royal Worcester blush ivory vase 1890s", "antique porcelain, gilt, shipping worldwide today"), 0.9),
    ("another item", ("犀牛盾 手机壳", "iPhone 15"), ("人工虎骨粉 胶囊", "国药准字"), 0.0),
]


@pytest.mark.parametrize(("case", "left", "right", "at_least"), NORMALISED, ids=[c[0] for c in NORMALISED])
def test_relist_text_similarity(case: str, left: tuple[str, str], right: tuple[str, str], at_least: float) -> None:
    value = similarity(normalise_text(*left), normalise_text(*right))
    assert value >= at_least if at_least else value < 0.2


def _relist_world(world: World) -> dict[str, int]:
    with session_scope(world.store.sessions) as session:
        fish_shop = add_seller(session, "fish_shop")
        other_shop = add_seller(session, "other_fish_shop")
        original = add_listing(session, title=GOLDFISH[0], description=GOLDFISH[1], score=0.8, seller=fish_shop)
        ids = {
            "original": original.id,
            "same_text": add_listing(session, title="鹤顶红金鱼  纯种!", description=GOLDFISH[1] + "。", score=0.8,
                                     seller=fish_shop, price="90.00").id,
            "near": add_listing(session, title=GOLDFISH[0], description=GOLDFISH[1] + "，活体", score=0.8,
                                seller=fish_shop).id,
            "other_seller": add_listing(session, title=GOLDFISH[0], description=GOLDFISH[1], score=0.8,
                                        seller=other_shop).id,
            "other_text": add_listing(session, title="鹤顶红 金鱼苗", description="十条起", score=0.8,
                                      seller=fish_shop).id,
        }
        record_review(session, original.id, decision="dismissed", reason="not_wildlife", reviewer="bob")
    return ids


def test_relists_by_the_same_seller_carry_the_earlier_decision(any_world: World) -> None:
    ids = _relist_world(any_world)
    with session_scope(any_world.store.sessions) as session:
        listings = list(session.scalars(select(Listing).where(Listing.id.in_(ids.values()))))
        found = prior_decisions(session, listings)
    assert {name: found[i].via for name, i in ids.items() if i in found} == {
        "same_text": "same_text", "near": "near_identical_text"}
    assert {found[ids["near"]].listing_id, found[ids["same_text"]].decision} == {ids["original"], "dismissed"}


def test_auto_dismissal_of_relists_is_optional_audited_and_never_trained_on(any_world: World) -> None:
    ids = _relist_world(any_world)
    with session_scope(any_world.store.sessions) as session:
        same = session.get(Listing, ids["same_text"])
        other = session.get(Listing, ids["other_seller"])
        assert same is not None and other is not None
        assert _rescore(session, same, flagged=True) == []  # already flagged; setting off: nothing decided
        assert same.review_status is None and same.flagged
        for listing in (same, other):
            listing.flagged = False  # as if new: a flag now would be news
        newly = record_scores(session, [ScoreIn(same.id, same.content_hash, 0.9, True, [], []),
                                        ScoreIn(other.id, other.content_hash, 0.9, True, [], [])],
                              model_version="test-3", threshold=0.5, auto_dismiss_relists=True)
        assert newly == [other.id]
        assert (same.review_status, same.flagged) == ("dismissed", False)
        auto = session.scalars(select(Review).where(Review.listing_id == same.id)).one()
        assert (auto.reviewer, auto.reason) == (AUTO_REVIEWER, "not_wildlife")
        assert f"relist of listing {ids['original']}" in (auto.note or "")
        assert session.scalar(select(AuditLog.actor).where(AuditLog.target_id == str(same.id))) == AUTO_REVIEWER
        assert len(review_training_rows(session)) == 1  # the human decision only


def test_the_api_and_the_review_page_show_the_earlier_decision(client: TestClient, world: World) -> None:
    ids = _relist_world(world)
    headers = {"Authorization": f"Bearer {world.keys['analyst']}"}
    body = client.get(f"/v1/listings/{ids['same_text']}", headers=headers).json()
    prior = body["prior_decision"]
    assert {k: prior[k] for k in ("decision", "listing_id", "via")} == {
        "decision": "dismissed", "listing_id": ids["original"], "via": "same_text"}
    assert isinstance(prior["review_id"], int) and prior["reviewed_at"].startswith("20")
    assert client.get(f"/v1/listings/{ids['other_seller']}", headers=headers).json()["prior_decision"] is None
    login(client, world.keys["moderator"])
    page = client.get(f"/review/listings/{ids['near']}").text
    assert 'id="prior-decision"' in page and f'/review/listings/{ids["original"]}?' in page
    assert 'id="prior-decision"' not in client.get(f"/review/listings/{ids['other_text']}").text


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        with postgres_database() as url:
            yield url


def test_migration_adds_and_removes_the_review_hashes(fresh_url: str) -> None:
    """0012 adds reviews.content_hash and text_hash (NULL for older reviews); its downgrade drops them."""
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0009_sessions_secrets")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO listings (url, marketplace, title, description, images, reasons, species, "
                              "content_hash, version, first_seen, last_seen, fetched_at) VALUES ('u', 'm', 't', 'd', "
                              "'[]', '[]', '', 'h', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO reviews (listing_id, decision, reviewer, created_at) "
                              "VALUES (1, 'dismissed', 'old', CURRENT_TIMESTAMP)"))
        migrate(engine, "0012_decision_memory")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT content_hash, text_hash FROM reviews")).one() == (None, None)
        assert "ix_reviews_text_hash" in {i["name"] for i in inspect(engine).get_indexes("reviews")}
        downgrade(engine, "0009_sessions_secrets")
        assert not {"content_hash", "text_hash"} & {c["name"] for c in inspect(engine).get_columns("reviews")}
        migrate(engine, "0012_decision_memory")
    finally:
        engine.dispose()
