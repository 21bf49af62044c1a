"""Slack's HTTP contract: verification, signatures, retried deliveries, rate limits."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from adapters.slack import SlackAdapter
from bot.errors import SettingsError
from bot.settings import Settings
from tests.adapters.slack.conftest import slack_settings
from tests.adapters.slack.helpers import SlackHarness
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack

if TYPE_CHECKING:
    from bot.service import ChatService


async def test_url_verification_echoes_the_challenge(slack: SlackHarness) -> None:
    status, text = await slack.sender.event(
        {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
    )
    assert status == 200
    assert json.loads(text) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


async def test_a_bad_signature_is_rejected_and_nothing_runs(slack: SlackHarness) -> None:
    status, _ = await slack.sender.event(p.app_mention("U1", "hello"), signature="v0=" + "0" * 64)
    assert status == 401
    await slack.adapter.idle()
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_a_request_older_than_five_minutes_is_rejected(slack: SlackHarness) -> None:
    # Correctly signed, but for a timestamp six minutes ago: a replayed request.
    status, _ = await slack.sender.event(p.app_mention("U1", "hello"), timestamp=int(time.time()) - 360)
    assert status == 401
    await slack.adapter.idle()
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_ssl_check_is_answered(slack: SlackHarness) -> None:
    status, _ = await slack.sender.form({"ssl_check": "1", "token": "legacy"})
    assert status == 200


async def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    body = p.app_mention("U1", "tag this: rust borrow checker explained")
    await slack.deliver(body)
    await slack.deliver(body, retry_num=1)  # Slack did not see our ack in time and sends it again
    await slack.deliver(body, retry_num=2)
    reply = await slack.fake.wait_for_calls("chat.postMessage")
    await slack.settle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1
    assert reply[0].params["thread_ts"] == body["event"]["ts"]


async def test_a_rate_limited_post_is_retried(slack: SlackHarness) -> None:
    slack.fake.rate_limit("chat.postMessage", times=1, retry_after=0)
    await slack.deliver(p.app_mention("U1", "tag this: rust borrow checker explained"))
    first, second = await slack.fake.wait_for_calls("chat.postMessage", 2)  # the 429, then the retry
    assert first.params == second.params
    await slack.settle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 2


async def test_the_token_is_checked_at_start_up(slack: SlackHarness) -> None:
    (call,) = slack.fake.calls_to("auth.test")
    assert call.headers["Authorization"] == f"Bearer {slack.fake.bot_token}"


async def test_a_token_slack_rejects_stops_start_up_with_what_to_fix(
    settings: Settings, service: ChatService, fake_slack: FakeSlack
) -> None:
    wrong = slack_settings(settings, fake_slack).model_copy(
        update={"slack_bot_token": SecretStr("xoxb-revoked")}
    )
    adapter = SlackAdapter(wrong, service)
    with pytest.raises(SettingsError, match=r"Slack rejected SLACK_BOT_TOKEN \(invalid_auth\)"):
        await adapter.start()
    with pytest.raises(SettingsError):
        await adapter.started()
    await adapter.stop()  # a no-op once start() has failed


async def test_a_server_error_on_a_post_is_retried_and_the_memory_kept(slack: SlackHarness) -> None:
    slack.fake.fail("chat.postMessage", status=503, times=1)
    await slack.deliver(p.app_mention("U1", "I like tapir-during-outage content"))
    first, second = await slack.fake.wait_for_calls("chat.postMessage", 2)  # the 503, then the retry
    assert first.params == second.params
    await slack.settle()
    memories = await slack.service.store.all(f"slack:{p.TEAM_ID}:U1")
    assert any("tapir-during-outage" in m.text.lower() for m in memories)
