"""Page heuristics for pages without structured data: title, price, seller, description, images.

Readability-style text density finds the main block; prices come from price-marked elements of
the main content (never from cards of other items), then from a bare price next to the title,
then from a "Price:" label anywhere in the visible text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.extract.kinds import NEXT_TEXT, PREV_TEXT, SELLER_HINT, SELLER_PATH, kind_of_url
from crawler.extract.page import (
    BOILER_HINT,
    BOILER_TAGS,
    MAX_TITLE,
    SKIP_TAGS,
    Page,
    absolute_url,
    attr_hints,
    block_text,
    clean_text,
)
from crawler.extract.titles import read_site_names, title_from_tag
from crawler.prices import Price, parse_price, parse_price_only

_INLINE_TAGS = frozenset({"a", "b", "i", "em", "strong", "span", "font", "u", "small", "big", "mark"})
_STRUCK = frozenset({"del", "s", "strike"})
_DESCRIPTION_HINT = re.compile(
    r"description|desc|detail|content|intro|summary|article|post-body|item-body|spec", re.IGNORECASE
)
_PRICE_HINT = re.compile(r"price|prize|jiage|amount", re.IGNORECASE)
_OLD_PRICE_HINT = re.compile(r"old|orig|was|market|list-?price|before|strike|del|compare|retail", re.IGNORECASE)
_PRICE_LABEL = re.compile(
    r"(?:价格|售价|價格|售價|价钱|價錢|现价|現價|单价|單價|price)\s*[:：]?\s*([^\n]{1,40})", re.IGNORECASE
)
_IMAGE_JUNK = re.compile(
    r"logo|icon|sprite|pixel|spacer|blank|transparent|loading|placeholder|avatar|badge|1x1|beacon|"
    r"track|analytics|emoji|/ads?/|[_-]ads?[_.-]",
    re.IGNORECASE,
)
_IMAGE_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-echo", "src")
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
_SELLER_LABEL = re.compile(r"^(?:卖家|賣家|店主|店铺|店舖|商家|seller|shop|store|by)\s*[:：]?\s*", re.IGNORECASE)
_LOGIN_TEXT = re.compile(r"登录|登入|注册|註冊|login|log in|sign in|register|my account|我的", re.IGNORECASE)


@dataclass
class Heuristics:
    """What the heuristics found on a page; the listing builder takes from it what structured data lacks."""

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
def _image_url(element: Any, base: str) -> str | None:
    for attr in (*_IMAGE_ATTRS, "data-srcset", "srcset"):
        value = element.get(attr)
        if not value:
            continue
        if "srcset" in attr:
            value = value.strip().split(",")[0].strip().split(" ")[0]
        absolute = absolute_url(base, value)
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


def read_heuristics(page: Page) -> Heuristics:
    """Title, price, seller, description and images of a page read from its markup alone."""
    doc, base = page.doc, page.base
    found = Heuristics()
    found.title_tag = clean_text(doc.xpath("string(//title)"))[:MAX_TITLE].rstrip()
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
        hints = attr_hints(element)
        if tag == "h1" and not boiler and len(found.h1) < 5:
            text = clean_text(element.text_content())
            if text:
                found.h1.append(text[:MAX_TITLE].rstrip())
                h1_element = h1_element if h1_element is not None else element
        if hints and _PRICE_HINT.search(hints) and not _OLD_PRICE_HINT.search(hints) and len(price_candidates) < 50:
            parent = element.getparent()
            if tag not in _STRUCK and (parent is None or parent.tag not in _STRUCK):
                price_candidates.append((element, boiler))
        if hints and _SITE_NAME_HINT.search(hints) and len(logos) < 5:
            logos.append(element)
        if tag == "a" and element.get("href") and len(seller_candidates) < 200:
            href = element.get("href") or ""
            score = (2 if SELLER_HINT.search(hints) else 0) + (1 if SELLER_PATH.search(href) else 0)
            if score and kind_of_url(href) != "item":
                text = clean_text(element.text_content())
                if _LOGIN_TEXT.search(text) or NEXT_TEXT.match(text) or PREV_TEXT.match(text) or text.isdigit():
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
            if _text_length(element, MAX_TITLE) <= MAX_TITLE
        ]
        found.page_title, matched = title_from_tag(found.title_tag, read_site_names(found.meta, logos), blocks)
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
            found.seller_url = absolute_url(base, element.get("href") or "")
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
            haystacks.append(block_text(body, limit=20_000))
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


def _take_price(found: Heuristics, element: Any, default_currency: str | None) -> bool:
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


def _price_near(found: Heuristics, title_element: Any, default_currency: str | None) -> Any:
    """The first element after (else just before) the title whose whole text is a price; sets ``found``."""
    for element in [*_nearby(title_element, 60), *_nearby(title_element, 20, preceding=True)]:
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS:
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
    text = block_text(element, skip=skip)
    lines = [line for line in text.split("\n") if not _DATE_LINE.match(line) and not _LABEL_LINE.match(line)]
    return "\n".join(lines)


def _in_chrome(element: Any) -> bool:
    """Whether an element sits in page chrome, judged from its ancestors as ``iter_elements`` does."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("body", "html"):
            break
        if node.tag in BOILER_TAGS:
            return True
        hints = node.get("class") or node.get("id")
        if hints and BOILER_HINT.search(hints):
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
    own = _text_length(element, MAX_TITLE)
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


