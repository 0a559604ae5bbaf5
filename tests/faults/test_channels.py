"""Alert channels failing: webhook receiver down, then too slow, then back; SMTP refusing, then accepting.

Documented behaviour (docs/alerts.md, docs/reliability.md): a failed attempt never raises, keeps the
delivery pending with a backed-off next attempt and its error; `wildwatch alerts retry` after a fix
delivers each alert once (same ``delivery_id``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.alerts import SubscriptionIn, create_subscription
from store.db import session_scope
from store.models import AlertDelivery, Listing, utcnow
from store.scores import ScoreIn, record_scores
from tests.faults.tally import note
from tests.faults.world import SECRET, CountingReceiver, free_port, seed_listings
from wildwatch.alerts import enqueue_alerts, retry_failed, send_due
from wildwatch.runtime import Store
from tests.fakes import settings_box

pytestmark = pytest.mark.timeout(120)

LISTINGS = 6


def _flag_all(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        rows = list(session.scalars(select(Listing)))
        record_scores(session, [ScoreIn(r.id, r.content_hash, 0.9, True, ["elephant"], ["lexicon: 象牙"]) for r in rows],
                      model_version="fault-1", threshold=0.5)
        assert enqueue_alerts(session, [r.id for r in rows]) == LISTINGS


def _deliveries(sessions: sessionmaker[Session]) -> list[AlertDelivery]:
    with session_scope(sessions) as session:
        return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


@pytest.fixture
def webhook_store(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    port = free_port()
    engine = seed_listings(f"sqlite:///{tmp_path / 'alerts.db'}", LISTINGS)
    store = Store(engine.url.render_as_string(hide_password=False))
    sessions = store.sessions
    with session_scope(sessions) as session:
        create_subscription(session, SubscriptionIn(channel="webhook", target=f"http://127.0.0.1:{port}/hook",
                                                    secret=SECRET), box=settings_box())
    _flag_all(sessions)
    yield store, str(port)
    store.close()
    engine.dispose()


def test_webhook_down_then_slow_then_back_delivers_each_alert_once(webhook_store) -> None:  # type: ignore[no-untyped-def]
    store, port = webhook_store
    sessions = store.sessions
    counts = send_due(store, timeout=0.5)  # nobody listens on the port
    note("faults/webhook_down", counts.failed)
    assert counts.sent == 0 and counts.failed == LISTINGS
    rows = _deliveries(sessions)
    assert all(r.status == "pending" and r.last_error and "unreachable" in r.last_error for r in rows)
    assert all(r.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None) for r in rows)  # backed off

    slow = CountingReceiver(delay=2.0, port=int(port)).start()
    try:
        started = time.monotonic()
        revived, counts = retry_failed(store, timeout=0.5)
        elapsed = time.monotonic() - started
        note("faults/webhook_slow", counts.failed)
        assert revived == LISTINGS and counts.sent == 0
        assert elapsed < 10, "one slow receiver must not hold the sender for every alert"  # one timeout per pass
        assert "timed out" in (_deliveries(sessions)[0].last_error or "")
    finally:
        slow.stop()

    good = CountingReceiver(port=int(port)).start()
    try:
        revived, counts = retry_failed(store, timeout=5)
        assert counts.sent == LISTINGS
        rows = _deliveries(sessions)
        assert {r.status for r in rows} == {"sent"}
        assert set(good.received) == {r.delivery_id for r in rows}  # every alert, its own id
        assert send_due(store, now=utcnow() + timedelta(days=30)).sent == 0  # nothing is sent twice
        note("faults/lost", LISTINGS - len(good.received))
        note("faults/duplicated", sum(n - 1 for n in good.received.values()))
        assert all(n == 1 for n in good.received.values())
    finally:
        good.stop()


def test_smtp_refusing_then_accepting(tmp_path: Path) -> None:
    controller_module = pytest.importorskip("aiosmtpd.controller")

    class Handler:
        refuse = True
        accepted = 0

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
            if Handler.refuse:
                return "550 5.7.1 relaying refused"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
            Handler.accepted += 1
            return "250 OK"

    port = free_port()
    controller = controller_module.Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    engine = seed_listings(f"sqlite:///{tmp_path / 'smtp.db'}", LISTINGS)
    store = Store(engine.url.render_as_string(hide_password=False))
    sessions = store.sessions
    try:
        with session_scope(sessions) as session:
            create_subscription(session, SubscriptionIn(
                channel="apprise", target=f"mailto://127.0.0.1:{port}?from=ww@example.org&to=analyst@example.org&mode=insecure"),
                box=settings_box())
        _flag_all(sessions)
        counts = send_due(store)
        note("faults/smtp_refused", counts.failed)
        assert counts.sent == 0 and counts.failed == LISTINGS and Handler.accepted == 0
        assert all("could not deliver" in (r.last_error or "") for r in _deliveries(sessions))
        Handler.refuse = False
        _, counts = retry_failed(store)
        assert counts.sent == LISTINGS and Handler.accepted == LISTINGS
        assert {r.status for r in _deliveries(sessions)} == {"sent"}
    finally:
        controller.stop()
        store.close()
        engine.dispose()
