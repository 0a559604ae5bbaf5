"""Alerts an operator can trust (issue 15, capability 6), through the real CLI and a loopback
receiver: `subscribe --backfill`, a review link in every payload, failing subscriptions and
in-flight deliveries in `alerts send`, `alerts retry`, `status`, full URLs in `alerts subscriptions`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner, Result

from core.settings import get_settings
from store.db import session_scope
from store.models import AlertDelivery, utcnow
from tests.alerts.receiver import Receiver
from tests.alerts.test_delivery import free_port
from tests.review.factories import add_listing
from wildwatch.alerts import enqueue_alerts
from wildwatch.cli import app
from wildwatch.runtime import Store

SECRET = "visible-secret"
BASE = "https://wildwatch.example.org/ngo/"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def public_base(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WILDWATCH_API__BASE_URL", BASE)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _flag(store: Store) -> dict[str, int]:
    with session_scope(store.sessions) as session:
        return {
            "pangolin": add_listing(session, title="穿山甲片", score=0.95, species="pangolin").id,
            "tiger": add_listing(session, title="虎骨酒", score=0.9, species="tiger").id,
            "tea": add_listing(session, title="普洱茶", score=0.05).id,
        }


def test_backfill_alerts_listings_flagged_already_and_only_for_the_new_subscription(
    sqlite_store: Store, public_base: None
) -> None:
    db = sqlite_store.url
    receiver = Receiver(SECRET).start()
    try:
        ids = _flag(sqlite_store)
        plain = cli("subscribe", "--webhook", receiver.url, "--allow-private", "--secret", SECRET, "--db", db)
        assert plain.exit_code == 0 and plain.stdout == "1\n"
        assert "note: 2 listings flagged already match" in plain.stderr and "--backfill" in plain.stderr
        backfilled = cli("subscribe", "--webhook", receiver.url, "--allow-private", "--secret", SECRET,
                         "--species", "穿山甲", "--backfill", "--db", db)
        assert backfilled.exit_code == 0 and backfilled.stdout == "2\n", backfilled.output
        assert "queued 1 alerts for listings flagged already" in backfilled.stderr
        with session_scope(sqlite_store.sessions) as session:
            rows = session.execute(select(AlertDelivery.subscription_id, AlertDelivery.listing_id)).all()
        assert rows == [(2, ids["pangolin"])], "the older subscription is not alerted about the past"
        sent = cli("alerts", "send", "--db", db)
        assert sent.exit_code == 0 and "this pass: 1 deliveries sent in 1 messages, 0 failed" in sent.stdout
        (message,) = receiver.accepted
        assert message["listing"]["id"] == ids["pangolin"]
        assert message["listing"]["review_url"] == f"{BASE}review/listings/{ids['pangolin']}"
    finally:
        receiver.stop()


def test_unknown_species_is_one_line_naming_close_matches(sqlite_store: Store) -> None:
    result = cli("subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret", SECRET,
                 "--species", "pangolim", "--db", sqlite_store.url)
    assert result.exit_code != 0 and result.stdout == ""
    assert str(result.exception) == "unknown species 'pangolim'; did you mean 'pangolin'?"


def test_a_failing_subscription_and_in_flight_deliveries_are_visible(sqlite_store: Store) -> None:
    db = sqlite_store.url
    receiver = Receiver(SECRET, script=["500"] * 5).start()
    long_url = receiver.url + "/" + "a" * 120 + "?team=ngo-monitoring&region=asia-pacific"
    try:
        assert cli("subscribe", "--webhook", long_url, "--allow-private", "--secret", SECRET, "--db", db).exit_code == 0
        ids = _flag(sqlite_store)
        with session_scope(sqlite_store.sessions) as session:
            assert enqueue_alerts(session, [ids["pangolin"], ids["tiger"]]) == 2

        sent = cli("alerts", "send", "--db", db)
        assert sent.exit_code == 0
        lines = sent.stdout.splitlines()
        assert lines[0].startswith("this pass: 0 deliveries sent in 0 messages, 2 failed; now pending 2 (of which "
                                   "retrying 2), in flight 0")
        assert lines[1].startswith(f"failing: subscription #1 {long_url}: 2 retrying, 0 failed; last error:")
        assert "500" in lines[1]

        # a sender that died holding a delivery: it shows as in flight, with when it is resent
        lease_until = utcnow() + timedelta(minutes=5)
        with session_scope(sqlite_store.sessions) as session:
            session.execute(update(AlertDelivery).where(AlertDelivery.listing_id == ids["tiger"])
                            .values(status="sending", next_attempt_at=lease_until))
        status = cli("status", "--db", db)
        assert status.exit_code == 0
        assert "alerts: 1 subscription(s) failing, 1 in flight" in status.stdout
        assert f"in flight: subscription #1: 1 claimed by a sender (resent after {lease_until:%Y-%m-%d %H:%M:%S} UTC" \
            in status.stdout
        assert f"failing: subscription #1 {long_url}: 1 retrying" in status.stdout

        listed = cli("alerts", "subscriptions", "--db", db)
        assert listed.stdout.splitlines()[1].split("\t")[3] == long_url  # the whole URL, never "http:/…"
        assert listed.stdout.splitlines()[1].endswith("\tfailing")

        receiver.script.clear()
        retried = cli("alerts", "retry", "--db", db)
        assert retried.exit_code == 0
        assert "retrying 1 deliveries whose last attempt failed" in retried.stderr
        assert retried.stdout.startswith("this pass: 1 deliveries sent in 1 messages, 0 failed")
        assert "failing:" not in retried.stdout and "in flight: subscription #1" in retried.stdout
        again = cli("alerts", "retry", "--db", db)
        assert "nothing to retry: no delivery has failed" in again.stderr
    finally:
        receiver.stop()
