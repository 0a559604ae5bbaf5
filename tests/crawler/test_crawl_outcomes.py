"""How a crawl ends, end to end on loopback: a dead site fails in one line, limits cap a run that
still completes, and Ctrl-C/SIGTERM interrupt it calmly (no traceback, resumable).

Plus the table of ``crawler.outcome.crawl_outcome`` decisions the end-to-end cases rely on.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, func, select

from crawler.limits import PageCap
from crawler.outcome import Outcome, crawl_outcome, unreachable_cause
from crawler.spiders.generic import GenericSpider
from store.models import CrawlRun, Listing
from tests.crawler.sites.runner import crawl_command, crawl_env, run_crawl_cli
from tests.crawler.sites.synthetic import SyntheticSite

FAST = ("--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_TIMEOUT=5")


# ---------------------------------------------------------------- the decision table

OK = {"downloader/response_status_count/200": 3, "robotstxt/response_status_count/404": 1}
ROBOTS_ONLY = {"downloader/response_status_count/200": 1, "robotstxt/response_status_count/200": 1}
ONLY_5XX = {"downloader/response_status_count/503": 4, "robotstxt/response_status_count/503": 1}


@pytest.mark.parametrize(("reason", "stats", "errors", "expected"), [
    ("finished", OK, {}, Outcome("completed")),
    ("finished", OK, {"connection_refused": 2, "http_503": 1}, Outcome("completed")),  # partly reachable
    ("finished", {}, {"connection_refused": 1}, ("failed", "unreachable")),
    ("finished", {}, {"dns_error": 1}, ("failed", "unreachable")),
    ("finished", {}, {"timeout": 2}, ("failed", "unreachable")),
    ("finished", {}, {"address_refused": 1}, ("failed", "unreachable")),
    ("finished", ROBOTS_ONLY, {"tcptimedouterror": 1}, ("failed", "unreachable")),  # robots.txt is not the site
    ("finished", ONLY_5XX, {"http_503": 3}, ("failed", "unreachable")),
    ("finished", {}, {"robots_disallowed": 1}, Outcome("completed")),  # nothing allowed: not an error
    ("finished", {"downloader/response_status_count/404": 1}, {"http_404": 1}, Outcome("completed")),
    ("closespider_pagecount", OK, {}, ("completed", "max_pages")),
    ("closespider_timeout", OK, {}, ("completed", "time_budget")),
    ("closespider_itemcount", OK, {}, ("completed", "max_items")),
    ("closespider_errorcount", OK, {}, ("failed", "spider_error")),
    ("shutdown", OK, {}, ("interrupted", "signal")),
    ("shutdown", {}, {"connection_refused": 1}, ("interrupted", "signal")),
    ("unknown", OK | {"start_time": "t"}, {}, ("interrupted", "signal")),  # a second Ctrl-C: no clean close
    ("unknown", {}, {}, ("failed", "error")),  # never started
    ("finished", OK | {"wildwatch/store_errors": 1}, {}, ("failed", "store_error")),
    ("cancelled", OK, {}, ("failed", "error")),
])
def test_crawl_outcome(reason: str, stats: dict[str, int], errors: dict[str, int],
                       expected: Outcome | tuple[str, str]) -> None:
    outcome = crawl_outcome(reason, stats, errors)
    if isinstance(expected, Outcome):
        assert outcome == expected
    else:
        assert (outcome.status, outcome.stop_reason) == expected
        assert outcome.stop_detail


@pytest.mark.parametrize(("errors", "cause"), [
    ({"connection_refused": 1}, "connection refused on 1 request"),
    ({"dns_error": 2, "timeout": 3}, "timed out on 3 requests, DNS lookup failed on 2 requests"),
    ({"http_503": 2, "http_500": 1}, "only 5xx answers: HTTP 500 on 1, HTTP 503 on 2"),
    ({"http_404": 2, "robots_disallowed": 1}, None),
])
def test_unreachable_cause_names_it(errors: dict[str, int], cause: str | None) -> None:
    assert unreachable_cause(errors) == cause


# ---------------------------------------------------------------- dead and half-dead sites

def _free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FlakySite:
    """Items 1-3 answer 200 unless ``broken``; ``/broken/N`` always answers 503."""

    def __init__(self, *, broken: bool) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
                if site.broken or self.path.startswith("/broken/"):
                    status, body = 503, b"<h1>busy</h1>"
                elif self.path == "/":
                    links = "".join(f'<a href="/item/{n}">offer {n}</a> <a href="/broken/{n}">more</a>' for n in (1, 2, 3))
                    status, body = 200, f"<html><head><title>Flaky</title></head><body>{links}</body></html>".encode()
                elif self.path.startswith("/item/"):
                    number = self.path.rsplit("/", 1)[-1]
                    status, body = 200, (f"<html><head><title>Ivory bangle {number}</title></head><body><h1>Ivory "
                                         f"bangle {number}</h1><p class='price'>¥1,200</p></body></html>").encode()
                else:
                    status, body = 404, b"<h1>404</h1>"
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
                return

        self.broken = broken
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _run_row(db_url: str) -> CrawlRun:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).one()  # type: ignore[return-value]
    finally:
        engine.dispose()


def _problem_lines(stderr: str) -> list[str]:
    """Console lines other than the crawl's own "crawling …" start line."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("crawling ")]


