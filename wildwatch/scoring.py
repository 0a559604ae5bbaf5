"""Scoring files and stored listings with the classifier (the glue between classifier and store)."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import logging
import os
import signal
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import InputError, ModelError
from core.process import become_helper  # imported before any fork: it loads libc
from core.settings import get_settings

if TYPE_CHECKING:  # the classifier loads only when a model does, the store only to score stored listings
    import pandas as pd
    from sqlalchemy.orm import Session

    from classifier.protocol import ScoringModel
    from store.db import Store

logger = logging.getLogger(__name__)

__all__ = ["load_classifier", "kept_for_life", "score_columns", "score_to_csv", "CsvScoring", "score_frame", "score_stored", "StoredScoring", "REQUIRED_COLUMNS", "OUTPUT_COLUMNS"]

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


@contextlib.contextmanager
def kept_for_life() -> Iterator[None]:
    """Build objects this process keeps until it exits (the model `wildwatch score` loads) without the
    garbage collector: a collection while they are built walks every object in the process to find
    no garbage (~15 ms of start-up), and afterwards ``gc.freeze`` keeps later collections, in this
    process and in the forked workers (whose memory pages then stay shared), off all of them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


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

_T = TypeVar("_T")


def _score_chunk(model: ScoringModel, titles: list[str], descriptions: list[str]) -> list[_Cells]:
    return [
        (round(float(r.score), 4), "true" if r.flagged else "false", ";".join(r.species), " | ".join(r.reasons))
        for r in model.score_batch(titles, descriptions)
    ]


#: What a forked worker of :func:`_ordered_map` calls (inherited through the fork, never pickled).
_WORKER_CALL: Callable[[Any], Any] | None = None


def _call_in_worker(item: Any) -> Any:
    assert _WORKER_CALL is not None
    return _WORKER_CALL(item)


