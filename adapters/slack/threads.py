"""Which channel threads the bot takes part in, so that follow-ups there are answered without a mention.

Threads the bot was mentioned in are remembered (bounded, expiring; in process, or shared by every worker when
the deployment has a database). A thread not remembered — the mention came before a restart, or went to
another worker of a deployment without a shared database — is looked up once with
`conversations.replies`: it is ours if the bot wrote in it or was mentioned in it. The answer is cached
(negative answers briefly, so a later mention elsewhere is picked up soon).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.convert import mentions
from state.recent import RecentKeysFactory, local_recent_keys

log = logging.getLogger(__name__)

THREAD_TTL_S = 7 * 24 * 3600.0
"""A thread stays ours for a week of quiet."""
NOT_OURS_TTL_S = 120.0
MAX_THREADS = 20_000
MAX_PAGES = 5
"""Up to 1,000 messages of a thread are scanned for the bot."""


class BotThreads:
    def __init__(self, client: AsyncWebClient, recent_keys: RecentKeysFactory = local_recent_keys) -> None:
        self._client = client
        self._ours = recent_keys("slack-threads", MAX_THREADS, THREAD_TTL_S)
        self._not_ours = recent_keys("slack-not-our-threads", MAX_THREADS, NOT_OURS_TTL_S)
        self._lookups: dict[str, asyncio.Task[bool]] = {}

    async def join(self, channel: str, thread_ts: str) -> None:
        """The bot was mentioned in (or is answering in) this thread."""
        await self._ours.touch(_key(channel, thread_ts))

    async def known(self, channel: str, thread_ts: str) -> bool | None:
        """True / False when cached; None when only Slack can tell (see `check`)."""
        key = _key(channel, thread_ts)
        if await self._ours.contains(key):
            return True
        if await self._not_ours.contains(key):
            return False
        return None

    async def check(self, channel: str, thread_ts: str, bot_user_id: str | None) -> bool:
        """Ask Slack whether the bot wrote or was mentioned in the thread; the answer is cached.

        Messages arriving together in one unknown thread share a single lookup.
        """
        key = _key(channel, thread_ts)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.create_task(self._lookup(channel, thread_ts, bot_user_id))
            self._lookups[key] = lookup
            lookup.add_done_callback(lambda _: self._lookups.pop(key, None))
        return await asyncio.shield(lookup)

    async def _lookup(self, channel: str, thread_ts: str, bot_user_id: str | None) -> bool:
        ours = bool(bot_user_id) and await self._bot_in_thread(channel, thread_ts, str(bot_user_id))
        await (self._ours if ours else self._not_ours).touch(_key(channel, thread_ts))
        return ours

    async def _bot_in_thread(self, channel: str, thread_ts: str, bot_user_id: str) -> bool:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = await self._client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=200, cursor=cursor
                )
            except SlackApiError as exc:
                log.info("cannot read a Slack thread: %s", exc.response.get("error"))
                return False
            found: list[dict[str, Any]] = page.get("messages") or []
            if any(
                m.get("user") == bot_user_id or mentions(str(m.get("text") or ""), bot_user_id) for m in found
            ):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return False
        return False


def _by_or_about(message: dict[str, Any], bot_user_id: str) -> bool:
    return message.get("user") == bot_user_id or mentions(str(message.get("text") or ""), bot_user_id)


def _key(channel: str, thread_ts: str) -> str:
    return f"{channel}:{thread_ts}"
