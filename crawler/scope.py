"""What a crawl may fetch: its site's scheme, host and port, and the hosts a profile allows.

A marketplace chooses every URL the crawler sees (links, redirects, ``<meta refresh>``, canonical
links), so "same site" is decided here, once, for all of them:

* the scheme is http or https, the URL has no user:password part and a valid port;
* the host is the start host or one of its ``www.``/mobile (``m.``, ``wap.``, ``h5.``, ``mobile.``)
  variants (``crawler.urls.site_key``), or a host the profile lists in ``allowed_hosts``;
* the port is the start URL's port.  The one exception is the web's default pair: a site started
  at ``http://host/`` (port 80) may move to ``https://host/`` (port 443) and back, because that is
  how sites upgrade to TLS; any other change of scheme or port is another site.

The answer is a :class:`Refusal` (a skip reason and a detail an operator can read) or None.
Addresses (what a host *resolves* to) are judged after DNS by ``core.addresses``/``crawler.resolver``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from crawler.urls import site_key

__all__ = ["CrawlScope", "Origin", "Refusal", "parse_allowed_host", "split_origin"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WEB_DEFAULTS = frozenset({("http", 80), ("https", 443)})


@dataclass(frozen=True)
class Refusal:
    """Why a URL is not fetched: ``reason`` is the skip reason recorded, ``detail`` says more."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Origin:
    """Scheme, host (lower-case, without brackets or a trailing dot) and effective port of a URL."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


@lru_cache(maxsize=65536)  # called for every link of every page
def split_origin(url: str) -> Origin | Refusal:
    """The URL's origin, or the refusal of a URL that has no usable one."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError as exc:
        return Refusal("bad_url", f"unusable URL {url[:200]!r}: {exc}")
    if scheme not in _DEFAULT_PORTS:
        return Refusal("other_scheme", f"{scheme or 'no'} scheme: {url[:200]}")
    if parts.username is not None or parts.password is not None:
        return Refusal("credentials_in_url", f"user:password in URL: {url[:200]}")
    if not host:
        return Refusal("bad_url", f"no host in {url[:200]!r}")
    if port == 0:
        return Refusal("bad_url", f"port 0 in {url[:200]!r}")
    return Origin(scheme, host, port or _DEFAULT_PORTS[scheme])


def parse_allowed_host(entry: str) -> tuple[str | None, str, int | None]:
    """(scheme or None, host, port or None) of a profile's ``allowed_hosts`` entry.

    ``cdn.example.com`` (http/https on their default ports), ``cdn.example.com:8443`` (that port,
    either scheme) or ``https://cdn.example.com[:port]``.  ValueError when it is none of these.
    """
    text = entry.strip()
    scheme: str | None = None
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(f"allowed host {entry!r}: scheme must be http or https")
    else:
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port  # ValueError for a bad port
    if not host or parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"allowed host {entry!r}: give host, host:port or scheme://host[:port]")
    return scheme, host, port


class CrawlScope:
    """The origins one crawl may fetch (see module docstring)."""

    def __init__(self, start_url: str, allowed_hosts: Iterable[str] = ()) -> None:
        origin = split_origin(start_url)
        if isinstance(origin, Refusal):
            raise ValueError(f"cannot crawl {start_url!r}: {origin.detail}")
        self.start = origin
        self.site = site_key(start_url)
        self._extra = [parse_allowed_host(entry) for entry in allowed_hosts]

    def refusal(self, url: str, *, redirect: bool = False) -> Refusal | None:
        """Why ``url`` is outside this crawl (reason ``offsite_redirect`` for redirects), or None."""
        origin = split_origin(url)
        if isinstance(origin, Refusal):
            if redirect:
                reason = "offsite_redirect" if origin.reason == "other_scheme" else "bad_redirect"
                return Refusal(reason, origin.detail)
            return origin
        problem = self._problem(origin)
        if problem is None:
            return None
        return Refusal("offsite_redirect" if redirect else "offsite", f"{problem}: {url[:200]}")

    def allows(self, url: str) -> bool:
        """True when the crawl may fetch ``url``."""
        return self.refusal(url) is None

    def _problem(self, origin: Origin) -> str | None:
        for scheme, host, port in self._extra:
            if origin.host == host and (scheme is None or scheme == origin.scheme) and (
                    origin.port == port if port is not None else origin.port == _DEFAULT_PORTS[origin.scheme]):
                return None
        if origin.host != self.start.host and site_key(f"{origin.scheme}://{_bracket(origin.host)}/") != self.site:
            return f"other host {origin.host}"
        if (origin.scheme, origin.port) == (self.start.scheme, self.start.port):
            return None
        if {(origin.scheme, origin.port), (self.start.scheme, self.start.port)} <= _WEB_DEFAULTS:
            return None
        if origin.port != self.start.port:
            return f"other port {origin.port}"
        return f"other scheme {origin.scheme}"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
