"""Read listings and links from marketplace pages the crawler has never seen.

Structured data first (JSON-LD, microdata, RDFa, OpenGraph via extruct), lxml heuristics second.
Heuristics look at the first 100,000 elements of a page only.
Every public function survives hostile input (empty, truncated, 10 MB, deeply nested, invalid
JSON-LD): parse and third-party extraction failures are logged at debug and turn into
``None`` / ``"other"`` / empty link sets. Extracted text has zero-width characters removed and
whitespace normalised, and is otherwise kept as written (no script conversion).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal, TypeVar
from urllib.parse import SplitResult, parse_qsl, urljoin, urlsplit

import extruct
import lxml.html
from extruct.jsonld import JsonLdExtractor
from lxml import etree

from crawler.canonical import declared_canonical
from crawler.prices import Price, parse_price, parse_price_only, parse_price_parts
from crawler.urls import canonicalize_url, same_site, site_key

__all__ = [
    "ExtractedListing",
    "PageAnalysis",
    "PageKind",
    "PageLinks",
    "analyse_page",
    "classify_page",
    "clean_text",
    "extract_links",
    "extract_listing",
]

logger = logging.getLogger(__name__)

PageKind = Literal["item", "listing", "seller", "other"]
_T = TypeVar("_T")

_MAX_TITLE = 300
_MAX_DESCRIPTION = 20_000
_MAX_IMAGES = 30
_MAX_NODES = 20_000  # structured-data nodes walked per page
_MIN_LISTING_LINKS = 4
_MAX_LINKS = 5_000  # anchors classified per page
_MAX_ELEMENTS = 100_000  # elements examined by the heuristics; the content of real pages comes well before

# Invisible characters, and bidi embeddings/overrides/isolates that would reorder a title on screen.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e\u034f"
                                     "\u202a\u202b\u202c\u202d\u202e\u2061\u2062\u2063\u2064"
                                     "\u2066\u2067\u2068\u2069"), None)
# Unicode tag characters (U+E0000-E007F): invisible, and used to split a word without a trace.
_ZERO_WIDTH.update(dict.fromkeys(range(0xE0000, 0xE0080)))
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2000-\u200a\u202f\u205f]+")
_NEWLINES = re.compile(r"\s*\n\s*")

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "head"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dd",
        "dt",
        "dl",
        "blockquote",
        "pre",
        "header",
        "footer",
        "aside",
        "nav",
        "form",
        "hr",
        "figure",
        "figcaption",
    }
)
_INLINE_TAGS = frozenset({"a", "b", "i", "em", "strong", "span", "font", "u", "small", "big", "mark"})
_STRUCK = frozenset({"del", "s", "strike"})
_BOILER_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
_BOILER_HINT = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|footer|header|sidebar|side-bar|breadcrumbs?|crumbs?|comments?|"
    r"ads?|advert\w*|banner|cookie\w*|share|social|related|recommend\w*|popup|modal|login|topbar)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
_DESCRIPTION_HINT = re.compile(
    r"description|desc|detail|content|intro|summary|article|post-body|item-body|spec", re.IGNORECASE
)
_PRICE_HINT = re.compile(r"price|prize|jiage|amount", re.IGNORECASE)
_OLD_PRICE_HINT = re.compile(r"old|orig|was|market|list-?price|before|strike|del|compare|retail", re.IGNORECASE)
_PRICE_LABEL = re.compile(
    r"(?:价格|售价|價格|售價|价钱|價錢|现价|現價|单价|單價|price)\s*[:：]?\s*([^\n]{1,40})", re.IGNORECASE
)
_SELLER_HINT = re.compile(r"seller|vendor|merchant|shop-?name|store-?name|user-?name|nickname|owner", re.IGNORECASE)
_IMAGE_JUNK = re.compile(
    r"logo|icon|sprite|pixel|spacer|blank|transparent|loading|placeholder|avatar|badge|1x1|beacon|"
    r"track|analytics|emoji|/ads?/|[_-]ads?[_.-]",
    re.IGNORECASE,
)
_IMAGE_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-echo", "src")
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—_·:]\s+|\s*[|｜_—–]\s*|\s+-\s*|\s*-\s+")
_TITLE_SEPARATOR_START = re.compile(rf"^(?:{_TITLE_SEPARATORS.pattern})")
_TITLE_SEPARATOR_END = re.compile(rf"(?:{_TITLE_SEPARATORS.pattern})$")
_TITLE_HINT = re.compile(
    r"title|subject|headline|(?:goods|item|product|listing)[-_]?name|(?:^|[\s_-])name(?:$|[\s_-])", re.IGNORECASE
)
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "b", "strong"})
_SITE_NAME_HINT = re.compile(r"logo|site-?name|site-?title|brand", re.IGNORECASE)
# Containers of other items' prices: related/recommended cards, ads, promotions.
_RELATED_HINT = re.compile(
    r"related|recommend\w*|similar|also-?(?:like|viewed|bought)|sponsor\w*|(?:^|[\s_-])ads?(?:$|[\s_-])|advert\w*|"
    r"banner|promo\w*|popular|hot-?items|guess|carousel",
    re.IGNORECASE,
)
_DATE_HINT = re.compile(
    r"(?:^|[\s_-])(?:date|time|posted|post-?time|pub-?date|publish\w*|created|updated)(?:$|[\s_-])", re.IGNORECASE
)
# Lines the description block may still carry around its text: a posting date, a bare field label.
_DATE_LINE = re.compile(
    r"^(?:posted|listed|updated|published|发布于|發佈於|發布於|刊登於|刊登于|发布时间|發佈時間|更新于|更新於)?"
    r"\s*[:：]?\s*(?:on\s+)?\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$",
    re.IGNORECASE,
)
_LABEL_LINE = re.compile(
    r"^(?:seller|sold\s+by|posted|price|卖家|賣家|价格|價格|售价|售價|发布于|發佈於|刊登於|(?:item\s+|product\s+)?"
    r"(?:description|details)|宝贝描述|物品描述|商品描述|商品详情|商品詳情|宝贝详情|描述|詳情|详情|說明|说明)?"
    r"[\s:：·•|/-]*$",
    re.IGNORECASE,
)
_LINE_SLACK = 12  # characters of label ("Seller: ", "价格：") an element's line may add around it

_SELLER_PATH = re.compile(
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
_SELLER_LABEL = re.compile(r"^(?:卖家|賣家|店主|店铺|店舖|商家|seller|shop|store|by)\s*[:：]?\s*", re.IGNORECASE)
_LISTING_PATH = re.compile(
    r"/(?:search|s|category|categories|cat|c|list|lists|tag|tags|browse|catalog|catalogue|collection|"
    r"collections|department|classify|class|forum|board|market|marketplace|all)(?:/|\.|$)|"
    r"/(?:list|forum|category)-[\w-]+\.html?|"
    r"[?&](?:q|query|keyword|keywords|kw|k|wd|search|cat|category|cid|page|pn|pageno|page_no|pg|offset|start)=",
    re.IGNORECASE,
)
_PAGE_PARAMS = ("page", "p", "pn", "pageno", "page_no", "pg", "pageindex", "paged")
_NEXT_TEXT = re.compile(
    r"^(?:下一?[页頁]|下一[张張]|后[页頁]|後[页頁]|next(?:\s+page)?|›|»|>|>>|→|more results)\s*[›»>→]*$",
    re.IGNORECASE,
)
_PREV_TEXT = re.compile(r"^(?:上一?[页頁]|前[页頁]|prev(?:ious)?(?:\s+page)?|‹|«|<|<<|←)$", re.IGNORECASE)
_PAGER_HINT = re.compile(r"pag(?:e|er|ination|ing)|pages|fenye|分页", re.IGNORECASE)
_BAD_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "sms:", "about:", "blob:", "weixin:", "file:")
_LOGIN_TEXT = re.compile(r"登录|登入|注册|註冊|login|log in|sign in|register|my account|我的", re.IGNORECASE)

_PRODUCT_TYPES = frozenset({"product", "individualproduct", "productmodel", "productgroup", "vehicle", "car"})
_OFFER_TYPES = frozenset({"offer", "aggregateoffer"})
_PROFILE_TYPES = frozenset({"person", "organization", "store", "onlinestore", "localbusiness", "profilepage"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass
class ExtractedListing:
    """One marketplace listing as read from its page; ``source`` names the syntax that gave the title."""

    title: str
    description: str
    price: Decimal | None
    currency: str | None
    price_text: str | None
    seller_name: str | None
    seller_url: str | None
    images: list[str]
    source: str
    lang: str | None
    structured: dict[str, Any] = field(default_factory=dict)


@dataclass
class PageLinks:
    """Outgoing links sorted by what they probably lead to; absolute, canonical, de-duplicated."""

    item_links: list[str] = field(default_factory=list)
    listing_links: list[str] = field(default_factory=list)
    seller_links: list[str] = field(default_factory=list)
    other_links: list[str] = field(default_factory=list)
    next_page: str | None = None


@dataclass
class PageAnalysis:
    """Everything read from one page in one parse: what the spider needs per response."""

    kind: PageKind
    listing: ExtractedListing | None
    links: PageLinks
    canonical: str | None = None  # the URL the page declares as its own (crawler.canonical)


@dataclass
class _Page:
    doc: Any
    url: str
    base: str
    structured: dict[str, list[Any]]
    lang: str | None
    _elements: list[tuple[Any, bool]] | None = field(default=None, repr=False)
    _nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    @property
    def elements(self) -> list[tuple[Any, bool]]:
        """``_iter_elements`` of the document, walked once for the links and the heuristics."""
        if self._elements is None:
            self._elements = list(_iter_elements(self.doc))
        return self._elements


# ---------------------------------------------------------------- text helpers


def clean_text(text: str | None, *, multiline: bool = False) -> str:
    """Drop zero-width characters and normalise whitespace; keep newlines only when ``multiline``."""
    if not text:
        return ""
    text = text.translate(_ZERO_WIDTH)
    if not multiline:
        return " ".join(text.split())
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def _block_text(element: Any, limit: int = _MAX_DESCRIPTION, skip: set[Any] | None = None) -> str:
    """Visible text of an element with line breaks at block boundaries, without scripts/styles (or ``skip``)."""
    parts: list[str] = []
    size = 0
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in _SKIP_TAGS or not tag or (skip and node in skip):
                walker.skip_subtree()
                if tag in _BLOCK_TAGS:
                    parts.append("\n")
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
                size += len(node.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node is not element and node.tail:
                parts.append(node.tail)
                size += len(node.tail)
        if size > limit * 2:
            break
    return clean_text("".join(parts), multiline=True)[:limit]


def _first_text(value: Any) -> str | None:
    """First string in a structured-data value (str, list, {"@value"}, {"name"})."""
    stack = [value]
    while stack:
        current = stack.pop(0)
        if isinstance(current, str) and current.strip():
            return current
        if isinstance(current, (int, float)) and not isinstance(current, bool):
            return str(current)
        if isinstance(current, list):
            stack[0:0] = current[:20]
        elif isinstance(current, dict):
            for key in ("@value", "name", "text", "url", "contentUrl", "@id"):
                if key in current:
                    stack.insert(0, current[key])
                    break
    return None


def _attr_hints(element: Any) -> str:
    return " ".join(filter(None, (element.get("class"), element.get("id"), element.get("itemprop"))))


# ---------------------------------------------------------------- parsing


def _parse_document(html: str) -> Any | None:
    html = _XML_DECLARATION.sub("", html, count=1)
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.LxmlError, ValueError) as exc:
        logger.debug("unparseable page: %s", exc)
        return None


def _structured_data(doc: Any, html: str, base: str) -> dict[str, list[Any]]:
    """Raw JSON-LD, microdata, RDFa and OpenGraph items; each syntax fails independently."""
    out: dict[str, list[Any]] = {"json-ld": [], "microdata": [], "rdfa": [], "opengraph": []}
    jsonld = JsonLdExtractor()
    for script in doc.xpath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]"):
        try:
            out["json-ld"].extend(jsonld.extract_items(script, base_url=base))
        except Exception as exc:  # third-party boundary: invalid JSON-LD must not sink the page
            logger.debug("invalid JSON-LD block skipped: %s", exc)
    # Each syntax only where its markup is (one cheap XPath instead of a full extruct pass).
    present = {"microdata": doc.xpath("boolean(//*[@itemscope])"), "opengraph": doc.xpath("boolean(//meta[@property])")}
    for syntax in ("microdata", "opengraph"):
        if not present[syntax]:
            continue
        try:
            out[syntax] = extruct.extract(doc, base_url=base, syntaxes=[syntax], uniform=True)[syntax]
        except Exception as exc:  # third-party boundary
            logger.debug("%s extraction failed: %s", syntax, exc)
    if doc.xpath("boolean(//*[@typeof or @vocab])"):
        try:
            out["rdfa"] = _plain_rdfa(extruct.extract(html, base_url=base, syntaxes=["rdfa"])["rdfa"])
        except Exception as exc:  # third-party boundary (pyRdfa/rdflib)
            logger.debug("rdfa extraction failed: %s", exc)
    return out


def _local_name(key: str) -> str:
    return re.split(r"[/#]", key.rstrip("/#"))[-1] if ("/" in key or "#" in key) else key


def _plain_rdfa(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn extruct's expanded RDFa graph into plain schema.org-style dicts (references resolved once)."""
    by_id = {item.get("@id"): item for item in items if isinstance(item, dict)}

    def convert(node: dict[str, Any], depth: int) -> dict[str, Any]:
        plain: dict[str, Any] = {}
        for key, values in node.items():
            if key == "@id":
                plain["@id"] = values
                continue
            if key == "@type":
                plain["@type"] = [_local_name(t) for t in values] if isinstance(values, list) else values
                continue
            name = _local_name(key)
            converted = []
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict) and "@value" in value:
                    converted.append(value["@value"])
                elif isinstance(value, dict) and "@id" in value:
                    target = by_id.get(value["@id"])
                    if target is not None and depth < 4 and target is not node:
                        converted.append(convert(target, depth + 1))
                    else:
                        converted.append(value["@id"])
                else:
                    converted.append(value)
            plain[name] = converted[0] if len(converted) == 1 else converted
        return plain

    return [convert(item, 0) for item in items if isinstance(item, dict)]


