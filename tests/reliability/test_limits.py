"""Limits: per-user rate limit, bounded waiting, and one slow user never holding up the others."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot import messages
from bot.service import ChatService
from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from tests.conftest import make_settings
from tests.fakes.web import FakeWeb


async def until(condition: Callable[[], bool], deadline_s: float = 10.0) -> None:
    """Yield to the event loop until the condition holds (a deadline, not a timed wait)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while not condition():
        assert loop.time() < end, "condition not reached"
        await asyncio.sleep(0)


ALICE = ChatIdentity(platform="console", user="alice", channel="c1")
BOB = ChatIdentity(platform="console", user="bob", channel="c1")


async def test_rate_limit_answers_kindly_and_only_for_that_user(tmp_path: Path) -> None:
    async with build_service(make_settings(tmp_path / "data", rate_limit_per_minute=3)) as service:
        replies = [await service.handle(IncomingMessage(ALICE, f"python note {i}")) for i in range(4)]
        assert [r.text.startswith("You're sending messages faster") for r in replies] == [False] * 3 + [True]
        assert "wait" in replies[-1].text
        bob = await service.handle(IncomingMessage(BOB, "python note"))
        assert not bob.text.startswith("You're sending messages faster")


async def test_a_stuck_update_for_one_user_does_not_hold_up_another(service: ChatService) -> None:
    async with service.store.user_lock("console:alice"):  # alice's memory update cannot land meanwhile
        await service.handle(IncomingMessage(ALICE, "I like rust content", message_id="a1"))
        reply = await asyncio.wait_for(service.handle(IncomingMessage(BOB, "I like go content")), 30)
        assert "go" in reply.text.lower()
    await service.drain()
    assert (await service.list_memories(ALICE)).total == 1


async def test_beyond_the_waiting_bound_people_are_asked_to_retry_and_nothing_is_lost(tmp_path: Path) -> None:
    web = FakeWeb()
    await web.start()
    settings = make_settings(
        tmp_path / "data", max_concurrency=1, max_pending=1, fetch_allow_private=True, fetch_timeout_s=30
    )
    try:
        async with build_service(settings) as service:
            # Alice's link stalls on the server, holding the only slot; Bob's first message waits for it.
            first = asyncio.create_task(service.handle(IncomingMessage(ALICE, f"see {web.url('/slow')}")))
            await until(lambda: "/slow" in web.paths())
            second = asyncio.create_task(service.handle(IncomingMessage(BOB, "python tips")))
            await until(lambda: service.waiting == 1)
            third = await service.handle(IncomingMessage(BOB, "I like go content", message_id="b2"))
            assert third.text == messages.BUSY
            web.release.set()
            replies = await asyncio.gather(first, second)
            assert all(r.text != messages.BUSY for r in replies)
            await service.drain()
            bob = await service.list_memories(BOB)
            assert any("go" in m.text.lower() for m in bob.items)
    finally:
        await web.stop()
