"""Generic layout rules for pages without structured data: whose price, which title, what description."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crawler.extract import extract_listing
from crawler.prices import Price, parse_price, parse_price_only

CHROME_TOP = (
    '<header><a class="logo" href="/">Jishi Market</a><a href="/login">Log in</a></header>'
    '<nav class="breadcrumb"><a href="/">Home</a> &gt; <span>{title}</span></nav>'
)
RELATED = (
    '<section class="related"><h3>Related items</h3><ul class="card-list">'
    '<li class="card"><a href="/item/2"><span class="card-title">Other thing</span></a>'
    '<span class="card-price">HK$4000</span></li>'
    '<li class="card"><a href="/item/3"><span class="card-title">Third thing</span></a>'
    '<span class="card-price">HK$90</span></li></ul></section>'
    '<aside class="ads"><ul><li class="ad-item"><a href="/promo/1">Flights from $99</a></li></ul></aside>'
)


def page(title_tag: str, body: str, head: str = "") -> str:
    title = title_tag.rsplit(" - ", 1)[0]
    return (
        f"<html><head><title>{title_tag}</title>{head}</head><body>"
        f"{CHROME_TOP.format(title=title)}<main>{body}{RELATED}</main></body></html>"
    )


TABLE_ITEM = (
    '<div id="content"><table><tr><td colspan="2"><b>Sony WH-1000XM5 降噪耳機 可議</b></td></tr>'
    '<tr><td>澳門幣 1110</td><td><a href="/seller/7">Kitty媽媽</a> 刊登於 <time>2026-05-03</time></td></tr>'
    '<tr><td colspan="2">降噪好好，耳罩有少少磨損。有少少花痕，唔影響使用。</td></tr></table></div>'
)
SECTION_ITEM = (
    '<section class="goods"><h2>Like new - Ray-Ban Wayfarer sunglasses - OBO</h2><em class="goods-price">US$ 150</em>'
    '<div class="goods-seller"><a href="/seller/9">minimalist_ann</a></div>'
    '<span class="posted">Posted <time datetime="2026-03-01">2026-03-01</time></span>'
    '<p class="goods-intro">Barely worn, comes with the original case and cloth.</p></section>'
)


@pytest.mark.parametrize(
    ("html", "title", "price", "currency", "description", "seller"),
    [
        (
            page("Sony WH-1000XM5 降噪耳機 可議 - 集市二手 香港站", TABLE_ITEM),
            "Sony WH-1000XM5 降噪耳機 可議",
            "1110",
            "MOP",
            "降噪好好，耳罩有少少磨損。有少少花痕，唔影響使用。",
            "Kitty媽媽",
        ),
        (
            page("Like new - Ray-Ban Wayfarer sunglasses - OBO - Jishi Market", SECTION_ITEM),
            "Like new - Ray-Ban Wayfarer sunglasses - OBO",
            "150",
            "USD",
            "Barely worn, comes with the original case and cloth.",
            "minimalist_ann",
        ),
    ],
    ids=["table-layout-big5-style", "section-layout-dashes"],
)
def test_bare_item_among_related_cards(html, title, price, currency, description, seller) -> None:
    listing = extract_listing(html, "http://127.0.0.1:8088/item/7002")
    assert listing is not None
    assert listing.title == title
    assert (listing.price, listing.currency) == (Decimal(price), currency)
    assert listing.description == description
    assert listing.seller_name == seller


@pytest.mark.parametrize(
    ("html", "title"),
    [
        # No visible block repeats the <title>: only the part after the last separator goes.
        ("<title>FS: Framed watercolor painting - OBO - Jishi Market</title>", "FS: Framed watercolor painting - OBO"),
        # The site name is known: exactly it goes, wherever the separators are.
        (
            "<title>Like new - Ray-Ban - OBO | Jishi Market</title>"
            "<meta property='og:site_name' content='Jishi Market'>",
            "Like new - Ray-Ban - OBO",
        ),
        ("<title>Jishi Market - Like new - Ray-Ban</title><meta name='application-name' content='Jishi Market'>",
         "Like new - Ray-Ban"),
        # The visible <b> block the <title> starts with wins, even without a site name.
        ("<title>Ivory chopsticks - OBO - Bazaar</title></head><body><p><b>Ivory chopsticks - OBO</b></p>",
         "Ivory chopsticks - OBO"),
        # A visible block that the <title> does not start with changes nothing.
        ("<title>象牙筷子_闲置交易网</title></head><body><b>包邮</b>", "象牙筷子"),
    ],
    ids=["last-separator", "og-site-name-suffix", "application-name-prefix", "visible-block", "unrelated-block"],
)
def test_title_keeps_everything_but_the_site_name(html: str, title: str) -> None:
    listing = extract_listing(f"<html><head>{html}</body></html>", "https://s.example/item/1")
    assert listing is not None and listing.title == title


@pytest.mark.parametrize(
    ("body", "price"),
    [
        # Price-marked cards repeated in the main column belong to other items; the own price is a bare line.
        (
            "<h1>Coral necklace</h1><p>HK$ 2,400</p>"
            "<div class='body'><p>Old red coral, 45cm, clasp in silver.</p></div>"
            + "".join(f"<div class='tile'><a href='/item/{i}'>x</a><span class='price'>HK$ {i}00</span></div>"
                      for i in range(1, 5)),
            "2400",
        ),
        # A buy box in an <aside> is still the item's own price when nothing else is.
        (
            "<h1>Coral necklace</h1><div class='body'><p>Old red coral, 45cm, clasp in silver.</p></div>"
            "<aside class='buybox'><span class='price'>HK$ 2,400</span></aside>",
            "2400",
        ),
        # Same-class panels that show no prices are not a card list: the product panel keeps its price.
        (
            "<div class='card'><h1>Coral necklace</h1><span class='price'>HK$ 2,400</span></div>"
            "<div class='card'><p>Old red coral, 45cm, clasp in silver.</p></div>"
            "<div class='card'><p>Seller since 2019, Kowloon</p></div>",
            "2400",
        ),
        # Only related cards carry prices: no price rather than someone else's.
        ("<h1>Coral necklace</h1><div class='body'><p>Old red coral, 45cm, price on request.</p></div>", None),
    ],
    ids=["repeated-cards", "aside-buy-box", "unpriced-panels", "only-related-prices"],
)
def test_own_price_not_a_card_price(body: str, price: str | None) -> None:
    html = f"<html><body>{body}{RELATED}</body></html>"
    listing = extract_listing(html, "https://shop.example.hk/item/1")
    assert listing is not None
    assert listing.price == (Decimal(price) if price else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("澳門幣 1110", Price(Decimal("1110"), "MOP")),
        ("￥678", Price(Decimal("678"), "CNY")),
        ("US$ 150", Price(Decimal("150"), "USD")),
        ("MOP 5,180", Price(Decimal("5180"), "MOP")),
        ("1,200元", Price(Decimal("1200"), "CNY")),
        ("Price: ¥1,200", Price(Decimal("1200"), "CNY")),
        ("售价：¥80起", Price(Decimal("80"), "CNY")),
        ("$5880 (港幣)", Price(Decimal("5880"), "HKD")),
        ("2026-05-03", None),
        ("Posted 2026-01-01", None),
        ("iPhone 13 $500", None),
        ("1110", None),
        ("面议", None),
        ("HK$ " + "1" * 50, None),
    ],
)
def test_parse_price_only(text: str, expected: Price | None) -> None:
    assert parse_price_only(text) == expected


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("$5880 (港幣)", None, Price(Decimal("5880"), "HKD")),
        ("$5880 (港幣)", "USD", Price(Decimal("5880"), "HKD")),
        ("100元 (港幣)", None, Price(Decimal("100"), "HKD")),
        ("$300", "HKD", Price(Decimal("300"), "HKD")),
    ],
)
def test_specific_currency_beats_ambiguous_symbol(text: str, default: str | None, expected: Price) -> None:
    assert parse_price(text, default_currency=default) == expected
