"""Property tests: the pure crawler helpers never raise on arbitrary input."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.contacts import extract_contacts
from crawler.encoding import decode_body
from crawler.extract import analyse_page, extract_listing
from crawler.prices import parse_price, parse_price_parts
from crawler.urls import canonicalize_url, same_site

# Raise WILDWATCH_HYPOTHESIS_EXAMPLES for a longer local hunt; the default keeps the suite fast.
FAST = settings(
    max_examples=int(os.environ.get("WILDWATCH_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

HTML_BITS = st.sampled_from(
    [
        "<html>",
        "<body>",
        "<div class='price'>",
        "</div>",
        "<h1>",
        "</h1>",
        "<p>",
        "<a href='/item/1'>",
        "<a href='?page=2'>下一页</a>",
        "</a>",
        "<img src='/x.jpg'>",
        "<script type='application/ld+json'>",
        "</script>",
        '{"@type":"Product","name":"x","offers":{"price":"1","priceCurrency":"HKD"}}',
        "<meta property='og:title' content='t'>",
        "<div itemscope itemtype='http://schema.org/Product'>",
        "<span itemprop='name'>",
        "</span>",
        "¥100",
        "HK$1,280",
        "面议",
        "\u200b",
        "象牙",
        "<",
        ">",
        "&amp;",
        "<base href='http://[x'>",
        "<title>",
        "</title>",
    ]
)
URL_CHARS = st.sampled_from(
    list("abcAB01:/?#&=%.-_~+@[] ") + ["m.", "www.", "utm_source=1", "spm=2", "%e8%b1%a1", "象", "index.html", "\u200b"]
)


@FAST
@given(st.binary(max_size=2000), st.one_of(st.none(), st.text(max_size=40), st.just("text/html; charset=gbk")))
def test_decode_body_never_raises(body: bytes, content_type: str | None) -> None:
    decoded = decode_body(body, content_type)
    assert isinstance(decoded.text, str)


@FAST
@given(st.text(max_size=3000))
def test_decode_body_round_trips_utf8(text: str) -> None:
    decoded = decode_body(text.encode("utf-8"), "text/html; charset=utf-8")
    assert decoded.text == text.removeprefix("\ufeff")


@FAST
@given(st.one_of(st.text(max_size=2000), st.lists(HTML_BITS, max_size=60).map("".join)), st.text(max_size=40))
def test_extraction_never_raises(html: str, url: str) -> None:
    analysis = analyse_page(html, url)
    assert analysis.kind in ("item", "listing", "seller", "other")
    listing = extract_listing(html, "https://s.example/item/1")
    if listing is not None:
        assert listing.title == listing.title.strip()
        assert "\u200b" not in listing.title


@FAST
@given(st.text(max_size=200), st.one_of(st.none(), st.sampled_from(["HKD", "MOP", "USD", "cny"])))
def test_parse_price_never_raises(text: str, default: str | None) -> None:
    price = parse_price(text, default_currency=default)
    if price is not None:
        assert price.amount >= 0


@FAST
@given(
    st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none()), st.one_of(st.none(), st.text(max_size=8))
)
def test_parse_price_parts_never_raises(amount: object, currency: str | None) -> None:
    parse_price_parts(amount, currency)  # type: ignore[arg-type]


@FAST
@given(st.one_of(st.text(max_size=120), st.lists(URL_CHARS, max_size=40).map(lambda p: "https://" + "".join(p))))
def test_canonicalize_url_is_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
    same_site(url, once)


@FAST
@given(st.text(max_size=500))
def test_extract_contacts_never_raises(text: str) -> None:
    for contact in extract_contacts(text):
        assert contact.value


@FAST
@given(
    base=st.sampled_from(["http://h.example/a/b?q=1", "https://x.cn:8080/", "http://127.0.0.1:5000/item/1#f"]),
    path=st.text(alphabet="/.?#=&%ab象 -", max_size=20),
)
def test_absolute_fast_path_writes_links_as_urljoin_does(base: str, path: str) -> None:
    from urllib.parse import urljoin, urlsplit

    from crawler.extract.page import absolute_url as _absolute, clean_text

    href = "/" + path
    expected = urljoin(base, clean_text(href))
    assert _absolute(base, href) == (expected if urlsplit(expected).scheme in ("http", "https") else None)
