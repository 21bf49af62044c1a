"""A fake Slack on loopback: the Web API, `response_url`s, file upload URLs and a Socket Mode websocket.

It plays both sides of Slack for tests:
- inbound (what the app calls): `/api/<method>` answering like Slack and recording every call, including
  what slack_sdk's `files_upload_v2` and the Socket Mode client call; `/response/<id>` for response_url posts;
  `/upload/<file id>` for upload URLs; `/link` for the Socket Mode websocket.
- outbound (what Slack sends): `SlackSender` signs and POSTs events, slash commands and button clicks the way
  Slack does (`slack_sdk.signature.SignatureVerifier`), and `FakeSlack.send_envelope` pushes Socket Mode
  envelopes.

Tests wait for recorded calls with `wait_for_calls` (a deadline and a condition, never a sleep).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import ClientSession, WSMsgType, web
from slack_sdk.signature import SignatureVerifier

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-1-test-app-token"
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0FAKE"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "AFAKE"

_JSON_PARAMS = ("blocks", "files", "attachments", "metadata", "view")


@dataclass
class Call:
    """One request the app made to the fake."""

    method: str
    """The Web API method (`chat.postMessage`), or `response_url`, `upload`, `socket_ack`."""
    params: dict[str, Any]
    """Query, form and JSON body merged; JSON-valued form fields (blocks, files) decoded."""
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""
    body: bytes = b""


@dataclass
class _RateLimit:
    remaining: int
    retry_after: int


class FakeSlack:
    """Run with `async with FakeSlack() as slack:`; `slack.api_url` is what SLACK_API_URL should be."""

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.on_call = on_call
        """Told of every call as it arrives (the chat benchmark times replies with it)."""
        self.calls: list[Call] = []
        self.messages: list[dict[str, Any]] = []
        """Every message in the fake workspace: posted by the app, or people's (see `remember`)."""
        self._changed = asyncio.Condition()
        self._rate_limits: dict[str, _RateLimit] = {}
        self._failures: dict[str, list[int]] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._socket: web.WebSocketResponse | None = None
        self._socket_open = asyncio.Event()
        self.admins: set[str] = set()
        """User ids `users.info` reports as workspace admins."""
        self.owners: set[str] = set()
        """User ids `users.info` reports as workspace owners."""

    # ---- lifecycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._socket_mode)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def new_response_url(self) -> str:
        return f"{self.base_url}response/{uuid.uuid4().hex}"

    # ---- test controls -------------------------------------------------------------------------

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After: retry_after`."""
        self._rate_limits[method] = _RateLimit(times, retry_after)

    def fail(self, method: str, *, status: int = 503, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with a server error (HTTP `status`, no JSON)."""
        self._failures[method] = [status] * times

    def remember(self, message: dict[str, Any]) -> None:
        """A message people wrote (delivered to the app as an event) now exists in Slack's history."""
        known = {(m.get("channel"), m["ts"]) for m in self.messages}
        if (message["channel"], message["ts"]) not in known:
            self.messages.append({**message, "type": "message"})

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[Call], bool] = lambda _: True,
        within: float = 20.0,
    ) -> list[Call]:
        """The calls to `method` matching `where`, once there are at least `count` of them."""

        def matching() -> list[Call]:
            return [c for c in self.calls_to(method) if where(c)]

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
            except TimeoutError:
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"expected {count} {method} call(s) within {within}s; saw {seen}"
                ) from None
        return matching()

    async def _record(self, call: Call) -> None:
        if self.on_call is not None:
            self.on_call(call)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # ---- the Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.read()
        params = _params(request, body)
        call = Call(method, params, dict(request.headers), request.path, body)
        await self._record(call)

        failures = self._failures.get(method)
        if failures:
            return web.Response(status=failures.pop(), text="upstream unavailable")

        limit = self._rate_limits.get(method)
        if limit is not None and limit.remaining > 0:
            limit.remaining -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(limit.retry_after)},
            )

        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or params.get(
            "token"
        )
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        result: dict[str, Any] = handler(params)
        return web.json_response({"ok": True, **result})

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _m_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "memorybot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, **params}
        self.messages.append(message)
        return {"channel": params.get("channel"), "ts": ts, "message": message}

    def _m_chat_postEphemeral(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, root = params.get("channel"), params.get("ts")
        in_thread = [m for m in self.messages if root in (m.get("ts"), m.get("thread_ts"))]
        thread = sorted((m for m in in_thread if m.get("channel") == channel), key=lambda m: float(m["ts"]))
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 1000)
        more = start + limit < len(thread)
        return {
            "messages": thread[start : start + limit],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = str(params.get("users", ""))
        return {"channel": {"id": "D" + users.split(",")[0].removeprefix("U")}}

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = "F" + uuid.uuid4().hex[:10].upper()
        return {"upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files") or []
        return {"files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        return {
            "user": {
                "id": user,
                "team_id": TEAM_ID,
                "name": user.lower(),
                "is_admin": user in self.admins or user in self.owners,
                "is_owner": user in self.owners,
                "is_primary_owner": False,
                "is_bot": False,
            }
        }

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        return {"view": {"id": "V" + uuid.uuid4().hex[:10].upper(), **(view or {})}}

    def _m_apps_connections_open(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/link?ticket={uuid.uuid4().hex}"}

    # ---- response_url and upload URLs ----------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.read()
        await self._record(
            Call("response_url", json.loads(body or b"{}"), dict(request.headers), request.path, body)
        )
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        params = {"file_id": request.match_info["file_id"]}
        await self._record(Call("upload", params, dict(request.headers), request.path, body))
        return web.Response(text=f"OK - {len(body)}")

    # ---- Socket Mode ---------------------------------------------------------------------------

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}})
        self._socket_open.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                await self._record(Call("socket_ack", data, path=request.path, body=message.data.encode()))
        return ws

    async def drop_socket(self) -> None:
        """Close the Socket Mode connection from Slack's side, as a restart or a network fault would."""
        socket, self._socket = self._socket, None
        self._socket_open.clear()
        if socket is not None:
            await socket.close()

    async def socket_connected(self, within: float = 20.0) -> None:
        await asyncio.wait_for(self._socket_open.wait(), within)

    async def send_envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int | None = None,
        accepts_payload: bool = False,
    ) -> str:
        """Push one Socket Mode envelope (`events_api`, `slash_commands`, `interactive`); returns its id."""
        await self.socket_connected()
        assert self._socket is not None
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_payload,
        }
        if retry_attempt is not None:
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout")
        await self._socket.send_json(envelope)
        return envelope_id


class SlackSender:
    """Slack's side of HTTP delivery: signs and POSTs to the app's `/slack/events` endpoint."""

    def __init__(self, url: str, *, signing_secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self._verifier = SignatureVerifier(signing_secret)
        self._session: ClientSession | None = None

    async def __aenter__(self) -> SlackSender:
        self._session = ClientSession()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST a raw body signed like Slack does; returns (status, response text)."""
        assert self._session is not None, "use `async with SlackSender(...)`"
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent: dict[str, str] = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature
            or self._verifier.generate_signature(timestamp=ts, body=body)
            or "",
            **(headers or {}),
        }
        async with self._session.post(self.url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def event(
        self, payload: dict[str, Any], *, retry_num: int | None = None, **kw: Any
    ) -> tuple[int, str]:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(json.dumps(payload), "application/json", headers=headers, **kw)

    async def form(self, fields: dict[str, str], **kw: Any) -> tuple[int, str]:
        """A slash command: `application/x-www-form-urlencoded` fields."""
        from urllib.parse import urlencode

        return await self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    async def interaction(self, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
        """A button click: the JSON payload in a `payload` form field."""
        return await self.form({"payload": json.dumps(payload)}, **kw)


def _params(request: web.Request, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    content_type = request.headers.get("Content-Type", "")
    if body and content_type.startswith("application/json"):
        params.update(json.loads(body))
    elif body and content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    for key in _JSON_PARAMS:
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params
