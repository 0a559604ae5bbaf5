"""Stored scoring in pages: every listing scored once, every newly flagged one handed on once, the
counts those of the database, whether pages are written one by one (SQLite) or side by side
(PostgreSQL, ``wildwatch.scoring.STORED_WRITERS``)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from store.db import Store, session_scope
from store.listings import ListingIn, upsert_listings
from store.models import Listing, Score
from tests.nightly.fakes import HashModel
from wildwatch.scoring import score_stored

LISTINGS = 60
PAGE = 5


def test_pages_written_side_by_side_score_each_listing_once(engine: Engine) -> None:
    store = Store(engine.url.render_as_string(hide_password=False))
    try:
        with session_scope(store.sessions) as session:
            upsert_listings(session, [ListingIn(url=f"https://m.example/item/{i}", marketplace="m.example",
                                                title=f"listing {i}", description="象牙手镯 私聊")
                                      for i in range(LISTINGS)])
        handed_on: list[int] = []
        lock = threading.Lock()
        seen: list[int] = []

        def on_flagged(session: Session, ids: list[int]) -> int:
            with lock:
                handed_on.extend(ids)
            return len(ids)

        result = score_stored(store, HashModel(), batch_size=PAGE, write_batch=PAGE, workers=2,
                              on_flagged=on_flagged, progress=lambda done, total: seen.append(done))
        with session_scope(store.sessions) as session:
            flagged = set(session.scalars(select(Listing.id).where(Listing.flagged.is_(True))))
            history = session.scalar(select(func.count()).select_from(Score))
            unscored = session.scalar(select(func.count()).select_from(Listing).where(Listing.model_version.is_(None)))
    finally:
        store.close()
    assert result.scored == LISTINGS and history == LISTINGS and unscored == 0
    assert 0 < result.flagged == len(flagged) < LISTINGS
    assert sorted(handed_on) == sorted(flagged) == sorted(result.newly_flagged)
    assert result.queued == len(flagged)
    assert seen == sorted(seen) and seen[-1] == LISTINGS  # progress only ever goes forward
