"""A generated marketplace of any size on loopback, for resume, distributed and benchmark crawls.

Categories list 20 items a page with a next link; item pages rotate JSON-LD, microdata and bare
HTML, with navigation, related items and a footer so they weigh what real pages weigh (~10 KB).
Every page is rendered once up front; ``hits`` counts fetches per path.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SyntheticSite", "item_path"]

PER_PAGE = 20
CATEGORIES = ("antiques", "jewelry", "health", "pets", "crafts")
_TITLES = ("老象牙手镯 包真", "Vintage brass compass", "犀角杯 收藏級", "Handmade rosewood box", "穿山甲片 正品",
           "Sterling silver ring", "玳瑁梳子 老货", "Parrot cage, large")
_NAV = "".join(f'<li><a href="/c/{c}">{c.title()}</a></li>' for c in CATEGORIES)
# Page chrome real marketplaces carry: styles, scripts, menus, footers (~10 KB a page in all).
_HEAD_JUNK = "<style>" + "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#{i:06x}}}" for i in range(120)) + "</style>" \
    + "<script>" + "var cfg={" + ",".join(f'"k{i}":{i}' for i in range(200)) + "};</script>"
_FOOTER = "".join(f'<div class="col"><h4>Section {s}</h4><ul>' + "".join(
    f'<li><span>Help topic {s}.{i}</span></li>' for i in range(10)) + "</ul></div>" for s in range(6))


def item_path(index: int) -> str:
    """Path of item number ``index`` (0-based)."""
    return f"/item/{100000 + index}"


def _shell(title: str, main: str, head: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} - Synth Market</title>'
        f'{_HEAD_JUNK}{head}</head><body><header><a href="/">Synth Market</a>'
        f'<form action="/search"><input name="q"></form></header><nav><ul>{_NAV}</ul></nav>'
        f'<main>{main}</main><footer>{_FOOTER}</footer></body></html>'
    ).encode()


def _item(index: int, total: int) -> bytes:
    title = f"{_TITLES[index % len(_TITLES)]} #{index}"
    price = 100 + (index * 37) % 9000
    description = ("Well kept, from an old collection. 保存完好，老藏家出。" * 6) + f" Lot {index}."
    related = "".join(
        f'<li class="card"><a href="{item_path((index + k) % total)}">{_TITLES[(index + k) % len(_TITLES)]}</a></li>'
        for k in (1, 2, 3, 4)
    )
    seller = f"/seller/{index % 50}"
    kind = index % 3
    if kind == 0:
        data = {"@context": "https://schema.org", "@type": "Product", "name": title, "description": description,
                "image": f"/img/{index}.jpg",
                "offers": {"@type": "Offer", "price": str(price), "priceCurrency": "CNY",
                           "seller": {"@type": "Person", "name": f"seller{index % 50}", "url": seller}}}
        head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        body = f'<h1>{title}</h1><p class="price">¥{price}</p><p>{description}</p>'
    elif kind == 1:
        head = ""
        body = (
            f'<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">{title}</h1>'
            f'<img itemprop="image" src="/img/{index}.jpg"><p itemprop="description">{description}</p>'
            '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
            f'<meta itemprop="priceCurrency" content="HKD"><span itemprop="price" content="{price}">HK${price}</span>'
            f'</div></div><a class="seller" href="{seller}">seller{index % 50}</a>'
        )
    else:
        head = ""
        body = (
            f'<div class="item-detail"><h1 class="item-title">{title}</h1><p class="price">US$ {price}</p>'
            f'<p class="seller">Seller: <a href="{seller}">seller{index % 50}</a></p>'
            f'<div class="description"><p>{description}</p></div><img src="/img/{index}.jpg" alt="photo"></div>'
        )
    main = f'{body}<section class="related"><h3>Related</h3><ul>{related}</ul></section>'
    return _shell(title, main, head)


def _category(name: str, items: list[int], page: int, pages: int) -> bytes:
    cards = "".join(
        f'<li class="card"><a href="{item_path(i)}">{_TITLES[i % len(_TITLES)]} #{i}</a>'
        f'<span class="price">¥{100 + (i * 37) % 9000}</span></li>'
        for i in items
    )
    pager = f'<a class="next" href="/c/{name}?page={page + 1}">Next</a>' if page < pages else ""
    return _shell(f"{name.title()} page {page}", f'<h1>{name.title()}</h1><ul class="listing">{cards}</ul>'
                  f'<div class="pagination">{pager}</div>')


class SyntheticSite:
    """``items`` item pages in ``len(CATEGORIES)`` paginated categories; ``delay`` seconds per item page.

    ``agents`` collects the User-Agents that asked for item pages (tests tell workers apart by theirs).
    """

    def __init__(self, items: int, *, delay: float = 0.0, host: str = "127.0.0.1", port: int = 0,
                 gate: threading.Event | None = None) -> None:
        self.items = items
        self.delay = delay
        #: When given, item pages wait (up to a minute) until it is set: lets a test line up workers.
        self.gate = gate
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self._lock = threading.Lock()
        self.pages: dict[str, bytes] = {
            "/robots.txt": b"User-agent: *\nDisallow: /search\n",
            "/": _shell("Synth Market", "<h1>Synth Market</h1>"),
        }
        for offset, name in enumerate(CATEGORIES):
            members = list(range(offset, items, len(CATEGORIES)))
            pages = max(1, -(-len(members) // PER_PAGE))
            for page in range(1, pages + 1):
                key = f"/c/{name}" if page == 1 else f"/c/{name}?page={page}"
                self.pages[key] = _category(name, members[(page - 1) * PER_PAGE: page * PER_PAGE], page, pages)
        for index in range(items):
            self.pages[item_path(index)] = _item(index, items)
        for seller in range(min(50, items)):
            self.pages[f"/seller/{seller}"] = _shell(f"seller{seller}", f"<h1>seller{seller}</h1><p>Joined 2020</p>")
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SyntheticSite:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(site: SyntheticSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
            parts = urlsplit(self.path)
            key = parts.path + (f"?{parts.query}" if parts.query else "")
            with site._lock:
                site.hits[parts.path] += 1
                if parts.path.startswith("/item/"):  # a worker that asked for an item takes part in the crawl
                    site.agents.add(self.headers.get("User-Agent", ""))
            body = site.pages.get(key)
            if site.gate is not None and parts.path.startswith("/item/"):
                site.gate.wait(60)
            if body is not None and site.delay and parts.path.startswith("/item/"):
                time.sleep(site.delay)
            status = 200 if body is not None else 404
            body = body if body is not None else b"<h1>404</h1>"
            content_type = "text/plain" if key == "/robots.txt" else "text/html; charset=utf-8"
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
            return

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve a synthetic site in the foreground (the benchmark runs it in its own process)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    site = SyntheticSite(args.items, port=args.port)
    print(site.url, flush=True)  # noqa: T201 (the parent process reads the URL from stdout)
    site.httpd.serve_forever()


if __name__ == "__main__":
    main()
