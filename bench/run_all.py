"""`make bench`: run the crawl, score, API and hostile-client benchmarks; print each figure beside its baseline.

Every baseline is measured in the same run on the same machine (a bare Scrapy spider, a naive
scorer, the bare API endpoint, one moderator alone, /healthz with no attack), so the ratios are comparable across machines even when the
absolute figures are not.  Benchmarks that are not in this checkout are reported as missing;
one that fails is reported with the tail of its output.  A JSON summary goes to ``--json``
(default ``var/bench/summary.json``).

    .venv/bin/python bench/run_all.py            # quick sizes (a few minutes)
    .venv/bin/python bench/run_all.py --full     # each benchmark's own (large) defaults
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """One measured figure beside its same-run baseline; ``ratio`` = value / baseline (higher is better
    for rates, lower for latencies: ``better`` says which)."""

    name: str
    value: float
    baseline: float
    unit: str
    better: str = "higher"

    @property
    def ratio(self) -> float | None:
        return round(self.value / self.baseline, 2) if self.baseline else None


@dataclass
class Outcome:
    bench: str
    status: str  # ok | missing | failed | skipped
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    detail: str = ""
    raw: Any = None


def _last_json(text: str) -> Any:
    """The last top-level JSON object printed (benchmarks print progress before it)."""
    starts = [m.start() for m in re.finditer(r"^\{", text, flags=re.MULTILINE)]
    for start in reversed(starts):
        try:
            return json.loads(text[start:])
        except json.JSONDecodeError:
            continue
    raise ValueError("no JSON summary in the output")


def _crawl(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    figures = []
    for kind, ours, bare, _ratio in re.findall(
            r"^(\S+): ([\d.]+) pages/s vs bare ([\d.]+) pages/s: ratio ([\d.]+)", stdout, flags=re.MULTILINE):
        figures.append(Figure(f"crawl {kind}", float(ours), float(bare), "pages/s"))
    if not figures:
        raise ValueError("no 'pages/s vs bare' lines in the output")
    return figures, None


def _score(_stdout: str, json_file: Path) -> tuple[list[Figure], Any]:
    data = json.loads(json_file.read_text(encoding="utf-8"))
    figures = [Figure("score listings/s (wall)", data["wildwatch_listings_per_s"], data["baseline_listings_per_s"],
                      "listings/s")]
    if "wildwatch_listings_per_cpu_s" in data:
        figures.append(Figure("score listings/CPU-s", data["wildwatch_listings_per_cpu_s"],
                              data["baseline_listings_per_cpu_s"], "listings/CPU-s"))
    return figures, data


def _score_cli(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    data = _last_json(stdout)
    figures = []
    for row in data["file"]:
        figures.append(Figure(f"wildwatch score --input {row['listings']:,} (whole process) listings/s",
                              row["wildwatch_listings_per_s"], row["naive_listings_per_s"], "listings/s"))
        figures.append(Figure(f"wildwatch score --input {row['listings']:,} CPU-s", row["wildwatch_cpu_s"],
                              row["naive_cpu_s"], "CPU-s", better="lower"))
    ready = data["ready"]
    figures.append(Figure("wildwatch score ready (model loaded) s", ready["wildwatch_model_loaded_s"],
                          ready["python_start_s"], "s", better="lower"))
    if "stored" in data:
        stored = data["stored"]
        figures.append(Figure(f"wildwatch score {stored['listings']:,} stored (with writes) listings/s",
                              stored["stored_listings_per_s"], stored["file_listings_per_s"], "listings/s"))
    return figures, data


def _api(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    data = _last_json(stdout)
    figures = []
    for result in data["results"]:
        scenarios = result["scenarios"]
        bare = scenarios[0]
        for row in scenarios:
            figures.append(Figure(f"api {result['backend']} {row['name']} p99", row["p99_ms"], bare["p99_ms"], "ms",
                                  better="lower"))
            figures.append(Figure(f"api {result['backend']} {row['name']} req/s", row["requests_per_s"],
                                  bare["requests_per_s"], "req/s"))
    return figures, data


def _load(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    data = _last_json(stdout)
    figures = []
    for result in data["results"]:
        backend, rows = result["backend"], result["rows"]
        figures.append(Figure(f"bulk load {backend} {rows:,} rows/s (vs Core executemany of listings alone)",
                              result["load_rows_per_s"], result["core_executemany_rows_per_s"], "rows/s"))
        figures.append(Figure(f"bulk load {backend} {rows:,} rows/s (vs the driver writing listings alone, the floor)",
                              result["load_rows_per_s"], result["driver_floor_rows_per_s"], "rows/s"))
        figures.append(Figure(f"wildwatch score {backend} {rows:,} stored (with writes) listings/s (vs in memory)",
                              result["score_stored_listings_per_s"], result["score_memory_listings_per_s"],
                              "listings/s"))
    return figures, data


def _photos(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    data = _last_json(stdout)
    rate = data["hashing"]
    figures = [Figure("photo hashing images/CPU-s", rate["analyze_images_per_cpu_s"],
                      rate["baseline_full_decode_per_cpu_s"], "images/CPU-s")]
    for result in data["matching"]:
        large = result[f"at_{result['images']}"]
        shipped, previous = large["memory_index"], large["database_query"]
        where = f"{result['backend']} at {result['images']:,}"
        for stat in ("p50", "p99"):
            figures.append(Figure(f"photo match {where} {stat} (memory index vs DB query)", shipped[f"{stat}_ms"],
                                  previous[f"{stat}_ms"], "ms", better="lower"))
        figures.append(Figure(f"photo index load {where} s (vs bulk-inserting those rows)", shipped["index_load_s"],
                              result["load_s"], "s", better="lower"))
    return figures, data


def _evidence(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    data = _last_json(stdout)
    figures = [
        Figure("evidence export s", data["export_s"], data["export_floor_read_hash_s"], "s", better="lower"),
        Figure("evidence verify s", data["verify_s"], data["verify_floor_hash_s"], "s", better="lower"),
        Figure("evidence export peak RSS MiB (vs a tenth)", data["export_peak_rss_mib"],
               data["export_peak_rss_mib_tenth"], "MiB", better="lower"),
        Figure("evidence storage bytes/page (WARC vs gzip)", data["storage_realistic"]["warc_bytes_per_page"],
               data["storage_realistic"]["gz_bytes_per_page"], "bytes", better="lower"),
    ]
    return figures, data


def _hostile(stdout: str, _json_file: Path) -> tuple[list[Figure], Any]:
    data = _last_json(stdout)
    figures = []
    for result in data["results"]:
        backend, moderators, bodies = result["backend"], result.get("moderators"), result.get("bodies")
        if moderators:
            figures.append(Figure(f"hostile {backend} decisions/s, {moderators['concurrent']['moderators']} moderators",
                                  moderators["concurrent"]["decisions_per_s"], moderators["baseline"]["decisions_per_s"],
                                  "decisions/s"))
        if bodies:
            figures.append(Figure(f"hostile {backend} /healthz p99 under {bodies['clients']} bodies",
                                  bodies["healthz_p99_ms"], bodies["healthz_idle_p99_ms"], "ms", better="lower"))
            figures.append(Figure(f"hostile {backend} server RSS peak under bodies", bodies["rss_peak_mb"],
                                  bodies["rss_before_mb"], "MB", better="lower"))
    return figures, data


@dataclass
class Bench:
    name: str
    script: str
    quick: list[str]
    full: list[str]
    parse: Callable[[str, Path], tuple[list[Figure], Any]]
    module: bool = False
    needs: tuple[str, ...] = ()


BENCHES = [
    Bench("crawl", "bench/crawl.py", ["--items", "400"], [], _crawl),
    Bench("score", "bench/score.py", ["--n", "4000", "--repeats", "1"], [], _score),
    Bench("score_cli", "bench/score_cli.py", ["--sizes", "20000", "--stored-rows", "20000", "--repeats", "1"],
          ["--sizes", "20000", "200000", "--stored-rows", "100000"], _score_cli, module=True),
    Bench("api", "bench/api.py", ["--rows", "20000", "--duration", "5", "--backends", "sqlite", "--skip-export"],
          [], _api, module=True, needs=("wrk",)),
    Bench("load", "bench/load.py", ["--rows", "20000"], [], _load, module=True),
    # match latency at 1M images on both backends (issue 19's target): most of its ~10 minutes is loading them
    Bench("photos", "bench/photos.py", ["--photos", "40", "--n", "1000000"], [], _photos),
    Bench("evidence", "bench/evidence.py", ["--listings", "200"], [], _evidence),
    Bench("hostile", "bench/hostile.py", ["--decisions", "10", "--bodies", "4", "--body-mb", "16",
                                          "--attack-seconds", "3", "--backends", "sqlite"], [], _hostile, module=True),
]


def run_bench(bench: Bench, *, full: bool, timeout: float) -> Outcome:
    """Run one benchmark in its own process (bounded) and read its figures."""
    if not (ROOT / bench.script).is_file():
        return Outcome(bench.name, "missing", detail=f"{bench.script} is not in this checkout")
    for tool in bench.needs:
        if not any((Path(p) / tool).is_file() for p in os.environ.get("PATH", "").split(os.pathsep)):
            return Outcome(bench.name, "skipped", detail=f"needs `{tool}` on PATH (apt-get install {tool})")
    with tempfile.TemporaryDirectory(prefix=f"wildwatch-bench-{bench.name}-") as tmp:
        json_file = Path(tmp) / "result.json"
        args = list(bench.full if full else bench.quick)
        if bench.name == "score":
            args += ["--json", str(json_file)]
        target = ["-m", bench.script.removesuffix(".py").replace("/", ".")] if bench.module else [bench.script]
        started = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, *target, *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Outcome(bench.name, "failed", time.monotonic() - started, detail=f"timed out after {timeout:.0f}s")
        seconds = time.monotonic() - started
        if proc.returncode != 0:
            return Outcome(bench.name, "failed", seconds, detail=(proc.stderr or proc.stdout)[-1500:])
        try:
            figures, raw = bench.parse(proc.stdout, json_file)
        except (ValueError, KeyError, OSError, IndexError, TypeError) as exc:
            return Outcome(bench.name, "failed", seconds, detail=f"could not read its figures: {exc}\n"
                           f"{proc.stdout[-1000:]}")
        return Outcome(bench.name, "ok", seconds, figures, raw=raw)


def print_report(outcomes: list[Outcome]) -> None:
    """The figures, each beside its baseline and the ratio."""
    print(f"\n{'figure':48} {'value':>12} {'baseline':>12} {'ratio':>7}  unit")
    for outcome in outcomes:
        if outcome.status != "ok":
            print(f"{outcome.bench:48} {outcome.status.upper():>12}  {outcome.detail.splitlines()[0] if outcome.detail else ''}")
            continue
        for fig in outcome.figures:
            ratio = "-" if fig.ratio is None else f"{fig.ratio:.2f}"
            print(f"{fig.name:48} {fig.value:12,.1f} {fig.baseline:12,.1f} {ratio:>7}  {fig.unit} "
                  f"({fig.better} is better)")
    for outcome in outcomes:
        if outcome.status == "failed":
            print(f"\n--- {outcome.bench} failed ---\n{outcome.detail}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="Each benchmark's own defaults (long).")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], help="Run only these.")
    parser.add_argument("--timeout", type=float, default=1800.0, help="Seconds allowed per benchmark.")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "summary.json")
    args = parser.parse_args(argv)
    outcomes = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        print(f"running {bench.name} benchmark ...", file=sys.stderr, flush=True)
        outcomes.append(run_bench(bench, full=args.full, timeout=args.timeout))
    print_report(outcomes)
    summary = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "mode": "full" if args.full else "quick",
        "benchmarks": [
            {**{k: v for k, v in asdict(o).items() if k != "figures"},
             "figures": [{**asdict(f), "ratio": f.ratio} for f in o.figures]}
            for o in outcomes
        ],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nsummary: {args.json}", file=sys.stderr)
    return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
