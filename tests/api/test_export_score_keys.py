"""Export (CSV, Parquet), ad-hoc scoring, admin keys, metrics and rate limiting."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_session_factory, session_scope
from tests.api.conftest import Api, make_settings
from tests.fakes import FakeModel


def test_export_csv(api: Api) -> None:
    response = api.get("/v1/export", params={"flagged": "true"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    assert {row["species"] for row in rows} == {"elephant", "pangolin", "rhinoceros"}
    assert any(row["title"] == "象牙雕刻擺件 收藏" for row in rows)


def test_export_parquet_with_search(api: Api) -> None:
    response = api.get("/v1/export", params={"format": "parquet", "q": "穿山甲"})
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(response.content))
    assert table.num_rows == 2
    assert table.column("species").to_pylist() == [["pangolin"], ["pangolin"]]


def test_export_max_rows_and_empty(api: Api) -> None:
    rows = list(csv.DictReader(io.StringIO(api.get("/v1/export", params={"max_rows": "3"}).text)))
    assert len(rows) == 3
    empty = api.get("/v1/export", params={"species": "saiga"})  # known to the lexicon, in no listing
    assert empty.status_code == 200 and empty.text.strip().startswith("id,url")
    parquet = api.get("/v1/export", params={"species": "saiga", "format": "parquet"})
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == 0
    assert api.get("/v1/export", params={"species": "dodo"}).status_code == 422


@pytest.mark.parametrize("params", [{"format": "xlsx"}, {"max_rows": "0"}, {"flagged": "2"}])
def test_export_bad_params(api: Api, params: dict[str, str]) -> None:
    assert api.get("/v1/export", params=params).status_code == 422


@pytest.mark.parametrize(
    ("body", "flagged", "species"),
    [
        ({"title": "正宗象牙手镯", "description": "微信联系"}, True, ["elephant"]),
        ({"title": "Wooden chair"}, False, []),
        ({"title": "", "description": "穿山甲片"}, True, ["pangolin"]),
    ],
)
def test_score(api: Api, body: dict[str, str], flagged: bool, species: list[str]) -> None:
    response = api.post("/v1/score", json=body)
    assert response.status_code == 200
    out = response.json()
    assert out["flagged"] is flagged and out["species"] == species
    assert out["model_version"] == "fake-1" and out["threshold"] == 0.5


@pytest.mark.parametrize(
    "body", [{}, {"title": 5}, {"title": "x" * 2001}, {"title": "x", "description": "y" * 50_001}, [], "text"]
)
def test_score_bad_body(api: Api, body: object) -> None:
    response = api.post("/v1/score", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_score_without_model_is_503(engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, engine.url.render_as_string(hide_password=False))
    settings.classifier.models_dir = tmp_path / "no-models"
    with session_scope(make_session_factory(engine)) as session:
        key = create_api_key(session, role="analyst", name="t")[1]
    with TestClient(create_app(settings, engine=engine)) as client:
        response = client.post("/v1/score", json={"title": "x"}, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 503
        assert client.get("/healthz").status_code == 503


def test_admin_manages_keys(api: Api) -> None:
    created = api.post("/v1/keys", role="admin", json={"role": "moderator", "name": "new mod"})
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith("ww_") and body["role"] == "moderator"
    listed = api.get("/v1/keys", role="admin").json()
    assert body["id"] in {row["id"] for row in listed}
    assert all("key" not in row for row in listed)
    assert api.client.delete(f"/v1/keys/{body['id']}", headers={"X-API-Key": api.keys["admin"]}).status_code == 204
    again = api.client.delete(f"/v1/keys/{body['id']}", headers={"X-API-Key": api.keys["admin"]})
    assert again.status_code == 404


@pytest.mark.parametrize("body", [{"role": "root", "name": "x"}, {"role": "analyst", "name": ""}, {"role": "analyst"}])
def test_key_bad_body(api: Api, body: dict[str, str]) -> None:
    assert api.post("/v1/keys", role="admin", json=body).status_code == 422


def test_metrics_for_admin(api: Api) -> None:
    api.get("/v1/listings")
    response = api.get("/metrics", role="admin")
    assert response.status_code == 200
    assert 'wildwatch_http_requests_total{method="GET",route="/v1/listings",status="200"}' in response.text


def test_rate_limit_per_key(engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, engine.url.render_as_string(hide_password=False), rate_limit_per_minute=1, rate_limit_burst=3
    )
    with session_scope(make_session_factory(engine)) as session:
        first = create_api_key(session, role="analyst", name="a")[1]
        second = create_api_key(session, role="analyst", name="b")[1]
    with TestClient(create_app(settings, engine=engine, model=FakeModel())) as client:
        statuses = [client.get("/v1/stats", headers={"X-API-Key": first}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/v1/stats", headers={"X-API-Key": first})
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) > 0
        assert client.get("/v1/stats", headers={"X-API-Key": second}).status_code == 200
        assert client.get("/healthz").status_code == 200
