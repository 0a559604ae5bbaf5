from decimal import Decimal

import pytest

from crawler.encoding import decode_body
from crawler.extract import (
    ExtractedListing,
    PageLinks,
    analyse_page,
    classify_page,
    clean_text,
    extract_links,
    extract_listing,
)

SHOP = "https://www.baobei.example"


def load(page_bytes, name: str, content_type: str | None = None) -> str:
    return decode_body(page_bytes(name), content_type).text


# ------------------------------------------------------------------ fixtures, field by field


def test_jsonld_product(page_bytes) -> None:
    listing = extract_listing(load(page_bytes, "jsonld_product.html"), f"{SHOP}/item/1001")
    assert listing is not None
    assert listing.title == "天然象牙手镯 老料"  # zero-width space removed
    assert listing.source == "jsonld"
    assert listing.description == "老料象牙手镯，包浆自然。\n加微信 ivory_88 详聊。"
    assert (listing.price, listing.currency, listing.price_text) == (Decimal("12800"), "CNY", "12800.00")
    assert listing.seller_name == "老张古玩"
    assert listing.seller_url == f"{SHOP}/shop/laozhang"
    assert listing.images[:2] == ["https://img.baobei.example/p/1001-a.jpg", f"{SHOP}/p/1001-b.jpg"]
    assert f"{SHOP}/img/og-bangle.jpg" in listing.images
    assert not any("logo" in image or "icons" in image for image in listing.images)
    assert listing.lang == "zh-CN"
    assert listing.structured["json-ld"][0]["@graph"][2]["sku"] == "1001"


def test_microdata_product(page_bytes) -> None:
    listing = extract_listing(load(page_bytes, "microdata_product.html"), "https://hk.example/item/77")
    assert listing is not None
    assert listing.source == "microdata"
    assert listing.title == "穿山甲鱗片 中藥材"
    assert listing.description.startswith("正宗穿山甲片")
    assert (listing.price, listing.currency) == (Decimal("880"), "HKD")
    assert listing.seller_name == "陳生"
    assert listing.seller_url == "https://hk.example/user/chanman"
    assert listing.images == ["https://hk.example/photos/scales-1.jpg"]
    assert listing.lang == "zh-HK"


def test_rdfa_product(page_bytes) -> None:
    listing = extract_listing(load(page_bytes, "rdfa_product.html"), "https://curio.example/p/pendant")
    assert listing is not None
    assert listing.source == "rdfa"
    assert listing.title == "Carved tusk pendant"
    assert (listing.price, listing.currency) == (Decimal("250.00"), "USD")
    assert listing.images == ["https://curio.example/img/pendant.jpg"]


def test_bare_page_with_chrome_uses_heuristics(page_bytes) -> None:
    listing = extract_listing(load(page_bytes, "bare_chrome.html"), "https://bazaar.example.hk/listing/55500")
    assert listing is not None
    assert listing.source == "heuristic"
    assert listing.title == "Rhino horn bracelet beads"
    assert (listing.price, listing.currency, listing.price_text) == (Decimal("3200"), "HKD", "HK$ 3,200")
    assert "Telegram @hornbeads" in listing.description
    assert "Sign in" not in listing.description and "Bazaar Board" not in listing.description
    assert listing.seller_name == "kowloon_trader"
    assert listing.seller_url == "https://bazaar.example.hk/u/kowloon_trader"
    assert listing.images == [
        "https://bazaar.example.hk/uploads/2026/11/beads-1.jpg",
        "https://bazaar.example.hk/uploads/2026/11/beads-2.jpg",
    ]


@pytest.mark.parametrize(
    ("name", "content_type", "title", "price", "currency", "seller"),
    [
        ("gbk_page.html", None, "出售穿山甲片 正品保真", "380", "CNY", "广州药材行"),
        (
            "mislabeled_gbk_as_utf8.html",
            "text/html; charset=utf-8",
            "出售穿山甲片 正品保真",
            "380",
            "CNY",
            "广州药材行",
        ),
        ("big5_page.html", None, "象牙麻將 全套", "12000", "MOP", None),
        ("mislabeled_big5_as_gb2312.html", None, "象牙麻將 全套", "12000", "MOP", None),
        ("invalid_jsonld.html", None, "Hawksbill shell comb", "75", "GBP", None),
        ("truncated.html", None, "Pangolin scales 1kg", "450", "USD", None),
    ],
)
def test_encoded_and_damaged_pages(page_bytes, name, content_type, title, price, currency, seller) -> None:
    listing = extract_listing(load(page_bytes, name, content_type), "https://www.example.com/item/1")
    assert listing is not None
    assert listing.title == title
    assert (listing.price, listing.currency) == (Decimal(price), currency)
    assert listing.seller_name == seller


