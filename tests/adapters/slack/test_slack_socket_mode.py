"""Socket Mode: the same app over a websocket; the fake's `apps.connections.open` hands out a loopback URL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import pytest

from adapters.slack import SlackAdapter
from bot.settings import Settings
from tests.adapters.slack.conftest import running, slack_settings
from tests.adapters.slack.helpers import mrkdwn, tags_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import APP_TOKEN, Call, FakeSlack

if TYPE_CHECKING:
    from bot.service import ChatService


@pytest.fixture
async def socket_adapter(
    settings: Settings, service: ChatService, fake_slack: FakeSlack
) -> AsyncIterator[SlackAdapter]:
    async with running(slack_settings(settings, fake_slack, socket_mode=True), service) as adapter:
        yield adapter


async def test_events_and_commands_arrive_over_the_socket_and_are_acked(
    socket_adapter: SlackAdapter, fake_slack: FakeSlack, service: ChatService
) -> None:
    (opened,) = fake_slack.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
    assert socket_adapter.socket_mode and socket_adapter.port is None

    mention = p.app_mention("UALICE", "tag this: a beginner's guide to rust lifetimes")
    event_envelope = await fake_slack.send_envelope("events_api", mention)
    (ack,) = await fake_slack.wait_for_calls("socket_ack", where=_with_id(event_envelope))
    assert ack.params == {"envelope_id": event_envelope}
    (reply,) = await fake_slack.wait_for_calls("chat.postMessage")
    assert reply.params["thread_ts"] == mention["event"]["ts"]
    assert tags_of(reply)

    # Slack redelivers the envelope (retry_attempt 1): acked again, answered once.
    again = await fake_slack.send_envelope("events_api", mention, retry_attempt=1)
    await fake_slack.wait_for_calls("socket_ack", where=_with_id(again))

    await socket_adapter.idle()
    await service.drain()  # the memory update of the mention has landed
    url = fake_slack.new_response_url()
    command = p.slash_command("/memories", "", user="UALICE", response_url=url)
    command_envelope = await fake_slack.send_envelope("slash_commands", command, accepts_payload=True)
    (command_ack,) = await fake_slack.wait_for_calls("socket_ack", where=_with_id(command_envelope))
    assert command_ack.params["envelope_id"] == command_envelope
    (page,) = await fake_slack.wait_for_calls("response_url")
    assert page.params["response_type"] == "ephemeral"
    assert "rust" in mrkdwn(page).lower()

    await socket_adapter.idle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def _with_id(envelope_id: str) -> Callable[[Call], bool]:
    def matches(call: Call) -> bool:
        return call.params.get("envelope_id") == envelope_id

    return matches


async def test_a_dropped_socket_is_reopened_and_the_next_event_is_answered(
    socket_adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    """Slack closes Socket Mode connections now and then (and networks drop them): the app must open a new one
    by itself, or it would go silent until someone restarts it."""
    await fake_slack.socket_connected()
    await fake_slack.drop_socket()
    await fake_slack.wait_for_calls("apps.connections.open", count=2)
    mention = p.app_mention("UBOB", "tag this: sourdough starter feeding schedule")
    envelope = await fake_slack.send_envelope("events_api", mention)
    await fake_slack.wait_for_calls("socket_ack", where=_with_id(envelope))
    (reply,) = await fake_slack.wait_for_calls("chat.postMessage")
    assert reply.params["thread_ts"] == mention["event"]["ts"]
    assert tags_of(reply)
