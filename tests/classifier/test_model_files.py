"""Format 3 (model.json + model.npz) loads without skops or scikit-learn, refuses what is not ours, and a
format-2 skops model converts to it with the same scores."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

import classifier
from classifier.features import EVIDENCE_FEATURES
from classifier.persist import ARRAYS_FILE, MODEL_FILE, SKOPS_FILE, SKOPS_FORMAT, TRUSTED_TYPES

TEXTS = (["老料象牙手镯", "二手iPhone", "Tiger Balm", "代帽 手镯", "1v0ry bangle"], ["包真", "", "", "私聊", "DM"])


def _skops_model(model: classifier.Model, target: Path) -> Path:
    """What save_model wrote before format 3 (the payload of format 2)."""
    target.mkdir(parents=True)
    payload = {
        "format": SKOPS_FORMAT,
        "version": model.version,
        "threshold": float(model.threshold),
        "lexicon": model.lexicon,
        "word_vectorizer": model.word_vectorizer,
        "char_vectorizer": model.char_vectorizer,
        "evidence_features": [name for name, _ in EVIDENCE_FEATURES],
        "evidence_weights": np.asarray(model.evidence_weights, dtype=np.float64),
        "intercept": float(model.intercept),
        "ngram_weights": np.asarray(model.ngram_weights, dtype=np.float32),
        "ngram_bound": float(model.ngram_bound),
        "calibration": [float(x) for x in model.calibration],
        "word_name_columns": [int(c) for c in model.word_names],
        "word_name_grams": [str(g) for g in model.word_names.values()],
        "card": json.loads(json.dumps(model.card, default=str)),
    }
    sio.dump(payload, target / SKOPS_FILE, compression=zipfile.ZIP_DEFLATED)
    (target / "model_card.json").write_text(json.dumps({"format": SKOPS_FORMAT, "added": 1}), encoding="utf-8")
    assert set(sio.get_untrusted_types(file=target / SKOPS_FILE)) <= set(TRUSTED_TYPES)
    return target


def _scores(model: classifier.Model) -> list[tuple[float, bool, tuple[str, ...], tuple[str, ...]]]:
    return [(r.score, r.flagged, r.species, r.reasons) for r in model.score_batch(*TEXTS)]


def test_a_format_2_model_still_loads_and_converts_with_the_same_scores(
        small_model: classifier.Model, tmp_path: Path) -> None:
    target = _skops_model(small_model, tmp_path / "2026.01.01-1")
    old = classifier.load_model(target)
    assert classifier.convert_model(target) == target
    assert not (target / SKOPS_FILE).exists() and (target / MODEL_FILE).is_file()
    assert json.loads((target / "model_card.json").read_text(encoding="utf-8")) == {
        "format": classifier.model.FORMAT, "added": 1}
    new = classifier.load_model(target)
    texts = [classifier.join_listing(t, d) for t, d in zip(*TEXTS)]
    assert np.abs(new.predict_proba_texts(texts) - old.predict_proba_texts(texts)).max() <= 1e-12
    assert _scores(new) == _scores(old)
    assert new.lexicon.keys() == old.lexicon.keys()


def test_loading_the_shipped_model_imports_no_skops_scikit_learn_scipy_or_pandas() -> None:
    code = (
        "import sys, classifier\n"
        "classifier.load_model().score_batch(['象牙'], ['私聊'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'skops', 'sklearn', 'scipy', 'pandas'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture()
def copied(tmp_path: Path) -> Path:
    target = tmp_path / "2026.01.01-1"
    shutil.copytree(classifier.find_latest_model(), target)
    return target


def test_a_pickle_inside_the_arrays_is_refused(copied: Path) -> None:
    with np.load(copied / ARRAYS_FILE) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["ngram_weights"] = np.array([object()], dtype=object)
    np.savez(copied / ARRAYS_FILE, **arrays)
    with pytest.raises(classifier.ModelLoadError, match="arrays"):
        classifier.load_model(copied)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="wildwatch-classifier/9"), "format"),
        (lambda d: d.pop("lexicon"), "missing parts"),
        (lambda d: d["word_vectorizer"].update(n_features=12), "vectorizer"),
        (lambda d: d["char_vectorizer"].update(analyzer="exec"), "vectorizer"),
        (lambda d: d.update(evidence_features=["x"]), "other evidence features"),
    ],
)
def test_a_malformed_model_json_is_refused(copied: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    document = json.loads((copied / MODEL_FILE).read_text(encoding="utf-8"))
    change(document)
    (copied / MODEL_FILE).write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(classifier.ModelLoadError, match=message):
        classifier.load_model(copied)


def test_missing_arrays_are_refused(copied: Path) -> None:
    (copied / ARRAYS_FILE).unlink()
    with pytest.raises(classifier.ModelLoadError, match="arrays"):
        classifier.load_model(copied)


def test_the_shipped_model_carries_the_tables_this_code_prepares(shipped_model: classifier.Model) -> None:
    """A change to how misspellings are built must regenerate the shipped model's table
    (``python -m classifier.convert models/<version>``) and bump ``MISSPELLING_RULES``."""
    document = json.loads((classifier.find_latest_model() / MODEL_FILE).read_text(encoding="utf-8"))
    assert document["prepared"] == shipped_model.analyzer.prepared_tables()
    assert len(document["prepared"]["misspellings"]["words"]) > 50


def test_loading_uses_the_stored_misspellings(copied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def built_again(*args: object) -> dict[str, str]:
        raise AssertionError("the stored misspellings were built again")

    monkeypatch.setattr(classifier.normalize, "_misspellings", built_again)
    assert classifier.load_model(copied).analyzer.normalizer.normalize("a pangolian scale") == "a pangolin scale"


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("prepared"),  # a model saved before the tables were stored
        lambda d: d["prepared"]["misspellings"].update(key="0" * 64),  # built from other words or rules
        lambda d: d["prepared"]["misspellings"]["words"].update(pangolin="象牙 pangolian"),  # not what we build
        lambda d: d["prepared"].update(misspellings=["not", "a", "table"]),
    ],
)
def test_a_model_without_usable_tables_builds_them_and_scores_the_same(
        copied: Path, shipped_model: classifier.Model, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads((copied / MODEL_FILE).read_text(encoding="utf-8"))
    change(document)
    (copied / MODEL_FILE).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    model = classifier.load_model(copied)
    assert model.analyzer.normalizer._rewrites == shipped_model.analyzer.normalizer._rewrites  # noqa: SLF001
    assert model.analyzer.normalizer._latin_rewrites == shipped_model.analyzer.normalizer._latin_rewrites  # noqa: SLF001
    assert _scores(model) == _scores(shipped_model)
    classifier.convert_model(copied)  # brings the stored tables up to date, arrays untouched
    refreshed = json.loads((copied / MODEL_FILE).read_text(encoding="utf-8"))
    assert refreshed["prepared"] == shipped_model.analyzer.prepared_tables()
