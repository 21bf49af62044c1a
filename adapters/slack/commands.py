"""`/memories`, `/forget` and the buttons on their messages.

Everything answers through the command's or click's `response_url` with `response_type: ephemeral`, so only
the caller sees their memories. A click is always executed as the *clicker*, whoever the message was shown to:
the core then refuses to touch anyone else's memories.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.background import Background
from adapters.slack.config import retry_handlers
from adapters.slack.convert import action_identity, command_identity, plain_text
from adapters.slack.render import (
    ACTION_CANCEL,
    ACTION_FORGET,
    ACTION_FORGET_ALL,
    ACTION_FORGET_ALL_LINKED,
    ACTION_PAGE,
    PAGE_SIZE,
    Message,
    forget_all_message,
    memory_page_message,
    notice_message,
    parse_page_state,
)
from bot import messages
from bot.types import ChatIdentity

if TYPE_CHECKING:
    from bot.service import ChatService

log = logging.getLogger(__name__)

MEMORIES_COMMAND = "/memories"
FORGET_COMMAND = "/forget"
MEMORIES_SUBCOMMANDS = frozenset({"pause", "resume", "edit", "retention", "help"})
"""Also declared in slack-manifest.yml; a test keeps the two in step."""
EXPORT_FILENAME = "memorybot-memories.json"
FORGET_USAGE = "Use `/forget <id>` to forget one memory (ids are shown by `/memories`), or `/forget all`."
EXPORT_SENT = "I sent everything I remember about you to our direct messages, as a JSON file."
EXPORT_FAILED = "Sorry, I couldn't send you the export just now. Please try again in a moment."
CANCELLED = "Cancelled: nothing was deleted."
FAILED = "Sorry, something went wrong on my side. Please try again in a moment."


class MemoryCommands:
    """Slash commands and button clicks that list, export and delete the caller's memories."""

    def __init__(self, service: ChatService, client: AsyncWebClient, background: Background) -> None:
        from adapters.slack.controls import ControlCommands

        self._service = service
        self._client = client
        self._background = background
        self._controls = ControlCommands(service, client, background)

    def register(self, app: AsyncApp) -> None:
        app.command(MEMORIES_COMMAND)(self.on_memories)
        app.command(FORGET_COMMAND)(self.on_forget)
        app.action(re.compile(rf"^{ACTION_FORGET}:\d+$"))(self.on_delete_click)
        app.action(re.compile(rf"^{ACTION_PAGE}:(prev|next)$"))(self.on_page_click)
        app.action(ACTION_FORGET_ALL)(self.on_forget_all_click)
        app.action(ACTION_FORGET_ALL_LINKED)(self.on_forget_all_linked_click)
        self._controls.register(app)
        app.action(ACTION_CANCEL)(self.on_cancel_click)

    # ---- slash commands ------------------------------------------------------------------------

    async def on_memories(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        identity = command_identity(command)
        url = command["response_url"]
        text = plain_text(str(command.get("text") or "")).strip()
        if text.lower() == "export":
            self._run(url, self._export(identity, url), "/memories export")
        elif text.split(" ", 1)[0].lower() in MEMORIES_SUBCOMMANDS:
            self._controls.memories_subcommand(identity, url, text)
        else:
            self._run(url, self._show_page(identity, url, 0, text or None), "/memories")

    async def on_forget(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        identity = command_identity(command)
        url = command["response_url"]
        text = plain_text(str(command.get("text") or "")).strip()
        if not text:
            self._run(url, _post(url, notice_message(FORGET_USAGE)), "/forget usage")
        elif text.lower() == "all":
            self._run(url, self._ask_forget_all(identity, url), "/forget all")
        else:
            self._run(url, self._forget_one(identity, url, text.strip("`")), "/forget")

    # ---- buttons -------------------------------------------------------------------------------

    async def on_delete_click(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        offset, query, memory_id = _state(action)
        if memory_id is None:
            return
        url = body["response_url"]
        work = self._delete_and_refresh(action_identity(body), url, memory_id, offset, query)
        self._run(url, work, "delete")

    async def on_page_click(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        offset, query, _ = _state(action)
        url = body["response_url"]
        self._run(url, self._show_page(action_identity(body), url, offset, query, replace=True), "page")

    async def on_forget_all_click(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        url = body["response_url"]
        token = str(action.get("value") or "")
        self._run(url, self._forget_all(action_identity(body), url, token), "forget all")

    async def on_forget_all_linked_click(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        url = body["response_url"]
        token = str(action.get("value") or "")
        self._run(url, self._forget_all(action_identity(body), url, token, linked=True), "forget all linked")

    async def on_cancel_click(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        url = body["response_url"]
        self._run(url, _post(url, notice_message(CANCELLED), replace=True), "cancel")

    # ---- the work, after the ack ---------------------------------------------------------------

    def _run(self, url: str, work: Coroutine[Any, Any, None], name: str) -> None:
        async def answering() -> None:
            try:
                await work
            except Exception:
                log.exception("Slack %s failed", name)
                await _post(url, notice_message(FAILED))

        self._background.spawn(answering(), name=name)

    async def _show_page(
        self, identity: ChatIdentity, url: str, offset: int, query: str | None, *, replace: bool = False
    ) -> None:
        page = await self._service.list_memories(identity, offset=offset, limit=PAGE_SIZE, query=query)
        if not page.items and page.total and offset:
            # The page emptied under us (its last memory was deleted): show the last page that has any.
            last = (page.total - 1) // PAGE_SIZE * PAGE_SIZE
            page = await self._service.list_memories(identity, offset=last, limit=PAGE_SIZE, query=query)
        notes = await self._service.memory_settings(identity)
        await _post(url, memory_page_message(page, query, notes=notes), replace=replace)

    async def _delete_and_refresh(
        self, identity: ChatIdentity, url: str, memory_id: str, offset: int, query: str | None
    ) -> None:
        if not await self._service.forget(identity, memory_id):
            # Not the clicker's memory (or already gone): say so without touching the list they see.
            await _post(url, notice_message(messages.FORGET_ONE_MISSING))
            return
        await self._show_page(identity, url, offset, query, replace=True)

    async def _forget_one(self, identity: ChatIdentity, url: str, memory_id: str) -> None:
        done = await self._service.forget(identity, memory_id)
        await _post(url, notice_message(messages.FORGET_ONE_DONE if done else messages.FORGET_ONE_MISSING))

    async def _ask_forget_all(self, identity: ChatIdentity, url: str) -> None:
        token = self._service.forget_all_token(identity)
        total = (await self._service.list_memories(identity, offset=0, limit=1)).total
        linked = await self._service.linked_identities(identity)
        linked_token = self._service.forget_all_linked_token(identity) if linked else None
        await _post(url, forget_all_message(token, total, linked_token=linked_token, linked=linked))

    async def _forget_all(
        self, identity: ChatIdentity, url: str, token: str, *, linked: bool = False
    ) -> None:
        if linked:
            count = await self._service.confirm_forget_all_linked(identity, token)
        else:
            count = await self._service.confirm_forget_all(identity, token)
        if count is None:
            # Someone other than the requester clicked, or the token expired: leave the question in place.
            await _post(url, notice_message(messages.FORGET_ALL_REFUSED))
            return
        await _post(url, notice_message(messages.forget_all_done(count)), replace=True)

    async def _export(self, identity: ChatIdentity, url: str) -> None:
        document = await self._service.export(identity)
        try:
            opened = await self._client.conversations_open(users=identity.user)
            await self._client.files_upload_v2(
                channel=opened["channel"]["id"],
                content=document,
                filename=EXPORT_FILENAME,
                title="Everything memorybot remembers about you",
                initial_comment="Here is your memorybot export.",
            )
        except SlackApiError as exc:
            log.warning("could not upload a memory export: %s", exc.response.get("error"))
            await _post(url, notice_message(EXPORT_FAILED))
            return
        await _post(url, notice_message(EXPORT_SENT))


def _state(action: dict[str, Any]) -> tuple[int, str | None, str | None]:
    try:
        return parse_page_state(str(action.get("value") or ""))
    except ValueError:
        log.warning("ignoring a button with an unexpected value")
        return 0, None, None


async def _post(url: str, message: Message, *, replace: bool = False) -> None:
    """Answer through a `response_url`: ephemeral, replacing the clicked message when `replace`."""
    body = {"response_type": "ephemeral", "replace_original": replace, **message}
    response = await AsyncWebhookClient(url, retry_handlers=retry_handlers()).send_dict(body)
    if response.status_code != 200:
        log.warning("Slack refused a response_url post: %s %s", response.status_code, response.body[:200])
