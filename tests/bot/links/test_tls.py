"""HTTPS through the guarded transport: we dial the checked IP, yet TLS still verifies the host name.

The certificate in `tls/` is a self-signed, test-only certificate for `allowed.test` (valid until 2126).
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import AsyncIterator

import pytest

from bot.links import AddressPolicy, LinkError, LinkInfo
from bot.links.guard import IPAddress
from bot.settings import Settings
from tests.bot.links.conftest import TLS_DIR, MakeReader
from tests.fakes.web import FakeWeb


@pytest.fixture
async def tls_web() -> AsyncIterator[FakeWeb]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_DIR / "test-only-cert.pem", TLS_DIR / "test-only-key.pem")
    server = FakeWeb(ssl_context=context)
    await server.start()
    yield server
    await server.stop()


def trusting_test_certificate() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(TLS_DIR / "test-only-cert.pem"))


async def resolve_allowed_test(host: str, port: int) -> list[IPAddress]:
    if host != "allowed.test":
        raise OSError(f"unknown host {host}")
    return [ipaddress.ip_address("127.0.0.1")]


async def test_https_by_name_connects_to_the_checked_ip_with_the_right_sni(
    tls_web: FakeWeb, make_reader: MakeReader, settings: Settings
) -> None:
    reader = make_reader(
        settings,
        policy=AddressPolicy.from_networks(["127.0.0.1/32"]),
        resolver=resolve_allowed_test,
        verify=trusting_test_certificate(),
    )
    port = tls_web.ports["127.0.0.1"]

    info = await reader.read(f"https://allowed.test:{port}/article")

    assert isinstance(info, LinkInfo), info
    assert info.title == "Parliament passes the budget"
    assert [(r.server_host, r.host_header) for r in tls_web.requests] == [
        ("127.0.0.1", f"allowed.test:{port}")
    ]


async def test_certificate_is_still_verified(tls_web: FakeWeb, make_reader: MakeReader) -> None:
    reader = make_reader(verify=trusting_test_certificate())

    # Same server, but addressed by IP: the certificate does not name 127.0.0.1.
    error = await reader.read(tls_web.url("/article"))

    assert isinstance(error, LinkError), error
    assert error.reason == "network"
    assert tls_web.requests == []
