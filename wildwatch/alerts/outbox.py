"""Delivering the alert outbox: claim due rows, send each, record the outcome in its own commit."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.secrets import SealedSecretError, SecretBox, secret_box
from store.alerts import (
    claim_due,
    enqueue_deliveries,
    make_failed_due,
    mark_attempt_failed,
    mark_sent,
    subscription_secret,
)
from store.db import session_scope
from store.models import AlertDelivery, Subscription, utcnow
from wildwatch.alerts.notify import notify_apprise
from wildwatch.alerts.webhook import post_webhook
from core.errors import AlertError
from wildwatch.runtime import Store
from core.settings import get_settings

logger = logging.getLogger(__name__)

__all__ = [
    "SendCounts", "Target", "enqueue_alerts", "retry_failed", "review_url", "send_digest", "send_due", "text_message",
    "webhook_message",
]

DIGEST_EVENT = "listings.digest"
_DIGEST_NAMESPACE = uuid.UUID("5b0f6a0e-8f55-4a43-9a43-7f3f1d2a9c11")


@dataclass(slots=True)
class SendCounts:
    """What one pass did: deliveries acknowledged, attempts that failed, messages sent."""

    sent: int = 0
    failed: int = 0
    messages: int = 0


@dataclass(frozen=True, slots=True)
class Target:
    """Where a subscription's alerts go (copied out of the session before any network I/O)."""

    subscription_id: int
    channel: str
    url: str
    secret: str | None
    secret_problem: str | None = None  # why the stored secret could not be opened


#: The seam tests and callers can replace: send ``message`` to ``target`` or raise AlertError.
Sender = Callable[[Target, dict[str, Any]], None]


def enqueue_alerts(session: Session, listing_ids: Sequence[int]) -> int:
    """Queue ``listing.flagged`` alerts for newly flagged listings that match a subscription."""
    created = enqueue_deliveries(session, listing_ids)
    if created:
        logger.info("queued %d alert deliveries for %d flagged listings", created, len(set(listing_ids)))
    return created


def review_url(listing_id: object) -> str:
    """The listing's page in WildWatch's review UI, under the public base URL (``WILDWATCH_API__BASE_URL``):
    where a moderator who gets the alert decides on it."""
    return f"{get_settings().api.public_base_url()}review/listings/{listing_id}"


def webhook_message(delivery: AlertDelivery) -> dict[str, Any]:
    """The JSON body of an immediate alert; identical on every retry (for one base URL)."""
    listing = dict(delivery.payload.get("listing", {}))
    listing["review_url"] = review_url(listing.get("id", delivery.listing_id))
    return {
        "delivery_id": delivery.delivery_id,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "subscription_id": delivery.subscription_id,
        "listing": listing,
    }


def text_message(message: dict[str, Any]) -> tuple[str, str]:
    """A title and plain-text body for chat and email channels."""
    listings = message["listings"] if message["event"] == DIGEST_EVENT else [message["listing"]]
    if message["event"] == DIGEST_EVENT:
        title = f"WildWatch digest: {message['count']} flagged listing(s)"
    else:
        listing = listings[0]
        title = f"WildWatch: flagged listing #{listing.get('id')} (score {listing.get('score') or 0:.2f})"
    lines = []
    for listing in listings:
        species = ", ".join(listing.get("species") or []) or "species unknown"
        lines.append(f"#{listing.get('id')} score {listing.get('score') or 0:.2f} — {species}")
        lines.append(f"  {listing.get('title', '')[:200]}")
        lines.append(f"  {listing.get('url', '')}")
        lines.append(f"  review: {listing.get('review_url', '')}")
    if message["event"] == DIGEST_EVENT and message["count"] > len(listings):
        lines.append(f"… and {message['count'] - len(listings)} more (see {get_settings().api.public_base_url()}review).")
    lines.append(f"delivery {message['delivery_id']}")
    return title, "\n".join(lines)


def default_sender(timeout: float) -> Sender:
    """The real channels: signed webhook or apprise."""

    def send(target: Target, message: dict[str, Any]) -> None:
        if target.channel == "webhook":
            if target.secret is None:
                raise AlertError(target.secret_problem or "the webhook subscription has no secret")
            post_webhook(target.url, target.secret, message, timeout=timeout)
        elif target.channel == "apprise":
            notify_apprise(target.url, *text_message(message))
        else:
            raise AlertError(f"unknown channel {target.channel!r}")

    return send


def _target(sub: Subscription, box: SecretBox) -> Target:
    try:
        return Target(sub.id, sub.channel, sub.target, subscription_secret(sub, box))
    except SealedSecretError as exc:
        logger.error("subscription %d: %s", sub.id, exc)
        return Target(sub.id, sub.channel, sub.target, None, str(exc))