def test_invalid_jsonld_keeps_the_valid_block(page_bytes) -> None:
    listing = extract_listing(load(page_bytes, "invalid_jsonld.html"), "https://old.example/item/5")
    assert listing is not None
    assert listing.source == "jsonld"
    assert listing.description == "Vintage hawksbill comb, very rare."
    assert "injected" not in listing.title


def test_truncated_page_keeps_what_arrived(page_bytes) -> None:
    listing = extract_listing(load(page_bytes, "truncated.html"), "https://t.example/item/9")
    assert listing is not None
    assert "WhatsApp +86 138 1234 5678" in listing.description


# ------------------------------------------------------------------ classification


@pytest.mark.parametrize(
    ("name", "url", "kind"),
    [
        ("jsonld_product.html", f"{SHOP}/item/1001", "item"),
        ("microdata_product.html", "https://hk.example/item/77", "item"),
        ("rdfa_product.html", "https://curio.example/p/pendant", "item"),
        ("bare_chrome.html", "https://bazaar.example.hk/listing/55500", "item"),
        ("gbk_page.html", "https://www.example.com/goods.php?id=5", "item"),
        ("big5_page.html", "https://mo.example/item/1", "item"),
        ("invalid_jsonld.html", "https://old.example/item/5", "item"),
        ("truncated.html", "https://t.example/item/9", "item"),
        ("listing_itemlist.html", f"{SHOP}/search?q=%E6%89%8B%E9%95%AF&page=2", "listing"),
        ("seller_profile.html", f"{SHOP}/shop/laozhang", "seller"),
    ],
)
def test_classify_fixture_pages(page_bytes, name: str, url: str, kind: str) -> None:
    assert classify_page(load(page_bytes, name), url) == kind


def _cards(n: int, prefix: str = "/item/") -> str:
    return "".join(
        f'<li><a href="{prefix}{i}">thing {i}</a> <span class="price">¥{i}0</span></li>' for i in range(1, n + 1)
    )


@pytest.mark.parametrize(
    ("html", "url", "kind"),
    [
        (
            f"<html><body><h1>Category</h1><ul>{_cards(12)}</ul></body></html>",
            "https://s.example/category/7",
            "listing",
        ),
        (
            f"<html><body><ul>{_cards(3)}</ul><a rel=next href='?page=2'>more</a></body></html>",
            "https://s.example/s?q=x",
            "listing",
        ),
        (f"<html><body><h1>Shop of Li</h1><ul>{_cards(6)}</ul></body></html>", "https://s.example/store/li", "seller"),
        (
            "<html><head><meta property='og:type' content='profile'></head><body><h1>Li</h1>"
            f"<ul>{_cards(2)}</ul></body></html>",
            "https://s.example/people?x=1",
            "seller",
        ),
        (
            "<html><body><h1>Tiger tooth pendant</h1><div class='price'>$80</div>"
            "<div class='description'>Real tiger tooth, old, silver cap, ships from Macao.</div></body></html>",
            "https://s.example/view?x=1",
            "item",
        ),
        (
            "<html><body><h1>Tiger bone wine</h1><p>价格：面议</p>"
            "<div><p>Old tiger bone wine, sealed bottle, message me for the price.</p></div></body></html>",
            "https://s.example/item/5",
            "item",
        ),
        (
            "<html><body><nav><a href='/'>Home</a></nav><h1>Ivory bangle</h1><p>Price: ¥1,200</p>"
            "<section><p>Old ivory bangle from grandmother, very white, genuine.</p></section>"
            "<p>Sold by <a href='/seller/7'>Lao Wang</a></p></body></html>",
            "http://127.0.0.1:8000/item/42",
            "item",
        ),
        ("<html><body><h1>About us</h1><p>We are a small team.</p></body></html>", "https://s.example/about", "other"),
        ("<html><body><h1>Login</h1><form><input name=u></form></body></html>", "https://s.example/login", "other"),
        ("", "https://s.example/", "other"),
        ("not html at all", "https://s.example/", "other"),
    ],
)
def test_classify_synthetic_pages(html: str, url: str, kind: str) -> None:
    assert classify_page(html, url) == kind


