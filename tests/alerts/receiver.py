"""A webhook receiver on loopback that verifies signatures and can be told to fail."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wildwatch.alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


class Receiver:
    """Answers each POST with the next scripted behaviour ("ok", "500", "slow"), then "ok" forever.

    ``accepted`` holds verified bodies it acknowledged; ``processed`` the delivery ids it acted on
    once (a receiver drops repeats by ``delivery_id``, as docs/alerts.md tells them to).
    """

    def __init__(self, secret: str, script: list[str] | None = None, port: int = 0) -> None:
        self.secret = secret
        self.script: deque[str] = deque(script or [])
        self.accepted: list[dict[str, Any]] = []
        self.processed: dict[str, dict[str, Any]] = {}
        self.requests = 0
        self.bad_signatures = 0
        self._port = port
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests += 1
                behaviour = receiver.script.popleft() if receiver.script else "ok"
                if behaviour == "slow":
                    time.sleep(1.5)
                if behaviour == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                if not verify(receiver.secret, self.headers.get(TIMESTAMP_HEADER, ""), body,
                              self.headers.get(SIGNATURE_HEADER, "")):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                message = json.loads(body)
                if behaviour != "slow":
                    receiver.accepted.append(message)
                    receiver.processed.setdefault(message["delivery_id"], message)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hook"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
