"""What a scoring model is to the rest of WildWatch: a version, a threshold and ``score_batch``.

``classifier.Model`` is one; tests and notebooks may pass their own.  The API, the scoring glue
and the nightly are typed against this Protocol, so mypy checks how they use a model without
tying them to one implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["ScoringModel", "Verdict"]


class Verdict(Protocol):
    """One listing's result: a probability, the decision at the threshold, and why."""

    @property
    def score(self) -> float: ...

    @property
    def flagged(self) -> bool: ...

    @property
    def species(self) -> Sequence[str]: ...

    @property
    def reasons(self) -> Sequence[str]: ...


class ScoringModel(Protocol):
    """A trained model as its callers use it (``classifier.Model`` satisfies it)."""

    @property
    def version(self) -> str: ...

    @property
    def threshold(self) -> float: ...

    def score_batch(self, titles: Sequence[str], descriptions: Sequence[str]) -> Sequence[Verdict]:
        """One verdict per (title, description) pair, in order."""
        ...
