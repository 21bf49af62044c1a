"""Links shared in chat are read (safely) and tagged from what they are about; failures still get tags."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.links import LinkReader
from bot.service import ChatService
from bot.settings import Settings
from bot.types import ChatIdentity, IncomingMessage
from memory.embedder import similarity
from tests.conftest import make_settings
from tests.fakes.web import FakeWeb
from tests.in_memory_service import in_memory_service

ALICE = ChatIdentity(platform="console", user="alice", channel="c1")
BOB = ChatIdentity(platform="console", user="bob", channel="c1")
POLITICAL = ("polit", "parliament", "elect", "opposition", "vote")


@pytest.fixture
def link_settings(data_dir: Path) -> Settings:
    return make_settings(data_dir, fetch_allow_private=True, fetch_timeout_s=3.0)


@pytest.fixture
async def linked(link_settings: Settings) -> AsyncIterator[ChatService]:
    """The real link reader and topic judge in a service on the in-memory store: these tests are about links,
    not storage."""
    links = LinkReader(link_settings)
    try:
        async with in_memory_service(link_settings, links=links, similarity=similarity) as service:
            yield service
    finally:
        await links.aclose()


async def test_a_link_is_tagged_from_its_title_and_description(linked: ChatService, web: FakeWeb) -> None:
    url = web.url("/article")
    reply = await linked.handle(IncomingMessage(ALICE, f"look at this <{url}>"))
    assert any("budget" in t.lower() for t in reply.tags), reply.tags
    await linked.drain()
    page = await linked.list_memories(ALICE)
    interaction = next(m for m in page.items if m.category == "interaction")
    assert "Parliament passes the budget" in interaction.text
    assert interaction.metadata["url"] == url
    assert interaction.metadata["tags"] == reply.tags


async def test_avoiding_politics_changes_the_tags_of_a_political_article(
    linked: ChatService, web: FakeWeb
) -> None:
    url = web.url("/article")
    await linked.handle(IncomingMessage(ALICE, "I avoid politics"))
    await linked.drain()
    alice = await linked.handle(IncomingMessage(ALICE, url))
    bob = await linked.handle(IncomingMessage(BOB, url))
    assert alice.tags and bob.tags
    assert not [t for t in alice.tags if any(p in t.lower() for p in POLITICAL)], alice.tags
    assert [t for t in bob.tags if any(p in t.lower() for p in POLITICAL)], bob.tags
    assert web.paths().count("/article") == 1  # the second share came from the cache


async def test_a_link_that_fails_is_explained_and_the_text_still_tagged(
    linked: ChatService, web: FakeWeb
) -> None:
    reply = await linked.handle(IncomingMessage(ALICE, f"Rust compiler release notes {web.url('/missing')}"))
    assert reply.notices and "couldn't read that link" in reply.notices[0]
    assert reply.tags


async def test_private_addresses_are_refused_by_default(service: ChatService, web: FakeWeb) -> None:
    reply = await service.handle(IncomingMessage(ALICE, f"python tips {web.url('/article')}"))
    assert any("loopback" in n or "private" in n for n in reply.notices), reply.notices
    assert web.paths() == []


async def test_console_chat_tags_a_pasted_link(web: FakeWeb, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MEM0_DIR"}
    env.update(
        {"MEMORYBOT_DATA_DIR": str(tmp_path / "data"), "FETCH_ALLOW_PRIVATE": "true", "LOG_LEVEL": "ERROR"}
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "memorybot",
        "chat",
        "--user",
        "alice",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(f"{web.url('/article')}\n/quit\n".encode()), 180)
    assert proc.returncode == 0, err.decode()
    tag_line = next(line for line in out.decode().splitlines() if line.startswith("tags:"))
    assert "budget" in tag_line.lower()
