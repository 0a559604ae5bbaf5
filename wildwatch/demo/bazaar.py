"""The second demo marketplace ("Fauna Bazaar"): a few re-posts of the first one's listings.

Its sellers copy listings of likely trade from the demo marketplace (``wildwatch.demo.pages``):
the text as it was, the first photo resized to 80%, cropped 2.5% a side and re-encoded
(``wildwatch.demo.photos.reposted``), the edit that defeats PDQ on the whole frame alone.  A
crawl of both marketplaces therefore links each re-post to its original listing and their
sellers to each other, across marketplaces (``via: "image"``).  Its catalog is derived from the
demo catalog, never written into it.

Pages: ``/`` (every item), ``/item/<n>`` (JSON-LD Product), ``/seller/<name>``, ``/img/<n>.jpg``
and ``/robots.txt``.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlsplit

from wildwatch.demo.pages import Response
from wildwatch.demo.photos import jpeg, original, reposted, reused_pairs

__all__ = ["BAZAAR_SELLERS", "Bazaar", "bazaar_items"]

#: The bazaar's sellers; listing n is posted by BAZAAR_SELLERS[n % 3].
BAZAAR_SELLERS = ("wild_finds_88", "curio.trader", "old-stock-hk")
_ITEMS = 9


def bazaar_items(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bazaar's listings: re-posts of the first few listings of likely trade that carry a photo."""
    taken = set(reused_pairs(listings)) | set(reused_pairs(listings).values())
    originals = sorted((r for r in listings if r.get("label") == 1 and r["images"] and int(r["id"]) not in taken),
                       key=lambda r: int(r["id"]))[:_ITEMS]
    return [{"number": n, "original_id": int(r["id"]), "original_image": r["images"][0], "title": r["title"],
             "description": r["description"], "price": r["price"], "currency": r["currency"],
             "seller": BAZAAR_SELLERS[n % len(BAZAAR_SELLERS)]} for n, r in enumerate(originals, start=1)]


def _page(title: str, main: str, head: str = "") -> bytes:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · Fauna Bazaar'
            f'</title>{head}</head><body><header><a href="/">Fauna Bazaar</a></header><main>{main}</main>'
            f'<footer>© 2026 Fauna Bazaar</footer></body></html>').encode()


class Bazaar:
    """Every page of the second demo marketplace for one base URL (``resolve`` answers a request)."""

    def __init__(self, listings: list[dict[str, Any]], base_url: str) -> None:
        self.base_url = base_url
        self.items = {item["number"]: item for item in bazaar_items(listings)}

    def _item(self, item: dict[str, Any]) -> Response:
        n, seller = item["number"], item["seller"]
        image = f"{self.base_url}/img/{n}.jpg"
        data = {"@context": "https://schema.org", "@type": "Product", "name": item["title"],
                "description": item["description"], "image": [image],
                "offers": {"@type": "Offer", "price": str(item["price"]), "priceCurrency": item["currency"],
                           "url": f"{self.base_url}/item/{n}",
                           "seller": {"@type": "Person", "name": seller, "url": f"{self.base_url}/seller/{seller}"}}}
        ld = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        head = (f'<link rel="canonical" href="{self.base_url}/item/{n}">'
                f'<script type="application/ld+json">{ld}</script>')
        title = html.escape(item["title"])
        main = (f'<div class="item-detail"><img src="{image}" alt="{title}"><h1>{title}</h1>'
                f'<p class="price">{html.escape(str(item["price"]))} {html.escape(item["currency"])}</p>'
                f'<p>Seller: <a href="/seller/{seller}">{seller}</a></p>'
                f'<div class="description">{html.escape(item["description"])}</div></div>')
        return Response(200, "text/html; charset=utf-8", _page(item["title"], main, head))

    def resolve(self, raw_path: str) -> Response:
        """Map a request target to a response."""
        path = urlsplit(raw_path).path
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", b"User-agent: *\nDisallow: /account/\n")
        if path == "/":
            links = "".join(f'<li><a href="/item/{n}">{html.escape(i["title"])}</a></li>' for n, i in self.items.items())
            return Response(200, "text/html; charset=utf-8", _page("Latest", f"<h1>Latest</h1><ul>{links}</ul>"))
        kind, _, rest = path.strip("/").partition("/")
        number = rest.removesuffix(".jpg")
        if kind in ("item", "img") and number.isdigit() and int(number) in self.items:
            item = self.items[int(number)]
            if kind == "item":
                return self._item(item)
            return Response(200, "image/jpeg", jpeg(reposted(original(item["original_image"])), 75))
        if kind == "seller" and rest in {item["seller"] for item in self.items.values()}:
            mine = "".join(f'<li><a href="/item/{n}">{html.escape(i["title"])}</a></li>'
                           for n, i in self.items.items() if i["seller"] == rest)
            return Response(200, "text/html; charset=utf-8", _page(rest, f"<h1>{html.escape(rest)}</h1><ul>{mine}</ul>"))
        return Response(404, "text/html; charset=utf-8", _page("Not found", "<h1>404</h1>"))
