"""`wildwatch score`: score a file of listings, or the stored listings not yet scored."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer

from core.errors import InputError
from core.settings import get_settings
from core.tables import read_columns, table_format, write_rows
from wildwatch.commands.options import DbOption
from wildwatch.scoring import default_workers, kept_for_life, load_classifier, score_columns, score_to_csv


def score(
    input: Annotated[Path | None, typer.Option("--input", "-i", help="CSV/JSONL/Parquet with id,title,description.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the scored rows (same formats).")] = None,
    model: Annotated[Path | None, typer.Option("--model", help="A model directory (default: the newest in models/).")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Encoding of a CSV/JSONL --input (default: "
                                                 "detected: UTF-8, UTF-8 with BOM, GB18030/GBK, Big5).")] = None,
    db: DbOption = None,
) -> None:
    """Score listings.  With --input: a file, written to --output.  Without: the stored
    listings that the current model has not scored yet (new or changed ones)."""
    if output is not None and input is None:
        raise InputError("--output needs --input (without --input, score scores the stored listings)")
    settings = get_settings()
    # One OpenBLAS thread (unless the operator chose otherwise): scoring's linear algebra is a product
    # with twenty evidence weights per batch, and its parallelism is worker processes. Set before numpy
    # loads, it spares the thread per core OpenBLAS starts and spins at import (~0.1 CPU-s before the
    # model is ready, and again in each forked worker).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with kept_for_life():
        classifier = load_classifier(model or settings.classifier.model_path, settings.classifier.models_dir)
    typer.echo(f"model {classifier.version} (threshold {classifier.threshold:.3f})", err=True)
    if input is not None:
        if output is None:
            raise InputError("--output is required with --input")
        table_format(output)
        table = read_columns(input, encoding=encoding)
        if table.encoding not in ("utf-8", "utf-8-sig"):
            typer.echo(f"read {input} as {table.encoding}", err=True)
        batch_size = settings.classifier.batch_size
        workers = default_workers(len(table), batch_size)
        if table_format(output) == "csv":
            # Workers score and format batches; this process writes them in order as they finish.
            written = score_to_csv(table.names, table.cells, classifier, output, batch_size=batch_size, workers=workers)
            rows, scored, flagged, problems = written.rows, written.scored, written.flagged, written.problems
        else:
            added = score_columns(table.cells, classifier, batch_size=batch_size, workers=workers)
            cells = table.cells | added  # a column named like an added one is replaced in its place
            columns = table.names + [c for c in added if c not in table.cells]
            records: Iterable[dict[str, Any]] = (typed_scores(dict(zip(columns, row)))
                                                 for row in zip(*(cells[c] for c in columns)))
            write_rows(output, columns, records)
            rows = len(added["score"])
            scored = sum(1 for score in added["score"] if score != "")
            flagged = sum(1 for flag in added["flagged"] if flag == "true")
            problems = [(i, cells["id"][i], error) for i, error in enumerate(added["error"]) if error]
        for _, id_, error in problems:
            typer.echo(f"row id={id_!r}: {error}", err=True)
        typer.echo(
            f"scored {scored} of {rows} rows, {flagged} flagged, {len(problems)} with problems -> {output}",
            err=True,
        )
        return
    # The store, the alerts and the progress bar load only for stored listings.
    from rich.progress import Progress

    from wildwatch.alerts import enqueue_alerts
    from wildwatch.runtime import open_store
    from wildwatch.scoring import score_stored

    store = open_store(db)
    with Progress(transient=True) as progress:
        task = progress.add_task("scoring stored listings", total=None)
        result = score_stored(
            store, classifier, batch_size=settings.classifier.batch_size, workers=None,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            on_flagged=enqueue_alerts,
        )
    queued = result.queued
    typer.echo(f"scored {result.scored} listings: {result.flagged} flagged, {len(result.newly_flagged)} newly", err=True)
    typer.echo(f"queued {queued} alerts (deliver with `wildwatch alerts send`)", err=True)


def typed_scores(record: dict[str, Any]) -> dict[str, Any]:
    """JSONL and Parquet output with a JSON number for ``score`` and a boolean for ``flagged``
    (null where the row could not be scored), not the CSV's text."""
    score, flagged = record.get("score"), record.get("flagged")
    return record | {
        "score": float(score) if score not in ("", None) else None,
        "flagged": {"true": True, "false": False}.get(str(flagged)),
    }


def register(app: typer.Typer) -> None:
    app.command()(score)