@pytest.mark.e2e
@pytest.mark.timeout(150)
def test_a_dead_port_fails_in_one_line(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    result = run_crawl_cli(f"http://127.0.0.1:{_free_port()}/", db_url, tmp_path, *FAST)
    assert result.returncode == 3, result.stderr[-2000:]
    lines = _problem_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "failed" in lines[0] and "connection refused" in lines[0]
    assert "Traceback" not in result.stderr
    run = _run_row(db_url)
    assert (run.status, run.stop_reason) == ("failed", "unreachable")
    assert "connection refused" in (run.stop_detail or "")


@pytest.mark.e2e
@pytest.mark.timeout(150)
def test_a_site_answering_only_5xx_fails(tmp_path: Path) -> None:
    site = FlakySite(broken=True)
    try:
        db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
        result = run_crawl_cli(site.url + "/", db_url, tmp_path, *FAST)
    finally:
        site.stop()
    assert result.returncode == 3, result.stderr[-2000:]
    assert "only 5xx answers: HTTP 503" in result.stderr
    assert "Traceback" not in result.stderr
    assert _run_row(db_url).status == "failed"


@pytest.mark.e2e
@pytest.mark.timeout(150)
def test_a_partly_reachable_site_completes_with_its_error_counts(tmp_path: Path) -> None:
    site = FlakySite(broken=False)
    try:
        db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
        result = run_crawl_cli(site.url + "/", db_url, tmp_path, *FAST)
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    run = _run_row(db_url)
    assert run.status == "completed" and run.stop_reason is None
    assert run.errors.get("http_503") == 3
    assert "http_503=3" in result.stderr  # the summary line names the counts


# ---------------------------------------------------------------- limits

@pytest.fixture(scope="module")
def big_site() -> Iterator[SyntheticSite]:
    site = SyntheticSite(400).start()
    yield site
    site.stop()


CAP = 20
CONCURRENCY = 4


class _Engine:
    """The two engine calls ``PageCap`` makes, recorded (Scrapy's engine exists only mid-crawl)."""

    def __init__(self) -> None:
        self.paused = False
        self.closes: list[str] = []

    def pause(self) -> None:
        self.paused = True

    async def close_spider_async(self, *, reason: str) -> None:
        self.closes.append(reason)


def test_the_page_cap_stops_pulling_requests_at_the_nth_response() -> None:
    """CloseSpider closes a loop turn after the Nth response, and freed download slots pull queued
    requests meanwhile (25 pages for a cap of 20 were seen); PageCap pauses the engine at once."""
    crawler = get_crawler(GenericSpider, {"CLOSESPIDER_PAGECOUNT": 3})
    engine = _Engine()
    crawler.engine = engine  # type: ignore[assignment]
    cap = PageCap.from_crawler(crawler)

    async def receive(responses: int) -> list[bool]:
        paused = []
        for _ in range(responses):
            cap.response_received(response=None, request=None, spider=None)  # type: ignore[arg-type]
            paused.append(engine.paused)
        await asyncio.sleep(0)  # the close task runs
        return paused

    assert asyncio.run(receive(5)) == [False, False, True, True, True]
    assert engine.closes == ["closespider_pagecount"]  # once, with the reason the outcome reads as max_pages


@pytest.mark.e2e
@pytest.mark.timeout(150)
@pytest.mark.parametrize("how", ["--max-pages", "env", "--set CLOSESPIDER_PAGECOUNT"])
def test_a_page_cap_holds_and_the_run_completes_capped(tmp_path: Path, big_site: SyntheticSite, how: str) -> None:
    args: tuple[str, ...] = ("--set", f"CONCURRENT_REQUESTS={CONCURRENCY}")
    env: dict[str, str] = {}
    if how == "--max-pages":
        args += ("--max-pages", str(CAP))
    elif how == "env":
        env["WILDWATCH_CRAWLER__MAX_PAGES"] = str(CAP)
    else:
        args += ("--set", f"CLOSESPIDER_PAGECOUNT={CAP}")
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    before = sum(big_site.hits.values())
    result = run_crawl_cli(big_site.url + "/", db_url, tmp_path, *args, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    run = _run_row(db_url)
    assert (run.status, run.stop_reason) == ("completed", "max_pages")
    assert CAP <= run.pages_fetched <= CAP + CONCURRENCY
    assert sum(big_site.hits.values()) - before <= CAP + 2 * CONCURRENCY  # what the site saw, in flight included
    assert "capped: page limit reached" in result.stderr


@pytest.mark.e2e
@pytest.mark.timeout(150)
def test_a_time_budget_holds_and_the_run_completes_capped(tmp_path: Path) -> None:
    site = SyntheticSite(300, delay=0.2).start()  # ~10 pages/s at most: far more than 3 s of work
    try:
        db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
        result = run_crawl_cli(site.url + "/", db_url, tmp_path, "--max-minutes", "0.05",
                               "--set", "CONCURRENT_REQUESTS=2")
    finally:
        site.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    run = _run_row(db_url)
    assert (run.status, run.stop_reason) == ("completed", "time_budget")
    assert run.pages_fetched < 300  # it stopped: the whole site takes a minute at this pace
    assert "capped: time budget reached" in result.stderr


# ---------------------------------------------------------------- Ctrl-C and SIGTERM

def _listings(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Listing)).scalar_one()
    except Exception:  # noqa: BLE001 (tables not there yet)
        return 0
    finally:
        engine.dispose()


@pytest.mark.e2e
@pytest.mark.timeout(240)
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_crawl_is_calm_recorded_and_resumable(tmp_path: Path, how: str) -> None:
    site = SyntheticSite(60, delay=0.1).start()
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    # an extraction worker too (tests run without one): Ctrl-C reaches it, and it must stay quiet
    args = ("--set", "CONCURRENT_REQUESTS=2", "--set", "WILDWATCH_STORE_BATCH=2", "--set", "WILDWATCH_EXTRACT_WORKERS=1")
    try:
        # its own process group, like a shell job: Ctrl-C reaches the crawl *and* its helper processes
        child = subprocess.Popen(crawl_command(site.url + "/", db_url, *args), env=crawl_env(tmp_path),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, process_group=0)
        deadline = time.monotonic() + 60
        while _listings(db_url) < 4 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert child.poll() is None, "the crawl ended before it could be interrupted"
        if how == "ctrl-c":
            os.killpg(child.pid, signal.SIGINT)
        else:
            os.kill(child.pid, signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 143, stderr[-2000:]
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
        assert "resuming" not in stderr  # a fresh crawl does not say it resumes
        assert "interrupted" in stderr and "--resume" in stderr
        run = _run_row(db_url)
        assert (run.status, run.stop_reason) == ("interrupted", "signal")
        if how == "sigterm":
            return
        result = run_crawl_cli(site.url + "/", db_url, tmp_path, *args, "--resume", timeout=90)
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"resuming crawl run #{run.id}" in result.stderr
        assert (_run_row(db_url).status, _listings(db_url)) == ("completed", 60)
    finally:
        site.stop()
