"""The operator contracts: `wildwatch subscribe`, `alerts send`, `alerts retry`, and `score` enqueueing."""

from __future__ import annotations


import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from store.db import session_scope
from store.models import AlertDelivery, Listing, Subscription
from tests.alerts.receiver import Receiver
from tests.alerts.test_delivery import free_port
from tests.review.factories import add_listing
from wildwatch.cli import app
from tests.fakes import FakeModel
from core.errors import InputError
from wildwatch.runtime import Store

SECRET = "cli-secret"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_subscribe_prints_only_the_new_id(sqlite_store: Store) -> None:
    db = sqlite_store.url
    code, out = run("subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret", SECRET, "--min-score", "0.7",
                    "--species", "pangolin", "--species", "Tiger", "--db", db)
    assert code == 0 and out == "1\n"
    code, out = run("subscribe", "--apprise", "mailto://127.0.0.1:2525?mode=insecure&from=w@example.org&to=a@example.org", "--digest", "--db", db)
    assert code == 0 and out == "2\n"
    with session_scope(sqlite_store.sessions) as session:
        first = session.get(Subscription, 1)
        assert first is not None and first.species == ["pangolin", "tiger"] and first.min_score == 0.7


@pytest.mark.parametrize(
    "args",
    [
        ["--webhook", "http://127.0.0.1:9/h"],  # no secret
        ["--webhook", "ftp://x/h", "--secret", "s"],
        ["--apprise", "nonsense://nowhere"],
        [],
        ["--webhook", "http://x/h", "--secret", "s", "--min-score", "2"],
    ],
)
def test_subscribe_rejects_bad_input(sqlite_store: Store, args: list[str]) -> None:
    code, out = run("subscribe", *args, "--db", sqlite_store.url)
    assert code != 0 and out == ""


@pytest.mark.parametrize(("url", "kind"), [("http://127.0.0.1:9/h", "loopback"), ("http://169.254.169.254/h", "cloud metadata"),
                                           ("http://[::ffff:10.0.0.1]/h", "private: 10.0.0.1 inside")])
def test_subscribe_takes_an_internal_webhook_only_with_the_flag(sqlite_store: Store, url: str, kind: str) -> None:
    refused = CliRunner().invoke(app, ["subscribe", "--webhook", url, "--secret", SECRET, "--db", sqlite_store.url])
    assert isinstance(refused.exception, InputError) and refused.stdout == ""  # `wildwatch`: one line, exit 2
    assert f"({kind}), not a public address; pass --allow-private" in str(refused.exception)
    accepted = CliRunner().invoke(app, ["subscribe", "--webhook", url, "--secret", SECRET, "--allow-private",
                                        "--db", sqlite_store.url])
    assert accepted.exit_code == 0 and accepted.stdout.strip().isdigit()
    assert f"({kind}); accepted because of --allow-private" in accepted.stderr


def test_send_exits_zero_with_an_unreachable_receiver_and_retry_delivers_after_the_fix(sqlite_store: Store) -> None:
    db = sqlite_store.url
    receiver = Receiver(SECRET, port=free_port())
    code, out = run("subscribe", "--webhook", receiver.url, "--allow-private", "--secret", SECRET, "--db", db)
    with session_scope(sqlite_store.sessions) as session:
        listing = add_listing(session, title="虎骨酒", score=0.9, species="tiger")
    from wildwatch.alerts import enqueue_alerts

    with session_scope(sqlite_store.sessions) as session:
        assert enqueue_alerts(session, [listing.id]) == 1
    code, out = run("alerts", "send", "--db", db)
    assert code == 0 and "0 deliveries sent in 0 messages, 1 failed" in out and "retrying 1" in out
    code, out = run("alerts", "send", "--db", db)  # not due yet: nothing attempted
    assert code == 0 and "0 deliveries sent in 0 messages, 0 failed" in out
    receiver.start()
    try:
        code, out = run("alerts", "retry", "--db", db)
        assert code == 0 and "1 deliveries sent in 1 messages, 0 failed" in out
        code, out = run("alerts", "retry", "--db", db)
        assert code == 0 and "0 deliveries sent in 0 messages, 0 failed" in out
    finally:
        receiver.stop()
    assert len(receiver.processed) == 1 and len(receiver.accepted) == 1


def test_score_enqueues_alerts_for_newly_flagged_listings(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    db = sqlite_store.url
    monkeypatch.setattr("wildwatch.commands.score.load_classifier", lambda *a: FakeModel())
    run("subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret", SECRET, "--species", "pangolin", "--db", db)
    with session_scope(sqlite_store.sessions) as session:
        for title in ("穿山甲鳞片", "普通茶叶"):
            listing = add_listing(session, title=title, score=0.0)
            listing.score = listing.flagged = listing.model_version = listing.scored_hash = None
    result = CliRunner().invoke(app, ["score", "--db", db])
    assert result.exit_code == 0, result.output
    assert "queued 1 alerts" in result.stderr
    CliRunner().invoke(app, ["score", "--db", db])
    with session_scope(sqlite_store.sessions) as session:
        (delivery,) = session.scalars(select(AlertDelivery))
        listing = session.get(Listing, delivery.listing_id)
        assert listing is not None and listing.title == "穿山甲鳞片"