# ------------------------------------------------------------------ links


def test_listing_links(page_bytes) -> None:
    links = extract_links(load(page_bytes, "listing_itemlist.html"), f"{SHOP}/search?q=%E6%89%8B%E9%95%AF&page=2")
    assert links.item_links == [f"{SHOP}/item/200{i}" for i in range(1, 6)]  # tracking stripped, m. host aligned
    assert links.next_page == f"{SHOP}/search?page=3&q=%E6%89%8B%E9%95%AF"
    assert f"{SHOP}/search?page=1&q=%E6%89%8B%E9%95%AF" in links.listing_links
    assert f"{SHOP}/category/jewelry" in links.listing_links
    assert links.seller_links == [f"{SHOP}/shop/laozhang"]
    all_links = links.item_links + links.listing_links + links.seller_links + links.other_links
    assert len(all_links) == len(set(all_links))
    assert not any(link.startswith(("mailto:", "javascript:", "tel:")) for link in all_links)


def test_item_page_links(page_bytes) -> None:
    links = extract_links(load(page_bytes, "jsonld_product.html"), f"{SHOP}/item/1001")
    assert links.item_links == [f"{SHOP}/item/1002", f"{SHOP}/item/1003"]
    assert links.seller_links == [f"{SHOP}/shop/laozhang"]
    assert f"{SHOP}/item/1001" not in links.item_links  # no self links


def test_offsite_links_are_other(page_bytes) -> None:
    links = extract_links(load(page_bytes, "bare_chrome.html"), "https://bazaar.example.hk/listing/55500")
    assert "https://ads.example.net/click?id=9" in links.other_links
    assert links.item_links == ["https://bazaar.example.hk/listing/55501", "https://bazaar.example.hk/listing/55502"]


@pytest.mark.parametrize(
    ("anchor", "url", "next_page"),
    [
        ('<a href="/list?page=3">下一页</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">下一頁</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">下頁</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">Next</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">Next »</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">›</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">»</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a href="/list?page=3">&gt;</a>', "https://s.example/list?page=2", "https://s.example/list?page=3"),
        ('<a rel="next" href="/list/p3">more</a>', "https://s.example/list/p2", "https://s.example/list/p3"),
        (
            '<a aria-label="Next page" href="/x/page/4">→</a>',
            "https://s.example/x/page/3",
            "https://s.example/x/page/4",
        ),
        (
            '<a href="/list?page=2">2</a><a href="/list?page=3">3</a>',
            "https://s.example/list",
            "https://s.example/list?page=2",
        ),
        ('<a href="/list?pn=5">5</a>', "https://s.example/list?pn=4", "https://s.example/list?pn=5"),
        ('<a href="/list?page=1">上一页</a>', "https://s.example/list?page=2", None),
    ],
)
def test_next_page(anchor: str, url: str, next_page: str | None) -> None:
    links = extract_links(f"<html><body><div class='pager'>{anchor}</div></body></html>", url)
    assert links.next_page == next_page
    if next_page:
        assert next_page in links.listing_links


@pytest.mark.parametrize(
    ("href", "bucket"),
    [
        ("/item/123", "item_links"),
        ("/product/ivory-bangle", "item_links"),
        ("/goods/detail.php?goods_id=9", "item_links"),
        ("/item.htm?id=55", "item_links"),
        ("/forum/thread-123-1-1.html", "item_links"),
        ("/2026/11/554433.html", "item_links"),
        ("/shop/li/item/5", "item_links"),
        ("/seller/li", "seller_links"),
        ("/user/12345", "seller_links"),
        ("/u/li", "seller_links"),
        ("/profile/li", "seller_links"),
        ("/store/li", "seller_links"),
        ("/search?q=ivory", "listing_links"),
        ("/category/antiques", "listing_links"),
        ("/tag/jade", "listing_links"),
        ("/about", "other_links"),
        ("https://other.example/item/1", "other_links"),
    ],
)
def test_link_buckets(href: str, bucket: str) -> None:
    links = extract_links(f'<html><body><a href="{href}">x</a></body></html>', "https://s.example/somewhere")
    assert len(getattr(links, bucket)) == 1


