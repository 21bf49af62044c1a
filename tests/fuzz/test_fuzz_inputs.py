"""Arbitrary text through every entry point that parses it: a reply or a clean error, never an exception;
no other user's data; the store stays consistent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.state import ConnectionState
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from adapters.discord.convert import to_incoming
from adapters.slack.convert import action_identity, command_identity, incoming_from_event, plain_text
from bot.identity import user_id_for
from bot.links.urls import MAX_URLS_PER_MESSAGE, find_urls, normalise_url
from bot.service import ChatService
from bot.types import ChatIdentity, IncomingMessage, Reply
from memorybot.app import build_service
from memorybot.cli import app
from tests.conftest import make_settings
from tests.fakes import discord_payloads
from tests.fuzz.conftest import ANY_CHAR, TEXT

ALICE = ChatIdentity(platform="console", user="alice", channel="fuzz")
BOB = ChatIdentity(platform="console", user="bob", channel="other")
BOB_SECRET = "zanzibar-okapi"


class Running:
    """One service for every example of the module: hypothesis calls the test body many times."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.Runner()
        self._context = build_service(make_settings(data_dir))
        self.service: ChatService = self.loop.run(self._context.__aenter__())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run(coroutine)

    def close(self) -> None:
        self.loop.run(self._context.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    bot = Running(tmp_path_factory.mktemp("fuzz") / "data")
    bot.run(bot.service.handle(IncomingMessage(BOB, f"I like {BOB_SECRET} content", message_id="bob-1")))
    bot.run(bot.service.drain())
    yield bot
    bot.close()


@given(text=TEXT)
def test_handle_answers_anything_and_leaks_nothing(running: Running, text: str) -> None:
    service = running.service
    reply = running.run(service.handle(IncomingMessage(ALICE, text)))
    assert isinstance(reply, Reply) and reply.text.strip()
    shown = " ".join([reply.text, *reply.tags, *reply.memories_used, *reply.notices])
    assert BOB_SECRET not in shown or BOB_SECRET in text
    json.dumps(reply.text).encode("utf-8")  # every character can go over the wire


def test_the_store_is_consistent_after_fuzzing(running: Running) -> None:
    service = running.service
    running.run(service.drain())
    alice = running.run(service.store.all(user_id_for(ALICE)))
    bob = running.run(service.store.all(user_id_for(BOB)))
    assert all(r.user_id == user_id_for(ALICE) for r in alice)
    assert [r.user_id for r in bob] == [user_id_for(BOB)] * len(bob) and bob
    assert all(BOB_SECRET not in r.text for r in alice)
    assert service.queue.parked() == []


VOCABULARY = st.sampled_from(
    [
        "memories",
        "forget",
        "queue",
        "retry",
        "guidance",
        "list",
        "remove",
        "add",
        "migrate",
        "--user",
        "--user-id",
        "--id",
        "--all",
        "--yes",
        "--json",
        "--to-store",
        "--to-url",
        "--help",
        "-x",
        "--",
        "",
    ]
)


@given(args=st.lists(st.one_of(VOCABULARY, st.text(ANY_CHAR, max_size=20)), max_size=6))
def test_the_command_line_parses_anything(tmp_path_factory: pytest.TempPathFactory, args: list[str]) -> None:
    data = tmp_path_factory.getbasetemp() / "fuzz-cli"
    import logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(app, args, env={"MEMORYBOT_DATA_DIR": str(data)}, input="")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr


SLACK_ID = st.one_of(
    st.text(ANY_CHAR, max_size=12), st.sampled_from(["U1", "T1", "C1", "E1", "1700000000.000100"])
)


@given(text=TEXT, user=SLACK_ID, team=SLACK_ID, channel=SLACK_ID, ts=SLACK_ID, bot=st.none() | SLACK_ID)
def test_slack_events_convert_to_clean_text_or_a_clean_refusal(
    text: str, user: str, team: str, channel: str, ts: str, bot: str | None
) -> None:
    event = {"type": "message", "user": user, "text": text, "channel": channel, "ts": ts}
    try:
        message = incoming_from_event({"team_id": team}, event, bot_user_id=bot, thread=None)
    except ValueError:  # no team: a payload Slack never sends, refused by name
        assert not team
        return
    assert message.identity.user == user and message.identity.platform == "slack"
    assert isinstance(plain_text(text), str)
    command_identity({"user_id": user, "team_id": team or "T1", "channel_id": channel, "text": text})
    action_identity({"user": {"id": user}, "team": {"id": team or "T1"}, "channel": {"id": channel}})


@pytest.fixture(scope="module")
def discord_state() -> Iterator[ConnectionState[Any]]:
    loop = asyncio.new_event_loop()
    state: ConnectionState[Any] = ConnectionState(
        dispatch=lambda *a, **k: None,
        handlers={},
        hooks={},
        http=discord.http.HTTPClient(loop),
        intents=discord.Intents.default(),
    )
    yield state
    loop.close()


@given(content=TEXT, name=st.text(ANY_CHAR, min_size=1, max_size=32), mention_me=st.booleans())
def test_discord_messages_convert_without_losing_the_author(
    discord_state: ConnectionState[Any], content: str, name: str, mention_me: bool
) -> None:
    me_data = discord_payloads.user(1, "memorybot", bot=True)
    me = discord.User(state=discord_state, data=me_data)
    author = discord_payloads.user(2, name)
    channel_data = discord_payloads.dm_channel(10, author)
    channel = discord.DMChannel(me=me, state=discord_state, data=channel_data)  # type: ignore[arg-type]
    text = f"<@1> {content}" if mention_me else content
    data = discord_payloads.message(100, channel_data, author, text, mentions=[me_data] if mention_me else [])
    message = discord.Message(state=discord_state, channel=channel, data=data)  # type: ignore[arg-type]
    incoming = to_incoming(message, me)
    assert incoming.identity.user == "2" and incoming.identity.platform == "discord"
    assert "<@1>" not in incoming.text


@given(text=TEXT)
def test_the_link_parser_finds_only_usable_urls(text: str) -> None:
    urls = find_urls(text)
    assert len(urls) <= MAX_URLS_PER_MESSAGE
    keys = [normalise_url(url) for url in urls]
    assert None not in keys and len(set(keys)) == len(keys), urls
    assert all(url.lower().startswith(("http://", "https://")) for url in urls), urls
