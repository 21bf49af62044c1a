"""Drive the adapter the way Slack does and read back what it sent, in one line per step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.slack import SlackAdapter
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import Call, FakeSlack, SlackSender

if TYPE_CHECKING:
    from bot.service import ChatService

ELECTION_TEXT = (
    "The election campaign heated up as candidates debated voting rules, while a new Python library "
    "for data analysis was released to help programmers process polling data."
)
POLITICAL = re.compile(r"elect|polit|vot|campaign|candidate|govern|poll", re.I)


@dataclass
class SlackHarness:
    fake: FakeSlack
    sender: SlackSender
    adapter: SlackAdapter
    service: ChatService

    async def deliver(self, body: dict[str, Any], *, retry_num: int | None = None) -> None:
        if body.get("type") == "event_callback" and body["event"]["type"] in ("message", "app_mention"):
            self.fake.remember(body["event"])
        status, text = await self.sender.event(body, retry_num=retry_num)
        assert status == 200, (status, text)

    async def deliver_and_wait_reply(self, body: dict[str, Any], *, thread_ts: str | None) -> Call:
        """Deliver an event and return the chat.postMessage that answers it (in `thread_ts`, or top level)."""
        channel = body["event"]["channel"]

        def answers(call: Call) -> bool:
            return call.params.get("channel") == channel and call.params.get("thread_ts") == thread_ts

        before = len([c for c in self.fake.calls_to("chat.postMessage") if answers(c)])
        await self.deliver(body)
        return (await self.fake.wait_for_calls("chat.postMessage", before + 1, where=answers))[-1]

    async def mention(self, user: str, text: str, *, channel: str = "C0GENERAL") -> Call:
        body = p.app_mention(user, text, channel=channel)
        return await self.deliver_and_wait_reply(body, thread_ts=body["event"]["ts"])

    async def dm(self, user: str, text: str) -> Call:
        return await self.deliver_and_wait_reply(p.dm(user, text), thread_ts=None)

    async def settle(self) -> None:
        """Every accepted request answered and every memory update applied."""
        await self.adapter.idle()
        await self.service.drain()

    async def command(self, command: str, text: str, *, user: str) -> Call:
        """Run a slash command; returns the response_url post that answers it."""
        url = self.fake.new_response_url()
        status, body = await self.sender.form(p.slash_command(command, text, user=user, response_url=url))
        assert status == 200, (status, body)
        return await self.response(url)

    async def click(self, action_id: str, value: str, *, user: str) -> Call:
        """Click a button; returns the response_url post that answers the click."""
        url = self.fake.new_response_url()
        status, body = await self.sender.interaction(
            p.block_action(action_id, value, user=user, response_url=url)
        )
        assert status == 200, (status, body)
        return await self.response(url)

    async def response(self, url: str) -> Call:
        path = url[url.index("/response/") :]
        return (await self.fake.wait_for_calls("response_url", where=lambda c: c.path == path))[-1]

    async def memory_page(self, user: str, query: str = "") -> Call:
        await self.settle()
        return await self.command("/memories", query, user=user)


def mrkdwn(call: Call) -> str:
    """All text a person sees in a posted message (blocks' mrkdwn; the fallback when there are no blocks)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(call.params.get("blocks") or [])
    return "\n".join(found) if found else str(call.params.get("text", ""))


def tags_of(call: Call) -> list[str]:
    for block in call.params.get("blocks") or []:
        if block["type"] == "context" and block["elements"][0]["text"].startswith("*Tags:*"):
            return re.findall(r"`([^`]+)`", block["elements"][0]["text"])
    return []


def buttons(call: Call) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in call.params.get("blocks") or []:
        if "accessory" in block:
            found.append(block["accessory"])
        if block["type"] == "actions":
            found.extend(block["elements"])
    return found


def button(call: Call, action_prefix: str) -> dict[str, Any]:
    matching = [b for b in buttons(call) if b["action_id"].startswith(action_prefix)]
    assert matching, f"no {action_prefix} button in {buttons(call)}"
    return matching[0]
