"""Issue 20's scenario through the real CLI and API: a loopback marketplace of legal look-alikes and
four real offers is crawled and scored; a moderator dismisses six look-alikes and confirms the offers
over ``POST /v1/listings/{id}/reviews``; ``wildwatch train --with-reviews`` and ``wildwatch score``
run; then the dismissed six are not flagged, at least half of their unseen siblings (other sellers,
other words) are not, the four offers still are, and the generated test split stayed within the gate's
margin.  Nothing here depends on the exact scores of the shipped model: whatever it flags before,
the targets hold after (the figures before are printed for the report).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from classifier import find_latest_model
from core.settings import PROJECT_ROOT, Settings
from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, session_scope
from store.models import Listing
from wildwatch.demo.server import make_server

pytestmark = pytest.mark.e2e

SCENARIO = PROJECT_ROOT / "tests" / "fixtures" / "learning_scenario.jsonl"
#: Fast but real: fewer cross-validation folds than the shipped 5 (the CLI path is the same).
FOLDS = "3"


def scenario() -> list[dict[str, object]]:
    return [json.loads(line) for line in SCENARIO.read_text(encoding="utf-8").splitlines() if line.strip()]


def market_data(target: Path) -> Path:
    """The look-alike marketplace in the demo server's format (one seller per listing)."""
    target.mkdir()
    rows = scenario()
    listings, sellers = [], []
    for i, row in enumerate(rows):
        seller_id = 2001 + i
        sellers.append({"id": seller_id, "joined": "2024-01-01", "location": "上海", "name": str(row["seller"])})
        listings.append({"id": 9001 + 2 * i, "category": row["category"], "lang": row["lang"], "title": row["title"],
                         "description": row["description"], "price": row["price"], "currency": row["currency"],
                         "price_text": f"{row['currency']} {row['price']}", "seller_id": seller_id, "images": [f"/static/img/{9001 + 2 * i}-1.jpg"],
                         "markup": "microdata", "posted_at": "2026-12-01", "label": int(row["role"] == "offer"),
                         "species": [], "hard_negative": row["role"] != "offer"})
    for name, records in (("listings", listings), ("sellers", sellers)):
        (target / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                              encoding="utf-8")
    return target


def cli(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "wildwatch.cli", *args], capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    models = tmp_path / "models"
    shipped = find_latest_model()
    shutil.copytree(shipped, models / shipped.name)
    (models / "LATEST").write_text(shipped.name + "\n", encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'ww.db'}"
    env = {**os.environ, "WILDWATCH_DATABASE_URL": db_url, "WILDWATCH_VAR_DIR": str(tmp_path / "var"),
           "WILDWATCH_CLASSIFIER__MODELS_DIR": str(models),
           "WILDWATCH_CRAWLER__SNAPSHOT_DIR": str(tmp_path / "snapshots"),
           "WILDWATCH_CRAWLER__JOB_DIR": str(tmp_path / "jobs")}
    with make_server("127.0.0.1", 0, data_dir=market_data(tmp_path / "market")).start() as market:
        cli(["crawl", market.url + "/", "--set", "AUTOTHROTTLE_ENABLED=False"], env)
    yield db_url, env, models


def test_dismissals_stop_the_false_alarms_and_teach_the_model(world: tuple[str, dict[str, str], Path]) -> None:
    db_url, env, models = world
    shipped = (models / "LATEST").read_text(encoding="utf-8").strip()
    cli(["score"], env)
    engine = make_engine(db_url)
    with session_scope(make_session_factory(engine)) as session:
        _, moderator = create_api_key(session, role="moderator", name="moderator")
        by_title = {title: listing_id for listing_id, title in session.execute(select(Listing.id, Listing.title))}
    rows = scenario()
    assert len(by_title) == len(rows), sorted(by_title)
    ids = {role: [by_title[str(r["title"])] for r in rows if r["role"] == role] for role in ("dismissed", "sibling", "offer")}
    headers = {"Authorization": f"Bearer {moderator}"}
    app = create_app(Settings(database_url=db_url), engine=engine)
    with TestClient(app) as client:

        def flagged(listing_ids: list[int]) -> int:
            return sum(bool(client.get(f"/v1/listings/{i}", headers=headers).json()["flagged"]) for i in listing_ids)

        before = {role: flagged(listing_ids) for role, listing_ids in ids.items()}
        print(f"\nmodel {shipped} before the reviews: dismissed-to-be flagged {before['dismissed']}/6, "
              f"siblings {before['sibling']}/6, offers {before['offer']}/4")
        assert before["offer"] == 4
        for listing_id in ids["dismissed"]:
            response = client.post(f"/v1/listings/{listing_id}/reviews", headers=headers,
                                   json={"decision": "dismissed", "reason": "not_wildlife"})
            assert response.status_code == 201, response.text
        for listing_id in ids["offer"]:
            response = client.post(f"/v1/listings/{listing_id}/reviews", headers=headers,
                                   json={"decision": "confirmed", "reason": "protected_species"})
            assert response.status_code == 201, response.text
        assert flagged(ids["dismissed"]) == 0  # decision memory: at once, before any retraining

        out = cli(["train", "--with-reviews", "--folds", FOLDS], env)
        print(out)
        assert "adding 10 reviewed listings: 8 to train on" in out and "2 most recent held out" in out
        assert "generated test split" in out and "held-out reviews (2 most recent)" in out
        card = json.loads((models / sorted(
            p.name for p in models.iterdir() if p.is_dir())[-1] / "model_card.json").read_text(encoding="utf-8"))
        assert card["training"]["reviews"]["trained_on"]["count"] == 8
        assert card["promotion"]["test_split"]["passed"], card["promotion"]  # within 0.5 points
        cli(["score"], env)

        after = {role: flagged(listing_ids) for role, listing_ids in ids.items()}
        print(f"after training ({card['version']}, promoted: {card['promotion']['promoted']}) and scoring: "
              f"dismissed flagged {after['dismissed']}/6, siblings {after['sibling']}/6, offers {after['offer']}/4")
        assert after["dismissed"] == 0
        assert after["sibling"] <= 3
        assert after["offer"] == 4
    engine.dispose()
