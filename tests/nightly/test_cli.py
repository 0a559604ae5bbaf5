"""`wildwatch nightly` as the operator runs it: twice on the demo marketplace, lock contention,
sites and status — real CLI processes, the shipped model, loopback only."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from wildwatch.cli import app
from wildwatch.demo.server import listing_url, load_listings, make_server
from core.errors import WildwatchError
from wildwatch.lock import ALREADY_RUNNING_EXIT, RunLock
from core.settings import PROJECT_ROOT, get_settings

pytestmark = pytest.mark.e2e


def cli_env(tmp: Path) -> dict[str, str]:
    return {
        "WILDWATCH_DATABASE_URL": f"sqlite:///{tmp / 'wildwatch.db'}",
        "WILDWATCH_VAR_DIR": str(tmp / "var"),
        "WILDWATCH_CRAWLER__SNAPSHOT_DIR": str(tmp / "var" / "snapshots"),
        "WILDWATCH_CRAWLER__JOB_DIR": str(tmp / "var" / "jobs"),
        "WILDWATCH_CRAWLER__AUTOTHROTTLE": "false",
        "WILDWATCH_CONFIG_FILE": str(tmp / "wildwatch.yaml"),
    }


def run_cli(args: list[str], tmp: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (for the contracts: exit codes, stdout, the lock)."""
    return subprocess.run([sys.executable, "-m", "wildwatch.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ) | cli_env(tmp))


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def invoke(args: list[str], tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Ran:
    """The same command in this process (cheaper: for output and error-message checks)."""
    for name, value in cli_env(tmp).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level  # the CLI configures logging: put pytest's back after
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                app(args, standalone_mode=False)
            except WildwatchError as exc:
                print(f"error: {exc}", file=sys.stderr)
                code = exc.exit_code
            except click.ClickException as exc:
                exc.show()
                code = exc.exit_code
            except click.exceptions.Exit as exc:
                code = exc.exit_code
    finally:
        get_settings.cache_clear()
        root.handlers[:], root.level = handlers, level
    return Ran(code, stdout.getvalue(), stderr.getvalue())


def test_two_nights_on_the_demo_marketplace_the_second_finds_only_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "demo-data"
    shutil.copytree(PROJECT_ROOT / "data" / "demo", data_dir)
    server = make_server("127.0.0.1", 0, data_dir=data_dir).start()
    try:
        added = invoke(["sites", "add", server.url + "/", "--name", "demo", "--allow-private"], tmp_path, monkeypatch)
        assert added.returncode == 0, added.stderr
        first = run_cli(["nightly"], tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        report = Path(first.stdout.strip().splitlines()[-1])
        assert report.is_file() and "nightly run #1 completed" in first.stderr
        summary = json.loads((report.parent / "summary.json").read_text())
        assert summary["crawl"]["totals"]["new"] > 100 and summary["newly_flagged"]["count"] > 0
        assert summary["model_version"] and summary["newly_flagged"]["by_species"]

        # Edit three listings the first night stored, then serve the new pages on the same port.
        with sqlite3.connect(tmp_path / "wildwatch.db") as db:
            urls = {row[0] for row in db.execute("SELECT url FROM listings")}
        records = [r for r in load_listings(data_dir) if listing_url(server.url, r) in urls]
        port = server.port
        server.stop()
        changed = _edit_three(data_dir, {r["id"] for r in records[:3]})
        server = make_server("127.0.0.1", port, data_dir=data_dir).start()

        second = run_cli(["nightly"], tmp_path)
        assert second.returncode == 0, second.stderr[-3000:]
        summary2 = json.loads((Path(second.stdout.strip().splitlines()[-1]).parent / "summary.json").read_text())
        totals = summary2["crawl"]["totals"]
        assert (totals["new"], totals["updated"]) == (0, len(changed))
        assert totals["unchanged"] == summary["crawl"]["totals"]["new"] - len(changed)
        assert summary2["scored"] == len(changed)
        assert summary2["alerts"]["status"] == "ok"

        listed = invoke(["sites", "list"], tmp_path, monkeypatch)
        assert "demo\tenabled" in listed.stdout and "last run #2 completed" in listed.stdout
        status = invoke(["status", "--json"], tmp_path, monkeypatch)
        state = json.loads(status.stdout)
        assert state["nightly"] == "idle" and [r["status"] for r in state["runs"]] == ["completed", "completed"]
        assert state["queues"]["to_score"] == 0
        assert (tmp_path / "var" / "metrics" / "wildwatch.prom").read_text().count("wildwatch_crawl_pages") >= 1
    finally:
        server.stop()


def _edit_three(data_dir: Path, ids: set[int]) -> list[int]:
    path = data_dir / "listings.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records:
        if record["id"] in ids:
            record["title"] += " (price cut)"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return sorted(ids)


def test_nightly_exits_at_once_while_another_run_holds_the_lock(tmp_path: Path) -> None:
    with RunLock(tmp_path / "var" / "nightly.lock"):
        result = run_cli(["nightly"], tmp_path, timeout=60)
    assert result.returncode == ALREADY_RUNNING_EXIT
    assert "already running" in result.stderr and f"pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sites", "add", "ftp://example.org/"], "not an http(s) URL"),
        (["sites", "add", "http://127.0.0.1:9/", "--profile", "missing.yaml"], "no profile file"),
        (["sites", "enable", "nope"], "no site named"),
        (["sites", "add", "http://127.0.0.2:9391/"], "127.0.0.2 (loopback), not a public address; pass --allow-private"),
        (["sites", "add", "http://169.254.169.254/"], "(cloud metadata), not a public address"),
    ],
)
def test_sites_rejects_bad_input_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    result = invoke(args, tmp_path, monkeypatch)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_sites_add_takes_a_private_address_only_with_the_flag_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke(["sites", "add", "http://10.1.2.3:8080/", "--name", "intranet", "--allow-private"], tmp_path,
                    monkeypatch)
    assert result.returncode == 0, result.stderr
    assert "warning: http://10.1.2.3:8080/ points at 10.1.2.3 (private); accepted because of --allow-private" \
        in result.stderr
    assert "site 'intranet' (#1) registered" in result.stderr


def test_schedule_rejects_a_bad_crontab_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(["schedule", "--cron", "every night"], tmp_path, monkeypatch)
    assert result.returncode == 2 and "expected 5 crontab fields" in result.stderr


def test_an_invalid_config_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "wildwatch.yaml").write_text("sites:\n  - name: x\n    url: http://127.0.0.1:9/\n    budjet_minutes: 3\n")
    result = invoke(["nightly"], tmp_path, monkeypatch)
    assert result.returncode == 2
    assert "sites.0.budjet_minutes: unknown key" in result.stderr and "Traceback" not in result.stderr


def test_sites_add_finds_a_shipped_profile_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    added = invoke(["sites", "add", "http://127.0.0.1:9/", "--name", "demo", "--profile", "demo", "--allow-private"], tmp_path, monkeypatch)
    assert added.returncode == 0, added.stderr
    listed = invoke(["sites", "list"], tmp_path, monkeypatch)
    assert str(PROJECT_ROOT / "crawler" / "profiles" / "demo.yaml") in listed.stdout
