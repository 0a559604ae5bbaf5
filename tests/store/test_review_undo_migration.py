"""0014_review_undo adds reviews.undone_at and reviews.batch; its downgrade drops them (and the undone rows)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from store.db import downgrade, make_engine, migrate
from tests.databases import BACKENDS, postgres_database


@pytest.mark.parametrize("backend", BACKENDS)
def test_review_undo_columns_up_and_down(backend: str, tmp_path: Path) -> None:
    sqlite = nullcontext(f"sqlite:///{tmp_path / 'undo.db'}")
    with postgres_database() if backend == "postgresql" else sqlite as url:
        engine = make_engine(url)
        try:
            migrate(engine, "0013_lang_vocabulary")
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO listings (url, marketplace, title, description, content_hash, images, "
                                  "reasons, species, version, first_seen, last_seen, fetched_at) VALUES "
                                  "('https://x.example/1', 'x.example', 't', '', 'h', '[]', '[]', '', 1, "
                                  "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
                conn.execute(text("INSERT INTO reviews (listing_id, decision, reviewer, created_at) "
                                  "VALUES (1, 'confirmed', 'old', CURRENT_TIMESTAMP)"))
            migrate(engine, "0014_review_undo")
            assert {"undone_at", "batch"} <= {c["name"] for c in inspect(engine).get_columns("reviews")}
            with engine.begin() as conn:
                assert conn.execute(text("SELECT undone_at FROM reviews")).scalar_one() is None  # old rows stand
                conn.execute(text("INSERT INTO reviews (listing_id, decision, reviewer, created_at, undone_at, batch) "
                                  "VALUES (1, 'dismissed', 'new', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'b1')"))
            downgrade(engine, "0013_lang_vocabulary")
            assert not {"undone_at", "batch"} & {c["name"] for c in inspect(engine).get_columns("reviews")}
            with engine.connect() as conn:  # the undone decision does not come back as a decision
                assert conn.execute(text("SELECT reviewer FROM reviews")).scalars().all() == ["old"]
            migrate(engine)
        finally:
            engine.dispose()

