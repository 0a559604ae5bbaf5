"""What a crawl may fetch: its site's scheme, host and port, a profile's extra hosts, nothing else."""

from __future__ import annotations

import pytest

from crawler.profile import SiteProfile
from crawler.scope import CrawlScope, parse_allowed_host

START = "http://127.0.0.1:8088/"
NAMED = "https://shop.example.com/"


@pytest.mark.parametrize(
    ("start", "url", "reason"),
    [
        (START, "http://127.0.0.1:8088/item/1?spm=x#top", None),
        (START, "http://127.0.0.1:8089/item/1", "offsite"),  # same host, other port
        (START, "http://127.0.0.1/item/1", "offsite"),
        (START, "https://127.0.0.1:8088/item/1", "offsite"),  # same port, other scheme
        (START, "http://127.0.0.2:8088/item/1", "offsite"),
        (START, "http://localhost:8088/item/1", "offsite"),
        (START, "http://2130706433:8088/item/1", "offsite"),  # 127.0.0.1 spelled as a number
        (START, "http://0x7f000001:8088/item/1", "offsite"),  # ... in hex (w3lib 2.6 reads these as 127.0.0.1)
        (START, "http://127.1:8088/item/1", "offsite"),
        (START, "http://017700000001:8088/item/1", "offsite"),
        (START, "http://[::ffff:127.0.0.1]:8088/item/1", "offsite"),
        (START, "http://user:pw@127.0.0.1:8088/item/1", "credentials_in_url"),
        (START, "http://127.0.0.1:8088@127.0.0.2:8088/", "credentials_in_url"),
        (START, "http://127.0.0.1:99999/", "bad_url"),
        (START, "http://127.0.0.1:0/", "bad_url"),
        (START, "http://[::1/x", "bad_url"),
        (START, "file:///etc/passwd", "other_scheme"),
        (START, "ftp://127.0.0.1:8088/", "other_scheme"),
        (START, "javascript:alert(1)", "other_scheme"),
        (START, "data:text/html,x", "other_scheme"),
        (NAMED, "https://shop.example.com/item/1", None),
        (NAMED, "https://www.shop.example.com/item/1", None),  # www. and mobile hosts are the site
        (NAMED, "https://m.shop.example.com/item/1", None),
        (NAMED, "http://shop.example.com/item/1", None),  # the default-port pair: 443 <-> 80
        (NAMED, "https://shop.example.com:443/item/1", None),
        (NAMED, "https://shop.example.com:8443/item/1", "offsite"),
        (NAMED, "http://shop.example.com:443/item/1", "offsite"),
        (NAMED, "https://cdn.shop.example.com/item/1", "offsite"),
        (NAMED, "https://shop.example.com.evil.test/item/1", "offsite"),
        (NAMED, "https://evilshop.example.com/", "offsite"),
        (NAMED, "https://SHOP.EXAMPLE.COM./item/1", None),
    ],
)
def test_scope(start: str, url: str, reason: str | None) -> None:
    refusal = CrawlScope(start).refusal(url)
    assert (refusal.reason if refusal else None) == reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.2:8088/x", "offsite_redirect"),
        ("ftp://127.0.0.1:8088/", "offsite_redirect"),
        ("http://u:p@127.0.0.1:8088/", "bad_redirect"),
        ("http://127.0.0.1:70000/", "bad_redirect"),
        ("http://127.0.0.1:8088/ok", None),
    ],
)
def test_redirect_refusals_say_redirect(url: str, reason: str | None) -> None:
    refusal = CrawlScope(START).refusal(url, redirect=True)
    assert (refusal.reason if refusal else None) == reason


def test_profile_hosts_are_allowed_exactly() -> None:
    scope = CrawlScope(NAMED, ["img.example.net", "api.example.net:8443", "https://static.example.org"])
    assert scope.allows("https://img.example.net/a.jpg") and scope.allows("http://img.example.net/a.jpg")
    assert not scope.allows("https://img.example.net:8080/a.jpg")
    assert scope.allows("https://api.example.net:8443/x") and not scope.allows("https://api.example.net/x")
    assert scope.allows("https://static.example.org/x") and not scope.allows("http://static.example.org/x")
    assert not scope.allows("https://m.img.example.net/a.jpg")


@pytest.mark.parametrize("entry", ["ftp://x.example", "x.example/path", "user@x.example", "x.example:99999", ""])
def test_bad_allowed_hosts_are_refused(entry: str) -> None:
    with pytest.raises(ValueError):
        parse_allowed_host(entry)
    with pytest.raises(ValueError):
        SiteProfile(name="t", allowed_hosts=[entry])