def test_links_respect_base_href() -> None:
    html = '<html><head><base href="https://cdn.s.example/mirror/"></head><body><a href="item/1">x</a></body></html>'
    assert extract_links(html, "https://s.example/a").other_links == ["https://cdn.s.example/mirror/item/1"]


# ------------------------------------------------------------------ heuristics in isolation


@pytest.mark.parametrize(
    ("html", "title"),
    [
        ("<html><head><title>Ivory chopsticks - Bazaar</title></head><body></body></html>", "Ivory chopsticks"),
        ("<html><head><title>象牙筷子_闲置交易网</title></head><body></body></html>", "象牙筷子"),
        ("<html><head><title>象牙筷子 | 二手市場</title></head><body></body></html>", "象牙筷子"),
        (
            "<html><head><title>Bazaar | Ivory chopsticks for sale</title>"
            "<meta property='og:site_name' content='Bazaar'></head><body></body></html>",
            "Ivory chopsticks for sale",
        ),
        ("<html><head><title>T</title></head><body><h1> Real \u200b title </h1></body></html>", "Real title"),
        ("<html><head><meta property='og:title' content='OG title'></head><body><h1>H1</h1></body></html>", "OG title"),
    ],
)
def test_title_heuristics(html: str, title: str) -> None:
    listing = extract_listing(html, "https://s.example/item/1")
    assert listing is not None and listing.title == title


def test_item_page_with_related_items_stays_an_item() -> None:
    related = "".join(f'<a href="/item/{i}">related {i}</a>' for i in range(20))
    html = (
        "<html><body><h1>Pangolin scale bag</h1><span class='price'>¥380</span>"
        "<div class='description'>Dried scales, 500g, ships from Guangzhou within two days.</div>"
        f"<div class='related'>{related}</div></body></html>"
    )
    analysis = analyse_page(html, "https://s.example/item/99")
    assert analysis.kind == "item"
    assert len(analysis.links.item_links) == 20


def test_the_product_matching_the_page_url_wins() -> None:
    html = (
        '<script type="application/ld+json">[{"@type":"Product","name":"Other","url":"/item/1"},'
        '{"@type":"Product","name":"This one","url":"/item/2?utm_source=x"}]</script>'
    )
    listing = extract_listing(html, "https://s.example/item/2")
    assert listing is not None and listing.title == "This one"


def test_old_price_is_not_taken() -> None:
    html = (
        "<html><body><h1>Coral</h1><span class='original-price'>¥900</span><del><span class='price'>¥800</span></del>"
        "<span class='sale-price'>¥500</span></body></html>"
    )
    listing = extract_listing(html, "https://s.example/item/1")
    assert listing is not None and listing.price == Decimal("500")


def test_price_from_label_in_text() -> None:
    html = (
        "<html><body><h1>虎骨</h1><div class='content'><p>老虎骨头一副。</p><p>价格：HK$8,000</p></div></body></html>"
    )
    listing = extract_listing(html, "https://s.example/item/1")
    assert listing is not None and (listing.price, listing.currency) == (Decimal("8000"), "HKD")


def test_price_label_outside_the_description_block() -> None:
    html = (
        "<html><body><h1>Ivory bangle</h1><p>Price: ¥1,200</p>"
        "<section><p>Old ivory bangle from grandmother, very white, genuine.</p></section>"
        "<p>Sold by <a href='/seller/7'>Lao Wang</a></p></body></html>"
    )
    listing = extract_listing(html, "http://127.0.0.1:8000/item/42")
    assert listing is not None
    assert (listing.price, listing.currency, listing.price_text) == (Decimal("1200"), "CNY", "Price: ¥1,200")
    assert (listing.seller_name, listing.seller_url) == ("Lao Wang", "http://127.0.0.1:8000/seller/7")


def test_dollar_price_uses_site_region() -> None:
    html = "<html><body><h1>Shark fin</h1><span class='price'>$300</span></body></html>"
    assert extract_listing(html, "https://shop.example.hk/item/1").currency == "HKD"
    assert extract_listing(html, "https://shop.example.com/item/1").currency == "USD"
    assert extract_listing(html.replace("<html>", "<html lang='zh-TW'>"), "https://s.example/item/1").currency == "TWD"


