"""The address classifier and policy, table-driven: every spelling of a non-public address is caught."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from bot.links import AddressPolicy, classify_ip
from bot.links.guard import BadScheme, BadUrl, BlockedAddress, ip_literal, parse_ipv4_loose, parse_url


@pytest.mark.parametrize(
    ("address", "category"),
    [
        # public
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("2606:4700:4700::1111", None),
        ("2a00:1450:4001:82b::200e", None),
        ("::ffff:8.8.8.8", None),
        # cloud metadata
        ("169.254.169.254", "metadata"),
        ("169.254.170.2", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        # unspecified, multicast, broadcast
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("255.255.255.255", "multicast"),
        # loopback, in every family
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        # link-local
        ("169.254.1.1", "link_local"),
        ("fe80::1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        # shared address space (carrier-grade NAT)
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        # private
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("::ffff:10.1.2.3", "private"),
        ("192.0.2.1", "private"),  # documentation (TEST-NET-1)
        # reserved
        ("240.0.0.1", "reserved"),
        ("0.1.2.3", "private"),  # "this network"
        # IPv4 carried inside IPv6: 6to4, Teredo, NAT64
        ("2002:7f00:1::", "loopback"),
        ("2002:a00:1::", "private"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo client 127.0.0.1
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
    ],
)
def test_classify_ip(address: str, category: str | None) -> None:
    assert classify_ip(ipaddress.ip_address(address)) == category


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.0.0.1", None),
        ("4294967296", None),
        ("1.2.3.4a", None),
        ("0x", "0.0.0.0"),
        ("1..2", None),
        ("-1", None),
        ("1_0", None),
        ("", None),
    ],
)
def test_parse_ipv4_loose(host: str, expected: str | None) -> None:
    parsed = parse_ipv4_loose(host)
    assert (str(parsed) if parsed is not None else None) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [("[::1]", "::1"), ("::ffff:127.0.0.1", "::ffff:7f00:1"), ("0x7f000001", "127.0.0.1"), ("a.test", None)],
)
def test_ip_literal(host: str, expected: str | None) -> None:
    ip = ip_literal(host)
    assert (str(ip) if ip is not None else None) == expected


@pytest.mark.parametrize(
    ("policy", "address", "allowed"),
    [
        (AddressPolicy(), "8.8.8.8", True),
        (AddressPolicy(), "127.0.0.1", False),
        (AddressPolicy(), "192.168.1.1", False),
        (AddressPolicy(allow_private=True), "127.0.0.1", True),
        (AddressPolicy(allow_private=True), "::1", True),
        (AddressPolicy(allow_private=True), "192.168.1.1", True),
        (AddressPolicy(allow_private=True), "100.64.0.1", True),
        (AddressPolicy(allow_private=True), "fe80::1", True),
        (AddressPolicy(allow_private=True), "169.254.169.254", False),
        (AddressPolicy(allow_private=True), "fd00:ec2::254", False),
        (AddressPolicy(allow_private=True), "224.0.0.1", False),
        (AddressPolicy(allow_private=True), "0.0.0.0", False),
        (AddressPolicy(allow_private=True), "240.0.0.1", False),
        (AddressPolicy.from_networks(["127.0.0.1/32"]), "127.0.0.1", True),
        (AddressPolicy.from_networks(["127.0.0.1/32"]), "127.0.0.2", False),
        (AddressPolicy.from_networks(["127.0.0.1/32"]), "::1", False),
        (AddressPolicy.from_networks(["169.254.0.0/16"]), "169.254.169.254", False),
        (AddressPolicy.from_networks(["10.0.0.0/8"]), "10.9.8.7", True),
    ],
)
def test_policy(policy: AddressPolicy, address: str, allowed: bool) -> None:
    assert (policy.refusal(ipaddress.ip_address(address)) is None) is allowed


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://example.com/", None),
        ("http://8.8.8.8/", None),
        ("http://127.0.0.1/", BlockedAddress),
        ("http://0x7f000001/", BlockedAddress),
        ("http://[::ffff:127.0.0.1]/", BlockedAddress),
        ("http://metadata.google.internal/", BlockedAddress),
        ("http://METADATA.google.internal./", BlockedAddress),
        ("file:///etc/passwd", BadScheme),
        ("javascript:alert(1)", BadScheme),
        ("ftp://example.com/", BadScheme),
        ("http:///path", BadUrl),
        ("//example.com/", BadUrl),
        ("http://0177.0.0.01/", BadUrl),  # httpx rejects this spelling outright
        ("http://example.com:99999/", BadUrl),
    ],
)
def test_check_url(url: str, error: type[Exception] | None) -> None:
    def check() -> None:
        AddressPolicy().check_url(parse_url(url))

    if error is None:
        check()
    else:
        with pytest.raises(error):
            check()


def test_blocked_address_says_what_and_why() -> None:
    with pytest.raises(BlockedAddress) as caught:
        AddressPolicy().check_url(httpx.URL("http://2130706433/"))

    assert (caught.value.host, str(caught.value.address), caught.value.category) == (
        "2130706433",
        "127.0.0.1",
        "loopback",
    )
