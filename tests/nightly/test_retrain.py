"""Scheduled retraining: the nightly retrains once enough new decisions accumulated, through the gate,
and the morning report shows what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from classifier import find_latest_model
from core.settings import PROJECT_ROOT, Settings
from store.db import session_scope
from store.memory import AUTO_REVIEWER
from store.reviews import count_decisions_since, record_review
from tests.nightly.test_reports import summary
from tests.review.factories import add_listing, make_store
from wildwatch.nightly.retrain import last_training, retrain_if_due
from wildwatch.reports import write_report

REVIEWED = [("象牙手镯 老料", "真象牙，保真，微信联系", True), ("犀牛角杯", "野生犀牛角，保真，私聊", True),
            ("穿山甲片 正品", "野生穿山甲鳞片，现货，加微信", True), ("犀牛盾 正品", "犀牛盾 保真 正品，现货", False),
            ("象牙球 老桩", "正宗象牙球，十年老桩，包邮，保真", False), ("鹤顶红 金鱼", "红头，活体，懂的来", False)]


def _settings(tmp_path: Path, every: int) -> Settings:
    """A copy of the shipped model, and a small slice of the seed data so that training is quick."""
    models = tmp_path / "models"
    if not models.exists():
        shipped = find_latest_model()
        shutil.copytree(shipped, models / shipped.name)
        (models / "LATEST").write_text(shipped.name + "\n", encoding="utf-8")
        seed = pd.read_csv(PROJECT_ROOT / "data" / "labeled" / "seed.csv", dtype=str, keep_default_na=False)
        (tmp_path / "data" / "labeled").mkdir(parents=True)
        seed.groupby("split", group_keys=False).apply(lambda part: part.sample(frac=0.3, random_state=0)).to_csv(
            tmp_path / "data" / "labeled" / "seed.csv", index=False)
    return Settings(data_dir=tmp_path / "data", var_dir=tmp_path / "var",  # type: ignore[call-arg]
                    classifier={"models_dir": models}, moderation={"retrain_after_reviews": every})


def test_the_nightly_retrains_when_enough_decisions_accumulated(tmp_path: Path) -> None:
    with make_store(tmp_path) as store:
        with session_scope(store.sessions) as session:
            for title, description, real in REVIEWED:
                listing = add_listing(session, title=title, description=description, score=0.9)
                record_review(session, listing.id, decision="confirmed" if real else "dismissed",
                              reason="protected_species" if real else "not_wildlife", reviewer="mod")
            extra = add_listing(session, title="象牙球 小苗", score=0.9)
            record_review(session, extra.id, decision="escalated", reason="needs_expert", reviewer="mod")
            record_review(session, extra.id, decision="dismissed", reason="not_wildlife", reviewer=AUTO_REVIEWER)
            assert count_decisions_since(session, None) == len(REVIEWED)  # escalations and the store's own: no
        assert retrain_if_due(_settings(tmp_path, 0), store, timeout=600) == {"status": "disabled"}
        waiting = retrain_if_due(_settings(tmp_path, 7), store, timeout=600)
        assert (waiting["status"], waiting["new_reviews"]) == ("not_due", 6)

        settings = _settings(tmp_path, 6)
        before = last_training(settings.classifier.models_dir)
        done = retrain_if_due(settings, store, timeout=600)
        assert done["status"] in ("promoted", "kept"), done
        assert done["candidate"] and done["model_before"] != done["candidate"]
        assert (done["model_after"] == done["candidate"]) is (done["status"] == "promoted")
        assert done["reviews"]["trained_on"]["count"] + done["reviews"]["held_out"]["count"] == 6
        assert {"test_split", "held_out_reviews"} <= set(done["gate"])
        assert last_training(settings.classifier.models_dir) > before  # type: ignore[operator]
        assert retrain_if_due(settings, store, timeout=600)["status"] == "not_due"  # counted from the new training

    html = write_report(tmp_path / "reports", summary(retrain=done)).read_text(encoding="utf-8")
    assert f"{done['model_before']} → {done['model_after']}" in html and "Generated test split" in html
    idle = write_report(tmp_path / "reports2", summary(retrain=waiting)).read_text(encoding="utf-8")
    assert "Not retrained: 6 new decisions of the 7" in idle
