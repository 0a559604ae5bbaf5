"""How a crawl ended, from Scrapy's finish reason and stats: the run's status and why it stopped.

Scrapy says "finished" when a crawl runs out of requests, also when every one of them failed: a
dead site looked like a clean, empty night.  Here a crawl that got no usable answer from its
site (connection refused, DNS failure, timeouts, refused addresses, only 5xx) has **failed**,
with one line naming the cause.  A crawl stopped by a limit (``CLOSESPIDER_PAGECOUNT`` from
``--max-pages``, ``CLOSESPIDER_TIMEOUT`` from ``--max-minutes``, any other ``CLOSESPIDER_*``) has
**completed**, capped; one stopped by SIGINT/SIGTERM is **interrupted** and can be resumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Outcome", "crawl_outcome", "unreachable_cause"]

#: Skip reasons that say the site answered (or a policy decided not to ask): it is reachable.
#: Everything else — connection_refused, dns_error, timeout, address_refused, http_5xx and the
#: names of other network exceptions — means it did not answer.
_ANSWERED = ("robots_disallowed", "offsite_redirect", "bad_redirect", "redirect_loop", "too_large", "truncated",
             "not_html", "empty", "ignored", "encoding_replaced", "no_listing_found")
_WORDS = {
    "connection_refused": "connection refused", "dns_error": "DNS lookup failed", "timeout": "timed out",
    "address_refused": "address refused by the address policy",
}
#: Limits that end a crawl as completed (capped), by Scrapy finish reason.
_LIMITS = {"closespider_pagecount": "max_pages", "closespider_timeout": "time_budget",
           "closespider_itemcount": "max_items", "closespider_pagecount_no_item": "no_items",
           "closespider_timeout_no_item": "no_items"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """A crawl's status (completed, interrupted, failed), and why it stopped when it is worth saying."""

    status: str
    stop_reason: str | None = None
    stop_detail: str | None = None


def _is_network(kind: str) -> bool:
    if kind.startswith("http_"):
        return kind.startswith("http_5")
    return kind not in _ANSWERED


def _usable_answers(stats: Mapping[str, Any]) -> int:
    """Responses from the site below 500 (redirects and 4xx count: the site answered), robots.txt aside."""
    def below_500(prefix: str) -> int:
        return sum(int(value) for key, value in stats.items() if key.startswith(prefix)
                   and key.rsplit("/", 1)[-1].isdigit() and int(key.rsplit("/", 1)[-1]) < 500)
    return below_500("downloader/response_status_count/") - below_500("robotstxt/response_status_count/")


def unreachable_cause(errors: Mapping[str, int]) -> str | None:
    """``"connection refused on 3 requests"``: the failures that mean the site did not answer, or None."""
    failures = {kind: count for kind, count in errors.items() if count and _is_network(kind)}
    if not failures:
        return None
    if all(kind.startswith("http_5") for kind in failures):
        answers = ", ".join(f"HTTP {kind.removeprefix('http_')} on {count}" for kind, count in sorted(failures.items()))
        return f"only 5xx answers: {answers}"
    return ", ".join(f"{_WORDS.get(kind, kind)} on {count} request{'s' if count != 1 else ''}"
                     for kind, count in sorted(failures.items(), key=lambda item: (-item[1], item[0])))


def crawl_outcome(finish_reason: str, stats: Mapping[str, Any], errors: Mapping[str, int]) -> Outcome:
    """The run's outcome from Scrapy's ``finish_reason``, its stats and the run's skip counts."""
    pages = int(stats.get("response_received_count", 0))
    if finish_reason == "shutdown":
        return Outcome("interrupted", "signal", "stopped by Ctrl-C or SIGTERM")
    if finish_reason == "unknown" and "start_time" in stats:  # the spider ran but never closed
        # Scrapy's answer to a second Ctrl-C/SIGTERM: the reactor stops at once, without closing
        return Outcome("interrupted", "signal", "stopped at once by a second Ctrl-C or SIGTERM; "
                       "--resume fetches again what was not yet written")
    if stats.get("wildwatch/store_errors", 0):
        return Outcome("failed", "store_error", f"{stats['wildwatch/store_errors']} batch(es) could not be stored")
    if finish_reason in _LIMITS:
        reason = _LIMITS[finish_reason]
        detail = {"max_pages": f"page limit reached after {pages} pages",
                  "time_budget": f"time budget reached after {float(stats.get('elapsed_time_seconds', 0)):.0f} s"}
        return Outcome("completed", reason, detail.get(reason, f"stopped by {finish_reason}"))
    if finish_reason.startswith("closespider_"):  # e.g. CLOSESPIDER_ERRORCOUNT: the spider raised
        return Outcome("failed", "spider_error", f"stopped by {finish_reason}")
    if finish_reason != "finished":
        return Outcome("failed", "error", f"the crawl ended with {finish_reason!r}")
    if _usable_answers(stats) <= 0:
        cause = unreachable_cause(errors)
        if cause is not None:
            return Outcome("failed", "unreachable", f"the site did not answer: {cause}")
    return Outcome("completed")
