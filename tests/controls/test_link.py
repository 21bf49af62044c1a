"""One person across platforms: one-time codes, shared memories, unlink, and guessing throttled."""

from __future__ import annotations

import re

import pytest

from bot.controls import codes
from bot.controls import messages as say
from bot.service import ChatService
from tests.controls.helpers import console, discord, slack, talk, texts

ANN_SLACK, ANN_DISCORD = slack("U1"), discord("111")
MALLORY = discord("666")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(service: ChatService) -> Clock:
    clock = Clock()
    service.controls.clock = clock
    return clock


def code_in(answer: str) -> str:
    found = re.search(r"\b([0-9A-Z]{4}-[0-9A-Z]{4})\b", answer)
    assert found, answer
    return found.group(1)


async def test_a_linked_pair_shares_memories_and_an_unlinked_pair_does_not(
    service: ChatService, clock: Clock
) -> None:
    await talk(service, ANN_SLACK, "I prefer lowercase tags and I like numbat content")
    await talk(service, ANN_DISCORD, "I like quokka content")
    assert not [t for t in await texts(service, ANN_DISCORD) if "numbat" in t]

    code = code_in(await service.link(ANN_SLACK))
    answer = await service.link(ANN_DISCORD, code.lower().replace("-", " "))  # typed loosely
    assert answer.startswith("Linked"), answer
    for me in (ANN_SLACK, ANN_DISCORD):
        mine = await texts(service, me)
        assert [t for t in mine if "numbat" in t] and [t for t in mine if "quokka" in t], mine
    assert await service.linked_identities(ANN_DISCORD) == ["Slack U1 (T1)"]
    reply = await talk(service, ANN_DISCORD, "Tag this: The Numbat Field Guide")
    assert all(t == t.lower() for t in reply.tags)  # the Slack preference applies on Discord
    # Each memory stays with the identity that made it; a new one goes to the speaker.
    page = await service.list_memories(ANN_DISCORD, limit=100)
    assert {m.user_id for m in page.items if "numbat" in m.text.lower() and m.category != "interaction"} == {
        "slack:T1:U1"
    }
    assert not [t for t in await texts(service, MALLORY) if "numbat" in t]

    assert (await service.unlink(ANN_DISCORD)).startswith("Unlinked")
    assert not [t for t in await texts(service, ANN_DISCORD) if "numbat" in t.lower() and "Tagged" not in t]
    assert not [t for t in await texts(service, ANN_SLACK) if "quokka" in t]
    assert await service.unlink(ANN_DISCORD) == say.UNLINKED_NONE


async def test_forget_and_edit_reach_a_linked_identitys_memory_but_no_one_elses(
    service: ChatService, clock: Clock
) -> None:
    await service.remember(ANN_SLACK, "My cat is called Miso")
    await service.remember(MALLORY, "My secret is hunter2")
    await service.link(ANN_DISCORD, code_in(await service.link(ANN_SLACK)))
    miso = (await service.list_memories(ANN_DISCORD, limit=10)).items[0]
    secret = (await service.list_memories(MALLORY, limit=10)).items[0]
    assert await service.edit(ANN_DISCORD, miso.id[:8], "My cat is called Tofu") == say.edited(
        "My cat is called Tofu"
    )
    assert await texts(service, ANN_SLACK) == ["My cat is called Tofu"]
    assert not await service.forget(ANN_DISCORD, secret.id)
    assert await service.forget(ANN_DISCORD, miso.id[:8])
    assert await texts(service, ANN_SLACK) == []


async def test_a_code_works_once_and_only_for_ten_minutes(service: ChatService, clock: Clock) -> None:
    code = code_in(await service.link(ANN_SLACK))
    assert (await service.link(ANN_SLACK, code)) == say.LINK_SELF
    clock.now += codes.CODE_TTL_S + 1
    assert await service.link(ANN_DISCORD, code) == say.LINK_BAD  # expired

    code = code_in(await service.link(ANN_SLACK))
    assert (await service.link(ANN_DISCORD, code)).startswith("Linked")
    assert await service.link(console("ann"), code) == say.LINK_BAD  # used
    assert await service.linked_identities(console("ann")) == []


async def test_guessing_is_refused_then_throttled_even_for_the_right_code(
    service: ChatService, clock: Clock
) -> None:
    code = code_in(await service.link(ANN_SLACK))
    for guess in ("AAAA-AAAA", "ZZZZ-ZZZZ", "1234-5678", "not a code", "QQQQ-QQQQ"):
        assert await service.link(MALLORY, guess) == say.LINK_BAD
        clock.now += 1
    refused = await service.link(MALLORY, code)
    assert refused == say.link_throttled(10)
    assert await service.linked_identities(ANN_SLACK) == []
    # The throttle is per identity: Ann's own other account is not locked out by Mallory.
    assert (await service.link(ANN_DISCORD, code)).startswith("Linked")
    clock.now += codes.CODE_TTL_S
    assert await service.link(MALLORY, "AAAA-AAAB") == say.LINK_BAD  # checked again once the window passed


async def test_forget_all_on_a_linked_person_can_erase_every_identity(
    service: ChatService, clock: Clock
) -> None:
    await service.remember(ANN_SLACK, "My cat is called Miso")
    await service.remember(ANN_DISCORD, "My dog is called Rex")
    await service.remember(MALLORY, "My secret is hunter2")
    await service.link(ANN_DISCORD, code_in(await service.link(ANN_SLACK)))

    plain = service.forget_all_token(ANN_DISCORD)
    assert await service.confirm_forget_all_linked(ANN_DISCORD, plain) is None  # not a linked-erase token
    assert (
        await service.confirm_forget_all_linked(MALLORY, service.forget_all_linked_token(ANN_DISCORD)) is None
    )
    assert (
        await service.confirm_forget_all_linked(ANN_DISCORD, service.forget_all_linked_token(ANN_DISCORD))
        == 2
    )
    assert await texts(service, ANN_SLACK) == [] and await texts(service, ANN_DISCORD) == []
    assert await texts(service, MALLORY) == ["My secret is hunter2"]
