"""The nightly summary does not say `alerts: ok` while a subscription keeps failing (issue 15,
capability 6): a real nightly over a small loopback marketplace, the real outbox, a webhook
receiver that answers HTTP 500."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.nightly.conftest import SmallSite, make_env
from tests.nightly.helpers import nightly_in_process
from wildwatch.runtime import open_store

pytestmark = pytest.mark.e2e


@pytest.fixture
def broken_receiver() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(500)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    httpd.shutdown()
    httpd.server_close()


def test_a_subscription_answering_500_makes_the_nightly_alerts_failing(
    tmp_path, small_site: SmallSite, broken_receiver: str  # type: ignore[no-untyped-def]
) -> None:
    env = make_env(tmp_path, small_site.url)
    env.config["alerts"]["rules"][0]["target"] = broken_receiver
    open_store(env.database_url).close()

    result = nightly_in_process(env.settings, env.config, env.database_url, str(env.sink), real_alerts=True)

    alerts = result.summary["alerts"]
    assert result.status == "completed" and alerts["enqueued"] > 0
    assert alerts["status"] == "failing (1 subscription)"
    (failing,) = alerts["failing"]
    assert failing["target"] == broken_receiver and failing["retrying"] == alerts["enqueued"]
    assert "500" in failing["last_error"]
    assert alerts["in_flight"] == 0
