"""The nightly as the operator sees a bad night: a dead site fails (report, status, exit code),
and Ctrl-C stops the run calmly — no traceback from the nightly, its crawl or the crawl's helpers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from store.models import CrawlRun, Listing, NightlyRun
from tests.nightly.conftest import SmallSite
from tests.nightly.fakes import HashModel
from tests.nightly.test_cli import cli_env, invoke

pytestmark = pytest.mark.e2e


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def _write_config(tmp: Path, sites: list[dict[str, object]], **nightly: object) -> None:
    config = {"sites": sites, "alerts": {"enabled": False},
              "nightly": {"stop_grace_seconds": 20, "scrapy_settings": {"RETRY_TIMES": 0, **nightly}}}
    (tmp / "wildwatch.yaml").write_text(json.dumps(config))  # JSON is YAML


@pytest.mark.timeout(240)
def test_a_dead_site_fails_the_night_visibly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = _dead_url()
    _write_config(tmp_path, [{"name": "dead", "url": dead}])
    monkeypatch.setattr("wildwatch.commands.nightly.load_classifier", lambda *args: HashModel())  # fast to load
    result = invoke(["nightly"], tmp_path, monkeypatch)
    assert result.returncode == 3, result.stderr[-3000:]
    assert "error: 1 site(s) failed: dead" in result.stderr
    report = Path(result.stdout.strip().splitlines()[-1])
    summary = json.loads((report.parent / "summary.json").read_text())
    assert summary["failed_sites"] == ["dead"]
    (error,) = summary["errors"]
    assert error.startswith(f"crawl of {dead} (site dead): failed") and "connection refused" in error
    html = report.read_text(encoding="utf-8")
    assert "connection refused" in html and "Errors" in html and "None." not in html.split("Errors", 1)[1][:200]

    status = invoke(["status"], tmp_path, monkeypatch)
    assert "1 error(s)" in status.stdout and "connection refused" in status.stdout
    state = json.loads(invoke(["status", "--json"], tmp_path, monkeypatch).stdout)
    assert state["runs"][0]["failed_sites"] == ["dead"] and state["runs"][0]["errors"] == 1


def _count(db_url: str, what: object) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(what)).scalar_one())  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 (tables not there yet)
        return 0
    finally:
        engine.dispose()


@pytest.mark.timeout(240)
def test_ctrl_c_stops_the_nightly_calmly(tmp_path: Path, small_site: SmallSite) -> None:
    _write_config(tmp_path, [{"name": "small", "url": small_site.url}], DOWNLOAD_DELAY=0.4,
                  CONCURRENT_REQUESTS_PER_DOMAIN=1, WILDWATCH_STORE_BATCH=1)
    env = dict(os.environ) | cli_env(tmp_path) | {"WILDWATCH_CRAWLER__AUTOTHROTTLE": "false"}
    db_url = env["WILDWATCH_DATABASE_URL"]
    # its own process group, like a shell job: the terminal's SIGINT reaches every process in it
    child = subprocess.Popen([sys.executable, "-m", "wildwatch.cli", "nightly"], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, process_group=0)
    try:
        deadline = time.monotonic() + 60
        while _count(db_url, Listing) < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert child.poll() is None, "the nightly ended before it could be interrupted"
        os.killpg(child.pid, signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 143, stderr[-3000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert "rerun `wildwatch nightly` to resume" in stderr
    assert "resuming" not in stderr
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(NightlyRun.status)).scalar_one() == "interrupted"
        assert conn.execute(select(CrawlRun.status, CrawlRun.stop_reason)).one() == ("interrupted", "signal"), stderr
    engine.dispose()
