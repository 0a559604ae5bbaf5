"""A page statement built for one filter and reused for another of the same shape finds that other's rows.

``store.queries`` keeps one statement per plan and runs it with each request's values; a value
of the first request left in the statement would answer a later request with the wrong rows.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from store import queries
from store.models import Listing
from store.queries import ListingFilter, list_listing_values, list_listings
from tests.store.seed import T0, seed_store

#: Pairs of filters with the same shape and other values.
PAIRS = [
    (ListingFilter(species="elephant"), ListingFilter(species="pangolin")),
    (ListingFilter(flagged=True, species="pangolin"), ListingFilter(flagged=True, species="elephant")),
    (ListingFilter(marketplace="hk.market.example"), ListingFilter(marketplace="tw.auction.example")),
    (ListingFilter(lang="en"), ListingFilter(lang="zh-Hant")),
    (ListingFilter(review_status="confirmed"), ListingFilter(review_status="dismissed")),
    (ListingFilter(min_score=0.95), ListingFilter(min_score=0.5)),
    (ListingFilter(min_score=0.9, max_score=0.95), ListingFilter(min_score=0.1, max_score=0.92)),
    (ListingFilter(min_price=Decimal("1000"), max_price=Decimal("9000")),
     ListingFilter(min_price=Decimal("10"), max_price=Decimal("2000"))),
    (ListingFilter(first_seen_from=T0 + timedelta(days=8)), ListingFilter(first_seen_from=T0 + timedelta(days=1))),
    (ListingFilter(first_seen_to=T0 + timedelta(days=1)), ListingFilter(first_seen_to=T0 + timedelta(days=9))),
    (ListingFilter(last_seen_from=T0 + timedelta(days=11), last_seen_to=T0 + timedelta(days=11)),
     ListingFilter(last_seen_from=T0 + timedelta(days=2), last_seen_to=T0 + timedelta(days=12))),
    (ListingFilter(q="象牙", flagged=True), ListingFilter(q="ivory", flagged=True)),
    (ListingFilter(q="象牙"), ListingFilter(q="穿山甲")),
    (ListingFilter(species="elephant", lang="zh-Hans", min_score=0.5),
     ListingFilter(species="pangolin", lang="zh-Hant", min_score=0.9)),
]


def _walk(session: Session, filters: ListingFilter, sort: str) -> list[tuple[object, ...]]:
    """Every page of two, following the cursors (the cursor's shape has its own statement)."""
    rows: list[tuple[object, ...]] = []
    cursor = None
    while True:
        page = list_listing_values(session, filters, limit=2, cursor=cursor, sort=sort)
        rows.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return rows


@pytest.mark.parametrize(
    ("scan", "probe", "ranked"),
    [(False, False, False), (True, False, False), (True, True, False), (False, False, True)],
    ids=["candidates-first", "scan-in-order", "scan-probing-text", "postgresql-ranked-text"],
)
@pytest.mark.parametrize("sort", ["-last_seen", "score", "first_seen"])
def test_a_statement_reused_for_other_values_finds_their_rows(
    session: Session, sort: str, scan: bool, probe: bool, ranked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the plan is chosen from statistics, which differ between values: fixed here, so both share it
    monkeypatch.setattr(queries, "_large_candidate_sets", lambda *args: scan)
    monkeypatch.setattr(queries, "_very_common_text", lambda *args: probe)
    monkeypatch.setattr(queries, "_ranks_text_matches", lambda session, filters: ranked and bool(filters.q))
    seed_store(session)
    for first, second in PAIRS:
        queries._PAGE_STATEMENTS.clear()
        fresh = _walk(session, second, sort)
        queries._PAGE_STATEMENTS.clear()
        first_rows = _walk(session, first, sort)
        built = len(queries._PAGE_STATEMENTS)
        list_listing_values(session, second, limit=2, sort=sort)
        assert len(queries._PAGE_STATEMENTS) == built, (first, second)  # the first page's statement served both
        reused = _walk(session, second, sort)
        assert reused == fresh, (first, second)
        assert reused != first_rows, (first, second)  # the pair tells apart


def test_typed_and_raw_pages_have_statements_of_their_own(session: Session) -> None:
    seed_store(session)
    queries._PAGE_STATEMENTS.clear()
    raw = list_listing_values(session, ListingFilter(flagged=True), limit=50)
    typed = list_listings(session, ListingFilter(flagged=True), limit=50)
    assert [row[0] for row in raw.items] == [row.id for row in typed.items]
    assert len(queries._PAGE_STATEMENTS) == 2


def test_a_value_left_in_a_statement_is_refused() -> None:
    statement = select(Listing.id).where(Listing.marketplace == bindparam("marketplace", "x"))
    queries._check_parameters(statement, {"marketplace": "y"})
    with pytest.raises(AssertionError):
        queries._check_parameters(statement, {})
    with pytest.raises(AssertionError):
        queries._check_parameters(statement, {"marketplace": "y", "lang": "en"})


#: Filters whose values change the SQL itself (``IS 1``/``IS 0``, ``IS NULL``, no searchable token): never shared.
UNLIKE = [
    (ListingFilter(flagged=True), ListingFilter(flagged=False)),
    (ListingFilter(review_status="unreviewed"), ListingFilter(review_status="confirmed")),
    (ListingFilter(q="象牙"), ListingFilter(q="!!!")),
    (ListingFilter(marketplace=""), ListingFilter(marketplace="hk.market.example")),
]


@pytest.mark.parametrize(("first", "second"), UNLIKE)
def test_filters_whose_values_change_the_sql_do_not_share_a_statement(
    session: Session, first: ListingFilter, second: ListingFilter
) -> None:
    seed_store(session)
    queries._PAGE_STATEMENTS.clear()
    fresh = _walk(session, second, "-last_seen")
    queries._PAGE_STATEMENTS.clear()
    first_rows = _walk(session, first, "-last_seen")
    assert _walk(session, second, "-last_seen") == fresh != first_rows
