"""Which network addresses WildWatch may fetch from, and which it must not (SSRF protection).

A crawler and a webhook sender fetch URLs that strangers choose: a marketplace's redirect or a link
can name ``127.0.0.1``, ``10.0.0.5`` or the cloud metadata service at ``169.254.169.254``, and a
host name can resolve to any of them.  The rule here is one function, :func:`forbidden_kind`: an
address that is not publicly routable (loopback, private, link-local, cloud metadata, unspecified,
multicast, reserved, carrier-grade NAT) is refused, also when it hides inside an IPv6 address
(IPv4-mapped, 6to4, Teredo, NAT64).  :class:`AddressPolicy` adds the exceptions an operator grants
(``allowed_networks``) and the crawl's own start host; it judges *every* address a name resolves
to, so a name that answers one public and one internal address (DNS rebinding) is refused whole.

Pure and stdlib-only: the crawler applies it after DNS resolution (``crawler.resolver``), the CLI
when an operator registers a site or a webhook.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from core.errors import ConfigError

__all__ = [
    "METADATA_ADDRESSES",
    "AddressPolicy",
    "Network",
    "forbidden_kind",
    "host_addresses",
    "parse_networks",
    "private_addresses",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Cloud instance-metadata endpoints (credentials live there).  Some are link-local or private
#: anyway; 168.63.129.16 (Azure's wire server) is a public address and must be named.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS resolver
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "168.63.129.16",  # Azure wire server
    )
)

_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def forbidden_kind(address: str | IPAddress) -> str | None:
    """Why ``address`` is not a public one ("loopback", "private", "cloud metadata", ...), or None."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            kind = forbidden_kind(inner)
            return f"{kind}: {inner} inside" if kind else None
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if any(ip in network for network in _PRIVATE if network.version == ip.version):
        return "private"
    if ip.version == 4 and ip in _SHARED:
        return "shared (carrier-grade NAT)"
    if not ip.is_global:
        return "reserved"
    return None


def parse_networks(values: str | Iterable[str] | None) -> tuple[Network, ...]:
    """CIDRs (or single addresses) from a list or a comma-separated string; ConfigError when invalid."""
    if values is None:
        return ()
    items = values.split(",") if isinstance(values, str) else list(values)
    networks: list[Network] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ConfigError(f"not a network or address: {text!r} ({exc})") from exc
    return tuple(networks)


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class AddressPolicy:
    """Refuse non-public addresses, except networks the operator allows and the start host's own.

    ``trusted_hosts`` maps a host name, exactly as the crawl's start URL spells it, to the networks
    that name may resolve into: the operator typed that address (``http://127.0.0.1:8088/``) or
    ``localhost``.  A start *name* that DNS resolves to a private address gets no such trust — else
    DNS rebinding on the start host would pass — and needs ``allowed_networks``.
    """

    allowed_networks: tuple[Network, ...] = ()
    trusted_hosts: Mapping[str, tuple[Network, ...]] = field(default_factory=dict)

    def trusting_start_host(self, url: str) -> AddressPolicy:
        """This policy, also trusting the address that ``url``'s host literally names (or localhost)."""
        try:
            host = _host_key(urlsplit(url).hostname or "")
        except ValueError:
            return self
        if host == "localhost":
            networks: tuple[Network, ...] = _LOOPBACK
        else:
            try:
                networks = (ipaddress.ip_network(host),)
            except ValueError:
                return self
        return AddressPolicy(self.allowed_networks, {**self.trusted_hosts, host: networks})

    def allows(self, host: str, address: str) -> bool:
        """True when ``host`` may be fetched at ``address``."""
        return self.refusal(host, [address]) is None

    def refusal(self, host: str, addresses: Sequence[str]) -> str | None:
        """Why ``host`` must not be fetched at these addresses (every one is judged), or None."""
        trusted = self.trusted_hosts.get(_host_key(host), ())
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError:
                return f"{host} resolves to {address!r}, not an IP address"
            kind = forbidden_kind(ip)
            if kind is None:
                continue
            if any(ip.version == n.version and ip in n for n in (*self.allowed_networks, *trusted)):
                continue
            shown = host if _host_key(host) == str(ip) else f"{host} resolves to {ip}"
            return f"{shown}: {kind} address"
        return None


def host_addresses(host: str, port: int | None = None) -> list[str]:
    """Every address ``host`` resolves to now (OSError when it does not resolve)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def private_addresses(url: str) -> list[tuple[str, str]]:
    """(address, kind) for each non-public address ``url``'s host resolves to; OSError if unresolvable.

    For the CLI's warning when an operator registers a site or a webhook.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    found = []
    for address in host_addresses(host, parts.port):
        kind = forbidden_kind(address)
        if kind is not None:
            found.append((address, kind))
    return found
