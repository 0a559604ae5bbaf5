"""Small real worlds for fault tests: a seeded store, a counting webhook receiver, environments."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import Engine, func, select

from store.alerts import SubscriptionIn, create_subscription
from store.db import make_engine, make_session_factory, migrate, session_scope
from store.listings import ListingIn, upsert_listings
from wildwatch.alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.fakes import settings_box

__all__ = ["CountingReceiver", "seed_listings", "fault_env", "free_port", "count", "SECRET"]

SECRET = "fault-test-secret"

#: Titles the shipped model flags and ones it does not (half and half).
_TITLES = ("象牙手镯 老料 包真", "Carved ivory bangle antique", "穿山甲片 正品 药用", "犀牛角 杯 收藏",
           "普洱茶饼 2010年", "Vintage wooden chair", "儿童毛绒玩具熊", "Tomato seedlings heirloom")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fault_env(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for a child ``wildwatch`` command confined to ``tmp``."""
    env = {
        "WILDWATCH_VAR_DIR": str(tmp / "var"),
        "WILDWATCH_CRAWLER__SNAPSHOT_DIR": str(tmp / "snapshots"),
        "WILDWATCH_CRAWLER__JOB_DIR": str(tmp / "jobs"),
        "WILDWATCH_CONFIG_FILE": str(tmp / "wildwatch.yaml"),
        "WILDWATCH_LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }
    env.update(extra)
    return env


def seed_listings(db_url: str, n: int, *, subscribe_to: str | None = None) -> Engine:
    """``n`` unscored listings (half of them wildlife trade) and optionally a webhook subscription."""
    engine = make_engine(db_url)
    migrate(engine)
    sessions = make_session_factory(engine)
    items = [ListingIn(url=f"https://fault.example/item/{i}", marketplace="fault.example",
                       title=f"{_TITLES[i % len(_TITLES)]} #{i}", description=f"lot {i}", lang="zh-Hans")
             for i in range(n)]
    with session_scope(sessions) as session:
        upsert_listings(session, items)
        if subscribe_to:
            create_subscription(session, SubscriptionIn(channel="webhook", target=subscribe_to, secret=SECRET,
                                                        name="fault test"), box=settings_box())
    return engine


def count(engine: Engine, statement) -> int:  # type: ignore[no-untyped-def]
    """``SELECT count(*)`` of a selectable."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(statement)).scalar_one()


class CountingReceiver:
    """A webhook receiver that verifies signatures, takes ``delay`` seconds, and counts every receipt."""

    def __init__(self, delay: float = 0.0, status: int = 204, port: int = 0) -> None:
        self.delay = delay
        self.status = status
        self.received: Counter[str] = Counter()  # delivery_id -> receipts
        self.bad_signatures = 0
        self.truncated = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib naming)
                expected = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(expected)
                if len(body) < expected:  # the sender died mid-request: nothing was delivered
                    with receiver._lock:
                        receiver.truncated += 1
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.status >= 300:
                    self.send_response(receiver.status)
                    self.end_headers()
                    return
                ok = verify(SECRET, self.headers.get(TIMESTAMP_HEADER, ""), body, self.headers.get(SIGNATURE_HEADER, ""))
                with receiver._lock:
                    if ok:
                        receiver.received[json.loads(body)["delivery_id"]] += 1
                    else:
                        receiver.bad_signatures += 1
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def start(self) -> CountingReceiver:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

