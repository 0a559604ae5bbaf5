"""GenericSpider's arguments are a pydantic model: `-a NAME=VALUE` strings are parsed once, or refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crawler.spiders.generic import GenericSpider, GenericSpiderArgs

BASE = "https://shop.example/"


@pytest.mark.parametrize(
    ("given", "attribute", "expected"),
    [
        ({"max_pages": "25"}, "max_pages", 25),
        ({}, "max_pages", 0),
        ({"categories": "false"}, "categories", False),
        ({"categories": "0"}, "categories", False),
        ({"categories": "yes"}, "categories", True),
        ({"follow_other": "no"}, "follow_other", False),
        ({"follow_other": "true", "profile": "demo"}, "follow_other", False),  # the demo profile says no
        ({"search_terms": ["象牙", "ivory"]}, "search_terms", ["象牙", "ivory"]),
        ({"skip_urls": [BASE + "item/1", BASE + "item/1"]}, "skip_urls", frozenset({BASE + "item/1"})),
    ],
)
def test_arguments_are_parsed_once(given: dict[str, object], attribute: str, expected: object) -> None:
    assert getattr(GenericSpider(start_url=BASE, **given), attribute) == expected


def test_a_profile_name_is_loaded() -> None:
    spider = GenericSpider(start_url=BASE, profile="demo")
    assert spider.profile is not None and spider.profile.name == "demo" and spider.profile.search_url


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"start_url": "ftp://shop.example/"}, "start_url"),
        ({"start_url": "shop.example"}, "start_url"),
        ({"start_url": BASE, "max_pages": "-1"}, "max_pages"),
        ({"start_url": BASE, "max_pages": "many"}, "max_pages"),
        ({"start_url": BASE, "categories": "maybe"}, "categories"),
        ({"start_url": BASE, "follow_others": "false"}, "follow_others"),
    ],
)
def test_bad_arguments_are_refused_with_the_field_named(given: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        GenericSpiderArgs.model_validate(given)
    assert raised.value.errors()[0]["loc"] == (field,)
