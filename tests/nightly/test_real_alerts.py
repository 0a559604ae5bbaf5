"""The alert stage with the real ``wildwatch.alerts`` outbox and a loopback webhook receiver:
kill -9 while a webhook is in flight, rerun, and every flagged listing is alerted under one
delivery id — only the delivery in flight at the kill may arrive twice, with the same id."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.db import make_engine, make_session_factory, session_scope
from store.models import AlertDelivery, Listing
from tests.nightly.conftest import SmallSite, make_env
from tests.nightly.helpers import nightly_in_process
from wildwatch.alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from wildwatch.runtime import open_store

pytestmark = pytest.mark.e2e
SECRET = "s3cret"


class Receiver:
    """Records every webhook; the ``hold_at``-th request waits until released (the kill lands then)."""

    def __init__(self, hold_at: int) -> None:
        self.received: list[dict[str, Any]] = []
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                assert verify(SECRET, self.headers[TIMESTAMP_HEADER], body, self.headers[SIGNATURE_HEADER])
                receiver.received.append(json.loads(body))
                if len(receiver.received) == receiver.hold_at:
                    receiver.holding.set()
                    receiver.release.wait(60)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(hold_at=3)
    yield receiver
    receiver.release.set()
    receiver.httpd.shutdown()
    receiver.httpd.server_close()


def test_kill_9_with_a_webhook_in_flight(tmp_path: Path, small_site: SmallSite, receiver: Receiver) -> None:
    env = make_env(tmp_path, small_site.url)
    env.settings["alerts"] = {"lease_seconds": 1, "webhook_timeout": 30}
    env.config["alerts"]["rules"][0]["target"] = receiver.url
    open_store(env.database_url).close()
    process = multiprocessing.get_context("spawn").Process(
        target=nightly_in_process, args=(env.settings, env.config, env.database_url, str(env.sink)),
        kwargs={"real_alerts": True},
    )
    process.start()
    try:
        assert receiver.holding.wait(90), "the alert stage never reached the receiver"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.join(30)
    receiver.release.set()
    in_flight = receiver.received[-1]["delivery_id"]
    time.sleep(1.1)  # the dead sender's claim on its rows lapses after lease_seconds (1 s here)

    result = nightly_in_process(env.settings, env.config, env.database_url, str(env.sink), real_alerts=True)

    assert result.resumed and result.status == "completed"
    engine = make_engine(env.database_url)
    with session_scope(make_session_factory(engine)) as session:
        flagged = set(session.scalars(select(Listing.id).where(Listing.flagged.is_(True))))
        rows = session.execute(select(AlertDelivery.delivery_id, AlertDelivery.listing_id, AlertDelivery.status)).all()
    engine.dispose()
    assert flagged and {row.listing_id for row in rows} == flagged and len(rows) == len(flagged)
    assert {row.status for row in rows} == {"sent"}
    ids = Counter(message["delivery_id"] for message in receiver.received)
    assert set(ids) == {row.delivery_id for row in rows}, "every flagged listing reached the receiver"
    repeated = {delivery_id for delivery_id, n in ids.items() if n > 1}
    assert repeated <= {in_flight}, f"only the delivery in flight at the kill may repeat, got {repeated}"
    assert max(ids.values()) <= 2
