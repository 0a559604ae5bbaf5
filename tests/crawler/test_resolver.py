"""The crawl's resolver hands a connection every address of a name, or none when one is forbidden."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.settings import Settings
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer

from core.addresses import AddressPolicy, parse_networks
from core.errors import ConfigError
from crawler.resolver import PolicyResolver, parse_static_hosts


@implementer(IHostnameResolver)
class FakeDns:
    """The system resolver: answers from a table, synchronously, and counts the questions."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = {name: list(addresses) for name, addresses in table.items()}
        self.asked: list[str] = []

    def resolveHostName(self, receiver: Any, hostName: str, portNumber: int = 0, *args: Any) -> Any:  # noqa: N802, N803
        self.asked.append(hostName)
        receiver.resolutionBegan(None)
        for host in self.table.get(hostName, []):
            receiver.addressResolved((IPv6Address if ":" in host else IPv4Address)("TCP", host, portNumber))
        receiver.resolutionComplete()


class FakeReactor:
    def __init__(self, dns: FakeDns) -> None:
        self.nameResolver = dns


class Receiver:
    def __init__(self) -> None:
        self.addresses: list[tuple[str, int]] = []
        self.done = False

    def resolutionBegan(self, resolution: Any) -> None:  # noqa: N802
        pass

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        self.addresses.append((address.host, address.port))

    def resolutionComplete(self) -> None:  # noqa: N802
        self.done = True


DNS = {
    "shop.example": ["93.184.216.34", "2606:2800:220:1::1"],
    "rebind.example": ["93.184.216.34", "127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "intranet.example": ["10.0.0.7"],
}


def _resolve(resolver: PolicyResolver, name: str, port: int = 80) -> list[tuple[str, int]]:
    receiver = Receiver()
    resolver.resolveHostName(receiver, name, port)
    assert receiver.done
    return receiver.addresses


def _resolver(policy: AddressPolicy | None = None, static: dict[str, list[str]] | None = None,
              cache: int = 100) -> tuple[PolicyResolver, FakeDns]:
    dns = FakeDns(DNS)
    return PolicyResolver(FakeReactor(dns), policy or AddressPolicy(), static, cache), dns


def test_public_names_get_every_address_with_the_port() -> None:
    resolver, _ = _resolver()
    assert _resolve(resolver, "shop.example", 8080) == [("93.184.216.34", 8080), ("2606:2800:220:1::1", 8080)]
    assert resolver.refusal("shop.example") is None


@pytest.mark.parametrize(("name", "why"), [("rebind.example", "127.0.0.1: loopback"),
                                           ("metadata.example", "169.254.169.254: cloud metadata"),
                                           ("intranet.example", "10.0.0.7: private"),
                                           ("127.0.0.1", "127.0.0.1: loopback")])
def test_a_forbidden_address_refuses_the_whole_name(name: str, why: str) -> None:
    resolver, _ = _resolver()
    assert _resolve(resolver, name) == []  # the connection gets nothing to connect to
    assert why in (resolver.refusal(name) or "")


def test_one_answer_per_name_and_crawl() -> None:
    """A name that answers public first and internal later (DNS rebinding) keeps its first answer."""
    resolver, dns = _resolver()
    assert _resolve(resolver, "shop.example")
    dns.table["shop.example"] = ["127.0.0.1"]
    assert _resolve(resolver, "shop.example", 443) == [("93.184.216.34", 443), ("2606:2800:220:1::1", 443)]
    assert dns.asked == ["shop.example"]


def test_without_a_cache_every_answer_is_judged_again() -> None:
    resolver, dns = _resolver(cache=0)
    assert _resolve(resolver, "shop.example")
    dns.table["shop.example"] = ["127.0.0.1"]
    assert _resolve(resolver, "shop.example") == []
    assert dns.asked == ["shop.example", "shop.example"]


def test_static_hosts_answer_first_and_are_judged_too() -> None:
    resolver, dns = _resolver(AddressPolicy(parse_networks("127.0.0.1/32")),
                              {"market.test": ["127.0.0.1"], "www.market.test": ["127.0.0.1", "127.0.0.2"]})
    assert _resolve(resolver, "MARKET.test.", 8088) == [("127.0.0.1", 8088)]
    assert _resolve(resolver, "www.market.test") == []
    assert "127.0.0.2: loopback" in (resolver.refusal("www.market.test") or "")
    assert dns.asked == []


def test_the_start_host_is_trusted_as_typed() -> None:
    resolver, _ = _resolver(static={"alias.test": ["127.0.0.1"]})
    resolver.trust_start_host("http://127.0.0.1:8088/")
    assert _resolve(resolver, "127.0.0.1") == [("127.0.0.1", 80)]
    assert _resolve(resolver, "alias.test") == []  # another name for the same address is not the start host


def test_settings_build_the_policy() -> None:
    settings = Settings({"WILDWATCH_ALLOWED_NETWORKS": "10.0.0.0/8", "WILDWATCH_STATIC_HOSTS": '{"a.test": "10.0.0.9"}'})
    resolver = PolicyResolver.from_settings(settings, FakeReactor(FakeDns({})))
    assert _resolve(resolver, "a.test") == [("10.0.0.9", 80)]
    assert _resolve(resolver, "intranet.example") == []  # not in the fake DNS: no answer, no refusal
    assert resolver.refusal("intranet.example") is None


@pytest.mark.parametrize("value", [{"a.test": "not-an-ip"}, {"a.test": []}])
def test_bad_static_hosts_are_config_errors(value: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        parse_static_hosts(value)


@pytest.mark.parametrize(
    ("handlers", "in_force"),
    [
        ({}, True),
        ({"https": "scrapy.core.downloader.handlers.http2.H2DownloadHandler"}, False),  # resolves by itself
        ({"http": "scrapy.core.downloader.handlers._httpx.HttpxDownloadHandler"}, False),
        ({"http": None}, False),
        ({"http": "scrapy.core.downloader.handlers._aiohttp.AiohttpDownloadHandler"}, False),  # reactorless Scrapy
    ],
)
def test_the_policy_is_in_force_only_with_the_reactors_http_handler(handlers: dict[str, Any], in_force: bool) -> None:
    from crawler.middlewares import _connects_through_reactor

    crawler = SimpleNamespace(settings=Settings({"DOWNLOAD_HANDLERS": {"file": None, **handlers}}))
    assert _connects_through_reactor(crawler) is in_force  # type: ignore[arg-type]
