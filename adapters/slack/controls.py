"""The memory controls in Slack: `/memories pause|resume|edit|retention|help`, `/remember`, `/link`,
`/unlink`, `/memorybot memory off|on|status`, and the Edit button's modal.

Like `commands.py`, every answer is ephemeral, through the command's `response_url`, and every action runs
as the person who invoked it. Whether someone is a workspace admin is Slack's word (`users.info`: admin,
owner or primary owner), asked at the moment of the command; the core refuses anyone else.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.background import Background
from adapters.slack.commands import FAILED, _post
from adapters.slack.convert import action_identity, command_identity, plain_text
from adapters.slack.render import (
    ACTION_EDIT,
    EDIT_INPUT,
    EDIT_INPUT_BLOCK,
    EDIT_VIEW,
    PAGE_SIZE,
    edit_modal,
    memory_page_message,
    notice_message,
    parse_page_state,
)
from bot.controls import messages as say
from bot.types import ChatIdentity

if TYPE_CHECKING:
    from bot.service import ChatService

log = logging.getLogger(__name__)

REMEMBER_COMMAND = "/remember"
LINK_COMMAND = "/link"
UNLINK_COMMAND = "/unlink"
ADMIN_COMMAND = "/memorybot"
"""Declared in slack-manifest.yml with the others; a test keeps them in step."""
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
ADMIN_UNKNOWN = "I couldn't check with Slack whether you're a workspace admin, so nothing was switched."


class ControlCommands:
    def __init__(self, service: ChatService, client: AsyncWebClient, background: Background) -> None:
        self._service = service
        self._client = client
        self._background = background

    def register(self, app: AsyncApp) -> None:
        app.command(REMEMBER_COMMAND)(self.on_remember)
        app.command(LINK_COMMAND)(self.on_link)
        app.command(UNLINK_COMMAND)(self.on_unlink)
        app.command(ADMIN_COMMAND)(self.on_admin)
        app.action(re.compile(rf"^{ACTION_EDIT}:\d+$"))(self.on_edit_click)
        app.view(EDIT_VIEW)(self.on_edit_submit)

    def _run(self, url: str, work: Coroutine[Any, Any, str], name: str) -> None:
        """Do `work` after the ack and post the sentence it returns, privately."""

        async def answering() -> None:
            try:
                text = await work
            except Exception:
                log.exception("Slack %s failed", name)
                text = FAILED
            await _post(url, notice_message(text))

        self._background.spawn(answering(), name=name)

    # ---- /memories <control> (called by MemoryCommands) ----------------------------------------

    def memories_subcommand(self, identity: ChatIdentity, url: str, text: str) -> None:
        sub, _, rest = text.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        service = self._service
        work: Coroutine[Any, Any, str]
        if sub == "pause":
            work = service.pause_memory(identity)
        elif sub == "resume":
            work = service.resume_memory(identity)
        elif sub == "edit":
            memory_id, _, new_text = rest.partition(" ")
            work = service.edit(identity, memory_id, new_text)
        elif sub == "retention":
            work = service.set_retention(identity, rest)
        else:
            work = _constant(service.help_text())
        self._run(url, work, f"/memories {sub}")

    # ---- slash commands ------------------------------------------------------------------------

    async def on_remember(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        text = plain_text(str(command.get("text") or ""))
        self._run(
            command["response_url"], self._service.remember(command_identity(command), text), "/remember"
        )

    async def on_link(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        code = plain_text(str(command.get("text") or "")).strip() or None
        self._run(command["response_url"], self._service.link(command_identity(command), code), "/link")

    async def on_unlink(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        self._run(command["response_url"], self._service.unlink(command_identity(command)), "/unlink")

    async def on_admin(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        identity = command_identity(command)
        words = str(command.get("text") or "").split()
        self._run(command["response_url"], self._admin(identity, words), "/memorybot")

    async def _admin(self, identity: ChatIdentity, words: list[str]) -> str:
        if len(words) < 2 or words[0].lower() != "memory" or words[1].lower() not in ("off", "on", "status"):
            return say.SWITCH_USAGE
        if words[1].lower() == "status":
            return await self._service.memory_switch_status(identity)
        target = " ".join(words[2:])
        channel_match = _CHANNEL.search(target)
        whole = target.lower() in ("server", "workspace", "everywhere")
        if target and not whole and channel_match is None:
            return say.SWITCH_USAGE
        try:
            is_admin = await self._is_admin(identity.user)
        except SlackApiError as exc:
            log.warning("users.info failed: %s", exc.response.get("error"))
            return ADMIN_UNKNOWN
        return await self._service.switch_memory(
            identity,
            is_admin=is_admin,
            off=words[1].lower() == "off",
            channel=channel_match.group(1) if channel_match else None,
            whole_server=whole,
        )

    async def _is_admin(self, user: str) -> bool:
        info = await self._client.users_info(user=user)
        person = info.get("user") or {}
        return bool(person.get("is_admin") or person.get("is_owner") or person.get("is_primary_owner"))

    # ---- the Edit button and its modal ---------------------------------------------------------

    async def on_edit_click(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        try:
            offset, query, memory_id = parse_page_state(str(action.get("value") or ""))
        except ValueError:
            return
        if memory_id is None:
            return
        identity = action_identity(body)
        url = body["response_url"]

        async def open_modal() -> None:
            record = await self._service.owned_memory(identity, memory_id)
            if record is None:
                await _post(url, notice_message(say.EDIT_MISSING))
                return
            state = {"id": record.id, "url": url, "o": offset, "q": query, "by": identity.user}
            await self._client.views_open(trigger_id=body["trigger_id"], view=edit_modal(record.text, state))

        self._background.spawn(open_modal(), name="edit modal")

    async def on_edit_submit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()  # closes the modal; the answer arrives in the listing it was opened from
        try:
            state = json.loads(view.get("private_metadata") or "{}")
            text = str(view["state"]["values"][EDIT_INPUT_BLOCK][EDIT_INPUT]["value"] or "")
            memory_id, url = str(state["id"]), str(state["url"])
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring an edit submission with an unexpected shape")
            return
        identity = action_identity(body)
        if state.get("by") != identity.user:
            # Slack only sends a modal's submission for whoever opened it; anything else is not answered.
            log.warning("ignoring an edit submitted by someone other than who opened it")
            return

        async def edit() -> None:
            try:
                answer = await self._service.edit(identity, memory_id, text)
                page = await self._service.list_memories(
                    identity, offset=int(state.get("o") or 0), limit=PAGE_SIZE, query=state.get("q")
                )
                message = memory_page_message(page, state.get("q"), notes=[answer])
            except Exception:
                log.exception("Slack edit failed")
                message = notice_message(FAILED)
            await _post(url, message, replace=True)

        self._background.spawn(edit(), name="edit")


async def _constant(text: str) -> str:
    return text