@lru_cache(maxsize=2)
def _load(html: str, url: str) -> _Page | None:
    doc = _parse_document(html) if isinstance(html, str) else None
    if doc is None:
        return None
    base = url
    base_href = doc.xpath("string(//base/@href)")
    if base_href:
        try:
            base = urljoin(url, base_href.strip())
        except ValueError:
            base = url
    lang = clean_text(doc.get("lang") or doc.xpath("string(//html/@lang)") or "") or None
    return _Page(doc=doc, url=url, base=base, structured=_structured_data(doc, html, base), lang=lang)


# ---------------------------------------------------------------- structured data


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {_local_name(v).lower() for v in values if isinstance(v, str)}


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    """All dicts inside a JSON-like value, breadth-first, bounded (hostile pages nest deeply)."""
    queue = [value]
    seen = 0
    while queue and seen < _MAX_NODES:
        current = queue.pop(0)
        seen += 1
        if isinstance(current, dict):
            yield current
            queue.extend(current.values())
        elif isinstance(current, list):
            queue.extend(current)


def _nodes(page: _Page, syntax: str) -> list[dict[str, Any]]:
    nodes = page._nodes.get(syntax)
    if nodes is None:
        nodes = page._nodes[syntax] = list(_walk(page.structured.get(syntax, [])))
    return nodes


