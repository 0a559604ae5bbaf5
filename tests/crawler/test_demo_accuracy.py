"""Field-level extraction accuracy on every item page of the bundled demo marketplace.

The demo serves 364 items in UTF-8, GBK and Big5 with JSON-LD, microdata or bare markup inside
realistic chrome (nav, cookie banner, ads, related-item cards with their own prices); the generic
extractor must read each item exactly as the ground truth says, without knowing the site, both as
served and with the structured data removed (so the heuristics alone read all 364 layouts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from crawler.encoding import decode_body
from crawler.extract import ExtractedListing, PageKind, analyse_page
from wildwatch.demo.server import SECTION_PREFIX, listing_url, load_listings, load_sellers, make_server, section_of


@dataclass
class Outcome:
    """One item page: its ground truth, the page kind and the listing the extractor read."""

    mode: str
    record: dict[str, Any]
    url: str
    kind: PageKind
    listing: ExtractedListing | None


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


_JSONLD = re.compile(r"<script[^>]*application/ld\+json[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
_MICRODATA = re.compile(r"\s(?:itemscope|itemtype=\"[^\"]*\"|itemprop=\"[^\"]*\")")


def _without_structured_data(html: str) -> str:
    """The same page with its JSON-LD and microdata removed: only the heuristics can read it."""
    return _MICRODATA.sub("", _JSONLD.sub("", html))


@pytest.fixture(scope="module")
def pages() -> list[tuple[dict[str, Any], str, str]]:
    """Every demo item page as (ground truth, URL, decoded HTML), fetched once over loopback."""
    fetched = []
    with make_server(host="127.0.0.1", port=0) as server, httpx.Client(timeout=10) as client:
        for record in load_listings():
            url = listing_url(server.url, record)
            response = client.get(url)
            assert response.status_code == 200, url
            fetched.append((record, url, decode_body(response.content, response.headers.get("content-type")).text))
    return fetched


@pytest.fixture(scope="module", params=["as-served", "heuristics-only"])
def outcomes(request: pytest.FixtureRequest, pages: list[tuple[dict[str, Any], str, str]]) -> list[Outcome]:
    """The extractor's reading of every page, as served and with its structured data removed."""
    results = []
    for record, url, html in pages:
        analysis = analyse_page(html if request.param == "as-served" else _without_structured_data(html), url)
        results.append(Outcome(request.param, record, url, analysis.kind, analysis.listing))
    return results


SELLERS = {int(seller["id"]): seller["name"] for seller in load_sellers()}


def _kind_ok(o: Outcome) -> bool:
    return o.kind == "item"


def _title_ok(o: Outcome) -> bool:
    return o.listing is not None and _norm(o.listing.title) == _norm(o.record["title"])


def _price_ok(o: Outcome) -> bool:
    return o.listing is not None and o.listing.price == Decimal(str(o.record["price"]))


def _currency_ok(o: Outcome) -> bool:
    return o.listing is not None and o.listing.currency == o.record["currency"]


def _description_exact(o: Outcome) -> bool:
    return o.listing is not None and _norm(o.listing.description) == _norm(o.record["description"])


def _description_ok(o: Outcome) -> bool:
    """Exact, or starts with the true text and carries neither the title nor the price line."""
    if o.listing is None:
        return False
    got, want = _norm(o.listing.description), _norm(o.record["description"])
    if got == want:
        return True
    return got.startswith(want) and _norm(o.record["title"]) not in got and o.record["price_text"] not in got


def _seller_ok(o: Outcome) -> bool:
    return o.listing is not None and o.listing.seller_name == SELLERS.get(int(o.record["seller_id"]))


FIELDS: dict[str, Callable[[Outcome], bool]] = {
    "kind": _kind_ok,
    "title": _title_ok,
    "price": _price_ok,
    "currency": _currency_ok,
    "description": _description_ok,
    "description_exact": _description_exact,
    "seller": _seller_ok,
}


def _report(outcomes: list[Outcome]) -> str:
    """Per-field and per-markup accuracy, plus the first few misses of each field."""
    lines = []
    for name, check in FIELDS.items():
        hits = sum(check(o) for o in outcomes)
        by_markup = {}
        for markup in ("jsonld", "microdata", "bare"):
            group = [o for o in outcomes if o.record["markup"] == markup]
            by_markup[markup] = f"{sum(check(o) for o in group)}/{len(group)}"
        lines.append(f"{name}: {hits}/{len(outcomes)} ({100 * hits / len(outcomes):.1f}%) {by_markup}")
        for miss in [o for o in outcomes if not check(o)][:3]:
            got = miss.listing
            lines.append(
                f"  miss {miss.url}: kind={miss.kind} title={got.title if got else None!r} "
                f"price={got.price if got else None} {got.currency if got else None} "
                f"seller={got.seller_name if got else None!r} "
                f"description={(got.description[:80] if got else None)!r}"
            )
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("field", "minimum"),
    [
        ("kind", 1.0),
        ("title", 1.0),
        ("price", 1.0),
        ("currency", 1.0),
        ("description", 1.0),
        ("description_exact", 1.0),
        ("seller", 1.0),
    ],
)
def test_field_accuracy(outcomes: list[Outcome], field: str, minimum: float) -> None:
    hits = sum(FIELDS[field](o) for o in outcomes)
    assert len(outcomes) == 364
    assert hits / len(outcomes) >= minimum, f"{field} below {minimum:.0%}\n" + _report(outcomes)


def test_each_mode_reads_the_syntax_it_should(outcomes: list[Outcome]) -> None:
    """As served, JSON-LD and microdata pages are read from their markup; stripped, only heuristics remain."""
    expected = {"jsonld": "jsonld", "microdata": "microdata", "bare": "heuristic"}
    for outcome in outcomes:
        assert outcome.listing is not None, outcome.url
        want = expected[outcome.record["markup"]] if outcome.mode == "as-served" else "heuristic"
        assert outcome.listing.source == want, outcome.url


def test_seller_and_category_pages_are_not_items() -> None:
    """Every seller profile reads as "seller" and every non-empty category page as "listing", small ones too."""
    records = load_listings()
    filled = {(SECTION_PREFIX[section_of(r)], r["category"]) for r in records}
    selling = {int(r["seller_id"]) for r in records}
    expected = {f"/seller/{seller_id}": "seller" for seller_id in selling}
    expected.update({f"{prefix}/category/{slug}": "listing" for prefix, slug in filled})
    wrong = []
    with make_server(host="127.0.0.1", port=0) as server, httpx.Client(timeout=10) as client:
        for path, kind in sorted(expected.items()):
            response = client.get(server.url + path)
            html = decode_body(response.content, response.headers.get("content-type")).text
            got = analyse_page(html, server.url + path).kind
            if got != kind:
                wrong.append(f"{path}: {got}, expected {kind}")
    assert not wrong, "\n".join(wrong)
