"""Done-when for evidence packages: crawl the demo marketplace, export a seller's case (pages and photos) with the CLI,
validate it with Webrecorder's `wacz validate`, verify it (without a database), then change one byte
of a WARC record and of case.json and see verify fail for each; kill -9 mid-export leaves no package."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from store.models import Listing
from tests.crawler.sites.runner import crawl_env, run_crawl_cli
from tests.evidence.tamper import flip_byte, member_offset, record_offsets, rewrite
from tests.evidence.tsa import StandInTSA
from wildwatch.demo.server import make_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, int]]:
    """(work dir, database URL, the seller with most listings) after one blind crawl of the demo."""
    tmp = tmp_path_factory.mktemp("demo-case")
    server = make_server("127.0.0.1", 0).start()
    try:
        db_url = f"sqlite:///{tmp / 'ww.db'}"
        # one photo a listing (tests fetch none by default): the package must carry the crawl's photos
        result = run_crawl_cli(server.url.rstrip("/") + "/", db_url, tmp, env=_photos(tmp))
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        server.stop()
    engine = create_engine(db_url)
    with engine.connect() as connection:
        seller = connection.execute(select(Listing.seller_id).where(Listing.seller_id.is_not(None))
                                    .group_by(Listing.seller_id).order_by(func.count().desc()).limit(1)).scalar_one()
    engine.dispose()
    yield tmp, db_url, seller


def _photos(tmp: Path) -> dict[str, str]:
    return {"WILDWATCH_IMAGES__DIR": str(tmp / "images"), "WILDWATCH_IMAGES__PER_LISTING": "1"}


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    return crawl_env(tmp) | _photos(tmp) | {"WILDWATCH_EVIDENCE__KEY_PATH": str(tmp / "keys" / "evidence.pem")} | extra


def _wildwatch(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wildwatch.cli", *args], env=_env(tmp, **env), capture_output=True,
                          text=True, timeout=120, check=False)


def test_seller_case_validates_verifies_and_any_changed_byte_fails(crawled: tuple[Path, str, int]) -> None:
    tmp, db_url, seller = crawled
    case = tmp / "case.wacz"
    done = _wildwatch(tmp, "evidence", "export", "--seller", str(seller), "--output", str(case), "--db", db_url,
                      "--lang", "zh-Hant")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp / "keys" / "evidence.pem").stat().st_mode & 0o777 == 0o600

    wacz = shutil.which("wacz", path=str(Path(sys.executable).parent))
    assert wacz is not None, "the wacz package (dev dependency) provides `wacz validate`"
    validated = subprocess.run([wacz, "validate", "-f", str(case)], capture_output=True, text=True, timeout=120,
                               check=False)
    assert validated.returncode == 0 and "Validation succeeded" in validated.stdout, validated.stdout[-2000:]

    key = _wildwatch(tmp, "evidence", "key")
    fingerprint = key.stdout.split("fingerprint: ")[1].split()[0]
    (tmp / "public.pem").write_text(key.stdout.split("fingerprint:")[0])
    # no database is needed (or touched) to verify: point the store at one that cannot exist
    no_db = {"WILDWATCH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    verified = _wildwatch(tmp, "evidence", "verify", str(case), "--key", str(tmp / "public.pem"), **no_db)
    assert verified.returncode == 0, verified.stdout + verified.stderr[-2000:]
    with zipfile.ZipFile(case) as archive:
        document = json.loads(archive.read("case/case.json"))
    listings = len(document["listings"])
    # the demo's listings carry photos: each stored one is in the package, as a record of the WARC
    photos = [photo for listing in document["listings"] for photo in listing["photos"]]
    assert photos and {photo["capture"] for photo in photos} <= {"rebuilt", "revisit"}
    assert document["archive"]["photos"] == len(photos)
    assert verified.stdout.startswith(f"valid: {listings} pages, ")
    assert verified.stdout.rstrip().endswith(f"records, signed by {fingerprint} at "
                                             f"{verified.stdout.rstrip().rsplit(' at ', 1)[1]}")
    assert verified.stdout.count("\n") == 1

    offset, length, url = record_offsets(case)[len(record_offsets(case)) // 2]
    broken_record = tmp / "broken-record.wacz"
    broken_record.write_bytes(case.read_bytes())
    flip_byte(broken_record, member_offset(broken_record, "archive/data.warc.gz") + offset + length // 2)
    failed = _wildwatch(tmp, "evidence", "verify", str(broken_record), **no_db)
    assert failed.returncode == 1
    assert failed.stdout.startswith("invalid: archive/data.warc.gz record ")
    assert f"(at byte {offset}) is damaged" in failed.stdout or url in failed.stdout

    broken_case = rewrite(case, "case/case.json", lambda data: data.replace(b'"flagged": null', b'"flagged": true', 1),
                          target=tmp / "broken-case.wacz")
    failed = _wildwatch(tmp, "evidence", "verify", str(broken_case), **no_db)
    assert (failed.returncode, failed.stdout) == (1, "invalid: case/case.json does not match its SHA-256 in "
                                                     "datapackage.json\n")

    with zipfile.ZipFile(case) as archive:
        data = bytearray(case.read_bytes())
        start = archive.getinfo("case/case.json").header_offset + 100
    data[start] ^= 0x01
    (tmp / "flipped-case.wacz").write_bytes(bytes(data))
    failed = _wildwatch(tmp, "evidence", "verify", str(tmp / "flipped-case.wacz"), **no_db)
    assert failed.returncode == 1 and failed.stdout.startswith("invalid: case/case.json ")


def test_bad_input_gets_one_line_errors(crawled: tuple[Path, str, int]) -> None:
    tmp, db_url, _ = crawled
    unknown = _wildwatch(tmp, "evidence", "export", "1", "999999", "--output", str(tmp / "x.wacz"), "--db", db_url)
    assert unknown.returncode != 0 and "error: no listing 999999" in unknown.stderr
    assert "Traceback" not in unknown.stderr and not (tmp / "x.wacz").exists()
    foreign = tmp / "notes.txt"
    foreign.write_text("hello")
    result = _wildwatch(tmp, "evidence", "verify", str(foreign))
    assert (result.returncode, result.stdout) == (1, "invalid: notes.txt is not a zip file (truncated, or not a "
                                                     "WACZ package)\n")


def test_kill_9_mid_export_leaves_no_file_under_the_target_name(crawled: tuple[Path, str, int]) -> None:
    tmp, db_url, seller = crawled
    target = tmp / "killed.wacz"
    tsa = StandInTSA(stall=True).start()  # the export writes everything, then waits here for its time-stamp
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "wildwatch.cli", "evidence", "export", "--seller", str(seller), "--output",
             str(target), "--db", db_url],
            env=_env(tmp, WILDWATCH_EVIDENCE__TSA_URL=tsa.url, WILDWATCH_EVIDENCE__TSA_TIMEOUT="60"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while tsa.requests == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tsa.requests == 1, "the export never reached its time-stamp"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        tsa.stop()
    assert not target.exists()
    assert [p.name for p in tmp.glob(".killed.wacz.*.part")]  # the unfinished zip kept its hidden name
