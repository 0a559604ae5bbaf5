"""The crawl's DNS resolver: every address a host resolves to is judged before anything connects.

Scrapy connects through Twisted's ``HostnameEndpoint``, which asks the reactor's name resolver for
addresses and connects to exactly those.  :class:`PolicyResolver` is that resolver
(``TWISTED_DNS_RESOLVER``): it resolves (or reads ``WILDWATCH_STATIC_HOSTS``), judges every address
with :class:`core.addresses.AddressPolicy`, and hands the connection either all of them or none.
Checking the addresses that are actually connected to — not a separate lookup made earlier — is
what makes DNS rebinding useless; a refused name is remembered for the crawl (and shown as the skip
reason ``address_refused`` by ``crawler.middlewares.AddressRefusalMiddleware``).

Robots.txt, redirects and every other request go through the same resolver: there is no other way
for the HTTP/1.1 download handler to reach the network.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from core.addresses import AddressPolicy, parse_networks
from core.errors import ConfigError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = ["PolicyResolver", "installed_resolver", "parse_static_hosts"]


def parse_static_hosts(value: Any) -> dict[str, list[str]]:
    """``{name: address or [addresses]}`` (or JSON of it) as ``{name: [addresses]}``; ConfigError if invalid."""
    hosts: dict[str, list[str]] = {}
    for name, addresses in dict(value or {}).items():
        values = [addresses] if isinstance(addresses, str) else list(addresses)
        checked = []
        for address in values:
            for text in str(address).split(","):
                try:
                    checked.append(str(ipaddress.ip_address(text.strip())))
                except ValueError as exc:
                    raise ConfigError(f"static host {name!r}: {text.strip()!r} is not an IP address") from exc
        if not checked:
            raise ConfigError(f"static host {name!r} has no address")
        hosts[str(name).strip().rstrip(".").lower()] = checked
    return hosts


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Resolutions are not cancellable; the download timeout covers a slow one."""


@implementer(IResolutionReceiver)
class _Collector:
    """Receives the system resolver's answer and passes it on to ``done`` once complete."""

    def __init__(self, done: Any) -> None:
        self.addresses: list[IAddress] = []
        self._done = done

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 (Twisted interface)
        pass

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        self.addresses.append(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        self._done(self.addresses)


def _address(host: str, port: int) -> IAddress:
    return IPv6Address("TCP", host, port) if ":" in host else IPv4Address("TCP", host, port)


@implementer(IHostnameResolver)
class PolicyResolver:
    """Resolve names for the crawl and refuse those with a forbidden address (module docstring)."""

    def __init__(self, reactor: Any, policy: AddressPolicy, static_hosts: Mapping[str, Sequence[str]] | None = None,
                 cache_size: int = 10_000) -> None:
        self.reactor = reactor
        self.policy = policy
        self.static_hosts = {name: list(addresses) for name, addresses in (static_hosts or {}).items()}
        self.original: IHostnameResolver = reactor.nameResolver
        self.cache_size = cache_size
        #: name -> the addresses it resolved to (empty when refused); one answer per name and crawl
        self._answers: OrderedDict[str, list[str]] = OrderedDict()
        self._refusals: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PolicyResolver:
        """Built by Scrapy (from the crawler process) with the deploy's networks and static hosts."""
        return cls.from_settings(crawler.settings, reactor)

    @classmethod
    def from_settings(cls, settings: BaseSettings, reactor: Any) -> PolicyResolver:
        """``WILDWATCH_ALLOWED_NETWORKS`` (list or comma-separated) and ``WILDWATCH_STATIC_HOSTS`` (dict/JSON)."""
        policy = AddressPolicy(parse_networks(settings.getlist("WILDWATCH_ALLOWED_NETWORKS")))
        cache = settings.getint("DNSCACHE_SIZE", 10_000) if settings.getbool("DNSCACHE_ENABLED", True) else 0
        return cls(reactor, policy, parse_static_hosts(settings.getdict("WILDWATCH_STATIC_HOSTS")), cache)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def trust_start_host(self, url: str) -> None:
        """Let the crawl fetch the address its start URL names literally (``127.0.0.1``, ``localhost``)."""
        self.policy = self.policy.trusting_start_host(url)
        self._answers.clear()
        self._refusals.clear()

    def refusal(self, host: str) -> str | None:
        """Why ``host`` was refused in this crawl, or None."""
        return self._refusals.get(_key(host))

    def resolveHostName(  # noqa: N802 (Twisted interface)
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        key = _key(hostName)

        def deliver(addresses: list[str]) -> None:
            for host in addresses:
                resolutionReceiver.addressResolved(_address(host, portNumber))
            resolutionReceiver.resolutionComplete()

        if key in self._answers:
            self._answers.move_to_end(key)
            deliver(self._answers[key])
        elif key in self.static_hosts:
            deliver(self._judge(key, self.static_hosts[key]))
        elif _is_address(key):  # an address in the URL: nothing to look up
            deliver(self._judge(key, [key]))
        else:
            def resolved(found: list[IAddress]) -> None:
                hosts = list(dict.fromkeys(str(getattr(address, "host", "")) for address in found))
                deliver(self._judge(key, hosts) if hosts else [])

            self.original.resolveHostName(_Collector(resolved), hostName, portNumber, addressTypes,
                                          transportSemantics)
        return resolution

    def _judge(self, key: str, addresses: list[str]) -> list[str]:
        """All of ``addresses`` when every one is allowed, else none (and the refusal remembered)."""
        refusal = self.policy.refusal(key, addresses)
        allowed = [] if refusal else addresses
        if refusal:
            if key not in self._refusals:
                logger.warning("refusing to fetch from %s", refusal)
            self._refusals[key] = refusal
        if self.cache_size:
            self._answers[key] = allowed
            while len(self._answers) > self.cache_size:
                self._answers.popitem(last=False)
        return allowed


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def installed_resolver() -> PolicyResolver | None:
    """The reactor's resolver when it is ours (the address policy is in force), else None."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "nameResolver", None)
    return resolver if isinstance(resolver, PolicyResolver) else None