def _products(page: _Page, syntax: str) -> list[dict[str, Any]]:
    found = []
    keys: set[str] = set()
    for node in _nodes(page, syntax):
        if _types(node) & _PRODUCT_TYPES and _first_text(node.get("name")):
            key = f"{_first_text(node.get('name'))}|{_first_text(node.get('url')) or ''}"
            if key not in keys:
                keys.add(key)
                found.append(node)
    return found


def _itemlist_urls(page: _Page) -> list[str]:
    urls: list[str] = []
    for syntax in ("json-ld", "microdata", "rdfa"):
        for node in _nodes(page, syntax):
            if "itemlist" not in _types(node):
                continue
            elements = node.get("itemListElement") or []
            for element in elements if isinstance(elements, list) else [elements]:
                target = element.get("item", element) if isinstance(element, dict) else element
                href = _first_text(target.get("url") or target.get("@id")) if isinstance(target, dict) else target
                if isinstance(href, str) and href.strip() and not href.startswith("_:"):
                    urls.append(href.strip())
    return urls


def _offer_price(product: dict[str, Any]) -> tuple[Price | None, str | None, dict[str, Any] | None]:
    offers = product.get("offers")
    candidates = [o for o in _walk(offers) if isinstance(o, dict)] if offers is not None else []
    if not candidates and ("price" in product or "priceCurrency" in product):
        candidates = [product]
    for offer in candidates:
        currency = _first_text(offer.get("priceCurrency"))
        specs = [s for s in _walk(offer.get("priceSpecification")) if isinstance(s, dict)]
        for source in [offer, *specs]:
            for key in ("price", "lowPrice", "highPrice"):
                value = source.get(key)
                if isinstance(value, list):
                    value = value[0] if value else None
                if isinstance(value, dict):
                    value = _first_text(value)
                if value is None or isinstance(value, (dict, list)):
                    continue
                price = parse_price_parts(value, currency or _first_text(source.get("priceCurrency")))
                if price is not None:
                    return price, str(value), offer
    return None, None, candidates[0] if candidates else None


