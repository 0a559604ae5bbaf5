"""Evidence packages at full size: export and verify 1,000 listings x 3 versions, memory at two sizes,
and what WARC capture costs on disk against the pre-WARC snapshot store.

Targets (issue 18): export <= 30 s, verify <= 10 s, memory flat (streamed), storage per page
within 1.2x of before.  Each figure is printed beside a baseline measured in the same run:

- export / verify: the bare I/O floor (reading every snapshot file and hashing it; hashing the
  finished package), so the ratio says what the package building and checking cost on top;
- memory: peak RSS of the 1,000-listing run against the 100-listing run (1.0 = flat);
- storage: WARC records (response + request) against the gzip of the body alone, for pages of
  a realistic size and for pages as small as the demo marketplace's.

    .venv/bin/python bench/evidence.py                 # 1,000 listings x 3 versions
    .venv/bin/python bench/evidence.py --listings 200  # quicker
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.evidence.warc import Capture  # noqa: E402
from store.db import session_scope  # noqa: E402
from store.listings import ListingIn, SnapshotIn, upsert_listings  # noqa: E402
from store.snapshots import SnapshotStore  # noqa: E402
from wildwatch.runtime import open_store  # noqa: E402

T0 = datetime(2026, 10, 1, tzinfo=UTC)
WORDS = ("象牙 手镯 老料 正品 保真 包邮 微信 联系 收藏 摆件 雕刻 犀牛角 穿山甲 鳞片 药材 玳瑁 盔犀鸟 "
         "ivory bangle antique carved genuine contact whatsapp shipping vintage collection").split()
REQUEST_HEADERS = [("Referer", "https://market.example/category/antiques"),
                   ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                   ("Accept-Language", "en"),
                   ("User-Agent",
                    "WildWatchBot/0.1 (+https://github.com/wildwatch/wildwatch; wildlife-trade monitoring)"),
                   ("Accept-Encoding", "gzip, deflate, br, zstd")]
RESPONSE_HEADERS = [("Server", "nginx"), ("Date", "Thu, 01 Oct 2026 08:00:00 GMT"),
                    ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "private, max-age=0"),
                    ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]


def page(rng: random.Random, listing: int, version: int, size: int) -> bytes:
    """An HTML page of about ``size`` bytes: boilerplate, the listing, related items (varied text)."""
    head = ("<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='stylesheet' href='/s.css'>"
            f"<title>listing {listing}</title></head><body><nav>" + "".join(
                f"<a href='/c/{i}'>category {i}</a>" for i in range(30)) + "</nav>")
    body = [head, f"<h1>象牙手镯 {listing}</h1><p class='price'>¥{1000 + version * 100}</p>"]
    total = sum(len(part) for part in body)
    while total < size:
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        part = (f"<li class='card'><a href='/item/{rng.randrange(10**6)}'>{words}</a>"
                f"<span>¥{rng.randrange(9999)}</span></li>")
        body.append(part)
        total += len(part.encode())
    body.append("</body></html>")
    return "".join(body).encode()


def seed(db_url: str, snapshot_dir: Path, listings: int, versions: int, size: int) -> int:
    """``listings`` listings of one seller, each with ``versions`` WARC-captured versions; returns the seller id."""
    store = open_store(db_url)
    snapshots = SnapshotStore(snapshot_dir)
    rng = random.Random(18)
    for version in range(versions):
        at = T0 + timedelta(days=version)
        for start in range(0, listings, 250):
            items = []
            for number in range(start, min(start + 250, listings)):
                url = f"https://market.example/item/{number}"
                body = page(rng, number, version, size)
                blob = snapshots.save_capture(Capture(url=url, status=200, body=body, fetched_at=at,
                                                      response_headers=RESPONSE_HEADERS,
                                                      request_headers=REQUEST_HEADERS, ip_address="203.0.113.5"))
                items.append(ListingIn(
                    url=url, marketplace="market.example", title=f"象牙手镯 {number}", description="老料 加微信",
                    price=Decimal(1000 + version * 100), currency="CNY", lang="zh-Hans", seller_name="laowang",
                    seller_url="https://market.example/u/laowang", fetched_at=at, contacts=[("wechat", "wx_ivory88")],
                    snapshot=SnapshotIn(url=url, http_status=200, sha256=blob.sha256, path=blob.path, size=blob.size,
                                        headers={k: [v] for k, v in RESPONSE_HEADERS}, fetched_at=at)))
            with session_scope(store.sessions) as session:
                upsert_listings(session, items)
    with store.engine.connect() as connection:
        seller = connection.exec_driver_sql("select id from sellers").scalar_one()
    store.close()
    return int(seller)


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of a child process, RSS from wait4."""
    started = time.monotonic()
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv[3:6])} failed: {err.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out.read().decode()


def floor_read(snapshot_dir: Path) -> float:
    """Seconds to read and hash every snapshot file once (the I/O an export cannot avoid)."""
    started = time.monotonic()
    for path in snapshot_dir.rglob("*.warc.gz"):
        hashlib.sha256(path.read_bytes()).hexdigest()
    return time.monotonic() - started


def floor_hash(package: Path) -> float:
    """Seconds to hash the package file once (the I/O a verification cannot avoid)."""
    started = time.monotonic()
    digest = hashlib.sha256()
    with package.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return time.monotonic() - started


def storage(size: int, pages: int) -> dict[str, float]:
    """Bytes on disk per page: WARC capture against the gzip of the body (apparent and allocated)."""
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        before, after = SnapshotStore(Path(tmp) / "gz"), SnapshotStore(Path(tmp) / "warc")
        for number in range(pages):
            body = page(rng, number, 0, size)
            before.save(body)
            after.save_capture(Capture(url=f"https://market.example/item/{number}", status=200, body=body,
                                       fetched_at=T0, response_headers=RESPONSE_HEADERS,
                                       request_headers=REQUEST_HEADERS, ip_address="203.0.113.5"))

        def total(root: Path) -> tuple[int, int]:
            files = [p.stat() for p in root.rglob("*") if p.is_file()]
            return sum(s.st_size for s in files), sum(s.st_blocks * 512 for s in files)

        (gz_bytes, gz_blocks), (warc_bytes, warc_blocks) = total(before.root), total(after.root)
    return {"raw_page_bytes": size, "gz_bytes_per_page": gz_bytes / pages, "warc_bytes_per_page": warc_bytes / pages,
            "ratio_bytes": round(warc_bytes / gz_bytes, 3), "ratio_disk_blocks": round(warc_blocks / gz_blocks, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--page-bytes", type=int, default=60_000, help="Raw size of each page (realistic: 50-300 kB).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wildwatch-bench-evidence-") as tmp:
        work = Path(tmp)
        db_url = f"sqlite:///{work / 'ww.db'}"
        print(f"seeding {args.listings} listings x {args.versions} versions ...", file=sys.stderr, flush=True)
        seller = seed(db_url, work / "snaps", args.listings, args.versions, args.page_bytes)
        env = dict(os.environ, WILDWATCH_CRAWLER__SNAPSHOT_DIR=str(work / "snaps"),
                   WILDWATCH_EVIDENCE__KEY_PATH=str(work / "key.pem"), WILDWATCH_DATABASE_URL=db_url)
        cli = [sys.executable, "-m", "wildwatch.cli", "evidence"]
        small_ids = [str(i) for i in range(1, max(2, args.listings // 10) + 1)]
        small_s, small_rss, _ = run_measured(cli + ["export", *small_ids, "--output", str(work / "small.wacz")], env)
        floor_export = floor_read(work / "snaps")
        export_s, export_rss, _ = run_measured(
            cli + ["export", "--seller", str(seller), "--output", str(work / "case.wacz")], env)
        package = work / "case.wacz"
        small_verify_s, small_verify_rss, _ = run_measured(cli + ["verify", str(work / "small.wacz")], env)
        verify_s, verify_rss, line = run_measured(cli + ["verify", str(package)], env)
        floor_verify = floor_hash(package)
        # the verification itself, without the CLI's start-up (every wildwatch command pays that)
        alone = ("import sys, time; t = time.monotonic(); from pathlib import Path; "
                 "from core.evidence.verify import verify_package; verify_package(Path(sys.argv[1])); "
                 "print(round(time.monotonic() - t, 2))")
        _, _, verify_alone = run_measured([sys.executable, "-c", alone, str(package)], env)
        startup_s, _, _ = run_measured([sys.executable, "-m", "wildwatch.cli", "--version"], env)
        result = {
            "listings": args.listings, "versions": args.versions, "page_bytes": args.page_bytes,
            "package_mib": round(package.stat().st_size / 2**20, 1), "verify_line": line.strip(),
            "export_s": round(export_s, 2), "export_floor_read_hash_s": round(floor_export, 2),
            "verify_s": round(verify_s, 2), "verify_floor_hash_s": round(floor_verify, 2),
            "verify_without_cli_startup_s": float(verify_alone), "cli_startup_s": round(startup_s, 2),
            "export_peak_rss_mib": round(export_rss, 1), "export_peak_rss_mib_tenth": round(small_rss, 1),
            "export_tenth_s": round(small_s, 2),
            "verify_peak_rss_mib": round(verify_rss, 1), "verify_peak_rss_mib_tenth": round(small_verify_rss, 1),
            "verify_tenth_s": round(small_verify_s, 2),
            "storage_realistic": storage(args.page_bytes, 300),
            "storage_demo_size": storage(4_200, 300),
            "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
        }
    print(f"export: {result['export_s']} s vs floor {result['export_floor_read_hash_s']} s "
          f"(target <= 30 s); verify: {result['verify_s']} s vs floor {result['verify_floor_hash_s']} s "
          "(target <= 10 s); "
          f"verify without the CLI's start-up {result['verify_without_cli_startup_s']} s "
          f"(`wildwatch --version` alone: {result['cli_startup_s']} s)")
    print(f"memory: export {result['export_peak_rss_mib']} MiB vs {result['export_peak_rss_mib_tenth']} MiB at a "
          f"tenth of the size; verify {result['verify_peak_rss_mib']} vs {result['verify_peak_rss_mib_tenth']} MiB")
    print(f"storage per page: {result['storage_realistic']['ratio_bytes']}x bytes "
          f"({result['storage_realistic']['ratio_disk_blocks']}x disk blocks) at {args.page_bytes} B pages; "
          f"{result['storage_demo_size']['ratio_bytes']}x bytes ({result['storage_demo_size']['ratio_disk_blocks']}x "
          "disk blocks) at demo-size 4.2 kB pages")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
