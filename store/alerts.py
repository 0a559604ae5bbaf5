"""Alert subscriptions and the delivery outbox.

The outbox gives each (subscription, listing, event) exactly one row, inserted with
``ON CONFLICT DO NOTHING`` so enqueueing twice is harmless.  A row moves
``pending -> sending -> sent``; a failed attempt puts it back to ``pending`` with a later
``next_attempt_at`` (or ``failed`` after ``MAX_ATTEMPTS``).  A row left in ``sending`` by a
crashed process becomes due again when its lease (``next_attempt_at``) expires, and is resent
with the same ``delivery_id``: delivery is at-least-once with a stable id.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.secrets import SealedSecretError, SecretBox
from store.models import AlertDelivery, AuditLog, Listing, Seller, Subscription, utcnow

__all__ = [
    "EVENT_FLAGGED",
    "MAX_ATTEMPTS",
    "SubscriptionIn",
    "backoff",
    "claim_due",
    "create_subscription",
    "delivery_counts",
    "enqueue_deliveries",
    "list_deliveries",
    "list_subscriptions",
    "listing_payload",
    "make_failed_due",
    "mark_attempt_failed",
    "mark_sent",
    "reseal_secrets",
    "subscription_matches",
    "subscription_secret",
    "SubscriptionHealth",
    "subscription_health",
    "flagged_listing_ids",
]

EVENT_FLAGGED = "listing.flagged"
#: After this many failed attempts a delivery stops retrying on its own (``alerts retry`` revives it).
MAX_ATTEMPTS = 20
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(slots=True)
class SubscriptionIn:
    """What a new subscription asks for; empty lists mean "any"."""

    channel: str  # webhook|apprise
    target: str
    secret: str | None = None
    name: str | None = None
    min_score: float | None = None
    species: Sequence[str] = ()
    marketplaces: Sequence[str] = ()
    seller_ids: Sequence[int] = ()
    mode: str = "immediate"  # immediate|digest


def create_subscription(session: Session, spec: SubscriptionIn, *, box: SecretBox, actor: str = "cli") -> Subscription:
    """Store a subscription (validated; its secret sealed by ``box``) and audit it."""
    if spec.channel not in ("webhook", "apprise"):
        raise ValueError("channel must be webhook or apprise")
    if spec.channel == "webhook" and not spec.secret:
        raise ValueError("a webhook subscription needs a secret")
    if spec.mode not in ("immediate", "digest"):
        raise ValueError("mode must be immediate or digest")
    if spec.min_score is not None and not 0 <= spec.min_score <= 1:
        raise ValueError("min_score must be between 0 and 1")
    row = Subscription(
        name=spec.name, channel=spec.channel, target=spec.target, secret=box.seal(spec.secret) if spec.secret else None,
        min_score=spec.min_score,
        species=[s.strip().lower() for s in spec.species if s.strip()],
        marketplaces=[m.strip().lower() for m in spec.marketplaces if m.strip()],
        seller_ids=[int(s) for s in spec.seller_ids], mode=spec.mode,
    )
    session.add(row)
    session.flush()
    session.add(AuditLog(actor=actor, action="subscription.create", target_type="subscription",
                         target_id=str(row.id), detail={"channel": spec.channel, "mode": spec.mode}))
    return row


def subscription_secret(subscription: Subscription, box: SecretBox) -> str | None:
    """The plaintext secret of a subscription (SealedSecretError when the key that sealed it is gone)."""
    return None if subscription.secret is None else box.open(subscription.secret)


def reseal_secrets(session: Session, box: SecretBox) -> tuple[int, list[int]]:
    """Seal every secret stored in plain text or under the previous key with the current key.

    Run by ``wildwatch init`` (secrets stored before sealing existed) and ``wildwatch alerts
    rotate-secrets`` (after a key rotation).  Returns how many were resealed and the ids of
    subscriptions whose secret no known key opens (left as they are).
    """
    count, unreadable = 0, []
    for subscription in session.scalars(select(Subscription).where(Subscription.secret.is_not(None))):
        assert subscription.secret is not None
        if not box.needs_sealing(subscription.secret):
            continue
        try:
            subscription.secret = box.reseal(subscription.secret)
        except SealedSecretError:
            unreadable.append(subscription.id)
            continue
        count += 1
    if count:
        session.add(AuditLog(actor="cli", action="subscription.reseal", target_type="subscription",
                             detail={"count": count}))
    return count, unreadable


def list_subscriptions(session: Session, *, active_only: bool = False) -> list[Subscription]:
    """Subscriptions, oldest first."""
    query = select(Subscription).order_by(Subscription.id)
    if active_only:
        query = query.where(Subscription.active.is_(True))
    return list(session.scalars(query))


def _species_of(listing: Listing) -> list[str]:
    return [s for s in (listing.species or "").split(";") if s]


def subscription_matches(subscription: Subscription, listing: Listing) -> bool:
    """True when ``listing`` satisfies every rule of ``subscription`` (empty rule = any)."""
    if subscription.min_score is not None and (listing.score or 0.0) < subscription.min_score:
        return False
    if subscription.species:
        wanted = {s.lower() for s in subscription.species}
        if not wanted & {s.lower() for s in _species_of(listing)}:
            return False
    if subscription.marketplaces and (listing.marketplace or "").lower() not in subscription.marketplaces:
        return False
    return not (subscription.seller_ids and listing.seller_id not in subscription.seller_ids)


def listing_payload(listing: Listing, seller: Seller | None) -> dict[str, Any]:
    """The ``listing`` object receivers get (documented in docs/alerts.md)."""
    return {
        "id": listing.id,
        "url": listing.url,
        "title": listing.title,
        "score": listing.score,
        "species": _species_of(listing),
        "reasons": list(listing.reasons or []),
        "marketplace": listing.marketplace,
        "price": None if listing.price is None else str(listing.price),
        "currency": listing.currency,
        "seller": None if seller is None else {"id": seller.id, "name": seller.name, "url": seller.url},
        "model_version": listing.model_version,
        "first_seen": listing.first_seen.isoformat(),
        "last_seen": listing.last_seen.isoformat(),
    }


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def enqueue_deliveries(
    session: Session, listing_ids: Iterable[int], *, event: str = EVENT_FLAGGED,
    subscription_ids: Collection[int] | None = None,
) -> int:
    """Queue one delivery per matching (active subscription, flagged listing); returns how many are new.

    ``subscription_ids`` limits it to those subscriptions (a backfill for a new one must not
    alert older subscriptions about listings flagged before they existed).  Re-enqueueing the
    same pair is a no-op (unique constraint + ON CONFLICT DO NOTHING).
    """
    ids = sorted(set(listing_ids))
    subscriptions = [s for s in list_subscriptions(session, active_only=True)
                     if subscription_ids is None or s.id in subscription_ids]
    if not ids or not subscriptions:
        return 0
    created = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(Listing, Seller).outerjoin(Seller, Listing.seller_id == Seller.id)
            .where(Listing.id.in_(chunk), Listing.flagged.is_(True))
        ).all()
        values = []
        now = utcnow()
        for listing, seller in rows:
            payload = listing_payload(listing, seller)
            for sub in subscriptions:
                if subscription_matches(sub, listing):
                    values.append({
                        "delivery_id": str(uuid.uuid4()), "subscription_id": sub.id, "listing_id": listing.id,
                        "event": event, "payload": {"event": event, "listing": payload}, "status": "pending",
                        "attempts": 0, "next_attempt_at": now, "created_at": now,
                    })
        if values:
            statement = _insert(session)(AlertDelivery).values(values).on_conflict_do_nothing(
                index_elements=["subscription_id", "listing_id", "event"]
            ).returning(AlertDelivery.id)
            created += len(session.execute(statement).all())
    return created


def flagged_listing_ids(session: Session, subscription: Subscription) -> list[int]:
    """Listings flagged now that match ``subscription`` (what ``subscribe --backfill`` alerts)."""
    rows = session.execute(select(Listing).where(Listing.flagged.is_(True)).order_by(Listing.id)).scalars()
    return [listing.id for listing in rows if subscription_matches(subscription, listing)]


def claim_due(
    session: Session, *, now: datetime, lease: timedelta, mode: str = "immediate", limit: int = 100,
    subscription_id: int | None = None,
) -> list[AlertDelivery]:
    """Mark up to ``limit`` due deliveries as ``sending`` (lease until ``now + lease``) and return them.

    Due means ``pending`` or a ``sending`` whose lease expired (its sender died), with
    ``next_attempt_at <= now``.  The caller commits before sending, so a crash is recoverable.
    """
    query = (
        select(AlertDelivery.id)
        .join(Subscription, Subscription.id == AlertDelivery.subscription_id)
        .where(
            AlertDelivery.status.in_(("pending", "sending")),
            AlertDelivery.next_attempt_at <= now,
            Subscription.active.is_(True),
            Subscription.mode == mode,
        )
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(limit)
    )
    if subscription_id is not None:
        query = query.where(AlertDelivery.subscription_id == subscription_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=AlertDelivery)
    ids = list(session.scalars(query))
    if not ids:
        return []
    # The status/time guard repeats the query's: a concurrent sender that claimed a row first wins it.
    claimed = session.scalars(
        update(AlertDelivery)
        .where(AlertDelivery.id.in_(ids), AlertDelivery.status.in_(("pending", "sending")),
               AlertDelivery.next_attempt_at <= now)
        .values(status="sending", attempts=AlertDelivery.attempts + 1, next_attempt_at=now + lease)
        .returning(AlertDelivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    return list(session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(claimed)).order_by(AlertDelivery.id)))


def mark_sent(session: Session, delivery_ids: Sequence[int], *, now: datetime) -> None:
    """Record acknowledged deliveries (the caller commits at once: they are never sent again)."""
    session.execute(
        update(AlertDelivery).where(AlertDelivery.id.in_(list(delivery_ids)))
        .values(status="sent", sent_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures: 30 s doubling, capped at 1 h."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(BACKOFF_BASE * factor, BACKOFF_CAP)


def mark_attempt_failed(session: Session, delivery_ids: Sequence[int], *, error: str, now: datetime) -> None:
    """Put failed deliveries back as pending with a backed-off next attempt (failed after MAX_ATTEMPTS)."""
    for row in session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(list(delivery_ids)))):
        row.last_error = error[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
        else:
            row.status = "pending"
            row.next_attempt_at = now + backoff(row.attempts)


def make_failed_due(session: Session, *, now: datetime) -> int:
    """Make every delivery whose last attempt failed due now (after an operator fixed the endpoint)."""
    revived = session.scalars(
        update(AlertDelivery)
        .where(or_(AlertDelivery.status == "failed",
                   (AlertDelivery.status == "pending") & AlertDelivery.last_error.is_not(None)))
        .values(status="pending", next_attempt_at=now)
        .returning(AlertDelivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(revived)


def delivery_counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each status, plus ``retrying`` (pending after a failure)."""
    counts = {status: 0 for status in ("pending", "sending", "sent", "failed")}
    for status, count in session.execute(
        select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
    ):
        counts[status] = count
    counts["retrying"] = session.scalar(
        select(func.count()).select_from(AlertDelivery)
        .where(AlertDelivery.status == "pending", AlertDelivery.last_error.is_not(None))
    ) or 0
    return counts


