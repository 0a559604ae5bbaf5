"""The address policy: what is not a public address, and the exceptions an operator grants."""

from __future__ import annotations

import pytest

from core.addresses import AddressPolicy, forbidden_kind, parse_networks
from core.errors import ConfigError


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),  # Alibaba Cloud
        ("168.63.129.16", "cloud metadata"),  # Azure: a public address, named on purpose
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("192.0.2.1", "reserved"),  # documentation
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback: 127.0.0.1 inside"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "cloud metadata: 169.254.169.254 inside"),
        ("2002:7f00:1::", "loopback: 127.0.0.1 inside"),  # 6to4
        ("64:ff9b::a00:1", "private: 10.0.0.1 inside"),  # NAT64
        ("not an address", "not an IP address"),
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("::ffff:93.184.216.34", None),
        ("8.8.8.8", None),
    ],
)
def test_forbidden_kind(address: str, kind: str | None) -> None:
    assert forbidden_kind(address) == kind


def test_every_address_of_a_name_is_judged() -> None:
    policy = AddressPolicy()
    assert policy.refusal("shop.example", ["93.184.216.34"]) is None
    refusal = policy.refusal("shop.example", ["93.184.216.34", "127.0.0.1"])  # DNS rebinding, both at once
    assert refusal == "shop.example resolves to 127.0.0.1: loopback address"


def test_operator_networks_are_allowed_and_nothing_else() -> None:
    policy = AddressPolicy(parse_networks("127.0.0.0/8, 10.1.0.0/16"))
    assert policy.allows("x", "127.0.0.2") and policy.allows("x", "10.1.2.3")
    assert not policy.allows("x", "10.2.0.1")
    assert not policy.allows("x", "169.254.169.254")


@pytest.mark.parametrize(
    ("start", "host", "address", "allowed"),
    [
        ("http://127.0.0.1:8088/", "127.0.0.1", "127.0.0.1", True),  # the address the operator typed
        ("http://127.0.0.1:8088/", "127.0.0.2", "127.0.0.2", False),
        ("http://127.0.0.1:8088/", "evil.example", "127.0.0.1", False),  # the trust is the name's, not the address's
        ("http://[::1]:8088/", "::1", "::1", True),
        ("http://localhost:8088/", "localhost", "127.0.0.1", True),
        ("http://localhost:8088/", "localhost", "::1", True),
        ("http://localhost:8088/", "localhost", "10.0.0.1", False),
        ("http://intranet.example/", "intranet.example", "10.0.0.1", False),  # a name: DNS decides, so no trust
    ],
)
def test_the_start_host_is_trusted_only_as_typed(start: str, host: str, address: str, allowed: bool) -> None:
    assert AddressPolicy().trusting_start_host(start).allows(host, address) is allowed


@pytest.mark.parametrize("value", ["127.0.0.0/33", "nonsense", "10.0.0.0/8,banana"])
def test_bad_networks_are_config_errors(value: str) -> None:
    with pytest.raises(ConfigError, match="not a network"):
        parse_networks(value)
