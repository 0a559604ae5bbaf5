"""A newcomer's first commands, through the real `wildwatch` and `make` (issue 15, capability 8):
ports chosen on `make run`, a busy port refused before any work, shipped profiles by name,
`sites remove`, one registration per URL, and the demo figures quoted in docs/operations.md."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
WILDWATCH = str(Path(sys.executable).with_name("wildwatch"))


def _env(tmp: Path) -> dict[str, str]:
    return dict(os.environ) | {
        "WILDWATCH_DATABASE_URL": f"sqlite:///{tmp / 'wildwatch.db'}",
        "WILDWATCH_VAR_DIR": str(tmp / "var"),
        "WILDWATCH_CONFIG_FILE": str(tmp / "wildwatch.yaml"),
    }


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WILDWATCH, *args], env=_env(tmp), capture_output=True, text=True, timeout=120)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something listens on, as an API left running in another terminal."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    return output


def test_a_busy_market_port_is_refused_before_any_work(tmp_path: Path, busy_port: int) -> None:
    result = _run(tmp_path, "demo", "--market-port", str(busy_port), "--port", str(_free_port()))
    line = _one_line(result)
    assert result.returncode == 2
    assert f"port {busy_port}" in line and "--market-port" in line
    assert not (tmp_path / "wildwatch.db").exists(), "nothing is created before the ports are known free"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_both_ports_and_refuses_a_busy_api_port(tmp_path: Path, busy_port: int) -> None:
    market = _free_port()
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "run", f"PORT={busy_port}", f"MARKET_PORT={market}"],
        cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert f"port {busy_port} on 127.0.0.1 is not free for the API" in output, output
    assert "PORT=" in output  # the hint names how to choose another
    assert "1/5" not in output, "no crawl starts for a port the demo cannot serve"
    assert not (tmp_path / "wildwatch.db").exists()


def test_make_run_passes_the_ports_to_the_demo() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(["make", "-n", "run", "PORT=8123", "MARKET_PORT=8124"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "wildwatch demo --port 8123 --market-port 8124" in dry, dry


def test_sites_profile_by_name_one_url_once_and_remove(tmp_path: Path) -> None:
    assert _run(tmp_path, "init").returncode == 0
    added = _run(tmp_path, "sites", "add", "http://127.0.0.1:8088/", "--name", "demo", "--profile", "demo",
                 "--allow-private")
    assert added.returncode == 0, added.stderr
    listed = _run(tmp_path, "sites", "list").stdout
    assert re.search(r"^demo\tenabled\thttp://127.0.0.1:8088/ profile=\S+/crawler/profiles/demo.yaml", listed, re.M), listed

    twin = _run(tmp_path, "sites", "add", "HTTP://127.0.0.1:8088", "--name", "demo-again", "--allow-private")
    assert twin.returncode == 2 and "Traceback" not in twin.stderr
    assert twin.stderr.strip().splitlines()[-1] == "error: HTTP://127.0.0.1:8088 is already registered as site 'demo'"

    removed = _run(tmp_path, "sites", "remove", "demo")
    assert removed.returncode == 0, removed.stderr
    assert "site 'demo' removed" in removed.stderr
    assert "demo" not in _run(tmp_path, "sites", "list").stdout
    again = _run(tmp_path, "sites", "remove", "demo")
    assert again.returncode == 2 and "no site named 'demo'" in _one_line(again)


def test_the_demo_figures_in_operations_md_are_the_demo_data() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    quoted = re.search(r"Measured on the demo marketplace \((\d+) pages, (\d+) listings", text)
    assert quoted, "docs/operations.md quotes the demo's size"
    lines = (ROOT / "data" / "demo" / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    assert int(quoted.group(2)) == len([json.loads(line) for line in lines if line.strip()])
