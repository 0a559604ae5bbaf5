"""Review store functions on SQLite and PostgreSQL: queue, decisions, seller history, training rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.review.highlight import evidence_terms, highlight
from store.db import session_scope
from store.models import AuditLog
from store.reviews import (
    priority,
    record_review,
    record_seller_reviews,
    review_queue,
    review_training_rows,
    seller_history,
    species_severity,
)
from tests.review.conftest import World


@pytest.mark.parametrize(
    ("species", "severity"),
    [(["pangolin"], 3), (["elephant ivory"], 3), (["seahorse"], 2), (["bear bile"], 3), (["musk deer"], 2),
     (["gecko"], 1), ([], 1), (["seahorse", "tiger"], 3), (["walrus ivory"], 1), (["hippo ivory"], 2),
     (["narwhal ivory"], 2), (["sperm whale ivory"], 3), (["walrus ivory", "elephant ivory"], 3),
     (["mammoth ivory"], 1), (["slow loris"], 3), (["african grey parrot"], 3), (["primate"], 3)],
)
def test_species_severity_follows_cites_appendices(species: list[str], severity: int) -> None:
    assert species_severity(species) == severity


def test_priority_is_score_times_severity() -> None:
    assert priority(0.9, ["pangolin"]) == 2.7 and priority(None, ["tiger"]) == 0


def test_queue_views_and_decisions(any_world: World) -> None:
    ids = any_world.ids
    with session_scope(any_world.store.sessions) as session:
        flagged = [item.listing.id for item in review_queue(session)]
        assert flagged == [ids["hostile"], ids["ivory"], ids["ivory2"], ids["seahorse"]]
        assert [i.listing.id for i in review_queue(session, view="uncertain")] == [ids["borderline"]]
        record_review(session, ids["hostile"], decision="escalated", reason="needs_expert", reviewer="bob")
        reviews = record_seller_reviews(session, any_world.seller_id, decision="confirmed", reason="repeat_seller",
                                        reviewer="bob", note="same photos")
        assert sorted(r.listing_id for r in reviews) == [ids["ivory"], ids["ivory2"]]
        record_review(session, ids["borderline"], decision="dismissed", reason="not_wildlife", reviewer="bob")
    with session_scope(any_world.store.sessions) as session:
        assert [i.listing.id for i in review_queue(session)] == [ids["seahorse"]]
        assert [i.listing.id for i in review_queue(session, view="escalated")] == [ids["hostile"]]
        history = seller_history(session, any_world.seller_id)
        assert (history.listings, history.flagged, history.confirmed, history.unreviewed_flagged) == (2, 2, 2, 0)
        assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "review.decide")) == 4
        with pytest.raises(ValueError):
            record_review(session, ids["seahorse"], decision="confirmed", reason="not_wildlife", reviewer="bob")


def test_training_rows_use_the_latest_decision_and_skip_escalations(any_world: World) -> None:
    ids = any_world.ids
    with session_scope(any_world.store.sessions) as session:
        record_review(session, ids["ivory"], decision="dismissed", reason="other", reviewer="a")
        record_review(session, ids["ivory"], decision="confirmed", reason="protected_species", reviewer="b")
        record_review(session, ids["borderline"], decision="dismissed", reason="not_wildlife", reviewer="a")
        record_review(session, ids["seahorse"], decision="escalated", reason="needs_expert", reviewer="a")
        rows = review_training_rows(session)
    assert [(r["title"], r["label"]) for r in rows] == [("象牙手镯 ivory bangle 保真", 1), ("牛角梳子", 0)]
    assert set(rows[0]) == {"review_id", "title", "description", "label", "lang", "reviewed_at"}


HIGHLIGHTS = [
    ("plain", "象牙手镯", ["lexicon: 象牙"], "<mark>象牙</mark>手镯"),
    ("quoted code word", "正品保真 老料", ['code word "保真"'], "正品<mark>保真</mark> 老料"),
    ("case-insensitive English", "Real IVORY bangle", ["lexicon: ivory"], "Real <mark>IVORY</mark> bangle"),
    ("script stays text", "<b>象牙</b>", ["lexicon: 象牙"], "&lt;b&gt;<mark>象牙</mark>&lt;/b&gt;"),
    ("hostile term", "<i>x</i>", ["lexicon: <i>x</i>"], "<mark>&lt;i&gt;x&lt;/i&gt;</mark>"),
    ("classifier species reason", "出售穿山甲片一批", ["穿山甲片 (pangolin)"], "出售<mark>穿山甲片</mark>一批"),
    ("classifier code word with surface form", "正宗老虎油", ["老虎油 = 老虎油 (code word: tiger)"],
     "正宗<mark>老虎油</mark>"),
    ("classifier surface differs", "ＩＶＯＲＹ bangle", ["ＩＶＯＲＹ = ivory (+0.42)"], "<mark>ＩＶＯＲＹ</mark> bangle"),
    ("term absent", "茶叶", ["lexicon: 象牙"], "茶叶"),
    ("single characters ignored", "牛角", ["lexicon: 角"], "牛角"),
]


@pytest.mark.parametrize(("case", "text", "reasons", "html"), HIGHLIGHTS, ids=[h[0] for h in HIGHLIGHTS])
def test_highlight_escapes_first_then_marks(case: str, text: str, reasons: list[str], html: str) -> None:
    assert str(highlight(text, evidence_terms(reasons, text))) == html
