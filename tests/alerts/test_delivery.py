"""Real deliveries over loopback under injected failures: a webhook receiver and an SMTP server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from sqlalchemy import select

from store.alerts import SubscriptionIn, create_subscription, enqueue_deliveries
from store.db import session_scope
from store.models import AlertDelivery, utcnow
from tests.alerts.receiver import Receiver
from tests.review.factories import add_listing
from wildwatch.alerts import Target, send_due, sign, verify
from wildwatch.alerts.outbox import default_sender
from wildwatch.runtime import Store
from tests.fakes import settings_box

pytestmark = pytest.mark.e2e
SECRET = "s3cret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flag_one(store: Store, channel: str, target: str, secret: str | None = SECRET) -> None:
    with session_scope(store.sessions) as session:
        create_subscription(session, SubscriptionIn(channel=channel, target=target, secret=secret, min_score=0.8),
                            box=settings_box())
        listing = add_listing(session, title="出售穿山甲片 <script>alert(1)</script>", score=0.93,
                              species="pangolin", reasons=["穿山甲片"])
        assert enqueue_deliveries(session, [listing.id]) == 1


def statuses(store: Store) -> list[tuple[str, int]]:
    with session_scope(store.sessions) as session:
        return [(r.status, r.attempts) for r in session.scalars(select(AlertDelivery))]


@pytest.mark.parametrize(
    ("timestamp", "body", "signature", "ok"),
    [
        ("NOW", b'{"a":1}', "GOOD", True),
        ("NOW", b'{"a":2}', "GOOD", False),  # body changed after signing
        ("OLD", b'{"a":1}', "GOOD", False),  # replayed 10 minutes later
        ("NOW", b'{"a":1}', "sha256=00", False),
        ("not-a-number", b'{"a":1}', "GOOD", False),
    ],
)
def test_receivers_verification_rejects_tampering_and_replays(timestamp: str, body: bytes, signature: str, ok: bool) -> None:
    now = int(time.time())
    sent_at = now - 600 if timestamp == "OLD" else now
    good = sign(SECRET, sent_at, b'{"a":1}')
    stamp = str(sent_at) if timestamp in ("NOW", "OLD") else timestamp
    assert verify(SECRET, stamp, body, good if signature == "GOOD" else signature, now=now) is ok


def test_webhook_arrives_once_through_errors_outages_timeouts_and_a_crash(sqlite_store: Store) -> None:
    store = sqlite_store
    port = free_port()
    receiver = Receiver(SECRET, ["500", "slow"], port=port).start()
    flag_one(store, "webhook", receiver.url)
    real = default_sender(timeout=0.5)
    now = utcnow()
    try:
        assert send_due(store, sender=real, now=now).failed == 1  # HTTP 500
        receiver.stop()
        now += timedelta(hours=2)
        assert send_due(store, sender=real, now=now).failed == 1  # connection refused
        receiver.start()
        now += timedelta(hours=2)
        assert send_due(store, sender=real, now=now).failed == 1  # answered too late: a timeout
        assert statuses(store) == [("pending", 3)]

        def crash_after_post(target: Target, message: dict[str, Any]) -> None:
            real(target, message)
            raise KeyboardInterrupt  # the process dies before recording "sent"

        now += timedelta(hours=2)
        with pytest.raises(KeyboardInterrupt):
            send_due(store, sender=crash_after_post, now=now)
        assert statuses(store) == [("sending", 4)]
        assert send_due(store, sender=real, now=now + timedelta(minutes=1)).sent == 0  # lease holds
        assert send_due(store, sender=real, now=now + timedelta(minutes=10)).sent == 1
        assert send_due(store, sender=real, now=now + timedelta(days=3)).sent == 0
    finally:
        receiver.stop()
    assert statuses(store) == [("sent", 5)]
    # Two acknowledged POSTs (the crash hid the first ack) with one delivery_id; the receiver acts once.
    assert receiver.bad_signatures == 0
    assert len(receiver.accepted) == 2 and len(receiver.processed) == 1
    (message,) = receiver.processed.values()
    assert message["event"] == "listing.flagged"
    assert {"id", "url", "title", "score", "species", "reasons"} <= set(message["listing"])
    assert message["listing"]["species"] == ["pangolin"] and message["listing"]["score"] == 0.93


class SmtpServer:
    """aiosmtpd on loopback, started and stopped on demand on a fixed port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Any] = []
        self.controller: Controller | None = None

    def start(self) -> None:
        server = self

        class Collect(MessageHandler):
            def handle_message(self, message: Any) -> None:
                server.messages.append(message)

        self.controller = Controller(Collect(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    yield server
    server.stop()


def test_email_through_apprise_arrives_once_after_the_smtp_server_comes_back(sqlite_store: Store, smtp: SmtpServer) -> None:
    store = sqlite_store
    url = f"mailto://127.0.0.1:{smtp.port}?mode=insecure&from=wildwatch@example.org&to=moderators@example.org"
    flag_one(store, "apprise", url, secret=None)
    real = default_sender(timeout=2)
    counts = send_due(store, sender=real)  # the SMTP server is down
    assert (counts.sent, counts.failed) == (0, 1)
    with session_scope(store.sessions) as session:
        (row,) = session.scalars(select(AlertDelivery))
        assert row.status == "pending" and row.last_error
    smtp.start()
    now = utcnow() + timedelta(hours=1)
    assert send_due(store, sender=real, now=now).sent == 1
    assert send_due(store, sender=real, now=now + timedelta(days=1)).sent == 0
    assert len(smtp.messages) == 1
    (email,) = smtp.messages
    assert email["To"] == "moderators@example.org"
    assert "flagged listing" in email["Subject"]
    body = email.get_payload(decode=True).decode() if not email.is_multipart() else str(email)
    assert "pangolin" in body
