"""A small marketplace served from loopback with every kind of mess the crawler must survive.

Item pages in JSON-LD, microdata and bare HTML; GBK, Big5, a mislabeled charset and UTF-8 with
stray invalid bytes; pagination;
a robots-disallowed path; tracking-parameter duplicates; a slow page, a 500, a 404, a truncated
body, a giant page, an empty page, a non-HTML link, a redirect loop and an endless redirect chain.
``EXPECTED`` is what a crawl must store; ``SKIPS`` the reasons it must record.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["EXPECTED", "SKIPS", "FixtureSite", "ExpectedListing"]


@dataclass(frozen=True)
class ExpectedListing:
    path: str
    title: str
    price: str
    currency: str


EXPECTED: dict[str, ExpectedListing] = {
    e.path: e
    for e in (
        ExpectedListing("/item/1", "Carved ivory bangle 象牙手镯", "1200", "CNY"),
        ExpectedListing("/item/2", "犀牛角擺件 Rhino horn carving", "8800", "HKD"),
        ExpectedListing("/item/3", "Antique tortoiseshell comb", "350", "USD"),
        ExpectedListing("/gbk/item/4", "出售穿山甲片 正品保真", "680", "CNY"),
        ExpectedListing("/big5/item/5", "玳瑁手鐲 老貨收藏", "2300", "HKD"),
        ExpectedListing("/mislabeled/item/6", "老虎骨 虎骨酒 收藏多年", "990", "CNY"),
        ExpectedListing("/item/7", "Pangolin scale medicine 穿山甲鳞片", "450", "MOP"),
        ExpectedListing("/item/8", "Helmeted hornbill casque 盔犀鸟头骨", "1500", "USD"),
        ExpectedListing("/item/9", "Slow loris pet 懒猴 包邮", "600", "CNY"),
        ExpectedListing("/item/10", "犀角杯 老货 传承", "2800", "CNY"),  # UTF-8 with stray bytes
    )
}

#: (skip reason, path) pairs a crawl must record.
SKIPS: tuple[tuple[str, str], ...] = (
    ("robots_disallowed", "/private/item/99"),
    ("http_500", "/broken"),
    ("http_404", "/gone"),
    ("timeout", "/stuck"),
    ("truncated", "/truncated"),
    ("too_large", "/huge"),
    ("empty", "/empty"),
    ("not_html", "/feed.json"),
    ("redirect_loop", "/loop-a"),
    ("redirect_loop", "/chain/1"),
    ("encoding_replaced", "/item/10"),  # a warning: the page is stored too
)

SLOW_SECONDS = 0.5
STUCK_SECONDS = 4.0
HUGE_BYTES = 400_000


def _page(title: str, body: str, *, charset: str = "utf-8", head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}"><title>{title} - Fixture Mart</title>'
        f'{head}</head><body><header class="site-header"><a href="/">Fixture Mart</a> '
        f'<a href="/cat/wild">Wildlife</a></header><main>{body}</main>'
        f'<footer><a href="/about">About</a></footer></body></html>'
    )


def _bare_item(title: str, price_text: str, seller: str, description: str) -> str:
    return (
        f'<div class="item-detail"><h1 class="item-title">{title}</h1>'
        f'<p class="price">{price_text}</p>'
        f'<p class="seller">Seller: <a href="/seller/{seller}">{seller}</a></p>'
        f'<div class="description"><p>{description}</p></div>'
        f'<img src="/img/{seller}.jpg" alt="photo"></div>'
    )


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    lie_length: int | None = None  # announce this Content-Length, send less, close


class FixtureSite:
    """The fixture marketplace; ``prices`` can be changed between crawls to test versioning."""

    def __init__(self) -> None:
        self.prices: dict[str, int] = {"/item/1": 1200}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FixtureSite:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, path: str) -> None:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1

    # ---------------------------------------------------------------- pages

    def resolve(self, target: str) -> Response:
        parts = urlsplit(target)
        path, query = parts.path, parts.query
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            return Response(200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
        if path == "/":
            links = "".join(
                f'<li><a href="{href}">{text}</a></li>'
                for href, text in (
                    ("/item/1?utm_source=home&spm=a1.b2", "Carved ivory bangle"),
                    ("/item/1#reviews", "Reviews of the bangle"),
                    ("/item/2", "Rhino horn carving"),
                    ("/private/item/99", "Members only"),
                    ("/broken", "Broken page"), ("/gone", "Old offer"), ("/stuck", "Slow offer"),
                    ("/truncated", "Cut-off offer"), ("/huge", "Giant catalogue"), ("/empty", "Empty offer"),
                    ("/feed.json", "JSON feed"), ("/loop-a", "Loop"), ("/chain/1", "Chain"),
                    ("/seller/bob", "Bob's shop"),
                )
            )
            return Response(200, html, _page("Fixture Mart", f"<h1>Fixture Mart</h1><ul>{links}</ul>").encode())
        if path == "/cat/wild":
            return self._category(2 if query == "page=2" else 1)
        if path == "/item/1":
            price = self.prices["/item/1"]
            data = {"@context": "https://schema.org", "@type": "Product", "name": "Carved ivory bangle 象牙手镯",
                    "description": "Old ivory, hand carved. 老象牙手镯，包真。",
                    "image": "/img/1.jpg",
                    "offers": {"@type": "Offer", "price": str(price), "priceCurrency": "CNY",
                               "seller": {"@type": "Person", "name": "alice", "url": "/seller/alice"}}}
            head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
            body = f'<h1>Carved ivory bangle 象牙手镯</h1><p class="price">¥{price}</p><p>Old ivory, hand carved.</p>'
            return Response(200, html, _page("Carved ivory bangle 象牙手镯", body, head=head).encode())
        if path == "/item/2":
            body = (
                '<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">犀牛角擺件 Rhino horn carving</h1>'
                '<img itemprop="image" src="/img/2.jpg"><p itemprop="description">真品犀角，私聊。</p>'
                '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
                '<span itemprop="priceCurrency" content="HKD">HK$</span><span itemprop="price" content="8800">8,800</span>'
                '</div></div>'
            )
            return Response(200, html, _page("犀牛角擺件 Rhino horn carving", body, lang="zh-Hant").encode())
        if path == "/item/3":
            body = _bare_item("Antique tortoiseshell comb", "US$ 350", "bob", "Genuine shell, 1920s.")
            return Response(200, html, _page("Antique tortoiseshell comb", body).encode())
        if path == "/gbk/item/4":
            body = _bare_item("出售穿山甲片 正品保真", "价格：￥680元", "carol", "野生穿山甲片，量大从优，加微信详谈。")
            text = _page("出售穿山甲片 正品保真", body, charset="gbk", lang="zh-CN")
            return Response(200, "text/html; charset=gbk", text.encode("gbk"))
        if path == "/big5/item/5":
            body = _bare_item("玳瑁手鐲 老貨收藏", "售價：港幣 2,300", "dave", "真玳瑁，香港面交。")
            text = _page("玳瑁手鐲 老貨收藏", body, charset="big5", lang="zh-HK")
            return Response(200, "text/html", text.encode("big5"))
        if path == "/mislabeled/item/6":
            body = _bare_item("老虎骨 虎骨酒 收藏多年", "价格：RMB 990", "erin", "祖传虎骨酒，懂的来，数量有限。")
            text = _page("老虎骨 虎骨酒 收藏多年", body, charset="utf-8", lang="zh-CN")
            return Response(200, "text/html; charset=utf-8", text.encode("gb18030"))
        if path == "/item/7":
            body = _bare_item("Pangolin scale medicine 穿山甲鳞片", "MOP 450", "bob", "Traditional remedy.")
            return Response(200, html, _page("Pangolin scale medicine 穿山甲鳞片", body).encode())
        if path == "/item/8":
            body = _bare_item("Helmeted hornbill casque 盔犀鸟头骨", "US$ 1,500", "frank", "Rare red ivory, carved")
            text = _page("Helmeted hornbill casque 盔犀鸟头骨", body)
            return Response(200, html, text[: text.index("carved") + 3].encode())  # HTML cut off mid-word
        if path == "/item/10":  # declared UTF-8, a few invalid bytes: must stay UTF-8, not become Cyrillic
            body = _bare_item("犀角杯 老货 传承", "价格：¥2,800", "gina", "清代犀角杯，包老。")
            raw = _page("犀角杯 老货 传承", body, lang="zh-CN").encode()
            raw = raw.replace("包老".encode(), "包".encode() + b"\xff\xfe" + "老".encode()).replace(b"</main>", b"\x80</main>")
            return Response(200, "text/html; charset=utf-8", raw)
        if path == "/item/9":
            body = _bare_item("Slow loris pet 懒猴 包邮", "￥600", "carol", "很乖，包邮。")
            return Response(200, html, _page("Slow loris pet 懒猴 包邮", body).encode(), delay=SLOW_SECONDS)
        if path.startswith("/seller/"):
            name = path.rsplit("/", 1)[1]
            body = (f'<h1>{name}</h1><p>Member since 2019. 120 sales.</p><ul>'
                    '<li><a href="/item/3">Antique tortoiseshell comb</a> US$ 350</li>'
                    '<li><a href="/item/7">Pangolin scale medicine</a> MOP 450</li></ul>')
            return Response(200, html, _page(f"{name}'s shop", body).encode())
        if path == "/about":
            return Response(200, html, _page("About", "<p>A fixture marketplace.</p>").encode())
        if path == "/broken":
            return Response(500, html, b"<h1>Internal Server Error</h1>")
        if path == "/stuck":
            return Response(200, html, _page("Stuck", "<p>late</p>").encode(), delay=STUCK_SECONDS)
        if path == "/truncated":
            return Response(200, html, _page("Cut", "<p>" + "x" * 2000 + "</p>").encode()[:500], lie_length=5000)
        if path == "/huge":
            filler = "<p>" + "大量商品 " * (HUGE_BYTES // 12) + "</p>"
            return Response(200, html, _page("Giant", filler).encode())
        if path == "/empty":
            return Response(200, html, b"")
        if path == "/feed.json":
            return Response(200, "application/json", b'{"items": []}')
        if path == "/loop-a":
            return Response(302, html, b"", headers={"Location": "/loop-b"})
        if path == "/loop-b":
            return Response(302, html, b"", headers={"Location": "/loop-a"})
        if path.startswith("/chain/"):
            step = int(path.rsplit("/", 1)[1])
            return Response(302, html, b"", headers={"Location": f"/chain/{step + 1}"})
        return Response(404, html, _page("Not found", "<p>404</p>").encode())

    def _category(self, page: int) -> Response:
        items = (
            [("/item/1", "Carved ivory bangle", "¥1200"), ("/item/2", "Rhino horn carving", "HK$8,800"),
             ("/item/3", "Antique tortoiseshell comb", "US$ 350"), ("/gbk/item/4", "出售穿山甲片", "￥680"),
             ("/big5/item/5", "玳瑁手鐲", "港幣 2,300")]
            if page == 1 else
            [("/mislabeled/item/6", "老虎骨", "RMB 990"), ("/item/7", "Pangolin scale medicine", "MOP 450"),
             ("/item/8", "Helmeted hornbill casque", "US$ 1,500"), ("/item/9", "Slow loris pet", "￥600"),
             ("/item/10", "犀角杯", "¥2,800")]
        )
        cards = "".join(
            f'<li class="card"><a href="{href}">{title}</a> <span class="price">{price}</span></li>'
            for href, title, price in items
        )
        pager = '<a class="next" href="/cat/wild?page=2">下一页</a>' if page == 1 else '<a href="/cat/wild">上一页</a>'
        body = f'<h1>Wildlife</h1><ul class="listing">{cards}</ul><div class="pagination">{pager}</div>'
        return Response(200, "text/html; charset=utf-8", _page("Wildlife", body).encode())


def _handler(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
            site.count(urlsplit(self.path).path)
            response = site.resolve(self.path)
            if response.delay:
                time.sleep(response.delay)
            try:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(response.lie_length or len(response.body)))
                if response.lie_length:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(response.body)
                if response.lie_length:
                    self.wfile.flush()
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
            return

    return Handler