def _claim(sessions: sessionmaker[Session], box: SecretBox,
           **kwargs: Any) -> list[tuple[int, dict[str, Any], Target, float]]:
    with session_scope(sessions) as session:
        rows = claim_due(session, **kwargs)
        out = []
        for row in rows:
            sub = session.get(Subscription, row.subscription_id)
            assert sub is not None  # foreign key
            target = _target(sub, box)
            out.append((row.id, webhook_message(row), target, float(row.payload.get("listing", {}).get("score") or 0)))
        return out


def _record(sessions: sessionmaker[Session], ids: list[int], error: str | None, when: datetime) -> None:
    with session_scope(sessions) as session:
        if error is None:
            mark_sent(session, ids, now=max(when, utcnow()))
        else:
            mark_attempt_failed(session, ids, error=error, now=when)


def _defaults(top: int | None, timeout: float | None, lease: timedelta | None) -> tuple[int, float, timedelta]:
    settings = get_settings().alerts
    return (top or settings.digest_top, timeout or settings.webhook_timeout,
            lease or timedelta(seconds=settings.lease_seconds))


def send_due(
    store: Store, *, digest: bool = False, top: int | None = None, timeout: float | None = None,
    lease: timedelta | None = None, now: datetime | None = None, sender: Sender | None = None,
    box: SecretBox | None = None,
) -> SendCounts:
    """One pass: send every due immediate alert, and with ``digest`` one message per digest subscription.

    Each outcome is committed right after its attempt: a 2xx marks the row ``sent`` (never sent
    again); a failure leaves it pending with a backed-off next attempt.  Never raises for an
    unreachable receiver.  Unset options come from ``settings.alerts``; ``box`` opens the stored
    webhook secrets (default: the settings' secret key).
    """
    top, timeout, lease = _defaults(top, timeout, lease)
    box = box or secret_box(get_settings())
    sessions = store.sessions
    send = sender or default_sender(timeout)
    counts = SendCounts()
    clock = (lambda: now) if now is not None else utcnow
    broken: dict[int, str] = {}  # subscription id -> error seen in this pass
    while True:
        batch = _claim(sessions, box, now=clock(), lease=lease, mode="immediate", limit=50)
        if not batch:
            break
        for row_id, message, target, _score in batch:
            error = broken.get(target.subscription_id)
            if error is None:
                try:
                    send(target, message)
                except AlertError as exc:
                    error = str(exc)
                    broken[target.subscription_id] = f"{error} (earlier in this pass)"
                    logger.warning("delivery %s to subscription %d failed: %s",
                                   message["delivery_id"], target.subscription_id, error)
            _record(sessions, [row_id], error, clock())
            counts.messages += error is None
            counts.sent += error is None
            counts.failed += error is not None
    if digest:
        _send_digests(sessions, send, counts, box, top=top, lease=lease, when=clock())
    return counts


def send_digest(
    store: Store, *, top: int | None = None, timeout: float | None = None, lease: timedelta | None = None,
    now: datetime | None = None, sender: Sender | None = None, box: SecretBox | None = None,
) -> SendCounts:
    """The nightly digest only: one message per digest subscription with its top listings."""
    top, timeout, lease = _defaults(top, timeout, lease)
    counts = SendCounts()
    _send_digests(store.sessions, sender or default_sender(timeout), counts, box or secret_box(get_settings()),
                  top=top, lease=lease, when=now or utcnow())
    return counts


def _send_digests(
    sessions: sessionmaker[Session], send: Sender, counts: SendCounts, box: SecretBox, *, top: int, lease: timedelta,
    when: datetime,
) -> None:
    with session_scope(sessions) as session:
        subscription_ids = [s.id for s in session.query(Subscription).filter_by(mode="digest", active=True)]
    for subscription_id in subscription_ids:
        batch = _claim(sessions, box, now=when, lease=lease, mode="digest", limit=100_000,
                       subscription_id=subscription_id)
        if not batch:
            continue
        ids = [row_id for row_id, *_ in batch]
        ranked = sorted(batch, key=lambda item: -item[3])
        digest_id = uuid.uuid5(_DIGEST_NAMESPACE, ",".join(m["delivery_id"] for _, m, _, _ in sorted(batch)))
        message = {
            "delivery_id": str(digest_id),
            "event": DIGEST_EVENT,
            "created_at": when.isoformat(),
            "subscription_id": subscription_id,
            "count": len(batch),
            "listings": [m["listing"] for _, m, _, _ in ranked[:top]],
        }
        try:
            send(batch[0][2], message)
            error = None
        except AlertError as exc:
            error = str(exc)
            logger.warning("digest %s to subscription %d failed: %s", digest_id, subscription_id, error)
        _record(sessions, ids, error, when)
        counts.messages += error is None
        counts.sent += len(ids) if error is None else 0
        counts.failed += len(ids) if error is not None else 0


def retry_failed(store: Store, **kwargs: Any) -> tuple[int, SendCounts]:
    """Make every failed delivery due now, then run one pass (what an operator runs after a fix)."""
    with session_scope(store.sessions) as session:
        revived = make_failed_due(session, now=utcnow())
    return revived, send_due(store, **kwargs)
