"""The demo marketplace's pages: every page rendered once, in its section's encoding (see ``wildwatch.demo.server``)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from wildwatch.demo.generate import CATEGORIES
from wildwatch.demo.photos import DemoPhotos
from wildwatch.demo.records import HTML_LANG, SECTION_CODEC, SECTION_PREFIX, SECTION_UI, canonical_path, section_of

__all__ = ["Response", "Site"]

PAGE_SIZE = 20

UI: dict[str, dict[str, Any]] = {
    "zh-Hans": {
        "site": "集市二手", "home": "首页", "search": "搜索", "search_ph": "搜索宝贝", "login": "登录", "cart": "购物车",
        "cookie": "本网站使用Cookie以提升浏览体验，继续浏览即表示您同意我们的Cookie政策。", "accept": "同意",
        "ad": "广告", "ads": ["新人专享：下载App领10元无门槛红包", "空调清洗上门服务 59元起", "驾校暑期报名特惠，限时立减300"],
        "footer": "© 2026 集市二手 · 关于我们 · 帮助中心 · 隐私政策 · 沪ICP备20260000号",
        "posted": "发布于", "seller": "卖家", "related": "看了又看", "add_cart": "加入购物车", "next": "下一页",
        "prev": "上一页", "categories": "全部分类", "latest": "最新发布", "results": "搜索结果", "no_results": "没有找到相关宝贝",
        "joined": "注册于", "location": "所在地", "items": "在售宝贝", "desc": "宝贝描述", "sections": "其他站点",
        "cart_added": "已加入购物车", "login_title": "登录集市二手",
    },
    "zh-Hant": {
        "site": "集市二手 香港站", "home": "主頁", "search": "搜尋", "search_ph": "搜尋物品", "login": "登入", "cart": "購物車",
        "cookie": "本網站使用Cookie以提升瀏覽體驗，繼續瀏覽即表示你同意我們的Cookie政策。", "accept": "接受",
        "ad": "廣告", "ads": ["新客專享：下載App送HK$20優惠券", "冷氣清洗上門服務 $380起", "日本自由行機票 限時優惠"],
        "footer": "© 2026 集市二手 香港站 · 關於我們 · 幫助中心 · 私隱政策",
        "posted": "刊登於", "seller": "賣家", "related": "相關物品", "add_cart": "加入購物車", "next": "下一頁",
        "prev": "上一頁", "categories": "全部分類", "latest": "最新刊登", "results": "搜尋結果", "no_results": "搵唔到相關物品",
        "joined": "加入於", "location": "地區", "items": "出售中物品", "desc": "物品描述", "sections": "其他站點",
        "cart_added": "已加入購物車", "login_title": "登入集市二手",
    },
    "en": {
        "site": "Jishi Market", "home": "Home", "search": "Search", "search_ph": "Search listings", "login": "Log in",
        "cart": "Cart", "cookie": "We use cookies to improve your experience. By continuing to browse you accept our cookie policy.",
        "accept": "Accept", "ad": "Sponsored",
        "ads": ["Zero down on new e-bikes this weekend only", "Learn Spanish in 15 minutes a day", "Cheap flights to Tokyo"],
        "footer": "© 2026 Jishi Market · About · Help Center · Privacy · Terms",
        "posted": "Posted", "seller": "Seller", "related": "Related items", "add_cart": "Add to cart", "next": "Next",
        "prev": "Previous", "categories": "All categories", "latest": "Latest listings", "results": "Search results",
        "no_results": "No listings found", "joined": "Joined", "location": "Location", "items": "Listings",
        "desc": "Description", "sections": "Other sections", "cart_added": "Added to cart", "login_title": "Log in",
    },
}

ROBOTS_TXT = "User-agent: *\nDisallow: /cart/\nDisallow: /account/\n\nSitemap: {base}/sitemap.xml\n"
CSS = b"body{font-family:sans-serif;margin:0}header,footer{background:#f5f5f5;padding:8px}.cookie-banner{font-size:12px}"


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Response:
    """A ready-to-send response: status, content type and encoded body."""

    status: int
    content_type: str
    body: bytes
    location: str = ""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _json_script(data: Any, codec: str) -> str:
    """JSON-LD safe inside <script> in any page encoding: characters the codec lacks become \\u escapes.

    (Character references would not be decoded inside <script>, so xmlcharrefreplace is no use here.)
    """
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    if codec == "utf-8":
        return text
    out = []
    for ch in text:
        try:
            ch.encode(codec)
            out.append(ch)
        except UnicodeEncodeError:
            out.append(json.dumps(ch)[1:-1])
    return "".join(out)


def _tracking(kind: str, n: int) -> str:
    """Tracking-parameter variants some links carry (same item, different URL) to exercise canonicalisation."""
    variants = ["", "", "", f"?utm_source={kind}&spm=a21.{kind}.{n}", f"?spm=a21.{kind}.{n}&utm_medium=web", f"?from={kind}"]
    return variants[n % len(variants)]


class Site:
    """All rendered pages of the demo marketplace for one data directory and base URL."""

    def __init__(self, listings: list[dict[str, Any]], sellers: list[dict[str, Any]], base_url: str) -> None:
        self.base_url = base_url
        self.listings = sorted(listings, key=lambda r: (r["posted_at"], r["id"]), reverse=True)
        self.by_id = {int(r["id"]): r for r in listings}
        self.sellers = {int(s["id"]): s for s in sellers}
        self.haystack = [((r["title"] + "\n" + r["description"]).casefold(), r) for r in self.listings]
        self.routes: dict[str, Response] = {}
        self.paged: set[str] = set()
        self.photos = DemoPhotos(listings)
        self._build()

    # ---- chrome ---------------------------------------------------------------------------------
    def _page(self, ui_lang: str, section: str, title: str, main: str, *, head: str = "") -> str:
        ui = UI[ui_lang]
        prefix = SECTION_PREFIX[section]
        codec = SECTION_CODEC[section]
        nav = "".join(f'<li><a href="{prefix}/category/{slug}">{_e(names[ui_lang])}</a></li>'
                      for slug, names in CATEGORIES.items())
        ads = "".join(f'<li class="ad-item"><a href="/promo/{i}" rel="sponsored">{_e(text)}</a></li>'
                      for i, text in enumerate(ui["ads"]))
        return (
            f'<!DOCTYPE html>\n<html lang="{HTML_LANG[ui_lang]}"><head><meta charset="{codec}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)} - {_e(ui['site'])}</title>"
            f'<link rel="stylesheet" href="/static/site.css">{head}</head><body>'
            f'<header class="site-header"><a class="logo" href="{prefix}/">{_e(ui["site"])}</a>'
            f'<form class="search-box" action="/search" method="get" accept-charset="utf-8">'
            f'<input type="search" name="q" placeholder="{_e(ui["search_ph"])}">'
            f'<button type="submit">{_e(ui["search"])}</button></form>'
            f'<a class="login" href="/account/login">{_e(ui["login"])}</a> '
            f'<a class="cart" href="/cart/">{_e(ui["cart"])}</a></header>'
            f'<nav class="cat-nav"><ul>{nav}</ul></nav>'
            f'<div class="cookie-banner" id="cookie-consent">{_e(ui["cookie"])} '
            f'<button type="button">{_e(ui["accept"])}</button></div>'
            f'<main id="main">{main}</main>'
            f'<aside class="ads"><h4>{_e(ui["ad"])}</h4><ul>{ads}</ul></aside>'
            f'<footer class="site-footer"><p>{_e(ui["footer"])}</p>'
            f'<p><a href="/">集市二手</a> · <a href="/hk/">香港站</a> · <a href="/cn/">GBK站</a> · '
            f'<a href="/sitemap.xml">Sitemap</a></p></footer></body></html>'
        )

    def _encode(self, text: str, section: str) -> bytes:
        return text.encode(SECTION_CODEC[section], errors="xmlcharrefreplace")

    def _html(self, text: str, section: str, status: int = 200) -> Response:
        codec = SECTION_CODEC[section]
        return Response(status, f"text/html; charset={codec}", self._encode(text, section))

    def _card(self, record: dict[str, Any], href: str) -> str:
        return (f'<li class="card"><a class="card-link" href="{_e(href)}">'
                f'<img src="{_e(record["images"][0])}" alt="" width="160" height="160">'
                f'<span class="card-title">{_e(record["title"])}</span></a>'
                f'<span class="card-price">{_e(record["price_text"])}</span></li>')

    def _cards(self, records: list[dict[str, Any]], kind: str) -> str:
        cards = "".join(self._card(r, canonical_path(r) + _tracking(kind, int(r["id"]))) for r in records)
        return f'<ul class="card-list">{cards}</ul>'

    @staticmethod
    def _pager(ui_lang: str, base: str, page: int, pages: int, joiner: str = "?") -> str:
        ui = UI[ui_lang]
        links = []
        if page > 1:
            prev = base if page == 2 and joiner == "?" else f"{base}{joiner}page={page - 1}"
            links.append(f'<a rel="prev" class="page-prev" href="{_e(prev)}">{_e(ui["prev"])}</a>')
        links.append(f'<span class="page-current">{page} / {pages}</span>')
        if page < pages:
            links.append(f'<a rel="next" class="page-next" href="{_e(f"{base}{joiner}page={page + 1}")}">'
                         f'{_e(ui["next"])}</a>')
        return f'<div class="pagination">{"".join(links)}</div>'

    # ---- pages ----------------------------------------------------------------------------------
    def _build(self) -> None:
        for section in SECTION_PREFIX:
            self._build_home(section)
            for slug in CATEGORIES:
                self._build_category(section, slug)
        for record in self.listings:
            self.routes[canonical_path(record)] = self._item_page(record)
        for seller_id in self.sellers:
            self.routes[f"/seller/{seller_id}"] = self._seller_page(seller_id)
        self.routes["/robots.txt"] = Response(200, "text/plain; charset=utf-8",
                                              ROBOTS_TXT.format(base=self.base_url).encode())
        self.routes["/sitemap.xml"] = self._sitemap()
        self.routes["/static/site.css"] = Response(200, "text/css; charset=utf-8", CSS)
        self.routes["/account/login"] = self._html(self._page("zh-Hans", "main", UI["zh-Hans"]["login_title"],
                                                              '<form class="login-form" method="post">'
                                                              '<input name="user"><input name="pass" type="password">'
                                                              "</form>"), "main")
        self.routes["/cart/"] = self._html(self._page("zh-Hans", "main", UI["zh-Hans"]["cart"], "<p>0</p>"), "main")

    def _section_listings(self, section: str, slug: str | None = None) -> list[dict[str, Any]]:
        if section == "main":
            wanted = {"main", "cn"}  # the main site also lists GBK-section items, linking to /cn/item/<id>
        else:
            wanted = {section}
        return [r for r in self.listings if section_of(r) in wanted and (slug is None or r["category"] == slug)]

    def _build_home(self, section: str) -> None:
        ui_lang = SECTION_UI[section]
        ui = UI[ui_lang]
        prefix = SECTION_PREFIX[section]
        cats = "".join(f'<li><a href="{prefix}/category/{slug}{_tracking("home", i)}">{_e(names[ui_lang])}</a></li>'
                       for i, (slug, names) in enumerate(CATEGORIES.items()))
        latest = self._section_listings(section)[:30]
        main = (f'<section class="categories"><h2>{_e(ui["categories"])}</h2><ul>{cats}</ul></section>'
                f'<section class="sections"><h2>{_e(ui["sections"])}</h2><ul><li><a href="/">集市二手</a></li>'
                f'<li><a href="/hk/">香港站 (Big5)</a></li><li><a href="/cn/">GBK站</a></li></ul></section>'
                f'<section class="latest"><h2>{_e(ui["latest"])}</h2>{self._cards(latest, "home")}</section>')
        self.routes[f"{prefix}/"] = self._html(self._page(ui_lang, section, ui["home"], main), section)

    def _build_category(self, section: str, slug: str) -> None:
        ui_lang = SECTION_UI[section]
        records = self._section_listings(section, slug)
        base = f"{SECTION_PREFIX[section]}/category/{slug}"
        pages = max(1, -(-len(records) // PAGE_SIZE))
        self.paged.add(base)
        name = CATEGORIES[slug][ui_lang]
        for page in range(1, pages + 1):
            chunk = records[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            head = ""
            if section == "main":
                item_list = {"@context": "https://schema.org", "@type": "ItemList", "name": name,
                             "itemListElement": [{"@type": "ListItem", "position": (page - 1) * PAGE_SIZE + i + 1,
                                                  "url": self.base_url + canonical_path(r)}
                                                 for i, r in enumerate(chunk)]}
                head = f'<script type="application/ld+json">{_json_script(item_list, "utf-8")}</script>'
            main = (f'<nav class="breadcrumb"><a href="{SECTION_PREFIX[section]}/">{_e(UI[ui_lang]["home"])}</a> &gt; '
                    f'<span>{_e(name)}</span></nav><h1 class="cat-title">{_e(name)}</h1>'
                    f'{self._cards(chunk, "category")}{self._pager(ui_lang, base, page, pages)}')
            text = self._page(ui_lang, section, name if page == 1 else f"{name} ({page})", main, head=head)
            self.routes[base if page == 1 else f"{base}?page={page}"] = self._html(text, section)

    def _item_body(self, record: dict[str, Any], ui_lang: str, codec: str) -> tuple[str, str]:
        """The main product block in the record's markup style, plus any <head> additions."""
        ui = UI[ui_lang]
        rid = int(record["id"])
        seller = self.sellers.get(int(record["seller_id"]), {"name": str(record["seller_id"])})
        seller_link = f'<a class="seller-link" href="/seller/{record["seller_id"]}">{_e(seller["name"])}</a>'
        images = "".join(f'<img src="{_e(src)}" alt="{_e(record["title"])}">' for src in record["images"])
        posted = f'<span class="posted">{_e(ui["posted"])} <time datetime="{record["posted_at"]}">{record["posted_at"]}</time></span>'
        title, desc, price_text = _e(record["title"]), _e(record["description"]), _e(record["price_text"])
        price = record["price"]
        markup = record["markup"]
        if markup == "jsonld":
            data = {"@context": "https://schema.org", "@type": "Product", "name": record["title"],
                    "description": record["description"], "sku": str(rid),
                    "image": [self.base_url + src for src in record["images"]],
                    "category": CATEGORIES[record["category"]][ui_lang],
                    "offers": {"@type": "Offer", "price": str(price), "priceCurrency": record["currency"],
                               "availability": "https://schema.org/InStock",
                               "url": self.base_url + canonical_path(record),
                               "seller": {"@type": "Person", "name": seller["name"],
                                          "url": f"{self.base_url}/seller/{record['seller_id']}"}}}
            head = f'<script type="application/ld+json">{_json_script(data, codec)}</script>'
            body = (f'<div class="item-detail"><div class="gallery">{images}</div>'
                    f'<h1 class="item-title">{title}</h1><div class="item-price">{price_text}</div>'
                    f'<div class="item-meta">{ui["seller"]}: {seller_link} · {posted}</div>'
                    f'<h3>{_e(ui["desc"])}</h3><div class="item-desc">{desc}</div></div>')
            return body, head
        if markup == "microdata":
            body = (f'<div class="product" itemscope itemtype="https://schema.org/Product">'
                    f'<meta itemprop="sku" content="{rid}"><div class="pics">{images}</div>'
                    f'<h1 itemprop="name">{title}</h1>'
                    f'<div class="offer" itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
                    f'<meta itemprop="priceCurrency" content="{record["currency"]}">'
                    f'<span class="price" itemprop="price" content="{price}">{price_text}</span></div>'
                    f'<p class="meta">{ui["seller"]}: {seller_link} {posted}</p>'
                    f'<div class="description" itemprop="description">{desc}</div></div>')
            return body, ""
        if rid % 2:
            body = (f'<section class="goods"><div class="goods-pics">{images}</div>'
                    f'<h2 class="goods-name">{title}</h2><em class="goods-price">{price_text}</em>'
                    f'<div class="goods-seller">{seller_link}</div>{posted}'
                    f'<p class="goods-intro">{desc}</p></section>')
        else:
            body = (f'<div id="content"><table class="listing"><tr><td class="t" colspan="2"><b>{title}</b></td></tr>'
                    f'<tr><td class="p">{price_text}</td><td>{seller_link} {posted}</td></tr>'
                    f'<tr><td colspan="2">{images}</td></tr>'
                    f'<tr><td class="d" colspan="2">{desc}</td></tr></table></div>')
        return body, ""

    def _item_page(self, record: dict[str, Any]) -> Response:
        section = section_of(record)
        ui_lang = record["lang"]
        ui = UI[ui_lang]
        prefix = SECTION_PREFIX[section]
        codec = SECTION_CODEC[section]
        slug = record["category"]
        body, head = self._item_body(record, ui_lang, codec)
        head = f'<link rel="canonical" href="{self.base_url}{canonical_path(record)}">{head}'
        related = [r for r in self.listings if r["category"] == slug and r["id"] != record["id"]
                   and section_of(r) == section][:4]
        main = (f'<nav class="breadcrumb"><a href="{prefix}/">{_e(ui["home"])}</a> &gt; '
                f'<a href="{prefix}/category/{slug}">{_e(CATEGORIES[slug][ui_lang])}</a> &gt; '
                f'<span>{_e(record["title"])}</span></nav>{body}'
                f'<p class="actions"><a class="add-cart" href="/cart/add?item={record["id"]}">{_e(ui["add_cart"])}</a></p>'
                f'<section class="related"><h3>{_e(ui["related"])}</h3>{self._cards(related, "related")}</section>')
        return self._html(self._page(ui_lang, section, record["title"], main, head=head), section)

    def _seller_page(self, seller_id: int) -> Response:
        seller = self.sellers[seller_id]
        records = [r for r in self.listings if int(r["seller_id"]) == seller_id]
        ui_lang = records[0]["lang"] if records else "zh-Hans"
        ui = UI[ui_lang]
        main = (f'<div class="seller-profile"><h1 class="seller-name">{_e(seller["name"])}</h1>'
                f'<p>{_e(ui["joined"])} {_e(seller["joined"])} · {_e(ui["location"])} {_e(seller["location"])}</p></div>'
                f'<h2>{_e(ui["items"])} ({len(records)})</h2>{self._cards(records, "seller")}')
        return self._html(self._page(ui_lang, "main", seller["name"], main), "main")

    def _sitemap(self) -> Response:
        urls = [f"{self.base_url}{prefix}/" for prefix in SECTION_PREFIX.values()]
        urls += [f"{self.base_url}{prefix}/category/{slug}" for prefix in SECTION_PREFIX.values() for slug in CATEGORIES]
        urls += [self.base_url + canonical_path(r) for r in sorted(self.listings, key=lambda r: r["id"])]
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(f"<url><loc>{_e(u)}</loc></url>\n" for u in urls) + "</urlset>\n")
        return Response(200, "application/xml; charset=utf-8", body.encode())

    # ---- dynamic --------------------------------------------------------------------------------
    def search(self, query: str, page: int) -> Response:
        """Substring search over title and description (case-insensitive), 20 results a page."""
        needle = query.strip().casefold()
        hits = [r for text, r in self.haystack if needle and needle in text]
        pages = max(1, -(-len(hits) // PAGE_SIZE))
        if page < 1 or page > pages:
            return self.not_found()
        ui = UI["zh-Hans"]
        chunk = hits[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        base = f"/search?q={quote(query)}"
        results = self._cards(chunk, "search") if chunk else f'<p class="empty">{_e(ui["no_results"])}</p>'
        main = (f'<h1 class="search-title">{_e(ui["results"])}: {_e(query)} ({len(hits)})</h1>{results}'
                f'{self._pager("zh-Hans", base, page, pages, joiner="&")}')
        return self._html(self._page("zh-Hans", "main", f"{ui['search']} {query}", main), "main")

    def cart_add(self, item: str) -> Response:
        """The page robots.txt forbids: it exists (200) so a crawler ignoring robots.txt gets caught."""
        ui = UI["zh-Hans"]
        return self._html(self._page("zh-Hans", "main", ui["cart"], f'<p class="cart-msg">{_e(ui["cart_added"])} #{_e(item)}</p>'),
                          "main")

    def not_found(self) -> Response:
        return self._html(self._page("zh-Hans", "main", "404", '<h1>404</h1><p>页面不存在 / Page not found</p>'), "main",
                          status=404)

    def resolve(self, raw_path: str) -> Response:
        """Map a request target (path plus query) to a response."""
        parts = urlsplit(raw_path)
        path = parts.path
        query = parse_qs(parts.query)
        if path in self.paged:
            page_values = query.get("page", ["1"])
            page = int(page_values[0]) if page_values[0].isdigit() else 0
            hit = self.routes.get(path if page == 1 else f"{path}?page={page}")
            return hit or self.not_found()
        hit = self.routes.get(path)
        if hit is not None:
            return hit
        if path == "/search":
            page_values = query.get("page", ["1"])
            page = int(page_values[0]) if page_values[0].isdigit() else 0
            return self.search(query.get("q", [""])[0], page)
        if path.startswith("/static/img/"):
            match = re.fullmatch(r"/static/img/[\w-]+\.(jpg|jpeg|png)", path)
            if match:
                return Response(200, *self.photos.body(path))
        if path.startswith("/cart/") or path.startswith("/account/"):
            return self.cart_add(query.get("item", [""])[0])
        if path in ("/cn", "/hk"):
            return Response(301, "text/plain; charset=utf-8", b"Moved Permanently\n", location=f"{path}/")
        match = re.fullmatch(r"(?:/cn|/hk)?/item/(\d+)", path)
        if match and int(match.group(1)) in self.by_id:
            target = canonical_path(self.by_id[int(match.group(1))])
            return Response(301, "text/plain; charset=utf-8", b"Moved Permanently\n", location=target)
        return self.not_found()
