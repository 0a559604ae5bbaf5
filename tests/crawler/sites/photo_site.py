"""A loopback marketplace whose item pages carry photos: JSON-LD ``image``, ``og:image`` and a gallery.

``PhotoMarket(items, files)`` serves ``/`` (links to every item), ``/item/<n>`` and
``/seller/<name>`` pages, ``/robots.txt`` (``/private/`` disallowed) and the photo ``files``
by path, each with its status and content type as given: a test decides what every image URL
answers (a photo, a bomb, an HTML page as ``image/jpeg``, a 403...).  Every request is counted
in ``hits`` so a test can tell what the crawler fetched.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["PhotoFile", "PhotoItem", "PhotoMarket"]


@dataclass(frozen=True)
class PhotoFile:
    body: bytes
    content_type: str = "image/jpeg"
    status: int = 200
    declared_length: int | None = None  # a Content-Length larger than the body: the connection is cut short


@dataclass(frozen=True)
class PhotoItem:
    number: int
    title: str
    seller: str
    images: list[str] = field(default_factory=list)  # paths on this site, or absolute URLs


def _item_page(base: str, item: PhotoItem) -> bytes:
    urls = [image if "://" in image else base + image for image in item.images]
    data = {"@context": "https://schema.org", "@type": "Product", "name": item.title,
            "description": f"{item.title}, photos attached.", "image": urls[:1],
            "offers": {"@type": "Offer", "price": "100", "priceCurrency": "USD",
                       "seller": {"@type": "Person", "name": item.seller, "url": f"{base}/seller/{item.seller}"}}}
    og = f'<meta property="og:image" content="{html.escape(urls[1])}">' if len(urls) > 1 else ""
    gallery = "".join(f'<img src="{html.escape(url)}" alt="photo">' for url in urls[2:])
    title = html.escape(item.title)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>{og}'
            f'<script type="application/ld+json">{json.dumps(data)}</script></head><body><main>'
            f'<div class="item-detail"><div class="gallery">{gallery}</div><h1>{title}</h1><p class="price">$100</p>'
            f'<p>Seller: <a href="/seller/{item.seller}">{item.seller}</a></p></div></main></body></html>').encode()


class PhotoMarket:
    """One marketplace on 127.0.0.1 (see module docstring)."""

    def __init__(self, items: list[PhotoItem], files: dict[str, PhotoFile], *, name: str = "127.0.0.1") -> None:
        self.name = name  # the host name its pages use (a crawl maps it to loopback with STATIC_HOSTS)
        self.items = {item.number: item for item in items}
        self.files = files
        self.hits: list[str] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://{self.name}:{self.httpd.server_address[1]}"

    def _answer(self, path: str) -> tuple[int, str, bytes, int | None]:
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /private/\n", None
        if path == "/":
            links = "".join(f'<li><a href="/item/{n}">{html.escape(i.title)}</a></li>' for n, i in self.items.items())
            return 200, "text/html; charset=utf-8", f"<html><body><ul>{links}</ul></body></html>".encode(), None
        if path.startswith("/item/") and path[6:].isdigit() and int(path[6:]) in self.items:
            return 200, "text/html; charset=utf-8", _item_page(self.url, self.items[int(path[6:])]), None
        if path.startswith("/seller/"):
            return 200, "text/html; charset=utf-8", f"<html><body><h1>{html.escape(path[8:])}</h1></body></html>".encode(), None
        found = self.files.get(path)
        if found is not None:
            return found.status, found.content_type, found.body, found.declared_length
        return 404, "text/html", b"<html><body>not found</body></html>", None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        market = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
                with market._lock:
                    market.hits.append(self.path)
                status, content_type, body, declared = market._answer(self.path.split("?")[0])
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(declared or len(body)))
                if declared:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                if declared:
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler

    def start(self) -> PhotoMarket:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
