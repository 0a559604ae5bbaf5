"""Canonical URLs for de-duplicating listings across tracking links, mobile hosts and encodings.

``canonicalize_url`` is a *key*, idempotent by construction; it is usually fetchable too, but
spiders should request the URL they found and store the canonical one.

Rules, in order:

* strip whitespace and zero-width characters; protocol-relative ``//host`` becomes ``https:``;
* lower-case scheme and host, IDNA-encode the host, drop default ports (80/443), drop userinfo
  and the fragment;
* mobile hosts collapse to the host without the mobile label: a leftmost ``m.``, ``mobile.``,
  ``wap.`` or ``h5.`` label is removed (repeatedly) as long as a registrable domain remains,
  so ``m.example.com`` and ``h5.m.example.com`` both become ``example.com``
  (``www.`` is kept: many sites serve only one of bare/www);
* percent-encoding is normalised (w3lib), path ``;jsessionid=...`` parameters removed, a trailing
  ``index.html``/``index.htm``/``default.html`` dropped, an empty path becomes ``/``;
* query parameters are sorted and tracking parameters dropped: see :data:`TRACKING_PARAMS`
  and :data:`TRACKING_PREFIXES`, plus ``t``/``ts`` whose value is a 10- or 13-digit Unix time.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url as _w3lib_canonicalize

__all__ = [
    "MOBILE_LABELS",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonicalize_url",
    "same_site",
    "site_key",
]

logger = logging.getLogger(__name__)

MOBILE_LABELS = frozenset({"m", "mobile", "wap", "h5"})

# Exact parameter names (compared lower-case) that never change which listing a URL shows.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "scm",
        "from",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "source",
        "src",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "trk",
        "trackid",
        "track_id",
        "tracking_id",
        "_t",
        "_ts",
        "_",
        "timestamp",
        "_timestamp",
        "cachebuster",
        "cache_buster",
        "nocache",
        "isappinstalled",
        "nsukey",
        "wxfrom",
        "wx_fmt",
        "scene",
        "clicktime",
        "enterid",
        "ali_refid",
        "ali_trackid",
        "pvid",
        "ttid",
        "abbucket",
        "sourcetype",
        "ut_sk",
        "suid",
        "xhs_share",
        "app_platform",
        "appuid",
        "apptime",
        "jsessionid",
        "phpsessid",
        "sessionid",
        "sid_token",
    }
)
# Parameter-name prefixes (lower-case) dropped as tracking.
TRACKING_PREFIXES = ("utm_", "share", "sharer", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci", "algo_")
_TIMESTAMP_PARAMS = frozenset({"t", "ts", "time", "v_t"})
_TIMESTAMP_VALUE = re.compile(r"\d{10}(?:\d{3})?")

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_INDEX_PAGE = re.compile(r"/(?:index|default)\.s?html?$", re.IGNORECASE)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_tracking(name: str, value: str) -> bool:
    lowered = name.lower()
    if lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES):
        return True
    return lowered in _TIMESTAMP_PARAMS and bool(_TIMESTAMP_VALUE.fullmatch(value))


@lru_cache(maxsize=4096)
def _collapse_host(host: str) -> str:
    """Remove leftmost mobile labels while a registrable domain (domain + public suffix) remains."""
    if re.fullmatch(r"[\d.]+", host):
        return host
    parts = _EXTRACT(host)
    if parts.suffix and parts.domain:
        sub_labels = parts.subdomain.split(".") if parts.subdomain else []
        registrable = [parts.domain, parts.suffix]
    else:
        # Unknown suffix (.example, .test, .internal): treat the last two labels as registrable.
        labels = host.split(".")
        sub_labels, registrable = labels[:-2], labels[-2:]
    while sub_labels and sub_labels[0] in MOBILE_LABELS:
        sub_labels.pop(0)
    return ".".join([*sub_labels, *registrable])


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _canonicalize_once(url: str) -> str:
    text = url.translate(_ZERO_WIDTH).strip()
    if text.startswith("//"):
        text = "https:" + text
    text = _w3lib_canonicalize(text, keep_fragments=False)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if host and not host.startswith("["):
        host = _collapse_host(_idna(host.lower()))
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if host.count(":") > 0 and not host.startswith("["):
        netloc = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    path = _PATH_SESSION.sub("", parts.path)
    path = _INDEX_PAGE.sub("/", path)
    if not path and netloc:
        path = "/"
    kept = []
    for pair in parts.query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if not _is_tracking(unquote_plus(name), unquote_plus(value)):
            kept.append(pair)
    query = "&".join(sorted(kept))
    return urlunsplit((scheme, netloc, path, query, ""))


@lru_cache(maxsize=65536)  # a site's links repeat on every page; this is the crawl's hottest call
def canonicalize_url(url: str) -> str:
    """Return the de-duplication key for a URL (see module docstring); never raises, idempotent."""
    current = url.translate(_ZERO_WIDTH).strip()
    if not current:
        return ""
    try:
        for _ in range(4):
            nxt = _canonicalize_once(current)
            if nxt == current:
                break
            current = nxt
    except (ValueError, UnicodeError) as exc:
        logger.debug("cannot canonicalize url: %s", exc)
        return url.translate(_ZERO_WIDTH).strip()
    return current


@lru_cache(maxsize=4096)
def site_key(url: str) -> str:
    """Host used to decide "same site": canonical host without mobile labels or ``www.``.

    An IPv4 address counts only as the URL spells it. w3lib 2.6 reads ``2130706433``, ``0x7f000001``
    and ``127.1`` as ``127.0.0.1``; a crawl of one address still takes none of the other spellings
    for its site, whichever w3lib is installed."""
    try:
        host = urlsplit(canonicalize_url(url)).hostname or ""
        spelled = urlsplit(url.translate(_ZERO_WIDTH).strip()).hostname or ""
    except ValueError:
        return ""
    if host != spelled and _IPV4.fullmatch(host):
        return spelled
    return host[4:] if host.startswith("www.") else host


def same_site(url_a: str, url_b: str) -> bool:
    """True when both URLs are on the same host once mobile and ``www.`` prefixes are ignored."""
    key_a = site_key(url_a)
    return bool(key_a) and key_a == site_key(url_b)