def _images_from(value: Any, base: str) -> list[str]:
    urls = []
    for item in value if isinstance(value, list) else [value]:
        href = _first_text(item)
        if href:
            absolute = _absolute(base, href)
            if absolute:
                urls.append(absolute)
    return urls


@lru_cache(maxsize=64)
def _origin(base: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) base URL (None otherwise)."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _absolute(base: str, href: str) -> str | None:
    href = clean_text(href)
    if not href or href.lower().startswith(_BAD_SCHEMES) or href.startswith("#"):
        return None
    if (href[0] == "/" and href[1:2] != "/" and "/." not in href and "?#" not in href and href[-1] not in "?#"
            and (origin := _origin(base))):
        return origin + href  # the common root-relative link, as urljoin would write it (cheaper)
    try:
        absolute = urljoin(base, href)
    except ValueError:
        return None
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return absolute


# ---------------------------------------------------------------- heuristics


@dataclass
class _Heuristics:
    h1: list[str] = field(default_factory=list)
    title_tag: str = ""
    page_title: str = ""  # the <title> without the site name, or the visible title block it repeats
    price: Price | None = None
    price_text: str | None = None
    main: Any = None
    description: str = ""
    seller_name: str | None = None
    seller_url: str | None = None
    images: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


def _default_currency(url: str, lang: str | None) -> str | None:
    host = (urlsplit(url).hostname or "") if url else ""
    lang = (lang or "").lower()
    for suffix, code in ((".hk", "HKD"), (".mo", "MOP"), (".tw", "TWD"), (".cn", "CNY")):
        if host.endswith(suffix):
            return code
    for tag, code in (("zh-hk", "HKD"), ("zh-mo", "MOP"), ("zh-tw", "TWD"), ("zh-cn", "CNY")):
        if lang.startswith(tag):
            return code
    return None


def _iter_elements(doc: Any) -> Iterator[tuple[Any, bool]]:
    """Each element once, with whether it sits in page chrome (nav/header/footer/aside/ads)."""
    stack: list[tuple[Any, bool]] = [(doc, False)]
    seen = 0
    while stack and seen < _MAX_ELEMENTS:
        element, boiler = stack.pop()
        seen += 1
        if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
            continue
        if not boiler and element.tag in _BOILER_TAGS:
            boiler = True
        if not boiler:
            hints = element.get("class") or element.get("id")
            if hints and _BOILER_HINT.search(hints) and element.tag not in ("body", "html"):
                boiler = True
        yield element, boiler
        stack.extend((child, boiler) for child in reversed(element))


def _image_url(element: Any, base: str) -> str | None:
    for attr in (*_IMAGE_ATTRS, "data-srcset", "srcset"):
        value = element.get(attr)
        if not value:
            continue
        if "srcset" in attr:
            value = value.strip().split(",")[0].strip().split(" ")[0]
        absolute = _absolute(base, value)
        if absolute:
            return absolute
    return None


def _is_junk_image(element: Any, url: str) -> bool:
    if (
        _IMAGE_JUNK.search(url)
        or _IMAGE_JUNK.search(element.get("class") or "")
        or _IMAGE_JUNK.search(element.get("alt") or "")
    ):
        return True
    for attr in ("width", "height"):
        size = re.match(r"\s*(\d+)", element.get(attr) or "")
        if size and int(size.group(1)) <= 50:
            return True
    return False


def _own_text_length(element: Any) -> int:
    """Characters of text directly in an element, counting inline children but not nested blocks."""
    length = len((element.text or "").strip())
    for child in element:
        if child.tag in _INLINE_TAGS:
            length += len((child.text or "").strip())
        if child.tag in _INLINE_TAGS or child.tag == "br":
            length += len((child.tail or "").strip())
    return length


