"""Migration 0013_lang_vocabulary: stored region tags become en / zh-Hans / zh-Hant, and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from store.db import current_revision, downgrade, make_engine, migrate
from store.listings import ListingIn, upsert_listings
from store.models import Listing
from store.queries import ListingFilter, list_listings
from tests.databases import BACKENDS, postgres_database

REVISION = "0013_lang_vocabulary"
STORED = {"1": "zh-CN", "2": "zh-HK", "3": "zh-TW", "4": "en-US", "5": "en", "6": None, "7": "ja", "8": "zh-Hant"}


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lang.db'}"
    else:
        with postgres_database() as database_url:
            yield database_url


def _langs(engine) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT url, lang FROM listings")).all()
    return {row_url.rsplit("/", 1)[1]: lang for row_url, lang in rows}


def test_upgrade_rewrites_region_tags_and_downgrade_restores_them(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate(engine, "0012_decision_memory")
        with Session(engine) as session, session.begin():  # rows as the crawler stored them before
            session.add_all(Listing(url=f"https://x.example/{key}", marketplace="x.example", title="t",
                                    content_hash="h", lang=lang) for key, lang in STORED.items())
        migrate(engine, REVISION)
        assert current_revision(engine) == REVISION
        assert _langs(engine) == {"1": "zh-Hans", "2": "zh-Hant", "3": "zh-Hant", "4": "en", "5": "en", "6": None,
                                  "7": "ja", "8": "zh-Hant"}
        downgrade(engine, "0012_decision_memory")
        assert _langs(engine) == {"1": "zh-CN", "2": "zh-HK", "3": "zh-HK", "4": "en", "5": "en", "6": None,
                                  "7": "ja", "8": "zh-HK"}
        migrate(engine)
        assert set(_langs(engine).values()) == {"zh-Hans", "zh-Hant", "en", "ja", None}
    finally:
        engine.dispose()


def test_new_listings_are_stored_in_the_vocabulary(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate(engine)
        with Session(engine) as session, session.begin():
            upsert_listings(session, [ListingIn(url="https://x.example/hk", marketplace="x.example", title="象牙",
                                                lang="zh-HK")])
        with Session(engine) as session:
            assert [item.lang for item in list_listings(session, ListingFilter(lang="zh-Hant")).items] == ["zh-Hant"]
    finally:
        engine.dispose()
