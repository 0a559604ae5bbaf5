"""The bundled demo marketplace: a small Xianyu/Carousell-style site served on loopback.

WildWatch's ``make run`` and end-to-end tests crawl it.  Every page is rendered once at start-up
(search results are the only dynamic pages), so a stdlib ``ThreadingHTTPServer`` keeps up with a
crawler.  URL scheme (each item has exactly one canonical URL):

* ``/``, ``/category/<slug>?page=N``, ``/item/<id>`` — UTF-8: English and odd-id Simplified items.
* ``/cn/``, ``/cn/category/<slug>``, ``/cn/item/<id>`` — **GBK**: even-id Simplified Chinese items.
* ``/hk/``, ``/hk/category/<slug>``, ``/hk/item/<id>`` — **Big5**: Traditional Chinese HK/Macao items.
* ``/search?q=&page=N``, ``/seller/<id>`` — UTF-8, all sections.
* ``/robots.txt`` (disallows ``/cart/`` and ``/account/``), ``/sitemap.xml``, ``/static/img/*.jpg|png``.

An item requested under the wrong section answers 301 to its canonical URL.  Ground truth
(``label``, ``species``, ``hard_negative``) is never rendered.
"""
from __future__ import annotations

import argparse
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, cast

from wildwatch.demo.bazaar import Bazaar
from wildwatch.demo.pages import Response, Site
from wildwatch.demo.records import SECTION_PREFIX, canonical_path, listing_url, load_listings, load_sellers, section_of

__all__ = [
    "DemoServer",
    "SECTION_PREFIX",
    "make_server",
    "make_bazaar_server",
    "load_listings",
    "load_sellers",
    "listing_url",
    "canonical_path",
    "section_of",
    "main",
]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: crawlers reuse connections
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid the 40 ms delayed-ACK stall
    server_version = "JishiMarket/1.0"
    sys_version = ""

    def _respond(self, with_body: bool) -> None:
        site = cast(_HTTPServer, self.server).site
        try:
            response = site.resolve(self.path)
        except Exception:  # a demo page bug must not kill the connection silently
            logger.exception("demo server failed on %s", self.path)
            response = Response(500, "text/plain; charset=utf-8", b"Internal Server Error\n")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 (stdlib naming)
        self._respond(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if getattr(self.server, "verbose", False):
            logger.info("%s %s", self.address_string(), format % args)


class _Pages(Protocol):
    def resolve(self, raw_path: str) -> Response: ...


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    site: _Pages  # set by make_server before serving
    verbose: bool = False


class DemoServer:
    """A running (or startable) demo marketplace; use as a context manager or call start()/stop()."""

    def __init__(self, httpd: _HTTPServer) -> None:
        self._httpd = httpd
        self._thread: threading.Thread | None = None
        host, port = httpd.socket.getsockname()[:2]
        self.url = f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> DemoServer:
        """Serve in a daemon thread; returns self so ``make_server().start()`` chains."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="wildwatch-demo-server", daemon=True)
            self._thread.start()
            logger.info("demo marketplace serving at %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI entry point)."""
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving and release the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def make_server(host: str = "127.0.0.1", port: int = 0, *, data_dir: Path | None = None,
                verbose: bool = False) -> DemoServer:
    """Bind the demo marketplace (port 0 picks a free port) and render its pages; call .start() to serve."""
    httpd = _HTTPServer((host, port), _Handler)
    try:
        bound_host, bound_port = httpd.socket.getsockname()[:2]
        site = Site(load_listings(data_dir), load_sellers(data_dir), f"http://{bound_host}:{bound_port}")
    except Exception:
        httpd.server_close()
        raise
    httpd.site = site
    httpd.verbose = verbose
    return DemoServer(httpd)


def make_bazaar_server(host: str = "127.0.0.1", port: int = 0, *, data_dir: Path | None = None,
                       name: str = "localhost") -> DemoServer:
    """Bind the second demo marketplace (``wildwatch.demo.bazaar``: re-posts of the first one's listings).

    Its pages call it ``name`` (``localhost``: another marketplace name than the first one's
    ``127.0.0.1``, on the same loopback address).
    """
    httpd = _HTTPServer((host, port), _Handler)
    bound_port = httpd.socket.getsockname()[1]
    httpd.site = Bazaar(load_listings(data_dir), f"http://{name}:{bound_port}")
    server = DemoServer(httpd)
    server.url = f"http://{name}:{bound_port}"
    return server


def main(argv: list[str] | None = None) -> None:
    """CLI entry: serve the demo marketplace in the foreground."""
    parser = argparse.ArgumentParser(description="Serve the WildWatch demo marketplace.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = make_server(args.host, args.port, data_dir=args.data_dir, verbose=args.verbose)
    logger.info("demo marketplace at %s (Ctrl-C to stop)", server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        server.stop()


if __name__ == "__main__":
    main()