def _heuristics(page: _Page) -> _Heuristics:
    doc, base = page.doc, page.base
    found = _Heuristics()
    found.title_tag = clean_text(doc.xpath("string(//title)"))[:_MAX_TITLE].rstrip()
    for meta in doc.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key and meta.get("content") and key not in found.meta:
            found.meta[key] = clean_text(meta.get("content"))
    default_currency = _default_currency(page.url, page.lang)

    scores: dict[Any, float] = {}
    description_candidates: list[Any] = []
    price_candidates: list[tuple[Any, bool]] = []
    seller_candidates: list[tuple[int, int, Any]] = []
    title_blocks: list[Any] = []
    date_elements: list[Any] = []
    logos: list[Any] = []
    h1_element = None
    images: list[Any] = []
    order = 0
    for element, boiler in page.elements:
        order += 1
        tag = element.tag
        hints = _attr_hints(element)
        if tag == "h1" and not boiler and len(found.h1) < 5:
            text = clean_text(element.text_content())
            if text:
                found.h1.append(text[:_MAX_TITLE].rstrip())
                h1_element = h1_element if h1_element is not None else element
        if hints and _PRICE_HINT.search(hints) and not _OLD_PRICE_HINT.search(hints) and len(price_candidates) < 50:
            parent = element.getparent()
            if tag not in _STRUCK and (parent is None or parent.tag not in _STRUCK):
                price_candidates.append((element, boiler))
        if hints and _SITE_NAME_HINT.search(hints) and len(logos) < 5:
            logos.append(element)
        if tag == "a" and element.get("href") and len(seller_candidates) < 200:
            href = element.get("href") or ""
            score = (2 if _SELLER_HINT.search(hints) else 0) + (1 if _SELLER_PATH.search(href) else 0)
            if score and _url_kind(href) != "item":
                text = clean_text(element.text_content())
                if _LOGIN_TEXT.search(text) or _NEXT_TEXT.match(text) or _PREV_TEXT.match(text) or text.isdigit():
                    score -= 3
                if boiler and not element.xpath("ancestor::aside"):
                    score -= 2
                seller_candidates.append((score, -order, element))
        if boiler:
            continue
        if (tag in _TITLE_TAGS or (hints and _TITLE_HINT.search(hints) and tag not in ("a", "img", "meta"))) and len(
            title_blocks
        ) < 200:
            title_blocks.append(element)
        if (tag == "time" or (hints and _DATE_HINT.search(hints))) and len(date_elements) < 20:
            date_elements.append(element)
        if tag == "img" and len(images) < 500:
            images.append(element)
        if (
            hints
            and tag not in ("body", "html", "meta", "img", "a", "span", "h1")
            and _DESCRIPTION_HINT.search(hints)
            and len(description_candidates) < 100
        ):
            description_candidates.append(element)
        if tag in ("p", "div", "td", "pre", "li", "section", "article", "dd"):
            own = _own_text_length(element)
            if own >= 20:
                # Readability-style: text credits its container and, half, the container's parent.
                parent = element.getparent()
                weight = min(own, 2000)
                if tag in ("div", "section", "article", "td", "dd"):
                    scores[element] = scores.get(element, 0.0) + weight
                if parent is not None:
                    scores[parent] = scores.get(parent, 0.0) + weight
                    grand = parent.getparent()
                    if grand is not None:
                        scores[grand] = scores.get(grand, 0.0) + weight / 2

    # Title: the first <h1>, else the <title> matched to the visible block that repeats it.
    title_element = h1_element
    if found.title_tag:
        blocks = [
            (element, clean_text(element.text_content()))
            for element in title_blocks
            if _text_length(element, _MAX_TITLE) <= _MAX_TITLE
        ]
        found.page_title, matched = _title_from_tag(found.title_tag, _site_names(found, logos), blocks)
        if title_element is None:
            title_element = matched

    # Price, first pass: a price-marked element of the main content that is not one card of a list,
    # then a line that is nothing but a price next to the title.
    price_element = None
    for element, boiler in price_candidates:
        if boiler or _in_repeated_block(element):
            continue
        if _take_price(found, element, default_currency):
            price_element = element
            break
    if found.price is None and title_element is not None:
        price_element = _price_near(found, title_element, default_currency)

    seller_element = None
    if seller_candidates:
        score, _, element = max(seller_candidates, key=lambda c: (c[0], c[1]))
        if score > 0:
            seller_element = element
            found.seller_url = _absolute(base, element.get("href") or "")
            name = clean_text(element.text_content()) or clean_text(element.get("title"))
            found.seller_name = _SELLER_LABEL.sub("", name)[:100] or None

    # Description: the hinted container with the most text, else the densest text block; either way
    # without the lines holding the title, price, seller and posting date.
    skip = {_line_of(e) for e in (title_element, price_element, seller_element) if e is not None}
    skip.update(_line_of(e) for e in date_elements if _text_length(e, 60) <= 60)
    best_text, best_element = "", None
    for element in description_candidates:
        if element.tag in ("div", "section", "article", "td", "p", "main", "pre", "dd", "ul", "dl", "table"):
            text = _description_text(element, skip)
            if len(text) > len(best_text):
                best_text, best_element = text, element
    if scores:
        dense = max(scores, key=scores.__getitem__)
        if dense.tag not in ("body", "html"):
            dense_text = _description_text(dense, skip)
            if len(dense_text) > 2 * len(best_text):
                best_text, best_element = dense_text, dense
    found.description = best_text or found.meta.get("description", "") or found.meta.get("og:description", "")
    found.main = best_element

    if found.price is None:
        # A "Price: ¥100" label in the description, the title, or anywhere in the page's visible text.
        body = doc.find("body")
        haystacks = [found.description[:4000] + "\n" + " ".join(found.h1)]
        if body is not None:
            haystacks.append(_block_text(body, limit=20_000))
        for haystack in haystacks:
            for match in _PRICE_LABEL.finditer(haystack):
                price = parse_price(match.group(1), default_currency=default_currency)
                if price is not None:
                    found.price, found.price_text = price, clean_text(match.group(0))
                    break
            if found.price is not None:
                break
    if found.price is None:
        # Last resort: a price-marked element in a sidebar/buy box or repeated in the main content,
        # never one in a related-items, ads or navigation block.
        for element, _ in price_candidates:
            if not _in_other_items(element) and not (_in_chrome(element) and _in_repeated_block(element)):
                if _take_price(found, element, default_currency):
                    break

    main_images: list[str] = []
    other_images: list[str] = []
    for element in images:
        url = _image_url(element, base)
        if not url or _is_junk_image(element, url):
            continue
        inside = best_element is not None and any(a is best_element for a in element.iterancestors())
        (main_images if inside else other_images).append(url)
    found.images = main_images or other_images
    return found


