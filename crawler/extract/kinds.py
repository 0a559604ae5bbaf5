"""What a URL and a page are (item, listing, seller, other), and a page's links sorted by that.

URL shapes are read from paths and parameters in the many ways marketplaces and forums write
them; pagination is recognised by ``rel="next"``, by its text in Chinese and English, or by a
page number one above the current page's.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlsplit

from crawler.extract.page import (
    ExtractedListing,
    Page,
    PageKind,
    PageLinks,
    absolute_url,
    attr_hints,
    clean_text,
    dedupe,
)
from crawler.extract.structured import itemlist_urls, node_types, product_nodes, syntax_nodes
from crawler.urls import canonicalize_url, same_site, site_key

_MIN_LISTING_LINKS = 4
_MAX_LINKS = 5_000  # anchors classified per page
_PROFILE_TYPES = frozenset({"person", "organization", "store", "onlinestore", "localbusiness", "profilepage"})
SELLER_HINT = re.compile(r"seller|vendor|merchant|shop-?name|store-?name|user-?name|nickname|owner", re.IGNORECASE)
SELLER_PATH = re.compile(
    r"/(?:seller|sellers|user|users|shop|shops|store|stores|u|profile|profiles|member|members|vendor|"
    r"vendors|merchant|merchants|people|space)(?:/|\.|$)|[?&](?:seller|shop|user|uid|member|store)_?id=",
    re.IGNORECASE,
)
# Item URL shapes: named segments/scripts/parameters (strong, beat a seller segment before them)
# and bare numeric ids (weak, only when nothing says "seller").
_ITEM_PATH = re.compile(
    r"/(?:item|items|product|products|goods|good|detail|details|listing|listings|offer|offers|ad|ads|"
    r"itm|dp|p|i|sku|auction|post|posts|thread|topic|view)/[^/?#]+|"
    r"/(?:item|detail|product|goods|viewthread|view|show)\.(?:html?|php|aspx?|jsp)|"
    r"[?&](?:item_?id|product_?id|goods_?id|pid|gid|sku|tid|ad_?id|listing_?id)=[\w-]+",
    re.IGNORECASE,
)
_ITEM_PATH_WEAK = re.compile(r"/thread-\d+-\d+-\d+\.html|[-_/]\d{5,}\.html?$|/\d{5,}/?$|[?&]id=[\w-]+", re.IGNORECASE)
_LISTING_PATH = re.compile(
    r"/(?:search|s|category|categories|cat|c|list|lists|tag|tags|browse|catalog|catalogue|collection|"
    r"collections|department|classify|class|forum|board|market|marketplace|all)(?:/|\.|$)|"
    r"/(?:list|forum|category)-[\w-]+\.html?|"
    r"[?&](?:q|query|keyword|keywords|kw|k|wd|search|cat|category|cid|page|pn|pageno|page_no|pg|offset|start)=",
    re.IGNORECASE,
)
_PAGE_PARAMS = ("page", "p", "pn", "pageno", "page_no", "pg", "pageindex", "paged")
NEXT_TEXT = re.compile(
    r"^(?:下一?[页頁]|下一[张張]|后[页頁]|後[页頁]|next(?:\s+page)?|›|»|>|>>|→|more results)\s*[›»>→]*$",
    re.IGNORECASE,
)
PREV_TEXT = re.compile(r"^(?:上一?[页頁]|前[页頁]|prev(?:ious)?(?:\s+page)?|‹|«|<|<<|←)$", re.IGNORECASE)
_PAGER_HINT = re.compile(r"pag(?:e|er|ination|ing)|pages|fenye|分页", re.IGNORECASE)


def kind_of_url(url: str) -> str | None:
    """"item", "seller" or "listing" from the shape of a URL's path and query; None when it says nothing."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    target = parts.path + ("?" + parts.query if parts.query else "")
    item, seller, listing = _ITEM_PATH.search(target), SELLER_PATH.search(target), _LISTING_PATH.search(target)
    if item and (not seller or item.start() >= seller.start()):
        return "item"
    if not seller and _ITEM_PATH_WEAK.search(target):
        return "item"
    if seller:
        return "seller"
    if listing:
        return "listing"
    return None


def _page_number(url: str) -> tuple[str, str, int] | None:
    """(path, page parameter, page number) when the URL carries one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    for name, value in parse_qsl(parts.query):
        if name.lower() in _PAGE_PARAMS and value.isdigit():
            return parts.path, name.lower(), int(value)
    match = re.search(r"/page/(\d+)/?$", parts.path)
    if match:
        return parts.path[: match.start()], "/page/", int(match.group(1))
    return None


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def _align_host(url: str, page: SplitResult | None) -> str:
    """Write same-site links with the page's own host ("as the site uses"): m./www. variants collapse."""
    parts = _split(url)
    if page is None or parts is None or parts.netloc == page.netloc or parts.port != page.port:
        return url
    if site_key(url) != site_key(page.geturl()):
        return url
    return parts._replace(netloc=page.netloc).geturl()


