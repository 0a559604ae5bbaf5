"""Pure pieces of the crawl: site profiles, search terms, page-kind decisions, skip reasons, dedupe."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, TimeoutError
from twisted.python.failure import Failure

from crawler.dedupe import canonical_fingerprint, redis_settings
from crawler.extract import ExtractedListing, PageLinks
from crawler.items import ListingItem, SkipItem
from crawler.lexicon import FALLBACK_TERMS, load_search_terms
from crawler.middlewares import RefusedRequest
from crawler.pipelines import store_writer_mode
from crawler.profile import PROFILES_DIR, SiteProfile, load_profile
from crawler.run import scrapy_settings
from crawler.spiders.generic import GenericSpider, decide_kind, extract_workers, skip_reason
from core.errors import ConfigError
from core.settings import PROJECT_ROOT

BASE = "http://127.0.0.1:8088/"


def _listing(price: object = 10, source: str = "heuristic") -> ExtractedListing:
    return ExtractedListing(title="t", description="", price=price, currency="CNY", price_text="¥10",  # type: ignore[arg-type]
                            seller_name=None, seller_url=None, images=[], source=source, lang=None)


# ---------------------------------------------------------------- profiles

def test_shipped_profiles_load() -> None:
    shipped = sorted(PROFILES_DIR.glob("*.y*ml")) + sorted(PROFILES_DIR.glob("*.toml"))
    assert shipped
    for path in shipped:
        assert load_profile(path).name


def test_demo_profile_by_name_resolves_relative_urls() -> None:
    profile = load_profile("demo")
    assert profile.resolve_start_urls(BASE) == [BASE, BASE + "hk/", BASE + "cn/"]
    assert profile.search_urls(BASE, ["象牙 手镯"]) == [
        ("象牙 手镯", BASE + "search?q=%E8%B1%A1%E7%89%99%20%E6%89%8B%E9%95%AF")]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (BASE + "item/7001", "item"),
        (BASE + "hk/item/7002", "item"),
        (BASE + "seller/1053", "seller"),
        (BASE + "category/pets?page=2", "listing"),
        (BASE + "search?q=x", "listing"),
        (BASE + "static/site.css", None),
    ],
)
def test_demo_profile_page_kinds(url: str, kind: str | None) -> None:
    assert load_profile("demo").page_kind(url) == kind


@pytest.mark.parametrize(("url", "follow"), [(BASE + "cart/add?item=1", False), (BASE + "item/1", True)])
def test_profile_deny_patterns(url: str, follow: bool) -> None:
    assert load_profile("demo").may_follow(url) is follow


def test_toml_profile_and_settings_precedence(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(
        'name = "shop"\nsearch_url = "https://shop.test/s?k={keyword}"\n'
        '[rate_limit]\ndownload_delay = 2.5\nconcurrent_requests_per_domain = 1\n'
        '[settings]\nDOWNLOAD_TIMEOUT = 7\n', encoding="utf-8")
    profile = load_profile(path)
    settings = scrapy_settings({"DOWNLOAD_TIMEOUT": 9}, defaults={"DOWNLOAD_DELAY": 0.0, "USER_AGENT": "x"},
                               profile=profile)
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.5  # profile beats deploy defaults
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getint("DOWNLOAD_TIMEOUT") == 9  # --set beats the profile
    assert settings.get("USER_AGENT") == "x"
    assert settings.getbool("ROBOTSTXT_OBEY") is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nsearch_url: /s?q=\n", "keyword"),
        ("name: x\nfields: {colour: {css: p}}\n", "unknown field"),
        ("name: x\nfields: {title: {css: h1, xpath: //h1}}\n", "exactly one"),
        ("name: x\nitem_url: '('\n", "invalid"),
        ("name: x\nbogus: 1\n", "bogus"),
        ("- a list\n", "mapping"),
        ("name: [unclosed\n", "not valid"),
    ],
)
def test_bad_profiles_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_profile(path)


def test_missing_profile_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_profile("no-such-profile")


# ---------------------------------------------------------------- search terms

def test_search_terms_from_lexicon_in_three_scripts(tmp_path: Path) -> None:
    (tmp_path / "species.yaml").write_text(
        "species:\n"
        "  - {name: pangolin, zh_hans: 穿山甲, zh_hant: 穿山甲, en: pangolin, terms: [穿山甲片, 鳞片]}\n"
        "  - {name: rhino horn, zh_hans: 犀牛角, zh_hant: 犀牛角, en: rhino horn, terms: [犀角]}\n",
        encoding="utf-8")
    assert load_search_terms(tmp_path) == ["穿山甲", "pangolin", "犀牛角", "rhino horn"]
    assert "犀角" in load_search_terms(tmp_path, include_terms=True)
    assert load_search_terms(tmp_path, limit=1) == ["穿山甲"]


@pytest.mark.parametrize("content", [None, "species: [", "version: 1\n"])
def test_search_terms_fall_back_without_a_usable_lexicon(tmp_path: Path, content: str | None) -> None:
    if content is not None:
        (tmp_path / "species.yaml").write_text(content, encoding="utf-8")
    assert load_search_terms(tmp_path) == list(FALLBACK_TERMS)


# ---------------------------------------------------------------- page kinds and skips

@pytest.mark.parametrize(
    ("page_kind", "link_kind", "listing", "related", "expected"),
    [
        ("item", None, _listing(), 0, "item"),
        ("item", "seller", _listing(), 0, "seller"),  # a seller page showing one featured item
        ("listing", "item", _listing(), 4, "item"),  # an item page with a related-items block
        ("listing", "item", _listing(), 30, "listing"),  # a category page behind an item-looking URL
        ("listing", "item", _listing(price=None), 4, "listing"),
        ("listing", "item", _listing(price=None, source="json-ld"), 4, "item"),
        ("other", "item", None, 0, "other"),
        ("listing", "listing", _listing(), 4, "listing"),
    ],
)
def test_decide_kind(page_kind: str, link_kind: str | None, listing: ExtractedListing | None, related: int,
                     expected: str) -> None:
    links = PageLinks(item_links=[f"{BASE}item/{i}" for i in range(related)])
    assert decide_kind(page_kind, link_kind, listing, links) == expected


def _failure(exc: Exception) -> Failure:
    try:
        raise exc
    except Exception:  # noqa: BLE001 (building a Failure from a live exception)
        return Failure()


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "robots_disallowed"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (IgnoreRequest("redirect loop back to http://x/a"), "redirect_loop"),
        (TimeoutError("User timeout caused connection failure."), "timeout"),
        (ConnectionRefusedError("Connection was refused by other side"), "connection_refused"),
        (ValueError("Cancelling download: larger than download max size (1000)."), "too_large"),
        (IgnoreRequest("Ignored response <200 x> because its body (9 B compressed, 999 B decompressed so far) "
                       "exceeded DOWNLOAD_MAXSIZE (100 B) during decompression."), "too_large"),  # a gzip bomb
        (DownloadCancelledError(""), "too_large"),  # an endless body, cut at DOWNLOAD_MAXSIZE
        (RefusedRequest("offsite_redirect", "302 other host 127.0.0.2"), "offsite_redirect"),
        (RefusedRequest("address_refused", "www.x resolves to 10.0.0.1: private address"), "address_refused"),
    ],
)
def test_skip_reasons(exc: Exception, reason: str) -> None:
    assert skip_reason(_failure(exc))[0] == reason


def test_http_error_skip_reason_keeps_the_status() -> None:
    response = HtmlResponse(BASE, status=503, body=b"", request=Request(BASE))
    assert skip_reason(_failure(HttpError(response, "Ignoring non-200 response"))) == ("http_503", "HTTP 503", 503)


# ---------------------------------------------------------------- spider on canned responses

def _response(url: str, body: bytes, content_type: str = "text/html; charset=utf-8", **meta: object) -> HtmlResponse:
    request = Request(url, meta=dict(meta))
    return HtmlResponse(url, body=body, headers={"Content-Type": content_type}, request=request)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "text/html", "empty"),
        (b"   \n ", "text/html", "empty"),
        (b"%PDF-1.4", "application/pdf", "not_html"),
        (b"\x89PNG....", "image/png", "not_html"),
    ],
)
def test_spider_skips_what_is_not_a_page(body: bytes, content_type: str, reason: str) -> None:
    spider = GenericSpider(start_url=BASE)
    out = list(spider.parse(_response(BASE + "x", body, content_type)))
    assert [(type(item), item.reason) for item in out] == [(SkipItem, reason)]


def test_spider_extracts_gbk_item_with_profile_selectors(tmp_path: Path) -> None:
    profile = SiteProfile(name="t", item_url=r"/item/\d+$", currency="CNY", encoding="gbk",
                          fields={"title": {"css": "h2.name"}, "price": {"css": "em.p::text"}})
    html = ('<html><head><meta charset="utf-8"><title>站点</title></head><body><h2 class="name">象牙 手镯</h2>'
            '<em class="p">680</em><p>老货</p></body></html>').encode("gbk")  # mislabeled as UTF-8
    spider = GenericSpider(start_url=BASE, profile=profile)
    out = list(spider.parse(_response(BASE + "item/1?utm_source=x", html, "text/html")))
    items = [item for item in out if isinstance(item, ListingItem)]
    assert len(items) == 1
    item = items[0]
    assert (item.title, str(item.price), item.currency) == ("象牙 手镯", "680", "CNY")
    assert item.url == BASE + "item/1" and item.body == html and item.source == "profile"


def test_spider_does_not_refetch_stored_items_when_resuming() -> None:
    html = b'<html><body><ul>' + b"".join(
        b'<li><a href="/item/%d">Item %d</a> <span>$%d</span></li>' % (i, i, i) for i in range(1, 30)) + b"</ul></body></html>"
    spider = GenericSpider(start_url=BASE, skip_urls={BASE + "item/1", BASE + "item/2"})
    urls = {request.url for request in spider.parse(_response(BASE, html)) if isinstance(request, Request)}
    assert BASE + "item/3" in urls
    assert not {BASE + "item/1", BASE + "item/2"} & urls


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (BASE + "item/1", BASE + "item/1?utm_source=x&spm=a.b", True),
        (BASE + "item/1", BASE + "item/1#reviews", True),
        (BASE + "item/1", BASE + "item/2", False),
    ],
)
def test_canonical_fingerprints(a: str, b: str, same: bool) -> None:
    assert (canonical_fingerprint(Request(a)) == canonical_fingerprint(Request(b))) is same


def test_redis_settings_use_the_prefix_and_our_dupefilter() -> None:
    settings = redis_settings("redis://127.0.0.1:6379/0", "p")
    assert settings["SCHEDULER_QUEUE_KEY"] == "p:requests" and settings["SCHEDULER_DUPEFILTER_KEY"] == "p:dupefilter"
    assert settings["SCHEDULER_DUPEFILTER_CLASS"] == "crawler.dedupe.RedisCanonicalDupeFilter"
    assert settings["SCHEDULER_PERSIST"] is True


def test_search_terms_from_the_shipped_lexicon() -> None:
    terms = load_search_terms(PROJECT_ROOT / "data" / "lexicon")
    assert terms != list(FALLBACK_TERMS)
    assert any(term.isascii() for term in terms) and any("\u4e00" <= term[0] <= "\u9fff" for term in terms)
    assert len(terms) == len(set(terms))


@pytest.mark.parametrize(
    ("value", "cpus", "workers"),
    [("auto", 2, 1), ("auto", 1, 0), ("auto", 3, 1), ("auto", 4, 2), ("auto", 32, 4), ("3", 2, 3), (0, 8, 0), ("", 8, 0)],
)
def test_extract_workers(monkeypatch: pytest.MonkeyPatch, value: object, cpus: int, workers: int) -> None:
    monkeypatch.setattr("crawler.spiders.generic.os.cpu_count", lambda: cpus)
    assert extract_workers(value) == workers


@pytest.mark.parametrize(
    ("value", "cpus", "mode"),
    [("auto", 2, "process"), ("auto", 1, "thread"), (None, 8, "process"), ("THREAD", 8, "thread"), ("process", 1, "process")],
)
def test_store_writer_mode(monkeypatch: pytest.MonkeyPatch, value: object, cpus: int, mode: str) -> None:
    monkeypatch.setattr("crawler.pipelines.os.cpu_count", lambda: cpus)
    assert store_writer_mode(value) == mode


def test_store_writer_mode_rejects_a_typo() -> None:
    with pytest.raises(NotConfigured, match="auto, process or thread"):
        store_writer_mode("proces")
