"""Fuzzing the text path a hostile page takes: bytes -> decode -> extract -> price -> normalise -> tokens -> score.

Every property is "no crash, sane output"; sizes are bounded so the suite stays fast, and
``WILDWATCH_FUZZ_EXAMPLES`` raises the example count for a longer hunt.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import lru_cache

from hypothesis import example, given, settings
from hypothesis import strategies as st

import classifier
from classifier.features import TextAnalyzer
from classifier.lexicon import load_lexicon
from crawler.contacts import extract_contacts
from crawler.encoding import decode_body
from crawler.extract import analyse_page, extract_links, extract_listing
from crawler.prices import parse_price, parse_price_parts
from tests.faults.tally import note
from tests.fuzz.strategies import BIDI, ENCODINGS, ZERO_WIDTH, hostile_html, hostile_text

FUZZ = settings.get_profile("wildwatch-fuzz")
NFKC_MAX_EXPANSION = 18  # U+FDFA becomes 18 characters
URL = "https://shop.example.cn/item/1"
_INVISIBLE = set(ZERO_WIDTH + BIDI)  # what the normaliser promises to remove


@lru_cache(maxsize=1)
def analyzer() -> TextAnalyzer:
    return TextAnalyzer(load_lexicon())


@lru_cache(maxsize=1)
def model() -> classifier.Model:
    return classifier.load_model()


@FUZZ
@given(st.binary(max_size=4000), st.one_of(st.none(), st.sampled_from(ENCODINGS).map(lambda e: f"text/html; charset={e}"),
                                            st.text(max_size=60)))
def test_random_bytes_through_the_whole_crawler_path(body: bytes, content_type: str | None) -> None:
    note("fuzz/inputs/random_bytes")
    decoded = decode_body(body, content_type)
    assert isinstance(decoded.text, str)
    analysis = analyse_page(decoded.text, URL)
    assert analysis.kind in ("item", "listing", "seller", "other")
    extract_links(decoded.text, URL)
    listing = extract_listing(decoded.text, URL)
    if listing is not None:
        assert isinstance(listing.title, str)


@FUZZ
@given(hostile_text(400), st.sampled_from(ENCODINGS), st.sampled_from(["header", "meta", "both", "none", "wrong"]))
def test_every_encoding_decodes_to_text(text: str, encoding: str, declared: str) -> None:
    """Any text in any codec, declared anywhere (or wrongly), decodes without crashing."""
    note("fuzz/inputs/encodings")
    html = f"<html><head><meta charset='{encoding}'></head><body><h1>{text}</h1></body></html>" \
        if declared in ("meta", "both") else f"<html><body><h1>{text}</h1></body></html>"
    body = html.encode(encoding, errors="replace")
    content_type = {"header": f"text/html; charset={encoding}", "both": f"text/html; charset={encoding}",
                    "wrong": "text/html; charset=" + ("big5" if encoding != "big5" else "utf-8")}.get(declared)
    decoded = decode_body(body, content_type)
    assert isinstance(decoded.text, str)
    if declared in ("header", "both") and encoding in ("utf-8", "gb18030", "utf-16-le", "utf-32"):
        assert text.replace("\ufeff", "") in decoded.text.replace("\ufeff", "") or "\x00" in text or "\r" in text
    extract_listing(decoded.text, URL)


@FUZZ
@given(hostile_html())
def test_tag_soup_extraction(html: str) -> None:
    note("fuzz/inputs/tag_soup")
    analysis = analyse_page(html, URL)
    assert analysis.kind in ("item", "listing", "seller", "other")
    links = extract_links(html, URL)
    for link in links.item_links + links.listing_links + links.seller_links:
        assert link.startswith(("http://", "https://")), link  # never javascript:, data:, file:
    listing = extract_listing(html, URL)
    if listing is not None:
        assert listing.title == listing.title.strip()
        assert not _INVISIBLE & set(listing.title)
        if listing.price is not None:
            assert listing.price.is_finite() and listing.price >= 0
        for image in listing.images:
            assert not image.lower().startswith(("javascript:", "data:text"))


@FUZZ
@given(hostile_text(120), st.one_of(st.none(), st.sampled_from(["HKD", "MOP", "CNY", "usd", "", "XXX"])))
@example("9" * 5000, None)
@example("¥" + "9" * 5000 + ".5", "CNY")
@example("1e999999", None)
@example("HK$ NaN", None)
@example("１２３４５６７８９０元", None)
@example("￥-0.00", None)
@example("US$ ‮0021‬", None)
def test_price_parsing(text: str, default: str | None) -> None:
    note("fuzz/inputs/prices")
    price = parse_price(text, default_currency=default)
    if price is not None:
        assert isinstance(price.amount, Decimal) and price.amount.is_finite() and price.amount >= 0
        assert price.currency is None or (len(price.currency) == 3 and price.currency.isupper())


@FUZZ
@given(st.one_of(hostile_text(40), st.integers(), st.floats(allow_nan=True), st.none(), st.binary(max_size=20)),
       st.one_of(st.none(), hostile_text(8)))
def test_price_parts(amount: object, currency: str | None) -> None:
    note("fuzz/inputs/prices")
    price = parse_price_parts(amount, currency)  # type: ignore[arg-type]
    if price is not None:
        assert price.amount.is_finite() and price.amount >= 0


@FUZZ
@given(hostile_text(500))
@example("象\u200b牙\u202e手镯\u2066🐘")
@example("\ud800\udfff lone surrogates")
@example("i\u200b.v\u200d.o.r.y")
def test_normalisation_and_tokenisation(text: str) -> None:
    note("fuzz/inputs/normalise")
    tools = analyzer()
    normal = tools.normalizer.normalize(text)
    assert isinstance(normal, str)
    assert not _INVISIBLE & set(normal), "zero-width characters survive normalisation"
    assert normal == normal.strip()
    assert len(normal) <= NFKC_MAX_EXPANSION * max(len(text), 1) + 40  # emoji become words, boundedly
    normal.encode("utf-8")  # no lone surrogates leak out
    tokens = tools.tokenize(normal)
    for token in tokens:
        assert token.strip() == token and token in normal


@FUZZ
@given(st.lists(hostile_text(200), min_size=1, max_size=6))
def test_batch_normalisation_matches_one_by_one(texts: list[str]) -> None:
    """The fast batch path (one OpenCC call for many texts) must equal the per-text path."""
    note("fuzz/inputs/normalise", len(texts))
    tools = analyzer()
    assert tools.normalizer.normalize_batch(texts) == [tools.normalizer.normalize(t) for t in texts]


@FUZZ
@given(st.lists(st.tuples(hostile_text(200), hostile_text(400)), min_size=1, max_size=5))
def test_model_scores_hostile_listings(pairs: list[tuple[str, str]]) -> None:
    note("fuzz/inputs/score", len(pairs))
    results = model().score_batch([t for t, _ in pairs], [d for _, d in pairs])
    assert len(results) == len(pairs)
    for result in results:
        assert 0.0 <= result.score <= 1.0
        assert result.flagged == (result.score >= model().threshold)


@FUZZ
@given(hostile_text(300))
def test_contacts(text: str) -> None:
    note("fuzz/inputs/contacts")
    for contact in extract_contacts(text):
        assert contact.value and unicodedata.category(contact.value[0]) != "Cf"
