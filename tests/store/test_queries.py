"""Listing filters, sorts and cursor pagination, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.orm import Session

from bench.gen_listings import generate_listings, generate_sellers

from store import queries
from store.bulk import deferred_indexes, load_listings, load_sellers
from store.db import make_engine, migrate
from store.models import Listing, ListingSpecies
from store.errors import NotFound
from store.queries import InvalidCursor, ListingFilter, get_listing_detail, iter_export_rows, list_listings
from store.search import index_listings
from tests.store.seed import T0, seed_store


def _suffixes(session: Session, filters: ListingFilter, **kwargs: object) -> list[str]:
    page = list_listings(session, filters, limit=100, **kwargs)  # type: ignore[arg-type]
    return [item.url.rsplit("/", 1)[1] for item in page.items]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ListingFilter(), ["c3", "c2", "c1", "b3", "b2", "b1", "a3", "a2", "a1"]),
        (ListingFilter(flagged=True), ["c2", "c1", "b2", "b1", "a2", "a1"]),
        (ListingFilter(flagged=False), ["c3", "b3", "a3"]),
        (ListingFilter(species="elephant"), ["c1", "b1", "a1"]),
        (ListingFilter(flagged=True, species="pangolin"), ["b2", "a2"]),
        (ListingFilter(marketplace="hk.market.example"), ["b3", "b2", "b1"]),
        (ListingFilter(lang="en"), ["c3", "c2", "c1", "b3"]),
        (ListingFilter(review_status="confirmed"), ["a1"]),
        (ListingFilter(review_status="dismissed"), ["b3"]),
        (ListingFilter(review_status="unreviewed", flagged=False), ["c3", "a3"]),
        (ListingFilter(min_score=0.95), ["c2", "a2", "a1"]),
        (ListingFilter(min_score=0.9, max_score=0.95), ["b2", "b1", "a2"]),
        (ListingFilter(min_price=Decimal("1000"), max_price=Decimal("9000")), ["c1", "a2", "a1"]),
        (ListingFilter(first_seen_from=T0 + timedelta(days=8)), ["c3", "c2", "c1", "b3", "b2"]),
        (ListingFilter(first_seen_to=T0 + timedelta(days=1)), ["a2", "a1"]),
        (ListingFilter(last_seen_from=T0 + timedelta(days=11), last_seen_to=T0 + timedelta(days=11)), ["c2"]),
        (ListingFilter(q="象牙", flagged=True), ["b1", "a1"]),
        (ListingFilter(species="no such species"), []),
    ],
)
@pytest.mark.parametrize("driving_set_limit", [3000, 0], ids=["candidates-first", "scan-in-order"])
def test_filters(
    session: Session, filters: ListingFilter, expected: list[str], driving_set_limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queries, "DRIVING_SET_LIMIT", driving_set_limit)
    monkeypatch.setattr(queries, "PG_TEXT_CANDIDATES", driving_set_limit)
    seed_store(session)
    assert _suffixes(session, filters) == expected


def test_seller_filter(session: Session) -> None:
    seeded = seed_store(session)
    assert _suffixes(session, ListingFilter(seller_id=seeded.sellers["老王"])) == ["a2", "a1"]


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [("-last_seen", "c3", "a1"), ("last_seen", "a1", "c3"), ("-score", "c2", "c3"), ("score", "c3", "c2"),
     ("first_seen", "a1", "c3"), ("-first_seen", "c3", "a1")],
)
def test_sorts(session: Session, sort: str, first: str, last: str) -> None:
    seed_store(session)
    order = _suffixes(session, ListingFilter(), sort=sort)
    assert (order[0], order[-1]) == (first, last)


@pytest.mark.parametrize("sort", ["-last_seen", "score", "-first_seen"])
def test_cursor_walks_every_row_once(session: Session, sort: str) -> None:
    seed_store(session)
    seen: list[int] = []
    cursor = None
    while True:
        page = list_listings(session, ListingFilter(), limit=2, cursor=cursor, sort=sort)
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 9


@pytest.mark.parametrize("cursor", ["garbage", "", "eyJhIjoxfQ", "WyItc2NvcmUiLDAuNSwxXQ", "W10", "WyItbGFzdF9zZWVuIiwieCIsMV0"])
def test_bad_cursor(session: Session, cursor: str) -> None:
    if not cursor:
        assert list_listings(session, ListingFilter(), cursor=cursor).items == []
        return
    with pytest.raises(InvalidCursor):
        list_listings(session, ListingFilter(), cursor=cursor)


def test_detail_has_versions_snapshot_and_reviews(session: Session, tmp_path: Path) -> None:
    seeded = seed_store(session, tmp_path)
    detail = get_listing_detail(session, seeded.ids["a1"])
    assert [v.version for v in detail.versions] == [2, 1]
    assert detail.versions[0].price == Decimal("7800")
    assert detail.snapshot is not None and len(detail.snapshot.sha256) == 64
    assert [r.decision for r in detail.reviews] == ["confirmed"]
    assert detail.seller is not None and detail.seller.name == "老王"
    with pytest.raises(NotFound):
        get_listing_detail(session, 10**9)


def test_export_rows_stream_in_id_order(session: Session) -> None:
    seed_store(session)
    rows = list(iter_export_rows(session, ListingFilter(flagged=True), chunk=2))
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert len(rows) == 6
    assert {tuple(row["species"]) for row in rows} == {("elephant",), ("pangolin",), ("rhinoceros",)}
    assert all(row["seller"] for row in rows)
    assert all(row["first_seen"].tzinfo is not None and isinstance(row["reasons"], list) for row in rows)


#: SQLite's three text plans: (DRIVING_SET_LIMIT, PROBE_COST)
#: plan -> (DRIVING_SET_LIMIT, PROBE_COST, RECENT_TEXT_MAX_ROWS); a text query alone by -last_seen takes the
#: search index's rowid order unless the last is 0 (tests/store/test_recent_text_pages.py).
TEXT_PLANS = {
    "match-first": (10**9, 10**9, 0), "collect-then-walk": (0, 10**9, 0), "walk-and-probe": (0, 0, 0),
    "rowid-order": (0, 0, 500),
}


def _all_pages(session: Session, filters: ListingFilter, sort: str) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = list_listings(session, filters, limit=7, cursor=cursor, sort=sort)
        ids += [item.id for item in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["-last_seen", "first_seen"])
def test_text_plans_return_the_same_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """Every SQLite text plan gives the same listings in the same order, page by page, common word or rare."""
    engine = make_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        migrate(engine)
        load_sellers(engine, generate_sellers(20))
        with deferred_indexes(engine):
            load_listings(engine, generate_listings(400, 20, batch=100))
        with Session(engine) as session:
            counts = {term: doc for term, doc in session.execute(text("SELECT term, doc FROM listings_fts_vocab"))}
            common = max(counts, key=lambda term: counts[term])
            rare = min((term for term in counts if counts[term] >= 8), key=lambda term: counts[term])
            assert counts[common] >= 40 and counts[rare] < 40
            for filters in (ListingFilter(q=common), ListingFilter(q=rare), ListingFilter(q=common, flagged=False)):
                results = {}
                for plan, (driving_set_limit, probe_cost, recent_rows) in TEXT_PLANS.items():
                    monkeypatch.setattr(queries, "DRIVING_SET_LIMIT", driving_set_limit)
                    monkeypatch.setattr(queries, "PROBE_COST", probe_cost)
                    monkeypatch.setattr(queries, "RECENT_TEXT_MAX_ROWS", recent_rows)
                    statements.clear()
                    results[plan] = _all_pages(session, filters, sort)
                    probed = any("EXISTS (SELECT 1 FROM listings_fts" in statement for statement in statements)
                    in_rowid_order = plan == "rowid-order" and sort == "-last_seen" and filters.flagged is None
                    assert probed == (plan == "walk-and-probe" or (plan == "rowid-order" and not in_rowid_order)), plan
                    assert any("ORDER BY rowid DESC" in statement for statement in statements) == in_rowid_order, plan
                expected = results["match-first"]
                assert len(expected) == len(set(expected)) > 7
                assert all(pages == expected for pages in results.values())
    finally:
        engine.dispose()


def test_text_plan_follows_word_frequency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real thresholds, a word in most listings is probed and a word in few is collected."""
    engine = make_engine(f"sqlite:///{tmp_path / 'freq.db'}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        migrate(engine)
        with Session(engine) as session, session.begin():
            # 6000 listings: the smallest store where a word in every listing passes the probe threshold
            session.execute(insert(Listing), [
                {"url": f"https://x.example/{number}", "marketplace": "x.example", "content_hash": "h",
                 "title": "手镯" if number % 10 else "手镯 象牙"}
                for number in range(6000)
            ])
            index_listings(session, list(session.scalars(select(Listing))))
        monkeypatch.setattr(queries, "RECENT_TEXT_MAX_ROWS", 0)  # the plans before the search index's rowid order
        with Session(engine) as session:
            for word, probed in (("手镯", True), ("象牙", False)):
                statements.clear()
                assert len(list_listings(session, ListingFilter(q=word)).items) == 50
                assert any("EXISTS (SELECT 1 FROM listings_fts" in statement for statement in statements) == probed
    finally:
        engine.dispose()


def test_plan_statistics_are_reused_and_never_change_the_rows(session: Session) -> None:
    """A cached species count saves its query; a stale one (data changed since) still gives the right rows."""
    seed_store(session)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        first = _suffixes(session, ListingFilter(species="pangolin"))
        assert first
        counted = len(statements)
        statements.clear()
        assert _suffixes(session, ListingFilter(species="pangolin")) == first
        if engine.dialect.name == "sqlite":  # only SQLite counts a species to choose its plan
            assert len(statements) < counted  # the count came from the cache
        session.execute(delete(ListingSpecies).where(ListingSpecies.species == "pangolin"))
        assert _suffixes(session, ListingFilter(species="pangolin")) == []
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("probe_cost", "walks"), [(0.01, True), (10**6, False)])
def test_flagged_species_walks_when_sorting_its_listings_costs_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, probe_cost: float, walks: bool
) -> None:
    """SQLite: a species common among flagged listings walks the flagged sort index; both plans agree."""
    engine = make_engine(f"sqlite:///{tmp_path / 'species.db'}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        migrate(engine)
        load_sellers(engine, generate_sellers(20))
        with deferred_indexes(engine):
            load_listings(engine, generate_listings(2000, 20, batch=500))
        queries.clear_statistics()
        monkeypatch.setattr(queries, "SPECIES_PROBE_COST", probe_cost)
        with Session(engine) as session:
            species = session.scalars(
                select(ListingSpecies.species).group_by(ListingSpecies.species).order_by(text("count(*) DESC"))
            ).first()
            filters = ListingFilter(flagged=True, species=species)
            statements.clear()
            ids = _all_pages(session, filters, "-last_seen")
            walked = any("EXISTS (SELECT" in statement for statement in statements)
            expected = session.scalars(
                select(Listing.id).join(ListingSpecies).where(Listing.flagged.is_(True), ListingSpecies.species == species)
                .order_by(Listing.last_seen.desc(), Listing.id.desc())
            ).all()
        assert walked == walks
        assert ids == expected and len(ids) > 7
    finally:
        queries.clear_statistics()
        engine.dispose()


def test_a_statistic_never_counted_is_counted_once_however_many_ask(session: Session) -> None:
    """A fresh worker at 32 connections: the first requests wait for one count instead of each counting."""
    counted: list[int] = []
    start = threading.Barrier(8)

    def compute() -> int:
        counted.append(1)
        time.sleep(0.2)  # long enough for the others to ask meanwhile
        return 42

    answers: list[int] = []

    def ask() -> None:
        start.wait()
        answers.append(queries._statistic(session, ("herd",), compute))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [42] * 8
    assert len(counted) == 1


def test_a_failed_count_is_counted_again_by_the_next_caller(session: Session) -> None:
    def failing() -> int:
        raise RuntimeError("count failed")

    with pytest.raises(RuntimeError):
        queries._statistic(session, ("flaky",), failing)
    assert queries._statistic(session, ("flaky",), lambda: 7) == 7
