"""Canonical URLs a page declares: read, trusted only on the site, and one listing per page."""

from __future__ import annotations

import json

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from crawler.canonical import is_variant, usable_canonical
from crawler.extract import analyse_page
from crawler.items import ListingItem, SkipItem
from crawler.scope import CrawlScope
from crawler.spiders.generic import GenericSpider

BASE = "http://127.0.0.1:8088"
ITEM = '<h1>象牙手镯 老货</h1><p class="price">¥1,200</p><p>包真，私聊。</p>'


def _page(head: str, body: str = ITEM) -> str:
    return f"<html><head><title>象牙手镯</title>{head}</head><body>{body}</body></html>"


def _jsonld(**fields: object) -> str:
    data = {"@context": "https://schema.org", "@type": "Product", "name": "象牙手镯", **fields}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


@pytest.mark.parametrize(
    ("head", "declared"),
    [
        ('<link rel="canonical" href="/item/1">', BASE + "/item/1"),
        ('<link rel="Canonical" href=" http://127.0.0.1:8088/item/1?x=1 ">', BASE + "/item/1?x=1"),
        ('<link rel="alternate canonical" href="/item/1">', BASE + "/item/1"),
        ('<base href="/shop/"><link rel="canonical" href="item/1">', BASE + "/shop/item/1"),
        (_jsonld(url="/item/2"), BASE + "/item/2"),
        (_jsonld(url=["/item/2", "/item/3"]), BASE + "/item/2"),
        ('<link rel="canonical" href="/item/1">' + _jsonld(url="/item/2"), BASE + "/item/1"),  # the link wins
        ('<link rel="canonical" href="/item/1"><link rel="canonical" href="/item/2">', None),  # ambiguous
        (_jsonld(url="/item/2") + _jsonld(url="/item/3"), None),  # several products: a listing page
        ('<link rel="alternate" href="/item/1">', None),
        ('<link rel="canonical" href="">', None),
        ("", None),
    ],
)
def test_declared_canonical(head: str, declared: str | None) -> None:
    assert analyse_page(_page(head), BASE + "/m/item/1").canonical == declared


@pytest.mark.parametrize(
    ("declared", "usable"),
    [
        (BASE + "/item/1", True),
        ("http://127.0.0.2:8088/item/1", False),  # off the site: an internal host must not be fetched
        ("http://127.0.0.1:9999/item/1", False),
        ("javascript:alert(1)", False),
        (BASE + "/", False),  # the root: a misconfigured CMS would fold every listing into one
        (BASE, False),
        (None, False),
    ],
)
def test_usable_canonical(declared: str | None, usable: bool) -> None:
    scope = CrawlScope(BASE + "/")
    assert usable_canonical(declared, scope, BASE + "/") == (declared if usable else None)


@pytest.mark.parametrize(
    ("page", "canonical", "variant"),
    [
        (BASE + "/m/item/1", BASE + "/item/1", True),
        ("http://m.shop.example/item/1", "http://shop.example/item/1", True),  # same key, other host
        (BASE + "/item/1?spm=a.b", BASE + "/item/1", False),  # tracking parameters: the same page
        (BASE + "/item/1", BASE + "/item/1", False),
    ],
)
def test_is_variant(page: str, canonical: str, variant: bool) -> None:
    assert is_variant(page, canonical) is variant


def _response(url: str, html: str, **meta: object) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"},
                        request=Request(url, meta={"kind": "item", **meta}))


def test_a_variant_fetches_its_canonical_page_and_stores_nothing_itself() -> None:
    spider = GenericSpider(start_url=BASE + "/")
    out = list(spider.parse(_response(BASE + "/m/item/1", _page('<link rel="canonical" href="/item/1">'))))
    assert not [o for o in out if isinstance(o, ListingItem)]
    (follow,) = [o for o in out if isinstance(o, Request) and o.url == BASE + "/item/1"]
    assert follow.meta["canonical_of"] == BASE + "/m/item/1"
    fallback = follow.meta["canonical_fallback"]
    assert isinstance(fallback, ListingItem) and fallback.url == BASE + "/item/1"

    # The canonical page is stored under its URL; a later variant of it is not fetched again.
    out = list(spider.parse(_response(BASE + "/item/1", _page('<link rel="canonical" href="/item/1">'),
                                      **follow.meta)))
    (item,) = [o for o in out if isinstance(o, ListingItem)]
    assert (item.url, item.fetched_url) == (BASE + "/item/1", BASE + "/item/1")
    again = list(spider.parse(_response(BASE + "/m2/item/1", _page('<link rel="canonical" href="/item/1">'))))
    assert not [o for o in again if isinstance(o, ListingItem) or (isinstance(o, Request) and "item/1" in o.url)]


def test_a_variant_found_after_its_canonical_page_is_not_stored_again() -> None:
    spider = GenericSpider(start_url=BASE + "/")
    first = list(spider.parse(_response(BASE + "/item/1?spm=x", _page('<link rel="canonical" href="/item/1">'))))
    assert [o.url for o in first if isinstance(o, ListingItem)] == [BASE + "/item/1"]
    later = list(spider.parse(_response(BASE + "/m/item/1", _page('<link rel="canonical" href="/item/1">'))))
    assert not [o for o in later if isinstance(o, ListingItem) or (isinstance(o, Request) and o.url.endswith("/item/1"))]


def test_when_the_canonical_page_fails_the_variant_is_stored_under_the_canonical_url() -> None:
    spider = GenericSpider(start_url=BASE + "/")
    out = list(spider.parse(_response(BASE + "/m/item/1", _page('<link rel="canonical" href="/item/1">'))))
    (follow,) = [o for o in out if isinstance(o, Request) and o.url == BASE + "/item/1"]
    try:
        raise ConnectionRefusedError("Connection was refused by other side")
    except ConnectionRefusedError:
        failure = Failure()
    failure.request = follow  # type: ignore[attr-defined]
    skip, item = spider.on_error(failure)
    assert isinstance(skip, SkipItem) and skip.reason == "connection_refused"
    assert isinstance(item, ListingItem) and (item.url, item.fetched_url) == (BASE + "/item/1", BASE + "/m/item/1")


def test_an_offsite_canonical_is_ignored() -> None:
    spider = GenericSpider(start_url=BASE + "/")
    out = list(spider.parse(_response(BASE + "/item/7", _page('<link rel="canonical" href="http://127.0.0.2:8088/x">'))))
    assert [o.url for o in out if isinstance(o, ListingItem)] == [BASE + "/item/7"]
    assert not [o for o in out if isinstance(o, Request) and "127.0.0.2" in o.url]
