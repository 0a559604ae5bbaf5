"""CLI commands for the classifier: ``wildwatch train`` and ``wildwatch evaluate``."""

from __future__ import annotations

import getpass
import logging
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from wildwatch.commands.options import DbOption
from core.errors import InputError, ModelError
from wildwatch.runtime import open_store
from core.settings import get_settings

__all__ = ["register", "read_labeled_csv"]

logger = logging.getLogger(__name__)

_TRUE = {"1", "true", "yes", "y", "t", "confirmed", "positive"}
_FALSE = {"0", "false", "no", "n", "f", "dismissed", "negative"}


def read_labeled_csv(path: Path) -> pd.DataFrame:
    """Read a labeled CSV (title, description, label 0/1 [, lang, hard_negative, group, split])."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as exc:
        raise InputError(f"{path} is not a readable CSV: {exc}") from exc
    missing = {"title", "label"} - set(df.columns)
    if missing:
        raise InputError(f"{path} lacks columns: {', '.join(sorted(missing))}")
    if "description" not in df.columns:
        df["description"] = ""
    labels = df["label"].astype(str).str.strip().str.lower()
    bad = ~labels.isin(_TRUE | _FALSE)
    if bad.any():
        first = int(bad.to_numpy().argmax())  # position of the first bad row (the header is line 1)
        raise InputError(f"{path}: label must be 0/1 (row {first + 2} has {df['label'].iloc[first]!r})")
    df["label"] = labels.isin(_TRUE).astype(int)
    if "hard_negative" not in df.columns:
        df["hard_negative"] = "0"
    df["hard_negative"] = df["hard_negative"].astype(str).str.strip().str.lower().isin(_TRUE).astype(int)
    if "lang" not in df.columns:
        df["lang"] = ""
    return df


def _metrics_table(title: str, metrics: dict[str, Any]) -> Table:
    table = Table(title=title)
    for col in ("slice", "n", "positives", "precision", "recall", "F1", "FP rate"):
        table.add_column(col, justify="right" if col != "slice" else "left")

    def row(name: str, m: dict[str, Any]) -> None:
        table.add_row(
            name,
            str(m["n"]),
            str(m["positives"]),
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            f"{m['false_positive_rate']:.3f}",
        )

    row("all", metrics["overall"])
    for lang, m in metrics.get("by_language", {}).items():
        row(lang, m)
    for source, m in metrics.get("by_source", {}).items():
        row(f"source: {source}", m)
    for kind, m in metrics.get("by_kind", {}).items():
        table.add_row(f"kind: {kind}", str(m["n"]), str(m["positives"]), "", "", "", f"flagged {m['flagged_rate']:.3f}")
    hard = metrics.get("hard_negatives")
    if hard:
        table.add_row("hard negatives", str(hard["n"]), "0", "", "", "", f"{hard['false_positive_rate']:.3f}")
    return table


def _display_path(path: Path, root: Path) -> str:
    """A path relative to the repository when inside it, so model cards do not leak local directories."""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def _public(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if not k.startswith("_")}


def _actor() -> str:
    """Who ran the command (the audit log's actor for CLI actions)."""
    return f"cli:{getpass.getuser()}"


def _gate_lines(decision: dict[str, Any]) -> list[str]:
    """The gate's two checks as the training output shows them."""
    if "test_split" not in decision:
        return [f"promotion: {decision['why']}"] if "why" in decision else []
    split, reviews = decision["test_split"], decision["held_out_reviews"]
    old, new = split["current"], split["new"]
    lines = [
        f"gate vs {decision['compared_to']} (margin 0.5 points; hard negatives 0.5 points or one row):",
        f"  generated test split ({split['rows']} rows): F1 {new['f1']:.4f} vs current {old['f1']:.4f}, "
        f"hard-negative FP rate {new['hard_negative_fp_rate']:.4f} vs {old['hard_negative_fp_rate']:.4f}: "
        + ("pass" if split["passed"] else "FAIL"),
    ]
    if reviews["n"]:
        lines.append(f"  held-out reviews ({reviews['n']} most recent): new model agrees with {reviews['new']['agree']}, "
                     f"current {reviews['current']['agree']}: " + ("pass" if reviews["passed"] else "FAIL"))
    else:
        lines.append(f"  held-out reviews: {reviews['note']}")
    lines.append("  decision: " + ("promote" if decision["promoted"] else "keep the current model")
                 + (f" (forced by {decision['forced']['by']}: {decision['forced']['reason']})"
                    if decision.get("forced") else ""))
    return lines


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``evaluate`` to the WildWatch CLI."""

    @app.command("train")
    def train(
        data: Annotated[Path | None, typer.Option(help="Labeled CSV; default data/labeled/seed.csv.")] = None,
        models_dir: Annotated[Path | None, typer.Option(help="Where models are kept.")] = None,
        extra: Annotated[
            list[Path] | None,
            typer.Option(help="Extra labeled rows (e.g. moderator reviews); always used for training."),
        ] = None,
        promote: Annotated[bool, typer.Option(help="Make the new model the one `score` loads.")] = True,
        with_reviews: Annotated[
            bool,
            typer.Option("--with-reviews", help="Add moderators' decisions from the store (weighted, the most recent "
                         "held out by time); promote only through the gate (docs/classifier.md)."),
        ] = False,
        review_weight: Annotated[
            float | None, typer.Option(min=0.0, help="Training weight of a reviewed listing (default: the measured one).")
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Promote even if the gate says no (needs --reason; audited).")
        ] = False,
        reason: Annotated[str | None, typer.Option(help="Why --force promotes past the gate (audited).")] = None,
        folds: Annotated[int, typer.Option(min=2, max=10, help="Cross-validation folds (calibration, threshold).")] = 5,
        db: DbOption = None,
    ) -> None:
        """Train a classifier on the seed data (+ extra rows and reviews), evaluate it, and save it."""
        import classifier  # heavy (sklearn, skops): only when these commands run
        from wildwatch.learning import (REVIEW_WEIGHT, gate, record_forced_promotion, review_summary, reviews_frame,
                                        split_reviews)

        if force and not (reason or "").strip():
            raise InputError("--force needs --reason: say why the model is promoted past the gate")
        if force and not with_reviews:
            raise InputError("--force only applies with --with-reviews (plain training has no gate)")
        settings = get_settings()
        console = Console()
        data = data or settings.data_dir / "labeled" / "seed.csv"
        models_dir = models_dir or settings.classifier.models_dir
        weight = REVIEW_WEIGHT if review_weight is None else review_weight
        df = read_labeled_csv(data)
        frames = [df]
        for path in extra or []:
            more = read_labeled_csv(path)
            more["split"] = "train"
            if "group" not in more.columns or (more["group"] == "").all():
                more["group"] = [f"extra-{path.stem}-{i}" for i in range(len(more))]
            frames.append(more)
        store = open_store(db) if with_reviews else None
        if store is not None:
            reviews = split_reviews(reviews_frame(store))
            if len(reviews.train):
                frames.append(reviews.train.drop(columns=["review_id", "reviewed_at"]))
            console.print(f"adding {len(reviews.train) + len(reviews.holdout)} reviewed listings: "
                          f"{len(reviews.train)} to train on (weight {weight:g}), "
                          f"{len(reviews.holdout)} most recent held out")
        full = pd.concat(frames, ignore_index=True)
        for column in full.columns:
            if column not in ("label", "hard_negative"):
                full[column] = full[column].astype(object).where(full[column].notna(), "").astype(str)
        try:
            model = classifier.train_model(full, folds=folds,
                                           source_weights={**classifier.DEFAULT_SOURCE_WEIGHTS, "review": weight})
        except ValueError as exc:
            raise InputError(str(exc)) from exc
        prepared = full.copy()
        if "split" not in prepared.columns:
            prepared["split"] = ""
        prepared["split"] = [
            s if s in ("train", "validation", "test") else classifier.assign_split(g)
            for s, g in zip(prepared["split"], prepared.get("group", pd.Series([""] * len(prepared))))
        ]
        test = prepared[prepared["split"] == "test"]
        results = {}
        if len(test) and test["label"].nunique() == 2:
            results["test"] = _public(classifier.evaluate(model, test))
        # The second held-out set, written apart from the generator (never trained on).
        heldout_path = settings.data_dir / "labeled" / "heldout.csv"
        if heldout_path.is_file():
            heldout = read_labeled_csv(heldout_path)
            results["heldout"] = _public(classifier.evaluate(model, heldout))
        model.card["metrics"] = results
        model.card["training"]["data"] = _display_path(data, settings.data_dir.parent)
        model.card["training"]["extra"] = [_display_path(p, settings.data_dir.parent) for p in extra or []]
        if store is not None:
            model.card["training"]["reviews"] = review_summary(reviews, weight=weight)
            decision = gate(model, models_dir, test, reviews.holdout)
            if force and not decision["promoted"]:
                decision = {**decision, "promoted": True, "forced": {"reason": reason, "by": _actor()}}
            model.card["promotion"] = decision
            promote = promote and decision["promoted"]
        previous = None
        if not promote:
            try:
                previous = classifier.find_latest_model(models_dir).name
            except classifier.ModelLoadError:
                previous = None
        target = classifier.save_model(model, models_dir)
        if promote:
            classifier.promote(models_dir, model.version)
        elif previous is not None:
            classifier.promote(models_dir, previous)
        forced = (model.card.get("promotion") or {}).get("forced")
        if store is not None and forced and promote:
            record_forced_promotion(store, version=model.version, actor=forced["by"], reason=forced["reason"],
                                    decision=model.card["promotion"])
        cv = model.card.get("cross_validation", {})
        if cv:
            console.print(
                f"out-of-fold on {cv['overall']['n']} development rows ({cv['folds']} folds by group): "
                f"precision {cv['overall']['precision']:.3f}, recall {cv['overall']['recall']:.3f}, "
                f"F1 {cv['overall']['f1']:.3f}, hard-negative FP rate {cv['hard_negatives']['false_positive_rate']:.3f}"
            )
        for split, metrics in results.items():
            name = "held-out set 2 (data/labeled/heldout.csv)" if split == "heldout" else f"{split} split (held out)"
            console.print(_metrics_table(name, metrics))
        for line in _gate_lines(model.card.get("promotion") or {}):
            console.print(line, markup=False)
        state = " — promoted past the gate (--force)" if forced and promote else "" if promote else " — not promoted"
        console.print(f"model {model.version} saved to {target} (threshold {model.threshold:.4f}){state}",
                      markup=False)

    @app.command("evaluate")
    def evaluate_cmd(
        input: Annotated[Path, typer.Option("--input", help="Labeled CSV: title, description, label 0/1.")],
        model: Annotated[Path | None, typer.Option(help="A model directory; default: the current model.")] = None,
        pr_curve: Annotated[Path | None, typer.Option(help="Write a precision-recall curve PNG here.")] = None,
        split: Annotated[str | None, typer.Option(help="Only rows of this split (train/validation/test).")] = None,
    ) -> None:
        """Print precision, recall, F1, FP rate on hard negatives and per language for labeled rows."""
        import classifier  # heavy (sklearn, skops): only when these commands run

        settings = get_settings()
        console = Console()
        df = read_labeled_csv(input)
        if split:
            if "split" not in df.columns:
                df["split"] = [classifier.assign_split(g) for g in df.get("group", df.index.astype(str))]
            df = df[df["split"] == split]
            if df.empty:
                raise InputError(f"{input} has no rows in split {split!r}")
        try:
            m = classifier.load_model(
                model or settings.classifier.model_path, models_dir=settings.classifier.models_dir,
                flag_mammoth_ivory=settings.classifier.flag_mammoth_ivory,
            )
        except classifier.ModelLoadError as exc:
            raise ModelError(str(exc)) from exc
        metrics = classifier.evaluate(m, df)
        console.print(_metrics_table(f"model {m.version} on {input.name}" + (f" [{split}]" if split else ""), metrics))
        if pr_curve is not None:
            classifier.write_pr_curve(metrics["_labels"], metrics["_scores"], pr_curve, threshold=m.threshold,
                                      title=f"WildWatch {m.version} on {input.name}")
            console.print(f"PR curve written to {pr_curve}")
