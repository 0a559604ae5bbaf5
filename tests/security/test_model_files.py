"""Model files that are not ours are refused before any of their code can run (skops trust rules)."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

import classifier
from classifier import ModelLoadError, load_model
from tests.faults.tally import note

MARKER = Path(os.environ.get("TMPDIR", "/tmp")) / f"wildwatch-pwned-{os.getpid()}"


class Pwn:
    """Would touch MARKER if anything ever unpickled or reconstructed it."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {MARKER}",))

    def __setstate__(self, state) -> None:  # type: ignore[no-untyped-def]
        MARKER.touch()


def _skops_with_custom_object(target: Path) -> None:
    sio.dump({"format": "wildwatch-classifier/1", "version": "evil", "threshold": 0.5, "x": Pwn.__new__(Pwn)},
             target)


def _pickle_named_skops(target: Path) -> None:
    target.write_bytes(pickle.dumps(Pwn()))


def _schema_calling_os_system(target: Path) -> None:
    sio.dump({"format": "wildwatch-classifier/1", "version": "evil"}, target)
    with zipfile.ZipFile(target) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    schema = json.loads(files["schema.json"])
    schema["content"]["version"] = {
        "__class__": "function", "__module__": "os", "__loader__": "FunctionNode",
        "content": {"module_path": "os", "function": "system"},
        "is_json": False,
    }
    files["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _plain_estimator(target: Path) -> None:
    sio.dump(LogisticRegression(), target)


def _random_bytes(target: Path) -> None:
    target.write_bytes(os.urandom(4096))


def _empty(target: Path) -> None:
    target.write_bytes(b"")


def _zip_with_traversal(target: Path) -> None:
    with zipfile.ZipFile(target, "w") as zf:
        zf.writestr("../../escape.txt", "x")
        zf.writestr("schema.json", "{}")


MAKERS = {
    "custom class inside skops": _skops_with_custom_object,
    "a pickle named model.skops": _pickle_named_skops,
    "schema rewritten to call os.system": _schema_calling_os_system,
    "a trusted estimator that is not our model": _plain_estimator,
    "random bytes": _random_bytes,
    "empty file": _empty,
    "zip with ../ member": _zip_with_traversal,
}


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_foreign_model_file_is_refused_without_running_it(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    MARKER.unlink(missing_ok=True)
    model_dir = tmp_path / "2026.01.01-1"
    model_dir.mkdir()
    make(model_dir / "model.skops")
    note("security/model_files")
    with pytest.raises(ModelLoadError):
        load_model(model_dir)
    assert not MARKER.exists(), "the model file ran code"
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()


def test_the_shipped_model_still_loads() -> None:
    model = load_model()
    assert model.version and 0 < model.threshold < 1
    assert isinstance(model, classifier.Model)
