"""One vocabulary for species and lang (issue 15, capability 2): `GET /v1/species` in three
scripts with counts, species filters by any of those names in any case, unknown names a 422
naming close matches, and `lang` as en / zh-Hans / zh-Hant with the region tags as aliases."""

from __future__ import annotations

import pytest

from core.langs import canonical_lang
from tests.api.conftest import Api


def test_species_lists_three_scripts_and_counts(api: Api) -> None:
    response = api.get("/v1/species")
    assert response.status_code == 200
    species = {row["name"]: row for row in response.json()}
    pangolin = species["pangolin"]
    assert (pangolin["en"], pangolin["zh_hans"], pangolin["zh_hant"]) == ("pangolin", "穿山甲", "穿山甲")
    assert pangolin["listings"] == 2 and pangolin["flagged"] == 2
    assert species["helmeted hornbill"]["zh_hans"] != species["helmeted hornbill"]["zh_hant"]  # 盔犀鸟 / 盔犀鳥
    assert species["saiga"]["listings"] == 0  # every species the filters accept, named or not
    # species only older data names (the seed's "elephant") are listed too, so they stay filterable
    assert species["elephant"]["listings"] > 0 and species["elephant"]["zh_hans"] is None
    assert api.client.get("/v1/species").status_code == 401


@pytest.mark.parametrize("typed", ["pangolin", "Pangolin", "PANGOLIN", "穿山甲", " pangolin "])
def test_species_filter_takes_any_name_any_case(api: Api, typed: str) -> None:
    response = api.get("/v1/listings", params={"species": typed})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2
    assert {tuple(item["species"]) for item in response.json()["items"]} == {("pangolin",)}


def test_species_filter_in_traditional_script(api: Api) -> None:
    assert api.get("/v1/listings", params={"species": "盔犀鳥"}).status_code == 200
    assert api.get("/v1/stats", params={"species": "盔犀鸟"}).json()["total"] == 0


@pytest.mark.parametrize(("typed", "suggested"), [("ivory", "elephant ivory"), ("pangolim", "pangolin"),
                                                   ("tigr", "tiger")])
def test_unknown_species_is_422_with_close_matches(api: Api, typed: str, suggested: str) -> None:
    for path in ("/v1/listings", "/v1/export", "/v1/stats"):
        response = api.get(path, params={"species": typed})
        assert response.status_code == 422, (path, response.text)
        message = response.json()["error"]["message"]
        assert f"unknown species {typed!r}" in message and repr(suggested) in message, message


@pytest.mark.parametrize(("lang", "count"), [("zh-Hant", 2), ("zh-Hans", 3), ("en", 4)])
def test_lang_vocabulary_and_aliases(api: Api, lang: str, count: int) -> None:
    canonical = api.get("/v1/listings", params={"lang": lang, "limit": 100}).json()["items"]
    assert len(canonical) == count and {item["lang"] for item in canonical} == {lang}
    alias = {"zh-Hant": "zh-HK", "zh-Hans": "zh-CN", "en": "en-GB"}[lang]
    assert api.get("/v1/listings", params={"lang": alias, "limit": 100}).json()["items"] == canonical


def test_unknown_lang_is_422_naming_the_vocabulary(api: Api) -> None:
    response = api.get("/v1/listings", params={"lang": "fr"})
    assert response.status_code == 422
    assert "en, zh-Hans, zh-Hant" in response.json()["error"]["message"]


def test_openapi_names_the_vocabulary(api: Api) -> None:
    params = {p["name"]: p for p in api.client.get("/openapi.json").json()["paths"]["/v1/listings"]["get"]["parameters"]}
    assert "`zh-Hans`" in params["lang"]["description"] and "`zh-Hant`" in params["lang"]["description"]
    assert "GET /v1/species" in params["species"]["description"]


@pytest.mark.parametrize(("tag", "canonical"), [
    ("zh-CN", "zh-Hans"), ("zh-cn", "zh-Hans"), ("zh", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh-Hans-CN", "zh-Hans"),
    ("zh-HK", "zh-Hant"), ("zh-TW", "zh-Hant"), ("zh_MO", "zh-Hant"), ("zh-Hant", "zh-Hant"), ("yue", "zh-Hant"),
    ("en", "en"), ("en-US", "en"), ("EN-gb", "en"), ("ja", "ja"), ("", None), (None, None),
])
def test_canonical_lang(tag: str | None, canonical: str | None) -> None:
    assert canonical_lang(tag) == canonical
