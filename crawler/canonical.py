"""Canonical URLs a page declares: one listing, whichever variant of it the crawl finds first.

Marketplaces serve one listing under several URLs: a mobile host (``m.``), a mobile path
(``/m/item/1``), share links with tracking parameters.  ``crawler.urls.canonicalize_url`` folds the
ones it can recognise from the URL alone; the others say so themselves, with
``<link rel="canonical" href="/item/1">`` or the JSON-LD Product's ``url``.  The spider stores a
listing under the URL its page declares (when that URL is on the crawl's site) and, when the page
it read is a variant of another, fetches the declared page and stores that instead — so the
stored text is the same whichever variant came first, and a listing never flips between mobile
and desktop versions from one night to the next.

A declaration is ignored when it is ambiguous (two different canonical links, several products),
leaves the site, or points at the site's root or start page (a common misconfiguration that
would fold every listing into one).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.scope import CrawlScope
from crawler.urls import canonicalize_url

__all__ = ["declared_canonical", "is_variant", "usable_canonical"]

_CANONICAL_LINKS = (
    "//link[@href][contains(concat(' ', normalize-space(translate(@rel, 'CANOIL', 'canoil')), ' '), ' canonical ')]"
    "/@href"
)
_PRODUCT_TYPES = frozenset({"product", "individualproduct", "productmodel", "productgroup", "vehicle", "car"})
_MAX_NODES = 2_000


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _product_urls(items: list[Any]) -> set[str]:
    """``url`` of every Product node in JSON-LD items (walked breadth-first, bounded)."""
    found: set[str] = set()
    queue = list(items)
    walked = 0
    while queue and walked < _MAX_NODES:
        node = queue.pop(0)
        walked += 1
        if isinstance(node, list):
            queue.extend(node)
        elif isinstance(node, dict):
            if _types(node) & _PRODUCT_TYPES:
                url = node.get("url")
                url = url[0] if isinstance(url, list) and url else url
                if isinstance(url, str) and url.strip():
                    found.add(url.strip())
            queue.extend(value for value in node.values() if isinstance(value, (dict, list)))
    return found


def declared_canonical(doc: Any, base_url: str, jsonld: list[Any]) -> str | None:
    """The absolute URL a page declares as its own: ``rel=canonical`` first, else one JSON-LD Product url."""
    links = {href.strip() for href in doc.xpath(_CANONICAL_LINKS)[:10] if href.strip()}
    candidates = links or _product_urls(jsonld)
    if len(candidates) != 1:  # none, or ambiguous: a page cannot be two listings
        return None
    try:
        return urljoin(base_url, candidates.pop())
    except ValueError:
        return None


def usable_canonical(declared: str | None, scope: CrawlScope, start_url: str) -> str | None:
    """``declared`` when the crawl may fetch it and it is not the site's root or start page."""
    if not declared or not scope.allows(declared):
        return None
    try:
        path = urlsplit(declared).path
    except ValueError:
        return None
    if path in ("", "/") or canonicalize_url(declared) == canonicalize_url(start_url):
        return None
    return declared


def is_variant(page_url: str, canonical_url: str) -> bool:
    """True when ``page_url`` is another URL of the page at ``canonical_url`` (other path or host)."""
    if canonicalize_url(page_url) != canonicalize_url(canonical_url):
        return True
    try:
        return (urlsplit(page_url).hostname or "") != (urlsplit(canonical_url).hostname or "")
    except ValueError:
        return False
