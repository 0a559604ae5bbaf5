"""The outbox: matching, exactly-once enqueueing, claiming, crash recovery and backoff (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from store.alerts import (
    MAX_ATTEMPTS,
    SubscriptionIn,
    backoff,
    claim_due,
    create_subscription,
    delivery_counts,
    enqueue_deliveries,
    make_failed_due,
    mark_attempt_failed,
)
from store.db import session_scope
from store.models import AlertDelivery, utcnow
from tests.review.factories import add_listing, add_seller
from wildwatch.alerts import Target, send_digest, send_due
from core.errors import AlertError
from wildwatch.runtime import Store
from tests.fakes import settings_box

RULES: list[tuple[str, dict[str, Any], bool]] = [
    ("no rules", {}, True),
    ("score above", {"min_score": 0.8}, True),
    ("score below", {"min_score": 0.95}, False),
    ("species match, case-insensitive", {"species": ["Pangolin"]}, True),
    ("species miss", {"species": ["tiger"]}, False),
    ("one of several species", {"species": ["tiger", "pangolin"]}, True),
    ("marketplace match", {"marketplaces": ["demo.test"]}, True),
    ("marketplace miss", {"marketplaces": ["other.test"]}, False),
    ("seller watchlist miss", {"seller_ids": [999]}, False),
    ("all rules", {"min_score": 0.5, "species": ["pangolin"], "marketplaces": ["DEMO.test"]}, True),
]


@pytest.mark.parametrize(("case", "rules", "expected"), RULES, ids=[r[0] for r in RULES])
def test_subscription_rules_select_listings(store: Store, case: str, rules: dict[str, Any], expected: bool) -> None:
    with session_scope(store.sessions) as session:
        create_subscription(session, SubscriptionIn(channel="webhook", target="http://127.0.0.1:9/h", secret="s", **rules),
                            box=settings_box())
        listing = add_listing(session, title="穿山甲鳞片", score=0.9, species="pangolin;")
        assert enqueue_deliveries(session, [listing.id]) == int(expected)


def test_seller_watchlist_matches_that_sellers_listings(store: Store) -> None:
    with session_scope(store.sessions) as session:
        watched, other = add_seller(session, "watched"), add_seller(session, "other")
        create_subscription(session, SubscriptionIn(channel="webhook", target="http://x/h", secret="s",
                                                     seller_ids=[watched.id]), box=settings_box())
        ids = [add_listing(session, title=f"t{i}", score=0.9, seller=s).id for i, s in enumerate([watched, other])]
        assert enqueue_deliveries(session, ids) == 1


def test_enqueue_is_exactly_once_and_skips_unflagged(store: Store) -> None:
    with session_scope(store.sessions) as session:
        for n in range(2):
            create_subscription(session, SubscriptionIn(channel="webhook", target=f"http://x/{n}", secret="s"),
                                box=settings_box())
        flagged = add_listing(session, title="象牙手镯", score=0.9, species="elephant")
        clean = add_listing(session, title="木头手镯", score=0.1)
        assert enqueue_deliveries(session, [flagged.id, clean.id, flagged.id]) == 2
    with session_scope(store.sessions) as session:
        assert enqueue_deliveries(session, [flagged.id]) == 0
        rows = list(session.scalars(select(AlertDelivery)))
        assert len(rows) == 2 and len({r.delivery_id for r in rows}) == 2
        assert rows[0].payload["listing"]["title"] == "象牙手镯"


def _one_delivery(store: Store) -> int:
    with session_scope(store.sessions) as session:
        create_subscription(session, SubscriptionIn(channel="webhook", target="http://x/h", secret="s"),
                            box=settings_box())
        listing = add_listing(session, title="犀牛角", score=0.97, species="rhinoceros")
        enqueue_deliveries(session, [listing.id])
        return session.scalars(select(AlertDelivery.id)).one()


def test_a_claim_left_by_a_crashed_sender_is_resent_after_its_lease_with_the_same_id(store: Store) -> None:
    row_id = _one_delivery(store)
    now = utcnow()
    with session_scope(store.sessions) as session:
        (claimed,) = claim_due(session, now=now, lease=timedelta(minutes=5))
        first_id = claimed.delivery_id
    # The process "dies" here: the row stays `sending`.
    seen: list[str] = []

    def sender(target: Target, message: dict[str, Any]) -> None:
        seen.append(message["delivery_id"])

    assert send_due(store, now=now + timedelta(minutes=1), sender=sender).sent == 0
    assert send_due(store, now=now + timedelta(minutes=6), sender=sender).sent == 1
    assert seen == [first_id]
    assert send_due(store, now=now + timedelta(days=1), sender=sender).sent == 0
    with session_scope(store.sessions) as session:
        row = session.get(AlertDelivery, row_id)
        assert row is not None and (row.status, row.attempts) == ("sent", 2)


def test_failures_back_off_then_retry_makes_them_due(store: Store) -> None:
    row_id = _one_delivery(store)
    now = utcnow()

    def down(target: Target, message: dict[str, Any]) -> None:
        raise AlertError("webhook unreachable: ConnectError")

    counts = send_due(store, now=now, sender=down)
    assert (counts.sent, counts.failed) == (0, 1)
    with session_scope(store.sessions) as session:
        row = session.get(AlertDelivery, row_id)
        assert row is not None and row.status == "pending" and "unreachable" in (row.last_error or "")
        assert row.next_attempt_at == now + backoff(1)
        assert delivery_counts(session)["retrying"] == 1
    assert send_due(store, now=now + timedelta(seconds=1), sender=down).failed == 0  # not due yet
    with session_scope(store.sessions) as session:
        assert make_failed_due(session, now=now) == 1
    assert send_due(store, now=now, sender=lambda t, m: None).sent == 1


def test_a_delivery_gives_up_after_max_attempts_until_retried(store: Store) -> None:
    row_id = _one_delivery(store)
    with session_scope(store.sessions) as session:
        row = session.get(AlertDelivery, row_id)
        assert row is not None
        row.attempts = MAX_ATTEMPTS
        mark_attempt_failed(session, [row_id], error="HTTP 500", now=utcnow())
    with session_scope(store.sessions) as session:
        assert delivery_counts(session)["failed"] == 1
        assert make_failed_due(session, now=utcnow()) == 1
        assert delivery_counts(session)["pending"] == 1


@pytest.mark.parametrize(("attempts", "delay"), [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)])
def test_backoff_doubles_and_is_capped(attempts: int, delay: int) -> None:
    assert backoff(attempts) == timedelta(seconds=delay)


def test_digest_sends_one_message_with_the_top_listings(store: Store) -> None:
    with session_scope(store.sessions) as session:
        create_subscription(session, SubscriptionIn(channel="webhook", target="http://x/h", secret="s", mode="digest"),
                            box=settings_box())
        ids = [add_listing(session, title=f"item {i}", score=0.6 + i / 100).id for i in range(5)]
        enqueue_deliveries(session, ids)
    messages: list[dict[str, Any]] = []

    def sender(target: Target, message: dict[str, Any]) -> None:
        messages.append(message)

    assert send_due(store, sender=sender).messages == 0  # digests wait for the nightly pass
    counts = send_digest(store, top=3, sender=sender)
    assert (counts.messages, counts.sent) == (1, 5)
    (digest,) = messages
    assert digest["event"] == "listings.digest" and digest["count"] == 5
    assert [item["title"] for item in digest["listings"]] == ["item 4", "item 3", "item 2"]
    assert send_due(store, digest=True, sender=sender).messages == 0


def test_the_nightly_run_uses_this_module() -> None:
    import wildwatch.alerts
    from wildwatch.nightly import default_alerts
    from core.settings import Settings

    assert default_alerts(Settings()).module is wildwatch.alerts  # type: ignore[attr-defined]
