"""Rewrite format-2 models (``model.skops``) as format 3 (``model.json`` + ``model.npz``); scores unchanged.

    python -m classifier.convert models/2026.12.06-2 [more model directories ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .persist import convert_model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="model directories (models/<version>)")
    for path in parser.parse_args(argv).paths:
        print(f"{convert_model(path)}: {path.name} is format 3")


if __name__ == "__main__":
    main()