def _take_price(found: _Heuristics, element: Any, default_currency: str | None) -> bool:
    """Read a price-marked element (attribute value first, then its text) into ``found``."""
    raw = clean_text(element.get("content") or element.get("data-price") or element.get("value") or "")
    shown = clean_text(element.text_content())[:80]
    text = raw or shown
    price = parse_price(text, default_currency=default_currency) if text else None
    if price is None:
        return False
    if raw and shown and raw != shown and (bare := parse_price(raw)) is not None and bare.currency is None:
        # content="1508" holds the amount, the visible "HK$1508" the currency.
        visible = parse_price(shown, default_currency=default_currency)
        if visible is not None and visible.currency:
            price = Price(price.amount, visible.currency)
    found.price, found.price_text = price, text
    return True


def _price_near(found: _Heuristics, title_element: Any, default_currency: str | None) -> Any:
    """The first element after (else just before) the title whose whole text is a price; sets ``found``."""
    for element in [*_nearby(title_element, 60), *_nearby(title_element, 20, preceding=True)]:
        if not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
            continue
        text = clean_text(element.text_content())
        if not text or len(text) > 40:
            continue
        price = parse_price_only(text, default_currency=default_currency)
        if price is None or _in_chrome(element) or _in_repeated_block(element):
            continue
        found.price, found.price_text = price, text
        return element
    return None


def _nearby(element: Any, limit: int, *, preceding: bool = False) -> Iterator[Any]:
    """Up to ``limit`` elements after (or before, nearest first) ``element`` in document order, not inside it."""
    count = 0
    node = element
    while node is not None and node.tag not in ("body", "html"):
        for sibling in node.itersiblings(preceding=preceding):
            subtree = sibling.iter()
            if preceding:
                subtree = reversed(list(itertools.islice(subtree, limit - count)))
            for inner in subtree:
                yield inner
                count += 1
                if count >= limit:
                    return
        node = node.getparent()


def _description_text(element: Any, skip: set[Any]) -> str:
    """Block text without the skipped lines and without leftover date or bare-label lines."""
    text = _block_text(element, skip=skip)
    lines = [line for line in text.split("\n") if not _DATE_LINE.match(line) and not _LABEL_LINE.match(line)]
    return "\n".join(lines)


def _in_chrome(element: Any) -> bool:
    """Whether an element sits in page chrome, judged from its ancestors as ``_iter_elements`` does."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if node.tag in _BOILER_TAGS:
            return True
        hints = node.get("class") or node.get("id")
        if hints and _BOILER_HINT.search(hints):
            return True
    return False


def _in_other_items(element: Any) -> bool:
    """Inside a related/recommended/ad block or page navigation: prices there belong to other items."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if node.tag in ("nav", "header", "footer", "menu"):
            return True
        hints = node.get("class") or node.get("id")
        if hints and _RELATED_HINT.search(hints):
            return True
    return False


def _in_repeated_block(element: Any, levels: int = 5) -> bool:
    """Inside one of several same-class priced siblings (cards of a list), not the page's one product block."""
    for node in [element, *element.iterancestors()][:levels]:
        parent = node.getparent()
        if parent is None or node.tag in ("body", "html"):
            break
        klass = node.get("class")
        if node.tag != "li" and not klass:
            continue
        if node.tag not in ("li", "div", "article", "section", "dd", "tr"):
            continue
        if _twins(node, klass) >= 2:
            return True
    return False


def _twins(node: Any, klass: str | None, wanted: int = 2, look: int = 20) -> int:
    """Same-tag, same-class siblings near ``node`` that show a price too (bounded: pages may hold 100,000 cards)."""
    found = 0
    for preceding in (False, True):
        for index, sibling in enumerate(node.itersiblings(preceding=preceding)):
            if index >= look:
                break
            if sibling.tag == node.tag and sibling.get("class") == klass and _priced(sibling):
                found += 1
                if found >= wanted:
                    return found
    return found


def _priced(element: Any) -> bool:
    """Whether a block shows a price: a price-marked element or a currency-marked amount in its first words."""
    if element.xpath("boolean(descendant-or-self::*[contains(translate(@class, 'PRICE', 'price'), 'price')])"):
        return True
    text = ""
    for chunk in element.itertext():
        text += chunk
        if len(text) > 300:
            break
    price = parse_price(text[:300])
    return price is not None and price.currency is not None


