"""Coverage-guided fuzzing (atheris) of the crawler's byte-level entry: decode -> extract -> price.

hypothesis covers the structured cases in CI; atheris finds byte sequences no strategy thought of.
Optional (``pip install atheris``); run for as long as you like:

    .venv/bin/python -m tests.fuzz.atheris_harness -atheris_runs=200000 -max_len=20000
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from crawler.encoding import decode_body
    from crawler.extract import analyse_page, extract_links, extract_listing
    from crawler.prices import parse_price

URL = "https://shop.example.cn/item/1"
_CONTENT_TYPES = (None, "text/html", "text/html; charset=gbk", "text/html; charset=big5", "text/html; charset=utf-16")


def one_input(data: bytes) -> None:
    """Any bytes with any declared charset: the crawler's path must not raise."""
    fdp = atheris.FuzzedDataProvider(data)
    content_type = _CONTENT_TYPES[fdp.ConsumeIntInRange(0, len(_CONTENT_TYPES) - 1)]
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    text = decode_body(body, content_type).text
    analyse_page(text, URL)
    extract_links(text, URL)
    listing = extract_listing(text, URL)
    if listing is not None and listing.price_text:
        parse_price(listing.price_text)
    parse_price(text[:200])


def main(argv: list[str]) -> None:
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