def build_links(page: Page) -> PageLinks:
    """A page's outgoing links sorted into items, listing/pagination pages, sellers and the rest."""
    links = PageLinks()
    self_url = canonicalize_url(page.url) if page.url else ""
    self_parts = _split(self_url) if self_url else None
    anchors = 0
    current = _page_number(page.url) or (urlsplit(page.url).path if page.url else "", "", 1)
    buckets: dict[str, list[str]] = {"item": [], "listing": [], "seller": [], "other": []}
    next_by_rel = next_by_text = next_by_number = None

    for element, _ in page.elements:
        if element.tag not in ("a", "area", "link"):
            continue
        rel = (element.get("rel") or "").lower().split()
        if element.tag == "link" and not {"next", "prev", "previous"} & set(rel):
            continue
        absolute = absolute_url(page.base, element.get("href") or "")
        if not absolute:
            continue
        url = _align_host(canonicalize_url(absolute), self_parts)
        if url == self_url:
            continue
        anchors += 1
        if anchors > _MAX_LINKS:
            break
        text = clean_text(element.text_content())[:60] if element.tag == "a" else ""
        label = text or clean_text(element.get("aria-label") or element.get("title"))
        hints = attr_hints(element)
        number = _page_number(url)
        in_pager = bool(_PAGER_HINT.search(hints)) or any(
            _PAGER_HINT.search(attr_hints(a)) for a in list(element.iterancestors())[:3]
        )
        is_next = (
            "next" in rel or bool(NEXT_TEXT.match(label)) or (bool(re.search(r"\bnext\b", hints, re.I)) and in_pager)
        )
        is_pagination = (
            is_next
            or bool({"prev", "previous"} & set(rel))
            or bool(PREV_TEXT.match(label))
            or (in_pager and label.isdigit())
        )
        if number is not None and number[0] == current[0]:
            is_pagination = True
            if number[2] == current[2] + 1 and next_by_number is None:
                next_by_number = url
        if is_next:
            if "next" in rel and next_by_rel is None:
                next_by_rel = url
            elif next_by_text is None:
                next_by_text = url
        if self_parts is not None and not same_site(url, self_url):
            kind = "other"
        elif is_pagination:
            kind = "listing"
        elif SELLER_HINT.search(hints) and kind_of_url(url) != "item":
            kind = "seller"
        else:
            kind = kind_of_url(url) or "other"
        buckets[kind].append(url)

    buckets["item"].extend(
        _align_host(canonicalize_url(u), self_parts)
        for u in (absolute_url(page.base, h) for h in itemlist_urls(page))
        if u
    )
    links.item_links = dedupe(buckets["item"])
    taken = set(links.item_links)
    links.listing_links = [u for u in dedupe(buckets["listing"]) if u not in taken]
    taken.update(links.listing_links)
    links.seller_links = [u for u in dedupe(buckets["seller"]) if u not in taken]
    taken.update(links.seller_links)
    links.other_links = [u for u in dedupe(buckets["other"]) if u not in taken]
    links.next_page = next_by_rel or next_by_text or next_by_number
    return links


# ---------------------------------------------------------------- classification


def classify(page: Page, links: PageLinks, listing: ExtractedListing | None) -> PageKind:
    """Whether a page shows one item, a list of items, a seller profile or something else."""
    products = sum(len(product_nodes(page, s)) for s in ("json-ld", "microdata", "rdfa"))
    listed = len(itemlist_urls(page))
    url_kind = kind_of_url(page.url)
    types: set[str] = set()
    for syntax in ("json-ld", "microdata", "rdfa"):
        for node in syntax_nodes(page, syntax):
            types |= node_types(node)
    og_type = ""
    for item in page.structured.get("opengraph", []):
        if isinstance(item, dict) and isinstance(item.get("@type"), str):
            og_type = item["@type"].lower()
    profile = bool(types & _PROFILE_TYPES - {"organization"}) or og_type == "profile" or url_kind == "seller"
    many_items = (
        listed >= 2
        or products >= 3
        or len(links.item_links) >= _MIN_LISTING_LINKS
        or (links.next_page is not None and len(links.item_links) >= 2)
    )

    if products == 1 and listed < 2:
        return "item"
    if (listed >= 2 or products >= 3) and not profile:
        return "listing"
    if og_type.startswith("product") and not many_items:
        return "item"
    # One h1 with a description, plus a price or an item-shaped URL ("面议" items have no price).
    described = listing is not None and len(listing.description) >= 30
    # Item-shaped URLs count even without an <h1>: many sites put the title in a <b> or a table cell.
    heuristic_item = (
        listing is not None
        and (url_kind == "item" or bool(page.doc.xpath("boolean(//h1)")))
        and ((listing.price is not None and (url_kind == "item" or described)) or (url_kind == "item" and described))
    )
    # A seller- or listing-shaped URL that links to items shows those items, even just one or two.
    links_items = many_items or bool(links.item_links) or listed > 0
    if heuristic_item and not (links_items and url_kind in ("listing", "seller")):
        return "item"
    if profile and (many_items or links.item_links):
        return "seller"
    if many_items or (links_items and url_kind == "listing"):
        return "listing"
    return "other"
