"""Alerts for flagged listings: an outbox in the store, delivered by signed webhooks or apprise.

Delivery is at-least-once with a stable ``delivery_id``: an acknowledged (2xx) delivery is never
sent again; one interrupted by a crash may be resent with the same id.  See docs/alerts.md.
"""

from wildwatch.alerts.outbox import (
    SendCounts,
    Target,
    enqueue_alerts,
    retry_failed,
    send_digest,
    send_due,
)
from wildwatch.alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "SendCounts",
    "Target",
    "enqueue_alerts",
    "retry_failed",
    "send_digest",
    "send_due",
    "sign",
    "verify",
]
