"""The Uncertain queue has work on the demo: with the shipped model, demo listings fall inside the
band around its threshold (the ambiguous pool, wildwatch/demo/ambiguous.py), and the queue shows them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

import classifier
from store.db import session_scope
from store.models import Score
from store.reviews import UNCERTAIN_MARGIN, review_queue
from tests.review.factories import add_listing, make_store
from wildwatch.demo.records import load_listings

#: The queue shows the closest first; five make the loop worth trying on `make run`.
AT_LEAST = 5


def test_the_shipped_model_finds_demo_listings_near_its_threshold(tmp_path: Path) -> None:
    model = classifier.load_model(None)
    rows = load_listings()
    verdicts = model.score_batch([r["title"] for r in rows], [r["description"] for r in rows])
    near = [(r["id"], v.score) for r, v in zip(rows, verdicts, strict=True)
            if abs(v.score - model.threshold) <= UNCERTAIN_MARGIN]
    assert len(near) >= AT_LEAST, f"model {model.version} (threshold {model.threshold:.3f}): {near}"
    with make_store(tmp_path) as store:
        with session_scope(store.sessions) as session:
            for row, verdict in zip(rows, verdicts, strict=True):
                listing = add_listing(session, title=row["title"], description=row["description"],
                                      score=float(verdict.score), model_version=model.version)
                listing.flagged = verdict.flagged
            # the queue reads the operating threshold from the scores; the factory writes 0.5
            session.execute(update(Score).values(threshold=model.threshold))
            queue = review_queue(session, view="uncertain", limit=50)
        assert len(queue) == min(len(near), 50)
        assert all(item.uncertain for item in queue)
