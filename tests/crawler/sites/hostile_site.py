"""A marketplace that tries to make the crawler fetch what is not the site, served from loopback.

``HostileSite`` listens on 127.0.0.1:P.  Beside it, two servers that the crawl must never reach,
which count every request they get (robots.txt included): ``internal`` on 127.0.0.2:P (the same
port, so a connection to the wrong address would land there) and ``other_port`` on 127.0.0.1:Q.
The marketplace redirects to them in every way we know (``REDIRECTS``), links to them, sends its
robots.txt there, refreshes to them with ``<meta>``, and serves 0-byte, endless and
decompression-bomb bodies, and one that trickles a byte at a time (``BAD_BODIES``).  Two item
pages are the positive controls.

It also answers as the host names ``market.test`` (the desktop site), ``m.market.test`` (its
mobile site) and ``www.market.test``, which a crawl maps to loopback with
``WILDWATCH_CRAWLER__STATIC_HOSTS``: mobile pages (the m. host, /m/ paths) declare their desktop
page as canonical (``rel=canonical`` or JSON-LD ``url``), see ``MOBILE_ITEMS``.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["BAD_BODIES", "MOBILE_ITEMS", "REDIRECTS", "CountingServer", "HostileSite"]

#: (path, Location template, skip reason).  {P}: the marketplace's port, {Q}: the other port.
REDIRECTS: tuple[tuple[str, str, str], ...] = (
    ("/r/internal", "http://127.0.0.2:{P}/secret-item", "offsite_redirect"),
    ("/r/localhost", "http://localhost:{P}/item/1", "offsite_redirect"),
    ("/r/other-port", "http://127.0.0.1:{Q}/item/1", "offsite_redirect"),
    ("/r/https-same-port", "https://127.0.0.1:{P}/item/1", "offsite_redirect"),
    ("/r/decimal-ip", "http://2130706434:{P}/secret-item", "offsite_redirect"),
    ("/r/mapped-ipv6", "http://[::ffff:127.0.0.2]:{P}/secret-item", "offsite_redirect"),
    ("/r/metadata", "http://169.254.169.254/latest/meta-data/", "offsite_redirect"),
    ("/r/scheme-relative", "//127.0.0.2:{P}/secret-item", "offsite_redirect"),
    ("/r/file", "file:///etc/passwd", "offsite_redirect"),
    ("/r/ftp", "ftp://127.0.0.2:{P}/secret", "offsite_redirect"),
    ("/r/data", "data:text/html,<title>planted</title>", "offsite_redirect"),
    ("/r/javascript", "javascript:alert(1)", "offsite_redirect"),
    ("/r/chain-out/1", "/r/chain-out/2", "offsite_redirect"),  # -> /r/chain-out/2 -> internal
    ("/r/credentials", "http://user:secret@127.0.0.1:{P}/item/1", "bad_redirect"),
    ("/r/userinfo-trick", "http://127.0.0.1:{P}@127.0.0.2:{P}/secret-item", "bad_redirect"),
    ("/r/port-zero", "http://127.0.0.1:0/item/1", "bad_redirect"),
    ("/r/port-too-big", "http://127.0.0.1:99999/item/1", "bad_redirect"),
    ("/r/port-junk", "http://127.0.0.1:8o8o/item/1", "bad_redirect"),
    ("/r/broken-ipv6", "http://[::1/secret", "bad_redirect"),
    ("/r/port-negative", "http://127.0.0.1:-1/item/1", "bad_redirect"),
    ("/r/two-ports", "http://127.0.0.1:{P}:80/item/1", "bad_redirect"),
    ("/r/loop", "/r/loop?again=1", "redirect_loop"),
    ("/r/long/1", "/r/long/2", "redirect_loop"),  # on the site, but more hops than REDIRECT_MAX_TIMES
)
LONG_CHAIN = 9  # /r/long/1 -> … -> /r/long/9 -> /item/1
_CHAIN_END = "http://127.0.0.2:{P}/secret-item"

#: (path, skip reason) for bodies no page should have.
BAD_BODIES: tuple[tuple[str, str], ...] = (
    ("/zero", "empty"),
    ("/endless", "too_large"),
    ("/bomb", "too_large"),
    ("/meta-refresh", "offsite_redirect"),
    ("/trickle", "timeout"),  # endless and slow: never too large, stopped by DOWNLOAD_TIMEOUT
)

#: Listing number -> (desktop title, how its mobile variants declare the desktop page).
MOBILE_ITEMS: dict[int, tuple[str, str]] = {
    1: ("Carved ivory bangle 象牙手镯", "link"),
    2: ("犀牛角擺件 Rhino horn carving", "link"),
    3: ("Pangolin scales 穿山甲片", "jsonld"),
}

BOMB_BYTES = 20_000_000  # inflated size of /bomb: far beyond any DOWNLOAD_MAXSIZE a test sets
ENDLESS_LIMIT = 50_000_000  # /endless gives up after this many bytes, should a crawler never stop reading


class CountingServer:
    """An HTTP server that answers everything with a "secret" page and counts each request."""

    def __init__(self, host: str, port: int = 0) -> None:
        self.hits: list[str] = []
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
                server.hits.append(self.path)
                body = b"<html><head><title>internal secret</title></head><body>TOP SECRET</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler

    def start(self) -> CountingServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def _page(title: str, body: str, head: str = "") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><main>{body}</main></body></html>").encode()


def _item(title: str, price: str, note: str, head: str = "", links: str = "") -> bytes:
    body = (f'<div class="item-detail"><h1 class="item-title">{title}</h1><p class="price">{price}</p>'
            f'<div class="description"><p>{note}</p></div></div>{links}')
    return _page(title, body, head)


class HostileSite:
    """The hostile marketplace and the servers it must not lead the crawl to (module docstring)."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []  # (Host header, path)
        self._lock = threading.Lock()
        for _ in range(20):  # the internal server takes the marketplace's port on 127.0.0.2
            self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
            try:
                self.internal = CountingServer("127.0.0.2", self.port)
                break
            except OSError:
                self.httpd.server_close()
        else:
            raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")
        self.httpd.daemon_threads = True
        self.other_port = CountingServer("127.0.0.1")

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def named_url(self, host: str = "market.test") -> str:
        return f"http://{host}:{self.port}"

    def start(self) -> HostileSite:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.internal.start()
        self.other_port.start()
        return self

    def stop(self) -> None:
        for server in (self.internal, self.other_port):
            server.stop()
        self.httpd.shutdown()
        self.httpd.server_close()

    def fetched(self, host: str, path: str) -> int:
        """How often ``path`` was fetched under the Host name ``host`` (without port)."""
        return sum(1 for h, p in self.hits if h == host and p == path)

    def _fill(self, text: str) -> str:
        return text.replace("{P}", str(self.port)).replace("{Q}", str(self.other_port.port))

    # ---------------------------------------------------------------- pages

    def resolve(self, host: str, target: str) -> _Reply:
        path = urlsplit(target).path
        if host in ("market.test", "m.market.test", "www.market.test"):
            return self._named(host, target)
        if path == "/robots.txt":
            return _Reply(302, headers=(("Location", self._fill("http://127.0.0.2:{P}/robots.txt")),))
        if path == "/":
            return _Reply(200, _page("Hostile Mart", self._home_links()))
        for source, location, _ in REDIRECTS:
            if target == source or (source == "/r/loop" and path == "/r/loop"):
                return _Reply(302, headers=(("Location", self._fill(location)),))
        if path.startswith("/r/long/") and path.rsplit("/", 1)[-1].isdigit() and path != "/r/long/1":
            hop = int(path.rsplit("/", 1)[-1])
            return _Reply(302, headers=(("Location", f"/r/long/{hop + 1}" if hop < LONG_CHAIN else "/item/1"),))
        if path == "/r/chain-out/2":
            return _Reply(302, headers=(("Location", self._fill(_CHAIN_END)),))
        if path == "/r/ok":
            return _Reply(307, headers=(("Location", "/item/2"),))
        if path == "/item/1":
            return _Reply(200, _item("Carved ivory bangle 象牙手镯", "¥1,200", "Old ivory, hand carved."))
        if path == "/item/2":
            return _Reply(200, _item("Tiger bone wine 虎骨酒", "¥990", "Reached through a same-site redirect."))
        if path == "/zero":
            return _Reply(200, b"")
        if path == "/bomb":
            return _Reply(200, gzip.compress(b"<html>" + b"\0" * BOMB_BYTES, 9),
                          headers=(("Content-Encoding", "gzip"),))
        if path == "/meta-refresh":
            refresh = self._fill('<meta http-equiv="refresh" content="0; url=http://127.0.0.2:{P}/secret-meta">')
            return _Reply(200, _page("Moved", "<p>moved</p>", refresh))
        return _Reply(404, _page("Not found", "<p>404</p>"))

    def _home_links(self) -> str:
        hrefs = [source for source, _, _ in REDIRECTS] + [path for path, _ in BAD_BODIES] + [
            "/item/1", "/r/ok",
            # plain links off the site: never followed
            self._fill("http://127.0.0.2:{P}/secret-link"), self._fill("http://127.0.0.1:{Q}/other-link"),
            self._fill("http://localhost:{P}/item/1"), self._fill("//127.0.0.2:{P}/protocol-relative"),
            self._fill("http://[::ffff:127.0.0.2]:{P}/mapped-link"), "http://169.254.169.254/latest/meta-data/",
        ]
        return "<ul>" + "".join(f'<li><a href="{href}">offer {n}</a></li>' for n, href in enumerate(hrefs)) + "</ul>"

    def _named(self, host: str, target: str) -> _Reply:
        """The site under host names: desktop pages (``/item/N`` on market.test), mobile pages (``/m/``
        paths, and anything on the m. host) that declare their desktop page as canonical.

        ``/`` is the desktop home (desktop links, each desktop page links to its mobile version);
        ``/m/`` the mobile home, linking mobile pages only: a crawl that starts there reaches the
        desktop pages only through what the mobile pages declare.
        """
        path = urlsplit(target).path
        desktop = self._fill("http://market.test:{P}")
        if path == "/robots.txt":
            return _Reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/go-www":  # www.market.test resolves to 127.0.0.1 *and* 127.0.0.2
            return _Reply(302, headers=(("Location", self._fill("http://www.market.test:{P}/item/9")),))
        if path in ("/", "/m/"):
            links = [f"/m/item/{n}" if path == "/m/" else f"/item/{n}?spm=a1.b2" for n in MOBILE_ITEMS] + ["/go-www"]
            return _Reply(200, _page("Market", "<ul>" + "".join(f'<li><a href="{href}">offer</a></li>'
                                                              for href in links) + "</ul>"))
        number = path.rsplit("/", 1)[-1]
        if not number.isdigit() or int(number) not in MOBILE_ITEMS:
            return _Reply(404, _page("Not found", "<p>404</p>"))
        title, declares = MOBILE_ITEMS[int(number)]
        if host == "market.test" and not path.startswith("/m/"):  # the desktop page
            return _Reply(200, _item(title, "¥1,000", "Desktop description, the long one.",
                                     f'<link rel="canonical" href="{desktop}/item/{number}">',
                                     f'<a href="/m/item/{number}">mobile version</a>'))
        declared = f"{desktop}/item/{number}" if host == "m.market.test" else f"/item/{number}"
        if declares == "link":
            head = f'<link rel="canonical" href="{declared}">'
        else:
            data = {"@context": "https://schema.org", "@type": "Product", "name": title, "url": declared,
                    "offers": {"@type": "Offer", "price": "1000", "priceCurrency": "CNY"}}
            head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        return _Reply(200, _item(f"{title} (mobile)", "¥1,000", "short", head))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                with site._lock:
                    site.hits.append((host, urlsplit(self.path).path))
                if urlsplit(self.path).path == "/endless" and host not in ("market.test", "m.market.test"):
                    self._endless()
                    return
                if urlsplit(self.path).path == "/trickle" and host not in ("market.test", "m.market.test"):
                    self._trickle()
                    return
                reply = site.resolve(host, self.path)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _endless(self) -> None:
                """A body without a length that never ends (until the client hangs up)."""
                self.close_connection = True
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"<p>" + b"x" * 65_536 + b"</p>"
                    sent = 0
                    while sent < ENDLESS_LIMIT:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError, socket.error):
                    return

            def _trickle(self) -> None:
                """A body that promises 100 kB (under any DOWNLOAD_MAXSIZE a test sets) and sends a byte every half second (a minute at most)."""
                self.close_connection = True
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(120):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(0.5)
                except (BrokenPipeError, ConnectionResetError, socket.error):
                    return

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler
