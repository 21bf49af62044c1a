"""Messages people write to the bot: channel mentions, DMs, and follow-ups in threads it was mentioned in.

Listeners run before Slack is answered (Bolt's `process_before_response`), so each one only filters, converts
and spawns the answer; Slack gets its ack within milliseconds and the agent runs afterwards.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import Background
from adapters.slack.convert import incoming_from_event, is_person_talking, mentions, thread_root
from adapters.slack.render import reply_message
from adapters.slack.threads import BotThreads
from bot import messages
from bot.types import IncomingMessage, Reply
from state.recent import RecentKeysFactory, local_recent_keys

if TYPE_CHECKING:
    from bot.service import ChatService

log = logging.getLogger(__name__)

EVENTS = ("app_mention", "message")
"""The event types listened to; slack-manifest.yml subscribes to them (`message.im`, `message.channels`)."""
DELIVERY_TTL_S = 2 * 3600.0
"""Slack retries a delivery three times over about an hour."""
MAX_DELIVERIES = 20_000


class MessageEvents:
    """Turns Slack message events into `service.handle` calls and posts the replies."""

    def __init__(
        self,
        service: ChatService,
        client: AsyncWebClient,
        background: Background,
        *,
        recent_keys: RecentKeysFactory = local_recent_keys,
    ) -> None:
        self._service = service
        self._client = client
        self._background = background
        # With several workers these sets are shared (PostgreSQL): a redelivery to another worker is still
        # dropped, and a thread the bot was mentioned in on one worker is known on all.
        self._deliveries = recent_keys("slack-deliveries", MAX_DELIVERIES, DELIVERY_TTL_S)
        self._threads = BotThreads(client, recent_keys)

    def register(self, app: AsyncApp) -> None:
        app.event(EVENTS[0])(self.on_app_mention)
        # Every message event, subtypes included, is registered so that Bolt acks it with 200 rather than
        # answering 404 "unhandled", which Slack would retry three times.
        app.event(EVENTS[1])(self.on_message)

    async def on_app_mention(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not is_person_talking(event) or not await self._first_delivery(body, event):
            return
        thread = thread_root(event)
        await self._threads.join(event["channel"], thread)
        message = incoming_from_event(body, event, bot_user_id=context.bot_user_id, thread=thread)
        self._background.spawn(self._answer(message, thread_ts=thread), name="app_mention")

    async def on_message(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if not is_person_talking(event):
            return
        thread_ts: str | None = event.get("thread_ts")
        channel = str(event["channel"])
        ours: bool | None = True
        if event.get("channel_type") != "im":
            # In channels: only follow-ups in our threads. A message mentioning us also comes as app_mention.
            if not thread_ts or mentions(str(event.get("text") or ""), context.bot_user_id):
                return
            ours = await self._threads.known(channel, thread_ts)
            if ours is False:
                return
        if not await self._first_delivery(body, event):
            return
        # A DM outside threads is one running conversation, so its session is the DM channel itself.
        message = incoming_from_event(body, event, bot_user_id=context.bot_user_id, thread=thread_ts)
        if ours is None:
            assert thread_ts is not None
            work = self._answer_if_our_thread(message, thread_ts, context.bot_user_id)
            self._background.spawn(work, name="thread follow-up")
        else:
            self._background.spawn(self._answer(message, thread_ts=thread_ts), name="message")

    async def _first_delivery(self, body: dict[str, Any], event: dict[str, Any]) -> bool:
        """False for a redelivery (same `event_id`) or for the second event about one message."""
        event_id = body.get("event_id")
        if event_id and not await self._deliveries.first_time(f"event:{event_id}"):
            log.debug("dropping a redelivered Slack event")
            return False
        return await self._deliveries.first_time(f"message:{event.get('channel')}:{event.get('ts')}")

    async def _answer_if_our_thread(
        self, message: IncomingMessage, thread_ts: str, bot_user_id: str | None
    ) -> None:
        if await self._threads.check(message.identity.channel or "", thread_ts, bot_user_id):
            await self._answer(message, thread_ts=thread_ts)

    async def _answer(self, message: IncomingMessage, *, thread_ts: str | None) -> None:
        try:
            reply = await self._service.handle(message)
        except Exception:
            log.exception("the chat service failed on a Slack message")
            reply = Reply(messages.MODEL_FAILED)
        try:
            await self._client.chat_postMessage(
                channel=message.identity.channel or "",
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **reply_message(reply),
            )
        except SlackApiError as exc:
            log.warning("could not post a Slack reply: %s", exc.response.get("error"))
