"""GET /v1/sellers, /v1/sellers/{id} (the contact network) and /v1/stats."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def test_sellers_repeat_offenders_first(api: Api) -> None:
    body = api.get("/v1/sellers").json()
    assert body["total"] == 6 and body["next_offset"] is None
    assert [item["flagged"] for item in body["items"]][:3] == [2, 2, 2]
    first = body["items"][0]
    assert first["species"] and first["links"]["listings"].endswith(f"seller_id={first['id']}")


@pytest.mark.parametrize(
    ("params", "count"),
    [({"marketplace": "en.bazaar.example"}, 2), ({"min_flagged": "1"}, 3), ({"limit": "2"}, 2),
     ({"sort": "-last_seen"}, 6), ({"offset": "5"}, 1)],
)
def test_seller_params(api: Api, params: dict[str, str], count: int) -> None:
    response = api.get("/v1/sellers", params=params)
    assert response.status_code == 200
    assert len(response.json()["items"]) == count


def test_seller_detail_shows_network(api: Api) -> None:
    body = api.get(f"/v1/sellers/{api.seeded.sellers['老王']}").json()
    assert body["contacts"] == [{"kind": "wechat", "value": "wx_ivory88", "listings": 2}]
    linked = {link["seller"]["name"]: link for link in body["linked_sellers"]}
    assert linked["阿強"]["hops"] == 1
    assert linked["阿強"]["seller"]["marketplace"] == "hk.market.example"
    assert linked["阿強"]["shared_contacts"] == [{"kind": "wechat", "value": "wx_ivory88"}]
    assert linked["tusk_trader"]["hops"] == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v1/sellers/99999", 404), ("/v1/sellers/0", 422), ("/v1/sellers/1?hops=9", 422),
     ("/v1/sellers?sort=name", 422), ("/v1/sellers?limit=-1", 422), ("/v1/sellers?min_flagged=x", 422)],
)
def test_seller_errors(api: Api, path: str, status: int) -> None:
    response = api.get(path)
    assert response.status_code == status and "error" in response.json()


def test_stats(api: Api) -> None:
    body = api.get("/v1/stats", params={"interval": "week"}).json()
    assert (body["total"], body["flagged"]) == (9, 6)
    assert body["by_species"][0] == {"key": "elephant", "listings": 3, "flagged": 3}
    assert [row["key"] for row in body["by_period"]] == ["2026-11-02", "2026-11-09"]
    assert {row["key"] for row in body["by_review_status"]} == {"unreviewed", "confirmed", "dismissed"}


def test_stats_with_filters(api: Api) -> None:
    body = api.get("/v1/stats", params={"q": "象牙", "flagged": "true"}).json()
    assert body["total"] == 2
    assert [row["key"] for row in body["by_marketplace"]] == ["hk.market.example", "shop.example.cn"]


@pytest.mark.parametrize("params", [{"interval": "year"}, {"top": "0"}, {"min_score": "-1"}])
def test_stats_bad_params(api: Api, params: dict[str, str]) -> None:
    assert api.get("/v1/stats", params=params).status_code == 422
