"""The demo marketplace over real loopback HTTP: navigation, encodings, markup and robots."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urlsplit

import extruct
import httpx
import pytest

from wildwatch.demo.generate import CATEGORIES
from wildwatch.demo.server import DemoServer, canonical_path, listing_url, make_server, section_of

ITEM_HREF = re.compile(r'href="((?:/cn|/hk)?/item/(\d+)[^"]*)"')
NEXT_HREF = re.compile(r'<a rel="next"[^>]*href="([^"]+)"')
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _walk(client: httpx.Client, start: str) -> tuple[set[int], int]:
    """Follow rel=next from ``start``; return the item ids linked and the number of pages seen."""
    ids: set[int] = set()
    url: str | None = start
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages += 1
        text = response.text
        main = text[text.index('<main id="main">'):text.index("</main>")]
        ids |= {int(m.group(2)) for m in ITEM_HREF.finditer(main)}
        match = NEXT_HREF.search(text)
        url = html.unescape(match.group(1)) if match else None
    return ids, pages


@pytest.mark.parametrize("slug", sorted(CATEGORIES))
def test_category_pagination_reaches_every_item(client: httpx.Client, listings: list[dict[str, Any]],
                                                slug: str) -> None:
    main_ids, _ = _walk(client, f"/category/{slug}")
    hk_ids, _ = _walk(client, f"/hk/category/{slug}")
    cn_ids, _ = _walk(client, f"/cn/category/{slug}")
    expected = {r["id"] for r in listings if r["category"] == slug}
    assert main_ids | hk_ids == expected
    assert hk_ids == {r["id"] for r in listings if r["category"] == slug and section_of(r) == "hk"}
    assert cn_ids == {r["id"] for r in listings if r["category"] == slug and section_of(r) == "cn"}


def test_some_category_spans_several_pages(client: httpx.Client) -> None:
    assert max(_walk(client, f"/category/{slug}")[1] for slug in CATEGORIES) >= 2


@pytest.mark.parametrize(("section", "codec"), [("hk", "big5"), ("cn", "gbk"), ("main", "utf-8")])
def test_item_pages_are_served_in_their_section_encoding(client: httpx.Client, listings: list[dict[str, Any]],
                                                         section: str, codec: str) -> None:
    records = [r for r in listings if section_of(r) == section and r["lang"] != "en"][:15]
    assert records
    for record in records:
        response = client.get(canonical_path(record))
        assert response.headers["content-type"] == f"text/html; charset={codec}"
        assert int(response.headers["content-length"]) == len(response.content)
        text = response.content.decode(codec)
        assert f'<meta charset="{codec}">' in text
        assert html.escape(record["title"]) in html.unescape(text) or record["title"] in html.unescape(text)
        assert html.escape(record["description"]) in text or record["description"] in html.unescape(text)
        if codec != "utf-8":
            with pytest.raises(UnicodeDecodeError):
                response.content.decode("utf-8")


@pytest.mark.parametrize(("path", "codec", "expected"), [
    ("/hk/", "big5", "最新刊登"),
    ("/hk/category/health", "big5", "保健養生"),
    ("/cn/", "gbk", "最新发布"),
    ("/cn/category/electronics", "gbk", "数码电子"),
    ("/", "utf-8", "全部分类"),
])
def test_section_pages_decode_with_declared_charset(client: httpx.Client, path: str, codec: str, expected: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].endswith(f"charset={codec}")
    assert response.encoding == codec
    assert expected in response.text


def test_characters_outside_big5_become_character_references(client: httpx.Client,
                                                             listings: list[dict[str, Any]]) -> None:
    record = next(r for r in listings if section_of(r) == "hk" and "鰵" in r["title"] + r["description"])
    text = client.get(canonical_path(record)).content.decode("big5")
    assert f"&#{ord('鰵')};" in text


def test_robots_txt_disallows_cart_and_account(client: httpx.Client, demo_server: DemoServer) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /cart/" in lines
    assert "Disallow: /account/" in lines
    assert f"Sitemap: {demo_server.url}/sitemap.xml" in lines


def test_disallowed_pages_exist_and_are_linked(client: httpx.Client, listings: list[dict[str, Any]]) -> None:
    record = listings[0]
    page = client.get(canonical_path(record)).text
    assert f'href="/cart/add?item={record["id"]}"' in page
    assert client.get(f"/cart/add?item={record['id']}").status_code == 200
    assert client.get("/account/login").status_code == 200


def test_sitemap_lists_every_canonical_item_url(client: httpx.Client, demo_server: DemoServer,
                                                listings: list[dict[str, Any]]) -> None:
    text = client.get("/sitemap.xml").text
    locs = set(re.findall(r"<loc>([^<]+)</loc>", text))
    assert {listing_url(demo_server.url, r) for r in listings} <= locs


def test_structured_data_follows_each_records_markup(client: httpx.Client, demo_server: DemoServer,
                                                     listings: list[dict[str, Any]]) -> None:
    for record in listings:
        response = client.get(canonical_path(record))
        assert response.status_code == 200
        text = response.text
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', text)
        assert canonical and canonical.group(1) == listing_url(demo_server.url, record)
        blocks = [json.loads(b) for b in JSONLD.findall(text)]
        if record["markup"] == "jsonld":
            (product,) = blocks
            assert product["@type"] == "Product"
            assert product["name"] == record["title"]
            assert product["description"] == record["description"]
            assert product["offers"]["@type"] == "Offer"
            assert float(product["offers"]["price"]) == record["price"]
            assert product["offers"]["priceCurrency"] == record["currency"]
            assert product["offers"]["seller"]["url"].endswith(f"/seller/{record['seller_id']}")
            assert "itemscope" not in text
        elif record["markup"] == "microdata":
            assert not blocks
            assert 'itemscope itemtype="https://schema.org/Product"' in text
            for prop in ("name", "description", "price", "priceCurrency"):
                assert f'itemprop="{prop}"' in text
            assert f'itemprop="priceCurrency" content="{record["currency"]}"' in text
        else:
            assert not blocks
            assert "schema.org" not in text
            assert "itemprop" not in text


@pytest.mark.parametrize("path", ["/", "/hk/", "/cn/", "/category/pets", "/hk/category/pets", "/search?q=%E8%B1%A1"])
def test_ground_truth_never_rendered_in_listing_pages(client: httpx.Client, path: str) -> None:
    text = client.get(path).text.casefold()
    for marker in ("label", "hard_negative", "species"):
        assert marker not in text


def test_ground_truth_never_rendered_in_item_pages(client: httpx.Client, listings: list[dict[str, Any]]) -> None:
    for record in listings:
        text = client.get(canonical_path(record)).text.casefold()
        for marker in ("label", "hard_negative", "species"):
            assert marker not in text, record["id"]


@pytest.mark.parametrize("term", ["穿山甲", "象牙", "鸚鵡", "IVORY", "tiger"])
def test_search_finds_every_matching_listing(client: httpx.Client, listings: list[dict[str, Any]], term: str) -> None:
    expected = {r["id"] for r in listings if term.casefold() in (r["title"] + "\n" + r["description"]).casefold()}
    assert expected
    found, _ = _walk(client, f"/search?q={term}")
    assert found == expected


def test_search_pagination_links_keep_the_query(client: httpx.Client) -> None:
    text = client.get("/search", params={"q": "a"}).text
    match = NEXT_HREF.search(text)
    assert match
    assert html.unescape(match.group(1)) == "/search?q=a&page=2"
    assert client.get("/search", params={"q": "a", "page": "2"}).status_code == 200


@pytest.mark.parametrize("path", [
    "/nope", "/item/1", "/item/abc", "/category/unknown", "/category/pets?page=99", "/category/pets?page=0",
    "/static/img/../../etc/passwd", "/seller/1", "/search?q=a&page=999", "/hk/category/unknown",
])
def test_unknown_paths_are_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_item_under_wrong_section_redirects_to_canonical(client: httpx.Client, listings: list[dict[str, Any]]) -> None:
    record = next(r for r in listings if section_of(r) == "hk")
    response = client.get(f"/item/{record['id']}")
    assert response.status_code == 301
    assert response.headers["location"] == canonical_path(record)


def test_tracking_parameter_variants_point_at_canonical_items(client: httpx.Client) -> None:
    hrefs = [html.unescape(m.group(1)) for m in ITEM_HREF.finditer(client.get("/").text)]
    tracked = [h for h in hrefs if "?" in h]
    assert tracked
    assert any("utm_source=" in h for h in tracked)
    for href in tracked:
        assert client.get(href).status_code == 200
        assert client.get(urlsplit(href).path).status_code == 200


def test_seller_page_lists_all_their_items(client: httpx.Client, listings: list[dict[str, Any]]) -> None:
    seller_id = listings[0]["seller_id"]
    ids = {int(m.group(2)) for m in ITEM_HREF.finditer(client.get(f"/seller/{seller_id}").text)}
    assert ids == {r["id"] for r in listings if r["seller_id"] == seller_id}


@pytest.mark.parametrize(("path", "content_type", "magic"), [
    ("/static/img/7001-1.jpg", "image/jpeg", b"\xff\xd8\xff"),
    ("/static/img/7001-2.png", "image/png", b"\x89PNG\r\n\x1a\n"),
])
def test_images_are_tiny_valid_files(client: httpx.Client, path: str, content_type: str, magic: bytes) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content.startswith(magic)
    assert int(response.headers["content-length"]) == len(response.content)


def test_head_request_sends_headers_only(client: httpx.Client) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""


def test_server_can_stop_and_release_its_port() -> None:
    server = make_server().start()
    url = server.url
    assert httpx.get(url + "/robots.txt").status_code == 200
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/robots.txt", timeout=2)


@pytest.mark.parametrize("section", ["main", "cn", "hk"])
@pytest.mark.parametrize("markup", ["jsonld", "microdata"])
def test_extruct_reads_structured_data_in_every_encoding(client: httpx.Client, listings: list[dict[str, Any]],
                                                         section: str, markup: str) -> None:
    """The crawler's extractor (extruct) must recover exact title/description/currency, Big5 and GBK included."""
    records = [r for r in listings if section_of(r) == section and r["markup"] == markup][:8]
    assert records
    for record in records:
        response = client.get(canonical_path(record))
        data = extruct.extract(response.content, base_url=str(response.url), encoding=response.encoding,
                               syntaxes=["json-ld", "microdata"], uniform=True)
        (product,) = data["json-ld" if markup == "jsonld" else "microdata"]
        assert product["name"] == record["title"]
        assert product["description"] == record["description"]
        assert product["offers"]["priceCurrency"] == record["currency"]


@pytest.mark.parametrize("path", ["/hk", "/cn"])
def test_section_roots_redirect_to_trailing_slash(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["location"] == f"{path}/"