def _line_of(element: Any) -> Any:
    """The element with its inline label ("Seller: <a>x</a>"): the largest ancestor adding little text."""
    own = _text_length(element, _MAX_TITLE)
    current = element
    for parent in element.iterancestors():
        if parent.tag in ("body", "html") or len(parent) > 50:
            break
        if _text_length(parent, own + _LINE_SLACK) > own + _LINE_SLACK:
            break
        current = parent
    return current


def _text_length(element: Any, cap: int) -> int:
    """Visible characters of an element (whitespace runs count once), counted up to just past ``cap``."""
    length = 0
    for chunk in element.itertext():
        length += len(" ".join(chunk.split()))
        if length > cap:
            break
    return length


def _site_names(found: _Heuristics, logos: list[Any]) -> list[str]:
    """Names the site calls itself: og:site_name, application-name, the logo's text or alt."""
    names = [found.meta.get("og:site_name", ""), found.meta.get("application-name", "")]
    for element in logos:
        names.append(clean_text(element.text_content()))
        for image in element.iter("img"):
            names.append(clean_text(image.get("alt") or image.get("title")))
        names.append(clean_text(element.get("alt") or element.get("title")))
    return _dedupe([name for name in names if name and len(name) <= 60])


def _title_from_tag(title: str, site_names: list[str], blocks: list[tuple[Any, str]]) -> tuple[str, Any]:
    """The <title> without the site name; the visible block it repeats (h1/h2/b/strong) wins when there is one."""
    if not title:
        return "", None
    best: tuple[str, Any] = ("", None)
    for element, text in blocks:
        if len(text) > len(best[0]) and (text == title or _affix_of(title, text)):
            best = (text, element)
    if best[0]:
        return best
    return _strip_site_suffix(title, site_names), None


def _affix_of(title: str, text: str) -> bool:
    """Whether ``title`` is ``text`` plus a separator and something else, on either side."""
    if title.startswith(text):
        rest = title[len(text) :]
        match = _TITLE_SEPARATOR_START.match(rest)
        return bool(match and rest[match.end() :].strip())
    if title.endswith(text):
        head = title[: -len(text)]
        match = _TITLE_SEPARATOR_END.search(head)
        return bool(match and head[: match.start()].strip())
    return False


def _strip_site_suffix(title: str, site_names: list[str]) -> str:
    """ "Like new - Ray-Ban - OBO - ShopName" -> "Like new - Ray-Ban - OBO": only the site name goes."""
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    lowered = title.lower()
    for name in (n.lower() for n in site_names):
        if lowered.endswith(name):
            head = title[: -len(name)]
            match = _TITLE_SEPARATOR_END.search(head)
            if match and clean_text(head[: match.start()]):
                return clean_text(head[: match.start()])
        if lowered.startswith(name):
            rest = title[len(name) :]
            match = _TITLE_SEPARATOR_START.match(rest)
            if match and clean_text(rest[match.end() :]):
                return clean_text(rest[match.end() :])
    # Unknown site name: it usually follows the last separator.
    head = clean_text(title[: separators[-1].start()])
    if len(head) >= 4:
        return head
    parts = [clean_text(p) for p in _TITLE_SEPARATORS.split(title) if clean_text(p)]
    return max(parts, key=len) if parts else title


# ---------------------------------------------------------------- listing


def _dedupe(urls: list[str], limit: int | None = None) -> list[str]:
    seen: set[str] = set()
    out = []
    for url in urls:
        if url and url not in seen:
            seen.add(url)
            out.append(url)
    return out[:limit] if limit else out


def _product_url(product: dict[str, Any], base: str) -> str | None:
    href = _first_text(product.get("url"))
    absolute = _absolute(base, href) if href else None
    return canonicalize_url(absolute) if absolute else None


def _build_listing(page: _Page) -> ExtractedListing | None:
    heuristics = _heuristics(page)
    product: dict[str, Any] | None = None
    source = "heuristic"
    for syntax, label in (("json-ld", "jsonld"), ("microdata", "microdata"), ("rdfa", "rdfa")):
        products = _products(page, syntax)
        if products:
            # Several products (related items, ItemList entries): prefer the one that is this page.
            here = canonicalize_url(page.url) if page.url else ""
            same = [p for p in products if _product_url(p, page.base) == here]
            product, source = (same or products)[0], label
            break
    og: dict[str, Any] = {}
    for item in page.structured.get("opengraph", []):
        if isinstance(item, dict):
            og = {**item, **og}

    title = clean_text(_first_text(product.get("name"))) if product else ""
    if not title and og.get("og:title"):
        title, source = clean_text(_first_text(og["og:title"])), "opengraph"
    if not title and heuristics.h1:
        title = heuristics.h1[0]
    if not title and heuristics.page_title:
        title = heuristics.page_title
    title = title[:_MAX_TITLE].rstrip()  # a cut must not leave a trailing space
    if not title:
        return None

    description = clean_text(_first_text(product.get("description")), multiline=True) if product else ""
    if not description:
        description = heuristics.description or clean_text(_first_text(og.get("og:description")), multiline=True)

    price: Price | None = None
    price_text: str | None = None
    seller_name = seller_url = None
    if product:
        price, price_text, offer = _offer_price(product)
        seller = (offer or {}).get("seller") or product.get("seller")
        if isinstance(seller, dict):
            seller_name = clean_text(_first_text(seller.get("name"))) or None
            seller_url = _absolute(page.base, _first_text(seller.get("url")) or "")
        elif isinstance(seller, str):
            seller_name = clean_text(seller) or None
    if price is None:
        amount = og.get("product:price:amount") or og.get("og:price:amount")
        currency = og.get("product:price:currency") or og.get("og:price:currency")
        if amount:
            price = parse_price_parts(_first_text(amount), _first_text(currency))
            price_text = _first_text(amount)
    if price is None and heuristics.price is not None:
        price, price_text = heuristics.price, heuristics.price_text

    images: list[str] = []
    if product:
        images.extend(_images_from(product.get("image"), page.base))
    images.extend(heuristics.images)
    if og.get("og:image"):
        images.extend(_images_from(og["og:image"], page.base))

    return ExtractedListing(
        title=title,
        description=description[:_MAX_DESCRIPTION],
        price=price.amount if price else None,
        currency=price.currency if price else None,
        price_text=clean_text(price_text) if price_text else None,
        seller_name=seller_name or heuristics.seller_name,
        seller_url=seller_url or heuristics.seller_url,
        images=_dedupe(images, _MAX_IMAGES),
        source=source,
        lang=page.lang,
        structured=_json_safe({k: v for k, v in page.structured.items() if v}),
    )


