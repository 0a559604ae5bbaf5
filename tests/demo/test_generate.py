"""The generated demo data keeps its promised shape, proportions and determinism."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from wildwatch.demo.generate import CATEGORIES, DEFAULT_DATA_DIR, LANGS, SHARED_WECHAT, generate
from wildwatch.demo.server import load_sellers


def test_generation_is_deterministic_and_matches_committed_file(listings: list[dict[str, Any]]) -> None:
    first, sellers = generate()
    second, _ = generate()
    assert first == second
    assert first == listings
    assert sellers == load_sellers()


def test_committed_file_is_byte_identical_to_regeneration() -> None:
    rows, _ = generate()
    expected = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    assert (DEFAULT_DATA_DIR / "listings.jsonl").read_text(encoding="utf-8") == expected


def test_volume_and_proportions(listings: list[dict[str, Any]]) -> None:
    assert len(listings) >= 320
    langs = Counter(r["lang"] for r in listings)
    assert set(langs) == set(LANGS)
    assert all(abs(count / len(listings) - 1 / 3) < 0.05 for count in langs.values())
    positive = sum(r["label"] for r in listings) / len(listings)
    assert 0.15 <= positive <= 0.23  # 17% before the ambiguous pool (wildwatch/demo/ambiguous.py) added 31
    markups = Counter(r["markup"] for r in listings)
    assert set(markups) == {"jsonld", "microdata", "bare"}
    assert all(count / len(listings) > 0.3 for count in markups.values())
    assert sum(r["hard_negative"] for r in listings) >= 40


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_has_positives_and_hard_negatives(listings: list[dict[str, Any]], lang: str) -> None:
    mine = [r for r in listings if r["lang"] == lang]
    assert sum(r["label"] for r in mine) >= 15
    assert sum(r["hard_negative"] for r in mine) >= 15


def test_record_fields_are_consistent(listings: list[dict[str, Any]]) -> None:
    seller_ids = {s["id"] for s in load_sellers()}
    currencies = {"zh-Hans": {"CNY"}, "zh-Hant": {"HKD", "MOP"}, "en": {"USD", "HKD"}}
    assert len({r["id"] for r in listings}) == len(listings)
    for r in listings:
        assert r["currency"] in currencies[r["lang"]]
        assert r["category"] in CATEGORIES
        assert r["seller_id"] in seller_ids
        assert 1 <= len(r["images"]) <= 3
        assert all(src.startswith(f"/static/img/{r['id']}-") for src in r["images"])
        assert r["posted_at"].startswith("2026-")
        assert bool(r["species"]) == bool(r["label"])
        assert not (r["label"] and r["hard_negative"])
        assert isinstance(r["price"], int | float) and r["price"] > 0
        assert r["title"] and r["description"]


def test_sellers_include_repeat_offenders_and_a_shared_wechat(listings: list[dict[str, Any]]) -> None:
    assert 55 <= len(load_sellers()) <= 65
    per_seller = Counter(r["seller_id"] for r in listings if r["label"])
    assert sum(1 for n in per_seller.values() if n >= 3) >= 3
    sharing = {r["seller_id"] for r in listings if SHARED_WECHAT in r["description"]}
    assert len(sharing) >= 2


@pytest.mark.parametrize("trick", ["微信", "WhatsApp", "私"])
def test_seller_tricks_appear_in_positives(listings: list[dict[str, Any]], trick: str) -> None:
    assert any(trick in r["description"] for r in listings if r["label"])


def test_listing_text_never_mentions_ground_truth_field_names(listings: list[dict[str, Any]]) -> None:
    """Keeps the server's "ground truth is never rendered" check meaningful."""
    for r in listings:
        text = (r["title"] + r["description"] + r["price_text"]).casefold()
        assert not any(word in text for word in ("label", "hard_negative", "species")), r["id"]
