"""Scoring cost in CPU instructions, this tree against another: an A/B that machine noise cannot blur.

On the shared 2-core machines the CPU time of one scoring run swings by a fifth from run to run, so a
change worth a few percent cannot be seen in ``bench/score.py``. Valgrind's callgrind counts the
instructions a process executes, which do not depend on what else the machine is doing. Each tree
scores the mix of ``bench/score.py`` (batches of 2,000) in its own process, once warm-up only and once
with ``--listings`` listings more; the difference, divided by the listings, is the cost of scoring
one listing. ``--by-library`` splits it by where the instructions ran (numpy, OpenCC, jieba-rs,
the regex engine, Python's interpreter, ...).

Instructions are not time (numpy's gathers wait on memory more than the interpreter does); the same
code counts up to ~0.5 % apart between runs; and callgrind runs a process ~50x slower: a tree takes
2-4 minutes. Not part of ``make bench``.

    .venv/bin/python -m bench.score_instructions --base /path/to/other/tree [--listings 4000] [--by-library]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Run in the tree being measured: load the model, score one warm-up batch, then N listings.
_WORKLOAD = """
import sys
sys.path.insert(0, sys.argv[1])
from bench.score import make_listings
import classifier
model = classifier.load_model()
n = int(sys.argv[2])
titles, descriptions = make_listings(max(n, 2000))
model.score_batch(titles[:2000], descriptions[:2000])  # warm-up: caches, the lexicon's automaton order
for i in range(0, n, 2000):
    model.score_batch(titles[i : i + 2000], descriptions[i : i + 2000])
"""

#: callgrind_annotate's line: "<Ir>  <file>:<function> [<object>]".
_LINE = re.compile(r"\s*([\d,]+)\s+.*?:(\S.*?)\s*\[(.*?)\]\s*$")


def _library(obj: str, function: str) -> str:
    name = Path(obj).name
    if name.startswith("libpython"):
        if function.startswith(("sre_", "pattern_", "_sre")):
            return "Python: regex engine"
        if re.search(r"ucs[124]lib|[Uu]nicode|utf8|UTF32|_copy_characters|ToLower|Join", function):
            return "Python: str encode, decode, lower, join, split"
        return "Python: interpreter, objects, dicts, allocation"
    for prefix, label in (("_multiarray_umath", "numpy"), ("opencc", "OpenCC"), ("rjieba", "jieba-rs"),
                          ("ahocorasick", "pyahocorasick"), ("unicodedata", "unicodedata"),
                          ("libc.", "libc, libstdc++"), ("libstdc++", "libc, libstdc++"),
                          ("libgcc", "libc, libstdc++")):
        if name.startswith(prefix):
            return label
    return "other"


def _count(tree: Path, listings: int, workdir: Path, python: str) -> tuple[int, collections.Counter[str]]:
    """Instructions of the whole process and, by library, for scoring ``listings`` after the warm-up."""
    script = workdir / "workload.py"
    script.write_text(_WORKLOAD, encoding="utf-8")
    totals, libraries = [], []
    for n in (0, listings):
        out = workdir / f"{tree.name}-{n}.callgrind"
        # One hash seed for every run (str hashes order sets and dicts); the same code still counts up to
        # ~0.5 % apart from run to run (allocation, the collector), so smaller differences mean nothing.
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, str(script),
                        str(tree), str(n)], check=True, cwd=tree, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
        annotated = subprocess.run(["callgrind_annotate", "--threshold=100", "--show-percs=no", str(out)],
                                   check=True, capture_output=True, text=True).stdout
        by_library: collections.Counter[str] = collections.Counter()
        for line in annotated.splitlines():
            match = _LINE.match(line)
            if match:
                by_library[_library(match.group(3), match.group(2))] += int(match.group(1).replace(",", ""))
        totals.append(sum(by_library.values()))
        libraries.append(by_library)
    scoring = collections.Counter({k: libraries[1][k] - libraries[0].get(k, 0) for k in libraries[1]})
    return totals[1] - totals[0], scoring


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="another checkout (git worktree) to compare with")
    parser.add_argument("--listings", type=int, default=4000, help="listings scored after the warm-up")
    parser.add_argument("--by-library", action="store_true", help="also split each tree's instructions by library")
    args = parser.parse_args(argv)
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        print("score_instructions: valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    if not (args.base / "classifier").is_dir():
        print(f"score_instructions: {args.base} is not a WildWatch checkout", file=sys.stderr)
        return 2
    trees = {"this tree": REPO, "base": args.base.resolve()}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        dirs = {label: Path(tmp) / label.replace(" ", "-") for label in trees}
        for d in dirs.values():
            d.mkdir()
        futures = {label: pool.submit(_count, tree, args.listings, dirs[label], sys.executable)
                   for label, tree in trees.items()}
        counts = {label: future.result() for label, future in futures.items()}
    result: dict[str, object] = {"listings": args.listings}
    for label, (total, _) in counts.items():
        result[f"{label} instructions per listing"] = round(total / args.listings)
    result["ratio (this tree / base)"] = round(counts["this tree"][0] / counts["base"][0], 4)
    if args.by_library:
        for label, (total, libraries) in counts.items():
            result[f"{label} by library (%)"] = {k: round(100 * v / total, 1) for k, v in libraries.most_common()
                                                 if abs(v) >= total / 1000}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
