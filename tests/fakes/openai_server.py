"""An OpenAI-compatible chat server on loopback: the network edge for the tagging model and Mem0's LLM.

The real clients (pydantic-ai's `OpenAIChatModel`, Mem0's `OpenAILLM`, both on the `openai` SDK) talk to it
over HTTP, so everything up to the wire is our code and theirs, unmocked. Each request is recorded and sorted
into a *kind* (`agent`, `extraction`, or one the test names); a test scripts the answers per kind. Answers
that must stall wait on `release` (set at shutdown), never on a sleep.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from mem0.configs.prompts import ADDITIVE_EXTRACTION_PROMPT

__all__ = [
    "Answer",
    "FakeOpenAI",
    "SeenRequest",
    "error",
    "extraction",
    "output",
    "stall",
    "text",
]

OUTPUT_TOOL_PREFIX = "final_result"
"""pydantic-ai's default output tool name for an `output_type` (suffixed when there are several)."""
_EXTRACTION_MARK = ADDITIVE_EXTRACTION_PROMPT.strip()[:200]


@dataclass(frozen=True)
class SeenRequest:
    """One `POST /v1/chat/completions` that reached the server."""

    kind: str
    body: dict[str, Any]
    authorization: str

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def texts(self, role: str) -> list[str]:
        """The text of every message with this role (system/developer instructions, user turns, ...)."""
        found = []
        for message in self.messages:
            if message.get("role") != role:
                continue
            content = message.get("content")
            if isinstance(content, str):
                found.append(content)
            elif isinstance(content, list):
                found.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
        return found

    @property
    def instructions(self) -> str:
        """System and developer messages together: where pydantic-ai puts the agent's instructions."""
        return "\n".join([*self.texts("system"), *self.texts("developer")])

    @property
    def tool_names(self) -> list[str]:
        return [str(t.get("function", {}).get("name")) for t in self.body.get("tools", [])]

    @property
    def everything(self) -> str:
        """The whole request as text, for "this never left the process" assertions."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass(frozen=True)
class Answer:
    """The server's answer to one request; built by `output`, `text`, `extraction`, `error`, `stall`."""

    mode: Literal["output", "text", "error", "stall"]
    content: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    status: int = 200


def output(
    *,
    reply: str,
    tags: list[str] | None = None,
    memories_used: list[str] | None = None,
    operations: list[dict[str, Any]] | None = None,
) -> Answer:
    """The model calls pydantic-ai's output tool with these arguments (named as the request offers it)."""
    args = {
        "reply": reply,
        "tags": tags or [],
        "memories_used": memories_used or [],
        "operations": operations or [],
    }
    return Answer("output", arguments=args)


def text(content: str) -> Answer:
    """A plain assistant message (Mem0's JSON answers, or a model that ignores the tools)."""
    return Answer("text", content=content)


def extraction(*memories: str, attributed_to: str = "user") -> Answer:
    """Mem0's additive extraction answer: one new memory per text."""
    items = [{"id": str(i), "text": m, "attributed_to": attributed_to} for i, m in enumerate(memories)]
    return text(json.dumps({"memory": items}))


def error(status: int = 500) -> Answer:
    """An HTTP error; the SDK is told not to retry it, so a failure costs one request."""
    return Answer("error", status=status)


def stall() -> Answer:
    """Never answer (until shutdown): the client's own timeout has to end the call."""
    return Answer("stall")


Classifier = Callable[[dict[str, Any]], bool]
Scripted = Answer | Callable[[SeenRequest], Answer]
"""A fixed answer, or one computed from the request (to answer with ids the request carries)."""


@dataclass
class FakeOpenAI:
    """The running server. `script(kind, *answers)` queues answers; once a kind's queue is empty, the last
    answer it gave repeats, and before anything was scripted the kind's entry in `defaults` answers.

    Built-in kinds: `agent` (a request offering pydantic-ai's output tool) and `extraction` (Mem0's additive
    extraction prompt; by default answered with no memories). `kinds` adds named classifiers, checked first.
    A request of a kind with no answer at all gets a 500 that says so.
    """

    kinds: dict[str, Classifier] = field(default_factory=dict)
    defaults: dict[str, Scripted] = field(default_factory=lambda: {"extraction": extraction()})
    requests: list[SeenRequest] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _answers: defaultdict[str, list[Scripted]] = field(default_factory=lambda: defaultdict(list))
    _last: dict[str, Scripted] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, kind: str, *answers: Scripted) -> None:
        self._answers[kind].extend(answers)

    def of_kind(self, kind: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.kind == kind]

    async def wait_for(self, kind: str, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until `count` requests of this kind have arrived (for work the caller does not await itself)."""

        async def enough() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.of_kind(kind)) >= count)

        await asyncio.wait_for(enough(), timeout)

    async def start(self) -> None:
        app = web.Application()
        app.add_routes([web.post("/v1/chat/completions", self._chat)])
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _classify(self, body: dict[str, Any]) -> str:
        for name, matches in self.kinds.items():
            if matches(body):
                return name
        tools = [str(t.get("function", {}).get("name", "")) for t in body.get("tools", [])]
        if any(name.startswith(OUTPUT_TOOL_PREFIX) for name in tools):
            return "agent"
        system = " ".join(
            str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system"
        )
        if _EXTRACTION_MARK in system:
            return "extraction"
        return "unknown"

    def _next_answer(self, seen: SeenRequest) -> Answer | None:
        queued = self._answers[seen.kind]
        if queued:
            self._last[seen.kind] = queued.pop(0)
        scripted = self._last.get(seen.kind) or self.defaults.get(seen.kind)
        if scripted is None:
            return None
        return scripted if isinstance(scripted, Answer) else scripted(seen)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        seen = SeenRequest(self._classify(body), body, request.headers.get("Authorization", ""))
        async with self._arrived:
            self.requests.append(seen)
            self._arrived.notify_all()
        if body.get("stream"):
            return _error_response(400, "this fake does not stream")
        answer = self._next_answer(seen)
        if answer is None:
            return _error_response(500, f"nothing scripted for a request of kind {seen.kind!r}")
        if answer.mode == "stall":
            await self.release.wait()
            return _error_response(503, "shutting down")
        if answer.mode == "error":
            return _error_response(answer.status, "scripted failure")
        return web.json_response(self._completion(body, answer))

    def _completion(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        n = next(self._ids)
        message: dict[str, Any] = {"role": "assistant", "content": answer.content or None}
        finish = "stop"
        if answer.mode == "output":
            tools = [str(t.get("function", {}).get("name", "")) for t in body.get("tools", [])]
            name = next((t for t in tools if t.startswith(OUTPUT_TOOL_PREFIX)), OUTPUT_TOOL_PREFIX)
            call = {"name": name, "arguments": json.dumps(answer.arguments)}
            message["tool_calls"] = [{"id": f"call_{n}", "type": "function", "function": call}]
            finish = "tool_calls"
        return {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": str(body.get("model", "fake")),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }


def _error_response(status: int, message: str) -> web.Response:
    payload = {"error": {"message": message, "type": "server_error", "code": None, "param": None}}
    return web.json_response(payload, status=status, headers={"x-should-retry": "false"})