def _fork_context(workers: int) -> Any | None:
    """multiprocessing's "fork" context when ``workers`` > 1 and the platform forks, else None.

    multiprocessing is imported here, when there are workers to start: not before the model is
    loaded, and not at all by a one-worker run."""
    if workers <= 1:
        return None
    import multiprocessing

    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _become_scoring_worker() -> None:
    """Initializer of a forked scoring worker: SIGTERM ends it (the pool's terminate), whatever handler
    the parent had (the nightly's stop flag only sets a flag); Ctrl-C is left to the parent, which
    stops the pool; and it dies with the parent, so a ``kill -9`` of the nightly leaves none behind."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    become_helper()


def _ordered_map(call: Callable[[Any], _T], items: Sequence[Any], workers: int) -> Iterator[_T]:
    """``call`` of each item, in order: in ``workers`` forked processes when that is worth it.

    The workers inherit ``call`` and what it closes over (the loaded model, the input table) from
    this process: only the items and the results cross between processes."""
    context = _fork_context(workers) if len(items) >= 2 else None
    if context is None:
        yield from map(call, items)
        return
    global _WORKER_CALL
    _WORKER_CALL = call
    try:
        with context.Pool(workers, initializer=_become_scoring_worker) as pool:
            yield from pool.imap(_call_in_worker, items)
    finally:
        _WORKER_CALL = None


def _require_columns(columns: Collection[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"input lacks required column(s): {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")


def default_workers(rows: int, batch_size: int) -> int:
    """Worker processes worth starting for ``rows`` listings: one per usable core, one for small inputs."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    # Below a few batches the fork and the copying of results cost more than a second core saves.
    return max(1, min(cores, rows // (2 * batch_size)))


def _score_all(model: ScoringModel, titles: list[str], descriptions: list[str], *, batch_size: int,
               workers: int) -> list[_Cells]:
    chunks = [(titles[i : i + batch_size], descriptions[i : i + batch_size]) for i in range(0, len(titles), batch_size)]
    return [cells for part in _ordered_map(lambda chunk: _score_chunk(model, *chunk), chunks, workers) for cells in part]


def score_frame(frame: pd.DataFrame, model: ScoringModel, *, batch_size: int = 2000, workers: int = 1) -> pd.DataFrame:
    """Every input column plus score, flagged, species, reasons and error (empty when fine).

    A row that cannot be scored keeps its place with an empty score and the reason in ``error``.
    ``workers`` > 1 scores batches in that many forked processes (see :func:`default_workers`).
    """
    _require_columns(frame.columns)
    out = frame.copy()
    added = score_columns({c: _texts(out, c) for c in REQUIRED_COLUMNS}, model, batch_size=batch_size, workers=workers)
    for name, values in added.items():
        out[name] = values
    return out


def score_columns(columns: dict[str, list[Any]], model: ScoringModel, *, batch_size: int = 2000,
                  workers: int = 1) -> dict[str, list[Any]]:
    """score, flagged, species, reasons and error for the rows of ``columns`` (column -> cells, the
    required ones at least), as :func:`score_frame` adds them, without pandas."""
    _require_columns(columns)
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
class CsvScoring:
    """What :func:`score_to_csv` wrote: row counts and each row's problem (row index, id, problem)."""

    rows: int = 0
    scored: int = 0
    flagged: int = 0
    problems: list[tuple[int, Any, str]] = field(default_factory=list)


def _csv_chunk(model: ScoringModel, columns: list[str], cells: dict[str, list[Any]], lo: int,
               hi: int) -> tuple[str, int, int, list[tuple[int, Any, str]]]:
    """Rows ``lo:hi`` scored and formatted as CSV text, as :func:`score_columns` + ``write_columns``
    write them; plus (scored, flagged, problems) of the chunk."""
    part = {c: cells[c][lo:hi] for c in cells}
    added = score_columns(part, model, batch_size=max(hi - lo, 1), workers=1)
    part |= added
    lists = []
    for name in columns:
        values = part[name]
        if not all(isinstance(value, str | float) for value in values):
            values = ["" if v is None else ("true" if v else "false") if isinstance(v, bool) else v for v in values]
        lists.append(values)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(zip(*lists))
    problems = [(lo + i, part["id"][i], error) for i, error in enumerate(added["error"]) if error]
    scored = sum(1 for score in added["score"] if score != "")
    flagged = sum(1 for flag in added["flagged"] if flag == "true")
    return buffer.getvalue(), scored, flagged, problems


def score_to_csv(names: list[str], cells: dict[str, list[Any]], model: ScoringModel, output: Path, *,
                 batch_size: int = 2000, workers: int = 1) -> CsvScoring:
    """Score a table (column lists) and write it with score, flagged, species, reasons and error to a
    CSV file: the bytes ``score_columns`` + ``core.tables.write_rows`` write, but each batch is
    scored *and* formatted by a forked worker while this process writes the finished ones in order
    (nothing but the row range and the CSV text crosses between processes)."""
    _require_columns(cells)
    n = len(cells[names[0]]) if names else 0
    columns = names + [c for c in OUTPUT_COLUMNS + ("error",) if c not in cells]
    bounds = [(lo, min(lo + batch_size, n)) for lo in range(0, n, batch_size)]
    result = CsvScoring(rows=n)
    output.parent.mkdir(parents=True, exist_ok=True)
    # Batches are written as they finish: into a temporary file renamed at the end, so a failed run
    # never leaves a half-written output behind.
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(columns)
            chunks = _ordered_map(lambda b: _csv_chunk(model, columns, cells, *b), bounds, workers)
            for text, scored, flagged, problems in chunks:
                fh.write(text)
                result.scored += scored
                result.flagged += flagged
                result.problems += problems
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return result


@dataclass
class StoredScoring:
    scored: int = 0
    flagged: int = 0
    newly_flagged: list[int] = field(default_factory=list)
    queued: int = 0  # what ``on_flagged`` reported (alerts queued)


#: Verdict fields a forked worker sends back for one stored listing: (score, flagged, species, reasons).
_Verdict = tuple[float, bool, tuple[str, ...], tuple[str, ...]]


def _verdicts(model: ScoringModel, chunk: tuple[list[str], list[str]]) -> list[_Verdict]:
    return [(float(v.score), bool(v.flagged), tuple(v.species), tuple(v.reasons)) for v in model.score_batch(*chunk)]


#: Listings read, written and committed together when scoring stored listings.  A commit writes
#: every index page the batch touched (the score index is touched all over), so larger pages cost
#: less per listing; the model still scores ``batch_size`` at a time.
WRITE_BATCH = 10_000
#: PostgreSQL: pages of stored scores written at once, each on its own connection.
STORED_WRITERS = 2


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
    process: in page order on SQLite, up to ``STORED_WRITERS`` pages at once on PostgreSQL);
    ``None`` picks :func:`default_workers`.  ``auto_dismiss_relists``
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

    def store_page(page: list[ToScore], verdicts: Sequence[_Verdict]) -> tuple[int, int, list[int], int]:
        """Write one page in its own transaction: (scored, flagged, newly flagged, queued).  Touches only
        the page's listings, so pages may be written side by side (see ``STORED_WRITERS``)."""
        queued = 0
        with session_scope(store.sessions) as session:
            rows = [ScoreIn(b.listing_id, b.content_hash, *v) for b, v in zip(page, verdicts, strict=True)]
            newly = record_scores(session, rows, model_version=model.version, threshold=model.threshold,
                                  auto_dismiss_relists=auto_dismiss_relists)
            if on_flagged is not None and newly:
                queued = on_flagged(session, newly)
            # after decision memory: a dismissed, unchanged listing the model flags again does not count
            flagged_now = count_flagged(session, [b.listing_id for b in page])
        return len(page), flagged_now, newly, queued

    def tally(written: tuple[int, int, list[int], int]) -> None:
        scored, flagged_now, newly, queued = written
        result.scored += scored
        result.flagged += flagged_now
        result.newly_flagged += newly
        result.queued += queued
        if progress:
            progress(result.scored, total)
        logger.debug("scored %d/%d listings", result.scored, total)

    def write(page: list[ToScore], verdicts: Sequence[_Verdict]) -> None:
        tally(store_page(page, verdicts))

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

    context = _fork_context(workers)
    if context is None:
        for page in pages():
            write(page, [verdict for chunk in chunks(page) for verdict in _verdicts(model, chunk)])
        return result
    global _WORKER_CALL
    _WORKER_CALL = lambda chunk: _verdicts(model, chunk)  # noqa: E731 - inherited by the forked workers
    # PostgreSQL: pages are written by STORED_WRITERS threads side by side (the server's writes use a
    # core each); SQLite has one writer, so its pages are written here, in order.
    writers = STORED_WRITERS if store.engine.dialect.name == "postgresql" else 0
    try:
        with context.Pool(workers, initializer=_become_scoring_worker) as pool, \
                ThreadPoolExecutor(max(writers, 1), thread_name_prefix="score-write") as writing:
            # One page scored by the workers while the page before it is written: never reads far ahead.
            in_flight: deque[tuple[list[ToScore], list[Any]]] = deque()
            written: deque[Future[tuple[int, int, list[int], int]]] = deque()

            def finish(done: list[ToScore], pending: list[Any]) -> None:
                verdicts = [verdict for part in pending for verdict in part.get()]
                if not writers:
                    write(done, verdicts)
                    return
                written.append(writing.submit(store_page, done, verdicts))
                while len(written) > writers:
                    tally(written.popleft().result())

            for page in pages():
                in_flight.append((page, [pool.apply_async(_call_in_worker, (chunk,)) for chunk in chunks(page)]))
                if len(in_flight) > 1:
                    finish(*in_flight.popleft())
            while in_flight:
                finish(*in_flight.popleft())
            while written:
                tally(written.popleft().result())
    finally:
        _WORKER_CALL = None
    return result
