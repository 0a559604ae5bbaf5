"""Docs that run (issue 15, capability 2): every shell example in README.md and docs/*.md runs as
written against a live `wildwatch serve` on loopback with a seeded temporary store.

A block that cannot run here says so in the doc source, on the line before it:
``<!-- doc-test: skip: why -->``.  The only change made to a block is the API's port (docs say
8000; the test server takes a free one), and `curl` fails on an HTTP error status
(``--fail-with-body``), so an example answering 400 or 422 fails the test.  Lines of a ``$ ``
transcript run without their output.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from store.apikeys import create_api_key
from store.db import session_scope
from tests.store.seed import seed_store
from wildwatch.runtime import open_store

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_TAGS = {"sh", "bash", "shell", "console"}
_FENCE = re.compile(r"^```(?P<tag>[\w-]*)[^\n]*\n(?P<body>.*?)^```", re.S | re.M)
_SKIP = re.compile(r"<!-- doc-test: skip: (?P<reason>.+?) -->\s*$")
_COMMAND = re.compile(r"^\s*(\$ )?(curl |wildwatch |make |\.venv/|KEY=)", re.M)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    tag: str
    body: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def script(self) -> str:
        """The block as bash runs it: a transcript keeps only its ``$ `` lines."""
        lines = self.body.splitlines()
        if any(line.startswith("$ ") for line in lines):
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        return "\n".join(lines)


def shell_blocks() -> list[Block]:
    """Fenced blocks tagged as shell, and untagged ones that start with a command."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            tag, body = match.group("tag"), match.group("body")
            if tag not in SHELL_TAGS and not (tag == "" and _COMMAND.match(body)):
                continue
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            skip = _SKIP.match(before)
            found.append(Block(path, text[: match.start()].count("\n") + 2, tag, body,
                               skip.group("reason") if skip else None))
    return found


BLOCKS = shell_blocks()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Live:
    port: int
    env: dict[str, str]
    cwd: Path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`wildwatch serve` on a free loopback port over a seeded SQLite store in a temp dir."""
    tmp = tmp_path_factory.mktemp("docs")
    port = _free_port()
    env = dict(os.environ) | {
        "WILDWATCH_DATABASE_URL": f"sqlite:///{tmp / 'wildwatch.db'}",
        "WILDWATCH_VAR_DIR": str(tmp / "var"),
        "WILDWATCH_CRAWLER__SNAPSHOT_DIR": str(tmp / "var" / "snapshots"),
        "WILDWATCH_IMAGES__DIR": str(tmp / "var" / "images"),
        "WILDWATCH_CONFIG_FILE": str(tmp / "wildwatch.yaml"),
        "WILDWATCH_API__PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    store = open_store(env["WILDWATCH_DATABASE_URL"])
    with session_scope(store.sessions) as session:
        seed_store(session, tmp / "var" / "snapshots")
        # $KEY as a reader has it after the doc's first `KEY=$(wildwatch apikey create ...)`
        env["KEY"] = create_api_key(session, role="analyst", name="docs reader")[1]
    store.close()
    work = tmp / "work"  # where examples write their files (flagged.csv, ...)
    work.mkdir()
    (work / ".venv").symlink_to(ROOT / ".venv")  # README examples call .venv/bin/wildwatch
    log = tmp / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([str(Path(sys.executable).with_name("wildwatch")), "serve", "--port", str(port)],
                                  env=env, cwd=work, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"wildwatch serve did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield Live(port, env, work)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_shell_block_runs_or_says_why() -> None:
    assert len(BLOCKS) >= 20, "the extractor finds the docs' shell examples"
    runnable = [b.name for b in BLOCKS if b.skip is None]
    assert len(runnable) >= 5, runnable
    for block in BLOCKS:
        assert block.skip is None or len(block.skip) > 10, f"{block.name}: a skip needs a reason"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_no_raw_unicode_in_a_curl_url(block: Block) -> None:
    """curl sends a URL's bytes as typed: non-ASCII must be percent-encoded or --data-urlencode'd."""
    for url in re.findall(r"\"(https?://[^\"]+)\"", block.body):
        assert url.isascii(), f"{block.name}: {url}"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_shell_example_runs(live: Live, block: Block) -> None:
    if block.skip is not None:
        pytest.skip(block.skip)
    script = block.script().replace("127.0.0.1:8000", f"127.0.0.1:{live.port}")
    prelude = 'curl() { command curl --fail-with-body --silent --show-error "$@"; }\n'
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", prelude + script], env=live.env, cwd=live.cwd,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{block.name} failed:\n{script}\n--- stdout\n{result.stdout[-2000:]}\n--- stderr\n{result.stderr[-2000:]}"