def test_images_skip_pixels_icons_and_data_uris() -> None:
    html = (
        "<html><body><h1>x</h1><div class='description'><p>long enough description text here</p>"
        "<img src='data:image/png;base64,AAAA'><img src='/i/icon-star.png'><img src='/i/spacer.gif' width='1'>"
        "<img src='/i/photo.jpg'><img srcset='/i/big.jpg 2x, /i/small.jpg 1x'><img src='/i/photo.jpg'>"
        "</div></body></html>"
    )
    listing = extract_listing(html, "https://s.example/item/1")
    assert listing is not None and listing.images == ["https://s.example/i/photo.jpg", "https://s.example/i/big.jpg"]


@pytest.mark.parametrize(
    ("raw", "multiline", "expected"),
    [
        ("  a \u200b b\n\n c ", False, "a b c"),
        ("a\u00a0\u3000b", False, "a b"),
        ("line one \n\n\n  line\u200d two ", True, "line one\nline two"),
        ("", False, ""),
        (None, False, ""),
        ("繁體\u200c中文", False, "繁體中文"),
        ("象\U000e0041牙手\U000e0020镯\U000e007f", False, "象牙手镯"),  # tag characters
    ],
)
def test_clean_text(raw: str | None, multiline: bool, expected: str) -> None:
    assert clean_text(raw, multiline=multiline) == expected


# ------------------------------------------------------------------ hostile pages


HOSTILE = [
    "",
    "   ",
    "<",
    "\x00\x01\x02",
    "<html>",
    "</div></div></body>",
    '<?xml version="1.0" encoding="utf-8"?><html><body><h1>x</h1></body></html>',
    "<html><body>" + "<div>" * 10_000 + "<h1>deep</h1>" + "</div>" * 10_000 + "</body></html>",
    "<html><body>" + "<span><b>" * 3_000 + "</body></html>",
    '<script type="application/ld+json">' + "[" * 5_000 + "</script>",
    '<script type="application/ld+json">{"@type": "Product", "name": {"@value": ["x"]}, "offers": [[[]]]}</script>',
    '<script type="application/ld+json">{"@graph": "nope", "@type": 5}</script>',
    '<div itemscope itemtype="http://schema.org/Product"><span itemprop="name"></span>'
    '<div itemprop="offers" itemscope><span itemprop="price">abc</span></div></div>',
    '<body vocab="http://schema.org/" typeof="Product"><span property="name">x</span><a property="offers" href="::">',
    "<h1>\u200b\u200b</h1><title>\ufeff</title>",
    "<a href='http://[bad'>x</a><a href='https://x.example:99999/'>y</a><img src='http://[::1'>",
    "<html><body><h1>x</h1><div class=price>" + "9" * 5000 + "</div></body></html>",
]


@pytest.mark.parametrize("html", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_pages_never_raise(html: str) -> None:
    analysis = analyse_page(html, "https://s.example/item/1")
    assert analysis.kind in ("item", "listing", "seller", "other")
    assert isinstance(extract_links(html, "https://s.example/item/1"), PageLinks)
    listing = extract_listing(html, "https://s.example/item/1")
    assert listing is None or isinstance(listing, ExtractedListing)
    assert classify_page(html, "") in ("item", "listing", "seller", "other")


def test_ten_megabyte_page() -> None:
    card = (
        '<div class="card"><a href="/item/{i}">象牙 ivory {i}</a><span class="price">¥{i}</span>'
        "<p>描述文字 description text</p></div>"
    )
    body = "".join(card.format(i=i) for i in range(120_000))
    html = f"<html><head><title>big</title></head><body><h1>Search</h1>{body}</body></html>"
    assert len(html.encode()) > 10_000_000
    analysis = analyse_page(html, "https://s.example/search?q=ivory")
    assert analysis.kind == "listing"
    assert len(analysis.links.item_links) >= 1000


def test_itemlist_inside_graph_gives_item_links() -> None:
    html = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"WebPage","name":"Search"},'
        '{"@type":"ItemList","itemListElement":['
        '{"@type":"ListItem","position":1,"url":"/goods/a1"},'
        '{"@type":"ListItem","position":2,"item":{"@id":"https://m.s.example/goods/a2?spm=1"}},'
        '{"@type":"ListItem","position":3,"item":{"@type":"Product","name":"c","url":"/goods/a3"}}]}]}'
        "</script>"
    )
    analysis = analyse_page(html, "https://s.example/search?q=horn")
    assert analysis.kind == "listing"
    assert analysis.links.item_links == [
        "https://s.example/goods/a1",
        "https://s.example/goods/a2",
        "https://s.example/goods/a3",
    ]
