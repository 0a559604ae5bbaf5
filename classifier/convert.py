"""Bring model directories up to date (format 3, current prepared tables); scores unchanged.

A format-2 model (``model.skops``) is rewritten as ``model.json`` + ``model.npz``; in a format-3 model,
``model.json`` is rewritten if the tables it prepares from the lexicon are not those this code builds.

    python -m classifier.convert models/2026.11.25-3 [more model directories ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .model import ModelLoadError
from .persist import convert_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="model directories (models/<version>)")
    for path in parser.parse_args(argv).paths:
        try:
            print(f"{convert_model(path)}: {path.name} is format 3")
        except ModelLoadError as exc:  # one line, as the CLI reports a bad model
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
