"""Which addresses the link reader may connect to.

Two layers use the same `AddressPolicy`: `check_url` refuses bad schemes and IP-literal hosts before any
network traffic (so the user gets a precise reason), and the guarded network backend (`bot.links.transport`)
checks every address a host name resolves to and then connects to exactly that checked address. The second
layer is the real guarantee; the first only makes the common cases cheap and clear.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import httpx

from bot.errors import MemorybotError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

AddressCategory = Literal[
    "metadata",
    "unspecified",
    "multicast",
    "reserved",
    "loopback",
    "link_local",
    "shared",
    "private",
]
"""Why an address is not a public unicast address; `None` from `classify_ip` means it is public."""

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Cloud instance-metadata services hand out credentials; they stay blocked even when private
# addresses are allowed, because no intranet page legitimately lives there.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
    )
)
METADATA_HOSTNAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})

# 100.64.0.0/10 (RFC 6598) is neither `is_private` nor `is_global` in Python's ipaddress.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LIMITED_BROADCAST = ipaddress.ip_address("255.255.255.255")

# Categories `allow_private=True` lets through: addresses a LAN or intranet install may want to fetch.
_PRIVATE_CATEGORIES: frozenset[AddressCategory] = frozenset({"loopback", "link_local", "shared", "private"})


class BlockedAddress(MemorybotError):
    """A URL's host is, or resolved to, an address the policy refuses."""

    def __init__(self, host: str, address: IPAddress | None, category: AddressCategory) -> None:
        self.host = host
        self.address = address
        self.category = category
        where = f"{host} ({address})" if address is not None and str(address) != host else host
        super().__init__(f"refused to connect to {where}: {category} address")


class BadScheme(MemorybotError):
    """The URL is not http or https."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        super().__init__(f"scheme {scheme!r} is not fetched")


class BadUrl(MemorybotError):
    """The text is not a usable absolute URL."""


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address can carry traffic to (mapped, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def classify_ip(ip: IPAddress) -> AddressCategory | None:
    """Say why `ip` is not a public unicast address, or `None` when it is.

    IPv6 addresses that embed an IPv4 address are judged by the embedded address too, and the
    stricter answer wins, so `::ffff:127.0.0.1` is loopback.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(ip.compressed.split("%", 1)[0])
        for inner in embedded_ipv4(ip):
            category = classify_ip(inner)
            if category is not None:
                return category
        if ip.ipv4_mapped is not None:
            return None  # a mapped public IPv4 address is just that address
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast or ip == _LIMITED_BROADCAST:
        return "multicast"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Read the IPv4 spellings browsers and `inet_aton` accept: `127.1`, `0x7f000001`, `2130706433`.

    Follows the WHATWG URL host parser: one to four dot-separated parts, each decimal, `0x` hex or
    leading-zero octal; the last part fills the remaining bytes. Returns `None` for anything else,
    which is then treated as a host name (and checked after resolution).
    """
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        value = _parse_ipv4_part(part)
        if value is None:
            return None
        numbers.append(value)
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_part(part: str) -> int | None:
    if part == "":
        return None
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:]
        if digits == "":
            return 0
    elif len(part) > 1 and part[0] == "0":
        base, digits = 8, part[1:]
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host names directly, in any spelling, or `None` for a host name."""
    candidate = host.strip("[]")
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        pass
    return parse_ipv4_loose(candidate)


@dataclass(frozen=True)
class AddressPolicy:
    """Which resolved addresses may be connected to.

    Args:
        allow_private: let loopback, private, link-local and shared (CGNAT) addresses through, for tests
            and intranet installs. Metadata, multicast, unspecified and reserved addresses stay refused.
        allowed_networks: networks allowed regardless of category (except cloud metadata), e.g. one
            loopback address in a test that must still see its neighbour refused.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_networks(cls, networks: Iterable[str], *, allow_private: bool = False) -> AddressPolicy:
        return cls(allow_private, tuple(ipaddress.ip_network(n) for n in networks))

    def refusal(self, ip: IPAddress) -> AddressCategory | None:
        """The reason to refuse `ip`, or `None` when it may be connected to."""
        category = classify_ip(ip)
        if category is None or category == "metadata":
            return category
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return None
        if self.allow_private and category in _PRIVATE_CATEGORIES:
            return None
        return category

    def check_ip(self, host: str, ip: IPAddress) -> None:
        """Raise `BlockedAddress` when `ip` (which `host` named or resolved to) is refused."""
        category = self.refusal(ip)
        if category is not None:
            raise BlockedAddress(host, ip, category)

    def check_url(self, url: httpx.URL) -> None:
        """Refuse what needs no network: bad scheme, empty host, metadata names, refused IP literals.

        Host names pass here; their addresses are checked when the connection is made.
        """
        if url.scheme not in ALLOWED_SCHEMES:
            raise BadScheme(url.scheme)
        host = url.host.rstrip(".").lower()
        if not host:
            raise BadUrl("the URL has no host")
        if host in METADATA_HOSTNAMES:
            raise BlockedAddress(host, None, "metadata")
        ip = ip_literal(host)
        if ip is not None:
            self.check_ip(host, ip)


def parse_url(text: str) -> httpx.URL:
    """Parse an absolute URL, turning httpx's complaints into `BadUrl`/`BadScheme`."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise BadUrl(str(exc)) from None
    if not url.scheme:
        raise BadUrl("the URL has no scheme")
    if url.scheme not in ALLOWED_SCHEMES:
        raise BadScheme(url.scheme)
    if not url.host:
        raise BadUrl("the URL has no host")
    if url.port is not None and not 0 < url.port < 65536:
        raise BadUrl(f"port {url.port} is out of range")
    return url
