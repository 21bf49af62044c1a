"""With the default settings, links to this machine, private networks, cloud metadata and non-web schemes are
refused with a clear reason, and nothing reaches the loopback server."""

from __future__ import annotations

import ipaddress

import pytest

from bot.links import AddressPolicy, LinkError, LinkInfo
from bot.links.guard import IPAddress
from bot.settings import Settings
from tests.bot.links.conftest import MakeReader
from tests.fakes.web import FakeWeb

LOOPBACK = (
    "I couldn't read that link: it points to this machine's own address (loopback), which I don't fetch."
)
METADATA = "I couldn't read that link: it points to a cloud metadata address, which I don't fetch."

# {p} is the server's port on 127.0.0.1, {p6} its port on ::1.
REFUSED = [
    ("http://127.0.0.1:{p}/article", "blocked_address", LOOPBACK),
    ("http://localhost:{p}/article", "blocked_address", LOOPBACK),  # a name: checked after resolving
    ("http://[::1]:{p6}/article", "blocked_address", LOOPBACK),
    ("http://[::ffff:127.0.0.1]:{p}/article", "blocked_address", LOOPBACK),
    ("http://0x7f000001:{p}/article", "blocked_address", LOOPBACK),
    ("http://2130706433:{p}/article", "blocked_address", LOOPBACK),
    ("http://127.1:{p}/article", "blocked_address", LOOPBACK),
    ("http://169.254.169.254/latest/meta-data", "blocked_address", METADATA),
    ("http://metadata.google.internal/computeMetadata/v1/", "blocked_address", METADATA),
    ("http://[fd00:ec2::254]/latest/meta-data", "blocked_address", METADATA),
    (
        "http://10.0.0.1/",
        "blocked_address",
        "I couldn't read that link: it points to a private network address, which I don't fetch.",
    ),
    (
        "http://0.0.0.0:{p}/",
        "blocked_address",
        "I couldn't read that link: it points to an unspecified address (0.0.0.0 or ::), "
        "which I don't fetch.",
    ),
    (
        "file:///etc/passwd",
        "bad_scheme",
        "I couldn't read that link: I only open http and https links, not file links.",
    ),
    (
        "ftp://example.com/x",
        "bad_scheme",
        "I couldn't read that link: I only open http and https links, not ftp links.",
    ),
    ("http:///no-host", "bad_url", "I couldn't read that link: it doesn't look like a valid web address."),
]


@pytest.mark.parametrize(("template", "reason", "message"), REFUSED)
async def test_default_settings_refuse(
    web: FakeWeb, make_reader: MakeReader, settings: Settings, template: str, reason: str, message: str
) -> None:
    assert settings.fetch_allow_private is False
    url = template.format(p=web.ports["127.0.0.1"], p6=web.ports["::1"])

    result = await make_reader(settings).read(url)

    assert isinstance(result, LinkError), result
    assert (result.url, result.reason, result.message) == (url, reason, message)
    assert web.requests == []


async def test_allowing_private_addresses_never_allows_other_schemes_or_metadata(
    make_reader: MakeReader,
) -> None:
    reader = make_reader()  # fetch_allow_private=True

    for url, reason in [
        ("file:///etc/passwd", "bad_scheme"),
        ("gopher://127.0.0.1/", "bad_scheme"),
        ("http://169.254.169.254/latest/meta-data", "blocked_address"),
    ]:
        result = await reader.read(url)
        assert isinstance(result, LinkError) and result.reason == reason, result


# A policy that trusts 127.0.0.1 alone stands in for "a public host" next to "a private one" (127.0.0.2).
ONLY_127_0_0_1 = AddressPolicy.from_networks(["127.0.0.1/32"])


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://127.0.0.2:{p2}/article", "blocked_address"),
        ("http://[::1]:{p6}/article", "blocked_address"),
        ("http://169.254.169.254/latest/meta-data", "blocked_address"),
        ("file:///etc/passwd", "bad_scheme"),
    ],
)
async def test_redirect_from_an_allowed_host_to_a_refused_one_is_not_followed(
    web: FakeWeb, make_reader: MakeReader, settings: Settings, target: str, reason: str
) -> None:
    ports = {"p": web.ports["127.0.0.1"], "p2": web.ports["127.0.0.2"], "p6": web.ports["::1"]}
    reader = make_reader(settings, policy=ONLY_127_0_0_1)
    assert isinstance(await reader.read(web.url("/article")), LinkInfo)  # the allowed host is fetched
    web.requests.clear()

    result = await reader.read(web.url("/redirect?to=" + target.format(**ports)))

    assert isinstance(result, LinkError), result
    assert result.reason == reason
    assert [(r.server_host, r.path_qs.split("?")[0]) for r in web.requests] == [("127.0.0.1", "/redirect")]


class FakeDns:
    """The DNS edge: fixed answers per name, and a log of what was asked."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = {name: [ipaddress.ip_address(a) for a in ips] for name, ips in answers.items()}
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"unknown host {host}")
        return self.answers[host]


async def test_host_names_are_checked_on_the_address_connected_to(
    web: FakeWeb, make_reader: MakeReader, settings: Settings
) -> None:
    dns = FakeDns(
        {
            "public.test": ["127.0.0.1"],
            "rebind.test": ["127.0.0.2"],
            "mixed.test": ["127.0.0.1", "127.0.0.2"],
        }
    )
    reader = make_reader(settings, policy=ONLY_127_0_0_1, resolver=dns)
    port = web.ports["127.0.0.1"]

    info = await reader.read(f"http://public.test:{port}/article")
    rebind = await reader.read(f"http://rebind.test:{port}/article")
    mixed = await reader.read(f"http://mixed.test:{port}/article")
    unknown = await reader.read(f"http://unknown.test:{port}/article")

    assert isinstance(info, LinkInfo), info
    assert [(r.server_host, r.host_header) for r in web.requests] == [("127.0.0.1", f"public.test:{port}")]
    assert isinstance(rebind, LinkError) and rebind.reason == "blocked_address", rebind
    assert isinstance(mixed, LinkError) and mixed.reason == "blocked_address", mixed
    assert isinstance(unknown, LinkError) and unknown.reason == "network", unknown
    assert dns.asked == ["public.test", "rebind.test", "mixed.test", "unknown.test"]


async def test_redirect_to_a_name_that_resolves_privately_is_refused(
    web: FakeWeb, make_reader: MakeReader, settings: Settings
) -> None:
    dns = FakeDns({"public.test": ["127.0.0.1"], "intranet.test": ["127.0.0.2"]})
    reader = make_reader(settings, policy=ONLY_127_0_0_1, resolver=dns)
    port = web.ports["127.0.0.1"]
    target = f"http://intranet.test:{web.ports['127.0.0.2']}/article"

    result = await reader.read(f"http://public.test:{port}/redirect?to={target}")

    assert isinstance(result, LinkError) and result.reason == "blocked_address", result
    assert [r.server_host for r in web.requests] == ["127.0.0.1"]
    assert dns.asked == ["public.test", "intranet.test"]
