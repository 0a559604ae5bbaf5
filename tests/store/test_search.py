"""Chinese full-text search: Simplified finds Traditional and back, kept in sync on upsert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import queries
from store.listings import ListingIn, upsert_listings
from store.models import Listing
from store.queries import ListingFilter, list_listings
from store.search import default_tokenizer, query_tokens, rebuild_index
from tests.store.seed import seed_store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("象牙手镯", {"象牙", "手镯"}),
        ("象牙手鐲", {"象牙", "手镯"}),  # Traditional -> Simplified
        ("穿山甲鱗片", {"穿山甲", "鳞片"}),
        ("Carved IVORY bangle", {"carved", "ivory", "bangle"}),
        ("  !!! ", set()),
        ("加微信 yl_laoliao888", {"yl", "laoliao888"}),  # a handle is found by its parts
        ("WH-1000XM5 耳机", {"wh", "1000xm5", "耳机"}),
    ],
)
def test_tokenizer_normalises_script_and_case(text: str, expected: set[str]) -> None:
    assert expected <= set(default_tokenizer(text))
    if not expected:
        assert default_tokenizer(text) == []
    assert "_" not in default_tokenizer(text)


def test_handle_found_by_itself_and_by_its_parts(session: Session) -> None:
    upsert_listings(session, [ListingIn(url="https://x.example/h", marketplace="x.example", title="鹦鹉 加微信 yl_laoliao888")])
    for q in ("yl_laoliao888", "laoliao888", "YL_LAOLIAO888 鹦鹉"):
        assert _titles(session, q) == {"鹦鹉 加微信 yl_laoliao888"}, q


def _titles(session: Session, q: str) -> set[str]:
    return {item.title for item in list_listings(session, ListingFilter(q=q), limit=100).items}


@pytest.mark.parametrize(
    ("q", "must_find", "must_not_find"),
    [
        ("象牙", {"正宗象牙手镯 老料", "象牙雕刻擺件 收藏"}, {"穿山甲鳞片 药用"}),  # Simplified finds Traditional
        ("穿山甲片", {"穿山甲片 正品"}, {"象牙雕刻擺件 收藏"}),
        ("穿山甲", {"穿山甲鳞片 药用", "穿山甲片 正品"}, set()),
        ("雕刻擺件", {"象牙雕刻擺件 收藏"}, set()),
        ("雕刻摆件", {"象牙雕刻擺件 收藏"}, set()),  # Simplified query, Traditional listing
        ("ivory", {"Carved ivory bangle, antique"}, {"Rhino horn cup"}),
        ("IVORY Bangle", {"Carved ivory bangle, antique"}, set()),
        ("wx_ivory88", set(), set()),  # handles are not words the tokenizer keeps whole: no crash
        ("'; DROP TABLE listings; --", set(), {"Rhino horn cup"}),
        ('"unbalanced', set(), set()),
        ("NEAR(a b) OR * AND", set(), set()),
        ("!!!", set(), {"Rhino horn cup"}),
        ("𠀀𝔘\u200b", set(), set()),
    ],
)
def test_search_matches_across_scripts(session: Session, q: str, must_find: set[str], must_not_find: set[str]) -> None:
    seed_store(session)
    found = _titles(session, q)
    assert must_find <= found
    assert not (must_not_find & found)


def test_index_follows_new_versions(session: Session) -> None:
    item = ListingIn(url="https://x.example/1", marketplace="x.example", title="old wooden chair")
    upsert_listings(session, [item])
    assert _titles(session, "chair") == {"old wooden chair"}
    item.title = "rhino horn"
    upsert_listings(session, [item])
    assert _titles(session, "chair") == set()
    assert _titles(session, "rhino") == {"rhino horn"}


@pytest.mark.parametrize("candidates", [20_000, 0], ids=["ranked-in-search-table", "sort-index-walk"])
def test_text_search_order_follows_later_changes(
    session: Session, candidates: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-seen or re-scored listing moves in text results (PostgreSQL copies the sort keys)."""
    monkeypatch.setattr(queries, "PG_TEXT_CANDIDATES", candidates)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        ListingIn(url=f"https://x.example/{n}", marketplace="x.example", title=f"ivory carving {n}",
                  fetched_at=start + timedelta(days=n))
        for n in range(3)
    ]
    upsert_listings(session, items)

    def order(sort: str) -> list[str]:
        page = list_listings(session, ListingFilter(q="ivory"), sort=sort)
        return [item.url[-1] for item in page.items]

    assert order("-last_seen") == ["2", "1", "0"]
    items[0].fetched_at = start + timedelta(days=9)  # seen again, unchanged: the index is not rewritten
    upsert_listings(session, [items[0]])
    assert order("-last_seen") == ["0", "2", "1"]
    assert order("last_seen") == ["1", "2", "0"]
    assert order("first_seen") == ["0", "1", "2"]
    for listing in session.scalars(select(Listing)):
        listing.score = {"0": 0.2, "1": 0.9, "2": None}[listing.url[-1]]
    session.flush()
    assert order("-score") == ["1", "0", "2"]
    page = list_listings(session, ListingFilter(q="ivory"), sort="-score", limit=1)
    rest = list_listings(session, ListingFilter(q="ivory"), sort="-score", cursor=page.next_cursor)
    assert [item.url[-1] for item in page.items + rest.items] == ["1", "0", "2"]


def test_rebuild_index(session: Session) -> None:
    seed_store(session)
    assert rebuild_index(session, batch_size=3) == 9
    assert "Rhino horn cup" in _titles(session, "horn")


def test_query_tokens_are_capped() -> None:
    assert len(query_tokens(" ".join(f"word{i}" for i in range(100)))) == 16
