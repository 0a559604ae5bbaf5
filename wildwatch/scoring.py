"""Scoring files and stored listings with the classifier (the glue between classifier and store)."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import InputError, ModelError
from core.settings import get_settings

if TYPE_CHECKING:  # the classifier loads only when a model does, the store only to score stored listings
    import pandas as pd
    from sqlalchemy.orm import Session

    from classifier.protocol import ScoringModel
    from store.db import Store

logger = logging.getLogger(__name__)

__all__ = ["load_classifier", "score_columns", "score_frame", "score_stored", "StoredScoring", "REQUIRED_COLUMNS", "OUTPUT_COLUMNS"]

REQUIRED_COLUMNS = ("id", "title", "description")
OUTPUT_COLUMNS = ("score", "flagged", "species", "reasons")
MAX_FIELD_CHARS = 100_000


def load_classifier(path: Path | None, models_dir: Path, *, flag_mammoth_ivory: bool | None = None) -> ScoringModel:
    """The model at ``path`` or the newest in ``models_dir``, as a ModelError if unusable.

    ``flag_mammoth_ivory`` defaults to the ``classifier.flag_mammoth_ivory`` setting.
    """
    from classifier import load_model

    if flag_mammoth_ivory is None:
        flag_mammoth_ivory = get_settings().classifier.flag_mammoth_ivory
    try:
        return load_model(path, models_dir=models_dir, flag_mammoth_ivory=flag_mammoth_ivory)
    except Exception as exc:  # the classifier's own errors: missing, untrusted or corrupt files
        raise ModelError(f"cannot load a classifier model ({path or models_dir}): {exc}") from exc


def _row_problem(id_: str, title: str, description: str) -> str:
    """What is wrong with one row ("" when nothing); rows with a missing id or no text are not scored."""
    if id_.strip() and (title.strip() or description.strip()) and "\ufffd" not in title \
            and "\ufffd" not in description and len(title) + len(description) <= MAX_FIELD_CHARS:
        return ""  # the common case, decided in one expression
    problems = []
    if not id_.strip():
        problems.append("missing id")
    if not title.strip() and not description.strip():
        problems.append("empty title and description")
    if "\ufffd" in title or "\ufffd" in description:
        problems.append("undecodable bytes replaced")
    if len(title) + len(description) > MAX_FIELD_CHARS:
        problems.append(f"text longer than {MAX_FIELD_CHARS} characters truncated")
    return "; ".join(problems)


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    """A column as Python strings (one conversion per column, not one pandas lookup per cell)."""
    return [value if isinstance(value, str) else str(value) for value in frame[column].tolist()]


#: (score, flagged, species, reasons) of one row as written to the output file.
_Cells = tuple[float, str, str, str]

#: The model a forked worker scores with (inherited from the parent, never pickled).
_WORKER_MODEL: ScoringModel | None = None


def _score_chunk(model: ScoringModel, titles: list[str], descriptions: list[str]) -> list[_Cells]:
    return [
        (round(float(r.score), 4), "true" if r.flagged else "false", ";".join(r.species), " | ".join(r.reasons))
        for r in model.score_batch(titles, descriptions)
    ]


def _score_in_worker(chunk: tuple[list[str], list[str]]) -> list[_Cells]:
    assert _WORKER_MODEL is not None
    return _score_chunk(_WORKER_MODEL, *chunk)


def default_workers(rows: int, batch_size: int) -> int:
    """Worker processes worth starting for ``rows`` listings: one per usable core, one for small inputs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    # Below a few batches the fork and the copying of results cost more than a second core saves.
    return max(1, min(cores, rows // (2 * batch_size)))


def _score_all(model: ScoringModel, titles: list[str], descriptions: list[str], *, batch_size: int,
               workers: int) -> list[_Cells]:
    chunks = [(titles[i : i + batch_size], descriptions[i : i + batch_size]) for i in range(0, len(titles), batch_size)]
    if workers <= 1 or len(chunks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [cells for chunk in chunks for cells in _score_chunk(model, *chunk)]
    global _WORKER_MODEL
    _WORKER_MODEL = model  # forked workers inherit the loaded model: no second load, nothing pickled
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [cells for part in pool.imap(_score_in_worker, chunks) for cells in part]
    finally:
        _WORKER_MODEL = None


def score_frame(frame: pd.DataFrame, model: ScoringModel, *, batch_size: int = 2000, workers: int = 1) -> pd.DataFrame:
    """Every input column plus score, flagged, species, reasons and error (empty when fine).

    A row that cannot be scored keeps its place with an empty score and the reason in ``error``.
    ``workers`` > 1 scores batches in that many forked processes (see :func:`default_workers`).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"input lacks required column(s): {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")
    out = frame.copy()
    added = score_columns({c: _texts(out, c) for c in REQUIRED_COLUMNS}, model, batch_size=batch_size, workers=workers)
    for name, values in added.items():
        out[name] = values
    return out


def score_columns(columns: dict[str, list[Any]], model: ScoringModel, *, batch_size: int = 2000,
                  workers: int = 1) -> dict[str, list[Any]]:
    """score, flagged, species, reasons and error for the rows of ``columns`` (column -> cells, the
    required ones at least), as :func:`score_frame` adds them, without pandas."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"input lacks required column(s): {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")
    ids, titles, descriptions = ([v if isinstance(v, str) else str(v) for v in columns[c]] for c in REQUIRED_COLUMNS)
    problems = [_row_problem(*row) for row in zip(ids, titles, descriptions)]
    scores: list[Any] = [""] * len(ids)
    flagged: list[str] = [""] * len(ids)
    species: list[str] = [""] * len(ids)
    reasons: list[str] = [""] * len(ids)
    positions = [i for i, problem in enumerate(problems)
                 if not problem or ("missing id" not in problem and "empty title" not in problem)]
    cells = _score_all(
        model,
        [titles[i][:MAX_FIELD_CHARS] for i in positions],
        [descriptions[i][:MAX_FIELD_CHARS] for i in positions],
        batch_size=batch_size,
        workers=workers,
    )
    for i, (score, flag, names, why) in zip(positions, cells, strict=True):
        scores[i], flagged[i], species[i], reasons[i] = score, flag, names, why
    return {"score": scores, "flagged": flagged, "species": species, "reasons": reasons, "error": problems}


@dataclass
class StoredScoring:
    scored: int = 0
    flagged: int = 0
    newly_flagged: list[int] = field(default_factory=list)
    queued: int = 0  # what ``on_flagged`` reported (alerts queued)


#: Verdict fields a forked worker sends back for one stored listing: (score, flagged, species, reasons).
_Verdict = tuple[float, bool, tuple[str, ...], tuple[str, ...]]


def _verdicts_in_worker(chunk: tuple[list[str], list[str]]) -> list[_Verdict]:
    assert _WORKER_MODEL is not None
    return [(float(v.score), bool(v.flagged), tuple(v.species), tuple(v.reasons))
            for v in _WORKER_MODEL.score_batch(*chunk)]


#: Listings read, written and committed together when scoring stored listings.  A commit writes
#: every index page the batch touched (the score index is touched all over), so larger pages cost
#: less per listing; the model still scores ``batch_size`` at a time.
WRITE_BATCH = 10_000


def score_stored(
    store: Store, model: ScoringModel, *, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None,
    on_flagged: Callable[[Session, list[int]], int] | None = None, workers: int | None = 1,
    auto_dismiss_relists: bool | None = None, write_batch: int = WRITE_BATCH,
) -> StoredScoring:
    """Score every stored listing the model has not scored in its current content, page by page.

    Each page (``write_batch`` listings, at least ``batch_size``) commits on its own, so an
    interrupted run resumes where it stopped.  ``on_flagged`` (e.g. queueing alerts) runs inside
    the page's transaction: a kill between scoring and queueing cannot leave a flagged listing
    without its alert.  ``workers`` > 1 scores ``batch_size`` chunks in forked processes while
    this one reads the next page and writes finished ones (all database work stays in this
    process, in page order); ``None`` picks :func:`default_workers`.  ``auto_dismiss_relists``
    defaults to the ``moderation.auto_dismiss_relists`` setting (see ``store.scores.record_scores``).
    """
    from store.db import session_scope
    from store.scores import ScoreIn, ToScore, count_flagged, count_to_score, listings_to_score, record_scores

    if auto_dismiss_relists is None:
        auto_dismiss_relists = get_settings().moderation.auto_dismiss_relists
    page_size = max(batch_size, write_batch)
    result = StoredScoring()
    with session_scope(store.sessions) as session:
        total = count_to_score(session, model_version=model.version)
    if workers is None:
        workers = default_workers(total, batch_size)

    def write(page: list[ToScore], verdicts: Sequence[_Verdict]) -> None:
        with session_scope(store.sessions) as session:
            rows = [ScoreIn(b.listing_id, b.content_hash, *v) for b, v in zip(page, verdicts, strict=True)]
            newly = record_scores(session, rows, model_version=model.version, threshold=model.threshold,
                                  auto_dismiss_relists=auto_dismiss_relists)
            if on_flagged is not None and newly:
                result.queued += on_flagged(session, newly)
            # after decision memory: a dismissed, unchanged listing the model flags again does not count
            flagged_now = count_flagged(session, [b.listing_id for b in page])
        result.scored += len(page)
        result.flagged += flagged_now
        result.newly_flagged += newly
        if progress:
            progress(result.scored, total)
        logger.debug("scored %d/%d listings", result.scored, total)

    def pages() -> Iterator[list[ToScore]]:
        after = 0
        while True:
            with session_scope(store.sessions) as session:
                page = listings_to_score(session, model_version=model.version, limit=page_size, after_id=after)
            if not page:
                return
            after = page[-1].listing_id
            yield page

    def chunks(page: list[ToScore]) -> Iterator[tuple[list[str], list[str]]]:
        for i in range(0, len(page), batch_size):
            part = page[i : i + batch_size]
            yield [b.title for b in part], [b.description for b in part]

    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for page in pages():
            verdicts = [(float(v.score), bool(v.flagged), tuple(v.species), tuple(v.reasons))
                        for chunk in chunks(page) for v in model.score_batch(*chunk)]
            write(page, verdicts)
        return result
    global _WORKER_MODEL
    _WORKER_MODEL = model
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            # One page scored by the workers while the page before it is written: never reads far ahead.
            in_flight: deque[tuple[list[ToScore], list[Any]]] = deque()
            for page in pages():
                in_flight.append((page, [pool.apply_async(_verdicts_in_worker, (chunk,)) for chunk in chunks(page)]))
                if len(in_flight) > 1:
                    done, pending = in_flight.popleft()
                    write(done, [verdict for part in pending for verdict in part.get()])
            while in_flight:
                done, pending = in_flight.popleft()
                write(done, [verdict for part in pending for verdict in part.get()])
    finally:
        _WORKER_MODEL = None
    return result