def _json_safe(value: Any) -> Any:
    """Structured data as plain JSON types (extruct may leave non-JSON objects around)."""
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError, RecursionError):
        return {}


# ---------------------------------------------------------------- links


def _url_kind(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    target = parts.path + ("?" + parts.query if parts.query else "")
    item, seller, listing = _ITEM_PATH.search(target), _SELLER_PATH.search(target), _LISTING_PATH.search(target)
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


def _build_links(page: _Page) -> PageLinks:
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
        absolute = _absolute(page.base, element.get("href") or "")
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
        hints = _attr_hints(element)
        number = _page_number(url)
        in_pager = bool(_PAGER_HINT.search(hints)) or any(
            _PAGER_HINT.search(_attr_hints(a)) for a in list(element.iterancestors())[:3]
        )
        is_next = (
            "next" in rel or bool(_NEXT_TEXT.match(label)) or (bool(re.search(r"\bnext\b", hints, re.I)) and in_pager)
        )
        is_pagination = (
            is_next
            or bool({"prev", "previous"} & set(rel))
            or bool(_PREV_TEXT.match(label))
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
        elif _SELLER_HINT.search(hints) and _url_kind(url) != "item":
            kind = "seller"
        else:
            kind = _url_kind(url) or "other"
        buckets[kind].append(url)

    buckets["item"].extend(
        _align_host(canonicalize_url(u), self_parts)
        for u in (_absolute(page.base, h) for h in _itemlist_urls(page))
        if u
    )
    links.item_links = _dedupe(buckets["item"])
    taken = set(links.item_links)
    links.listing_links = [u for u in _dedupe(buckets["listing"]) if u not in taken]
    taken.update(links.listing_links)
    links.seller_links = [u for u in _dedupe(buckets["seller"]) if u not in taken]
    taken.update(links.seller_links)
    links.other_links = [u for u in _dedupe(buckets["other"]) if u not in taken]
    links.next_page = next_by_rel or next_by_text or next_by_number
    return links


# ---------------------------------------------------------------- classification


def _classify(page: _Page, links: PageLinks, listing: ExtractedListing | None) -> PageKind:
    products = sum(len(_products(page, s)) for s in ("json-ld", "microdata", "rdfa"))
    listed = len(_itemlist_urls(page))
    url_kind = _url_kind(page.url)
    types: set[str] = set()
    for syntax in ("json-ld", "microdata", "rdfa"):
        for node in _nodes(page, syntax):
            types |= _types(node)
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


def _safe_load(html: str, url: str) -> _Page | None:
    try:
        return _load(html, url or "")
    except (etree.LxmlError, ValueError, RecursionError, UnicodeError) as exc:
        logger.debug("page load failed: %s", exc)
        return None


def analyse_page(html: str, url: str) -> PageAnalysis:
    """Kind, listing and links from one parse; what a spider callback needs for a response."""
    page = _safe_load(html, url)
    if page is None:
        return PageAnalysis(kind="other", listing=None, links=PageLinks())
    links = _guard(lambda: _build_links(page), PageLinks(), "links")
    listing = _guard(lambda: _build_listing(page), None, "listing")
    other: PageKind = "other"
    kind = _guard(lambda: _classify(page, links, listing), other, "classification")
    canonical = _guard(lambda: declared_canonical(page.doc, page.base, page.structured["json-ld"]), None, "canonical")
    return PageAnalysis(kind=kind, listing=listing, links=links, canonical=canonical)


def _guard(build: Callable[[], _T], default: _T, what: str) -> _T:
    """Run one extraction step; parse-level failures on hostile pages become the default."""
    try:
        return build()
    except (etree.LxmlError, ValueError, RecursionError, UnicodeError) as exc:
        logger.debug("%s extraction failed: %s", what, exc)
        return default


def classify_page(html: str, url: str) -> PageKind:
    """Say whether a page shows one item, a list of items, a seller profile, or something else."""
    return analyse_page(html, url).kind


def extract_listing(html: str, url: str) -> ExtractedListing | None:
    """The listing a page shows (structured data first, heuristics second); None when no title at all."""
    page = _safe_load(html, url)
    if page is None:
        return None
    return _guard(lambda: _build_listing(page), None, "listing")


def extract_links(html: str, url: str) -> PageLinks:
    """Outgoing links split into items, listing/pagination pages, sellers and the rest."""
    page = _safe_load(html, url)
    if page is None:
        return PageLinks()
    return _guard(lambda: _build_links(page), PageLinks(), "links")
