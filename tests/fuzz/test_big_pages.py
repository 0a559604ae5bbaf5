"""Pathological pages (10 MB, 100 000 levels deep, one giant text node ...) in a forked child with
a time and memory box: the crawler's parse of a hostile page must end, and within bounded memory."""

from __future__ import annotations

import random

import pytest

from crawler.encoding import decode_body
from crawler.extract import analyse_page, extract_links, extract_listing
from tests.faults.tally import note
from tests.fuzz.boxed import run_boxed

pytestmark = pytest.mark.timeout(300)

MB = 1024 * 1024
URL = "https://shop.example.cn/item/1"
SECONDS = 120  # generous: 2 shared cores; a hang is "never", not "slow"
MEMORY_MB = 2048  # beyond what the child inherited: ~200x a 10 MB page would be a leak, not a parse


def _giant_text() -> bytes:
    return b"<html><body><h1>\xe8\xb1\xa1\xe7\x89\x99</h1><p>" + b"ivory " * (10 * MB // 6) + b"</p></body></html>"


def _many_cards() -> bytes:
    card = '<li class="card"><a href="/item/{i}">象牙 #{i}</a><span class="price">¥{i}</span></li>'
    body = "".join(card.format(i=i) for i in range(10 * MB // 80))
    return f"<html><body><ul>{body}</ul></body></html>".encode()


def _deep_nesting() -> bytes:
    depth = 100_000
    return b"<html><body>" + b"<div>" * depth + "象牙 ¥100".encode() + b"</div>" * depth + b"</body></html>"


def _unclosed_nesting() -> bytes:
    return b"<html><body>" + b"<span><b><i>" * 200_000 + b"</body>"


def _random_bytes() -> bytes:
    return random.Random(8).randbytes(10 * MB)


def _huge_attribute() -> bytes:
    return b'<html><head><meta property="og:title" content="' + b"x" * (10 * MB) + b'"></head><body></body></html>'


def _huge_json_ld() -> bytes:
    nested = '{"@type":"Product","name":"象牙","isRelatedTo":' * 5000 + "null" + "}" * 5000
    offers = ",".join(f'{{"price":"{i}","priceCurrency":"CNY"}}' for i in range(50_000))
    return (f'<html><head><script type="application/ld+json">{nested}</script>'
            f'<script type="application/ld+json">{{"@type":"Product","name":"x","offers":[{offers}]}}</script>'
            "</head><body></body></html>").encode()


def _many_links() -> bytes:
    links = "".join(f'<a href="/item/{i}?utm_source=x&amp;spm={i}#frag">{i}</a>' for i in range(100_000))
    return f"<html><body>{links}</body></html>".encode()


def _gbk_mislabelled() -> bytes:
    return ("<html><head><meta charset='utf-8'></head><body><h1>象牙手镯</h1>" + "老货保真" * (2 * MB // 8)
            + "</body></html>").encode("gbk")


PAGES = {
    "giant text node": _giant_text,
    "10 MB of item cards": _many_cards,
    "100k nested divs": _deep_nesting,
    "600k unclosed inline tags": _unclosed_nesting,
    "10 MB random bytes": _random_bytes,
    "10 MB attribute": _huge_attribute,
    "5000-deep and 50k-offer JSON-LD": _huge_json_ld,
    "100k links": _many_links,
    "GBK labelled UTF-8": _gbk_mislabelled,
}


def _crawl_one(make_page) -> tuple[int, str, bool]:  # type: ignore[no-untyped-def]
    body = make_page()
    decoded = decode_body(body, "text/html")
    analysis = analyse_page(decoded.text, URL)
    links = extract_links(decoded.text, URL)
    listing = extract_listing(decoded.text, URL)
    return len(body), analysis.kind, listing is not None and len(links.item_links) >= 0


@pytest.mark.parametrize("make_page", PAGES.values(), ids=PAGES.keys())
def test_pathological_page_parses_in_a_box(make_page) -> None:  # type: ignore[no-untyped-def]
    size, kind, _ = run_boxed(_crawl_one, make_page, seconds=SECONDS, memory_mb=MEMORY_MB)
    note("fuzz/inputs/pathological_pages")
    note("fuzz/bytes_parsed_mb", size // MB)
    assert kind in ("item", "listing", "seller", "other")
