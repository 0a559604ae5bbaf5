"""Test doubles for the nightly's two seams: the classifier model and the alerts module.

Both can pause at a chosen point (touching a marker file, then sleeping) so a test can
``kill -9`` the nightly exactly mid-stage, without timing guesses.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import session_scope
from store.models import AlertDelivery, Subscription, utcnow
from wildwatch.runtime import Store


def _pause(marker: Path | None) -> None:
    """Touch ``marker`` and wait until the test kills us or creates ``<marker>.release``."""
    if marker is None:
        return
    marker.touch()
    release = marker.with_suffix(".release")
    deadline = time.monotonic() + 120
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@dataclass(frozen=True)
class Verdict:
    score: float
    flagged: bool
    species: tuple[str, ...]
    reasons: tuple[str, ...]


class HashModel:
    """Flags a deterministic third of listings (by title hash); pauses on batch ``pause_at``."""

    version = "hash-1"
    threshold = 0.5

    def __init__(self, pause_at: int | None = None, marker: Path | None = None) -> None:
        self.pause_at = pause_at
        self.marker = marker
        self.batches = 0

    def score_batch(self, titles: Sequence[str], descriptions: Sequence[str]) -> list[Verdict]:
        self.batches += 1
        if self.pause_at is not None and self.batches == self.pause_at:
            _pause(self.marker)
        out = []
        for title in titles:
            digest = int(hashlib.sha256(title.encode()).hexdigest(), 16)
            hit = digest % 3 == 0
            species = ("pangolin",) if digest % 2 else ("elephant ivory",)
            out.append(Verdict(0.9 if hit else 0.1, hit, species if hit else (), ("hash rule",) if hit else ()))
        return out


class OutboxAlerts:
    """An outbox like the real alerts module's: enqueue is idempotent (unique per subscription,
    listing, event); send delivers pending rows one by one to a sink file and marks each sent."""

    def __init__(self, sink: Path, pause_after: int | None = None, marker: Path | None = None) -> None:
        self.sink = sink
        self.pause_after = pause_after
        self.marker = marker

    def enqueue_alerts(self, session: Session, listing_ids: list[int]) -> int:
        subscriptions = list(session.scalars(select(Subscription).where(Subscription.active.is_(True))))
        existing = set(session.execute(select(AlertDelivery.subscription_id, AlertDelivery.listing_id)))
        added = 0
        for subscription in subscriptions:
            for listing_id in listing_ids:
                if (subscription.id, listing_id) not in existing:
                    session.add(AlertDelivery(delivery_id=str(uuid.uuid4()), subscription_id=subscription.id,
                                              listing_id=listing_id, event="listing.flagged"))
                    added += 1
        session.flush()
        return added

    def send_due(self, store: Store) -> int:
        sent = 0
        while True:
            with session_scope(store.sessions) as session:
                row = session.scalars(
                    select(AlertDelivery).where(AlertDelivery.status == "pending").order_by(AlertDelivery.id).limit(1)
                ).first()
                if row is None:
                    return sent
                with self.sink.open("a") as fh:
                    fh.write(f"{row.delivery_id} {row.listing_id}\n")
                row.status, row.sent_at, row.attempts = "sent", utcnow(), row.attempts + 1
            sent += 1
            if self.pause_after is not None and sent == self.pause_after:
                _pause(self.marker)

    def send_digest(self, store: Store) -> int:
        with self.sink.open("a") as fh:
            fh.write("digest\n")
        return 1
