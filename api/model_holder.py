"""Loads the classifier once, on first use, so the API starts fast and reports readiness."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from classifier.protocol import ScoringModel

logger = logging.getLogger(__name__)

__all__ = ["ModelHolder"]


class ModelHolder:
    """Holds the current model; ``get`` returns None (and remembers why) when none can be loaded."""

    def __init__(
        self, model: ScoringModel | None = None, *, path: Path | None = None, models_dir: Path | None = None,
        flag_mammoth_ivory: bool = True,
    ) -> None:
        self._model = model
        self._path = path
        self._models_dir = models_dir
        self._flag_mammoth_ivory = flag_mammoth_ivory
        self._lock = threading.Lock()
        self.error: str | None = None

    def get(self) -> ScoringModel | None:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                try:
                    from classifier import load_model

                    self._model = load_model(
                        self._path, models_dir=self._models_dir, flag_mammoth_ivory=self._flag_mammoth_ivory
                    )
                    self.error = None
                    logger.info("loaded model %s", self._model.version)
                except Exception as exc:  # any failure means "not ready", reported by /healthz
                    self.error = str(exc)
                    logger.error("cannot load classifier model: %s", exc)
        return self._model