def list_deliveries(
    session: Session, *, problems_only: bool = False, status: str | None = None, limit: int = 100
) -> list[AlertDelivery]:
    """Deliveries newest first; ``problems_only`` keeps those whose last attempt failed."""
    query = select(AlertDelivery).order_by(AlertDelivery.id.desc()).limit(limit)
    if status:
        query = query.where(AlertDelivery.status == status)
    if problems_only:
        query = query.where(AlertDelivery.status != "sent", AlertDelivery.last_error.is_not(None))
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class SubscriptionHealth:
    """How a subscription's deliveries stand: ``failing`` when some wait after a failed attempt."""

    subscription_id: int
    channel: str
    target: str
    retrying: int  # pending after a failed attempt
    failed: int  # gave up after MAX_ATTEMPTS (``alerts retry`` revives them)
    in_flight: int  # claimed by a sender (``sending``); resent after the lease if that sender died
    lease_until: datetime | None  # the latest lease of those in flight
    last_error: str | None

    @property
    def failing(self) -> bool:
        return self.retrying + self.failed > 0


def subscription_health(session: Session) -> list[SubscriptionHealth]:
    """Every subscription with deliveries failing or in flight (oldest subscription first)."""
    waiting = (AlertDelivery.status == "pending") & AlertDelivery.last_error.is_not(None)
    rows = session.execute(
        select(
            Subscription.id, Subscription.channel, Subscription.target,
            func.sum(case((waiting, 1), else_=0)),
            func.sum(case((AlertDelivery.status == "failed", 1), else_=0)),
            func.sum(case((AlertDelivery.status == "sending", 1), else_=0)),
            func.max(case((AlertDelivery.status == "sending", AlertDelivery.next_attempt_at), else_=None)),
        )
        .join(AlertDelivery, AlertDelivery.subscription_id == Subscription.id)
        .where(AlertDelivery.status.in_(("pending", "sending", "failed")))
        .group_by(Subscription.id, Subscription.channel, Subscription.target)
        .order_by(Subscription.id)
    ).all()
    out = []
    for sub_id, channel, target, retrying, failed, in_flight, lease_until in rows:
        if not (retrying or failed or in_flight):
            continue
        last_error = session.scalar(
            select(AlertDelivery.last_error)
            .where(AlertDelivery.subscription_id == sub_id, AlertDelivery.last_error.is_not(None),
                   AlertDelivery.status != "sent")
            .order_by(AlertDelivery.id.desc()).limit(1)
        )
        out.append(SubscriptionHealth(sub_id, channel, target, int(retrying or 0), int(failed or 0),
                                      int(in_flight or 0), lease_until, last_error))
    return out
