"""A fake Discord for tests: gateway websocket and REST API on loopback, recording what the bot sends.

The real discord.py client connects to it unchanged (through `DISCORD_API_URL` / `DISCORD_GATEWAY_URL`):
HELLO, heartbeat ACK, READY with `application` and GUILD_CREATE on IDENTIFY; tests then push MESSAGE_CREATE
and INTERACTION_CREATE frames and wait for the bot's requests with a deadline. Quirks copied from Discord
because discord.py depends on them: JSON replies carry the content type `application/json` exactly (no
charset), messages the bot posts come back to it as MESSAGE_CREATE, and message content is privileged.

Sharding as Discord does it: IDENTIFY carries `shard: [id, count]` (an id outside the count closes with
4010), a session receives only its guilds (`(guild_id >> 22) % count`), DMs go to shard 0, and RESUME
keeps the shard the session had. Several processes can share one fake: give each its own `api_url_via` /
`gateway_url_via` label and every request and delivered event says which process it came from or went to.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes import discord_payloads as wire
from tests.fakes.discord_payloads import JSON
from tests.fakes.discord_records import Delivery, Interaction, Recorded, RequestLog

__all__ = ["EPHEMERAL", "JSON", "Delivery", "FakeDiscord", "Interaction", "Recorded"]

EPHEMERAL = 64
MODAL = 9
"""Interaction callback type: answer with a modal."""
MESSAGE_CONTENT_INTENT = 1 << 15
_EPOCH_MS = 1420070400000
INVALID_SHARD = 4010


@dataclass(frozen=True, slots=True)
class _Session:
    ws: web.WebSocketResponse
    shard: tuple[int, int]
    """(shard id, shard count), as identified."""
    via: str | None
    session_id: str

    def owns(self, guild_id: int | None) -> bool:
        shard_id, shard_count = self.shard
        return (0 if guild_id is None else (guild_id >> 22) % shard_count) == shard_id


class FakeDiscord(RequestLog):
    """Serve `api_url` and `gateway_url` for one bot user in any number of guilds.

    Args:
        token: the only bot token accepted (REST and IDENTIFY); others get 401 / close 4004.
        allow_message_content: False mimics an application without the privileged intent (close 4014).
        echo_own_messages: send the bot's own posts back over the gateway, as Discord does.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        allow_message_content: bool = True,
        echo_own_messages: bool = True,
    ) -> None:
        super().__init__()
        self.token = token
        self.allow_message_content = allow_message_content
        self.echo_own_messages = echo_own_messages
        self.refuse_command_sync = False
        self.failing_posts: list[int] = []
        """HTTP statuses the next posts of the bot's messages get instead of success, in order."""
        """Answer command sync with 403 Missing Access, as for a bot invited without applications.commands."""
        self._ids = itertools.count(1)
        self.users: dict[str, JSON] = {}
        self.application_id = self.snowflake()
        self.bot = self.user("memorybot", bot=True, user_id=self.application_id)
        self.guilds: dict[int, JSON] = {}
        self.channels: dict[int, JSON] = {}
        self.messages: dict[int, JSON] = {}
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        """RESUME payloads: a client reconnecting after `drop_connections`."""
        self.commands: dict[str, list[JSON]] = {}
        """Synced command payloads by scope: "global" or the guild id."""
        self.interactions: dict[str, Interaction] = {}
        self.delivered: list[Delivery] = []
        """Every MESSAGE_CREATE / INTERACTION_CREATE sent, per receiving session."""
        self._sessions: list[_Session] = []
        self._shards_by_session: dict[str, tuple[int, int]] = {}
        self._sequences: dict[int, itertools.count[int]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/{via}/gateway", self._gateway)
        app.router.add_route("*", "/{via}/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in list(self._sessions):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def api_url_via(self, via: str) -> str:
        """`api_url` for one process: its requests are recorded with `via` (a path segment, not "api")."""
        return f"http://127.0.0.1:{self.port}/{via}/api/v10"

    def gateway_url_via(self, via: str) -> str:
        return f"ws://127.0.0.1:{self.port}/{via}/gateway"

    @property
    def shards(self) -> list[tuple[int, str | None]]:
        """The connected sessions: (shard id, via), in connection order."""
        return [(session.shard[0], session.via) for session in self._sessions]

    # --- world building ----------------------------------------------------------------------------

    def snowflake(self) -> int:
        """Real-looking ids: a timestamp in the high bits and a counter below."""
        return ((int(time.time() * 1000) - _EPOCH_MS) << 22) | next(self._ids)

    def user(self, name: str, *, bot: bool = False, user_id: int | None = None) -> JSON:
        """A person (or another bot) the fake knows, so that `<@id>` in a message resolves to them."""
        data = wire.user(user_id or self.snowflake(), name, bot=bot)
        self.users[data["id"]] = data
        return data

    def add_guild(self, name: str = "Test Server", *, guild_id: int | None = None) -> JSON:
        gid = guild_id or self.snowflake()
        data = wire.guild(gid, name, owner_id=self.snowflake(), bot=self.bot, bot_role_id=self.snowflake())
        self.guilds[gid] = data
        return data

    def add_channel(self, guild: JSON, name: str = "general") -> JSON:
        channel = wire.text_channel(self.snowflake(), guild["id"], name, position=len(guild["channels"]))
        guild["channels"].append(channel)
        self.channels[int(channel["id"])] = channel
        return channel

    def add_thread(self, guild: JSON, parent: JSON, name: str = "a thread", *, joined: bool = False) -> JSON:
        member_id = self.bot["id"] if joined else None
        thread = wire.thread(self.snowflake(), parent, name, owner_id=self.snowflake(), member_id=member_id)
        guild["threads"].append(thread)
        self.channels[int(thread["id"])] = thread
        return thread

    def dm_channel(self, user: JSON) -> JSON:
        channel = wire.dm_channel(self.snowflake(), user)
        self.channels[int(channel["id"])] = channel
        return channel

    def mention(self, user: JSON) -> str:
        return f"<@{user['id']}>"

    # --- events the bot receives -------------------------------------------------------------------

    async def send_message(
        self,
        author: JSON,
        channel: JSON,
        content: str,
        *,
        message_type: int = 0,
        mention_everyone: bool = False,
    ) -> JSON:
        """Someone posts `content`; the bot gets MESSAGE_CREATE, with mentions resolved as Discord does."""
        mentioned = [u for uid, u in self.users.items() if f"<@{uid}>" in content or f"<@!{uid}>" in content]
        message = self._message(
            channel, author, content, message_type=message_type, mentions=mentioned, everyone=mention_everyone
        )
        await self._dispatch_message(message)
        return message

    async def slash(
        self,
        user: JSON,
        channel: JSON,
        command: str,
        sub: str | None = None,
        *,
        group: str | None = None,
        permissions: str | None = None,
        channels: dict[str, JSON] | None = None,
        **options: str | int | bool,
    ) -> Interaction:
        """Invoke `/<command> [<group>] [<sub>] option:value` as `user` in `channel`.

        `channels` are channel options (name → channel), sent with their resolved data as Discord does;
        `permissions` are the member's computed permissions in the channel (Discord sends them).
        """
        values: list[JSON] = [
            {"type": 5 if isinstance(v, bool) else 3, "name": k, "value": v} for k, v in options.items()
        ]
        values += [{"type": 7, "name": k, "value": c["id"]} for k, c in (channels or {}).items()]
        nested: list[JSON] = [{"type": 1, "name": sub, "options": values}] if sub else values
        if group:
            nested = [{"type": 2, "name": group, "options": nested}]
        data: JSON = {
            "id": str(self._command_id(command, channel)),
            "name": command,
            "type": 1,
            "options": nested,
        }
        if channels:
            data["resolved"] = {
                "channels": {
                    c["id"]: {"id": c["id"], "name": c["name"], "type": c["type"], "permissions": "0"}
                    for c in channels.values()
                }
            }
        if "guild_id" in channel:
            data["guild_id"] = channel["guild_id"]
        return await self._interact(2, user, channel, data, permissions=permissions)

    async def submit_modal(self, user: JSON, opened_by: Interaction, values: dict[str, str]) -> Interaction:
        """Submit the modal the bot answered `opened_by` with, filling its text inputs by label."""
        (callback,) = [r.payload() for r in self.callbacks(opened_by) if r.payload().get("type") == MODAL]
        modal = callback["data"]
        inputs = [c for row in modal["components"] for c in _inputs(row)]
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": c["custom_id"], "value": values[c["label"]]}]}
            for c in inputs
        ]
        data = {"custom_id": modal["custom_id"], "components": rows}
        channel = opened_by.payload["channel"]
        message = self.messages.get(opened_by.message_id or 0)
        return await self._interact(5, user, channel, data, message=message)

    async def autocomplete(
        self, user: JSON, channel: JSON, command: str, sub: str, option: str, value: str
    ) -> Interaction:
        data: JSON = {
            "id": str(self._command_id(command, channel)),
            "name": command,
            "type": 1,
            "options": [
                {
                    "type": 1,
                    "name": sub,
                    "options": [{"type": 3, "name": option, "value": value, "focused": True}],
                }
            ],
        }
        return await self._interact(4, user, channel, data)

    async def click(self, user: JSON, message: JSON, label: str) -> Interaction:
        """Click the button labelled `label` on `message` (as the bot last rendered it)."""
        message = self.messages[int(message["id"])]
        button = self.button(message, label)
        channel = self.channels[int(message["channel_id"])]
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._interact(3, user, channel, data, message=message)

    @staticmethod
    def buttons(message: JSON) -> list[JSON]:
        return [
            c for row in message.get("components", []) for c in row.get("components", []) if c["type"] == 2
        ]

    def button(self, message: JSON, label: str) -> JSON:
        found = [b for b in self.buttons(message) if b.get("label") == label]
        if not found:
            raise AssertionError(f"no button {label!r} in {[b.get('label') for b in self.buttons(message)]}")
        return found[0]

    # --- gateway -----------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        via = request.match_info.get("via")
        session: _Session | None = None
        sequence = itertools.count(1)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif message["op"] == 2:
                    session = await self._identify(ws, message["d"], sequence, via)
                    if session is None:
                        break
                elif message["op"] == 6:  # RESUME after a dropped connection: the same shard, caught up
                    session = await self._resume(ws, message["d"], sequence, via)
        finally:
            if session in self._sessions:
                self._sessions.remove(session)
        return ws

    async def drop_connections(self, code: int = 4000) -> None:
        """The gateway drops every bot connection (4000: an unknown error, which clients resume from)."""
        for session in list(self._sessions):
            await session.ws.close(code=code, message=b"Unknown error.")

    async def _resume(
        self, ws: web.WebSocketResponse, data: JSON, sequence: itertools.count[int], via: str | None
    ) -> _Session:
        self.resumes.append(data)
        session_id = str(data.get("session_id"))
        session = _Session(ws, self._shards_by_session.get(session_id, (0, 1)), via, session_id)
        self._sessions.append(session)
        self._sequences[id(ws)] = sequence
        await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": next(sequence), "d": {}}))
        await self._notify()
        return session

    async def _identify(
        self, ws: web.WebSocketResponse, data: JSON, sequence: itertools.count[int], via: str | None
    ) -> _Session | None:
        self.identifies.append(data)
        await self._notify()
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        if data.get("intents", 0) & MESSAGE_CONTENT_INTENT and not self.allow_message_content:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return None
        session = _Session(ws, (shard_id, shard_count), via, secrets.token_hex(16))
        guilds = [g for gid, g in self.guilds.items() if session.owns(gid)]
        ready = {
            "v": 10,
            "user": {**self.bot, "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url_via(via) if via else self.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(sequence), "d": ready}))
        for guild in guilds:
            await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(sequence), "d": guild}))
        self._sessions.append(session)
        self._shards_by_session[session.session_id] = session.shard
        self._sequences[id(ws)] = sequence
        await self._notify()
        return session

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> None:
        """Send a gateway event to the session that owns `guild_id` (DMs go to shard 0)."""
        if not self._sessions:
            raise AssertionError("the bot is not connected to the fake gateway")
        for session in list(self._sessions):
            if session.owns(guild_id):
                self.delivered.append(Delivery(event, str(data.get("id")), session.shard[0], session.via))
                seq = self._sequences.setdefault(id(session.ws), itertools.count(1))
                await session.ws.send_str(json.dumps({"op": 0, "t": event, "s": next(seq), "d": data}))

    # --- REST --------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        via = request.match_info.get("via")
        recorded = Recorded(request.method, path, dict(request.query), body, files, via)
        self.record(recorded)
        try:
            return await self._route(request, recorded)
        finally:
            await self._notify()

    async def _route(self, request: web.Request, rec: Recorded) -> web.Response:
        parts = rec.path.strip("/").split("/")
        webhook_or_interaction = parts[0] in ("webhooks", "interactions")
        if not webhook_or_interaction and request.headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        match (rec.method, parts):
            case ("GET", ["users", "@me"]):
                return _json(self.bot)
            case ("GET", ["oauth2", "applications", "@me"]):
                return _json(wire.application(self.application_id, self.bot["username"], self.user("owner")))
            case ("GET", ["gateway", "bot"]):
                limits = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
                return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limits})
            case ("PUT", ["applications", *_]) if self.refuse_command_sync:
                return _json({"message": "Missing Access", "code": 50001}, status=403)
            case ("PUT", ["applications", _, "commands"]):
                return _json(self._sync("global", rec.json))
            case ("PUT", ["applications", _, "guilds", guild_id, "commands"]):
                return _json(self._sync(guild_id, rec.json))
            case ("POST", ["channels", channel_id, "typing"]):
                return web.Response(status=204)
            case ("POST", ["channels", channel_id, "messages"]) if self.failing_posts:
                status = self.failing_posts.pop(0)
                return _json({"message": f"{status}: failing on purpose", "code": 0}, status=status)
            case ("POST", ["channels", channel_id, "messages"]):
                return await self._bot_posts(int(channel_id), rec.payload())
            case ("POST", ["interactions", _, token, "callback"]):
                return self._callback(token, rec.payload())
            case ("POST", ["webhooks", _, token]):
                return await self._followup(token, rec.payload())
            case ("PATCH", ["webhooks", _, token, "messages", message_id]):
                return self._edit(token, message_id, rec.payload())
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _sync(self, scope: str, commands: Any) -> list[JSON]:
        synced = [
            {**cmd, "id": str(self.snowflake()), "application_id": str(self.application_id), "version": "1"}
            for cmd in commands
        ]
        self.commands[scope] = synced
        return synced

    def _command_id(self, name: str, channel: JSON) -> int:
        for scope in (channel.get("guild_id"), "global"):
            for cmd in self.commands.get(str(scope), []):
                if cmd["name"] == name:
                    return int(cmd["id"])
        raise AssertionError(
            f"/{name} was not synced for {channel.get('guild_id') or 'DMs'}: {self.commands}"
        )

    async def _bot_posts(self, channel_id: int, payload: JSON) -> web.Response:
        channel = self.channels.get(channel_id)
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        content = payload.get("content") or ""
        if len(content) > 2000:
            error = {
                "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer"}]}
            }
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": error}, status=400)
        message = self._message(channel, self.bot, content, sent=payload)
        if self.echo_own_messages:
            await self._dispatch_message(message)
        return _json(message)

    def _callback(self, token: str, payload: JSON) -> web.Response:
        interaction = self.interactions[token]
        kind = payload.get("type")
        data = payload.get("data") or {}
        resource: JSON = {"type": kind}
        response_id = None
        if kind == 4:
            message = self._interaction_message(interaction, data)
            resource["message"] = message
            response_id = message["id"]
            interaction.message_id = int(message["id"])
        elif kind == 7 and interaction.message_id is not None:
            resource["message"] = self._update(interaction.message_id, data)
        return _json(
            {
                "interaction": {
                    "id": str(interaction.id),
                    "type": interaction.payload["type"],
                    "response_message_id": response_id,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
                },
                "resource": resource,
            }
        )

    async def _followup(self, token: str, payload: JSON) -> web.Response:
        interaction = self.interactions[token]
        return _json(self._interaction_message(interaction, payload))

    def _edit(self, token: str, message_id: str, payload: JSON) -> web.Response:
        interaction = self.interactions[token]
        target = interaction.message_id if message_id == "@original" else int(message_id)
        if target is None or target not in self.messages:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        return _json(self._update(target, payload))

    # --- payload builders --------------------------------------------------------------------------

    def _message(self, channel: JSON, author: JSON, content: str, **options: Any) -> JSON:
        message = wire.message(self.snowflake(), channel, author, content, **options)
        self.messages[int(message["id"])] = message
        return message

    def _interaction_message(self, interaction: Interaction, data: JSON) -> JSON:
        channel = interaction.payload["channel"]
        content = data.get("content") or ""
        message = self._message(channel, self.bot, content, sent=data, message_type=wire.CHAT_INPUT_COMMAND)
        interaction.created.append(int(message["id"]))
        message["interaction_metadata"] = {
            "id": str(interaction.id),
            "type": interaction.payload["type"],
            "user": interaction.payload.get("user") or interaction.payload["member"]["user"],
            "authorizing_integration_owners": {},
        }
        return message

    def _update(self, message_id: int, data: JSON) -> JSON:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components", "flags"):
            if key in data:
                message[key] = data[key] if data[key] is not None else ([] if key != "content" else "")
        message["edited_timestamp"] = wire.now()
        return message

    async def _dispatch_message(self, message: JSON) -> None:
        guild_id = int(message["guild_id"]) if "guild_id" in message else None
        await self.dispatch("MESSAGE_CREATE", message, guild_id=guild_id)

    async def _interact(
        self,
        kind: int,
        user: JSON,
        channel: JSON,
        data: JSON,
        *,
        message: JSON | None = None,
        permissions: str | None = None,
    ) -> Interaction:
        interaction = Interaction(id=self.snowflake(), token=secrets.token_urlsafe(24), payload={})
        payload = wire.interaction(
            interaction.id,
            interaction.token,
            app_id=self.application_id,
            kind=kind,
            by=user,
            channel=channel,
            data=data,
            on_message=message,
        )
        if message is not None:
            interaction.message_id = int(message["id"])
        if permissions is not None and "member" in payload:
            payload["member"]["permissions"] = permissions
        interaction.payload = payload
        self.interactions[interaction.token] = interaction
        await self.dispatch(
            "INTERACTION_CREATE",
            payload,
            guild_id=int(channel["guild_id"]) if "guild_id" in channel else None,
        )
        return interaction


def _inputs(row: JSON) -> list[JSON]:
    """The text inputs of a modal row: in an action row (type 1) or a label (type 18)."""
    if row.get("type") == 18:
        return [row["component"] | {"label": row.get("label")}]
    return [c for c in row.get("components", []) if c.get("type") == 4]


def _json(data: Any, *, status: int = 200) -> web.Response:
    # discord.py parses JSON only for exactly this content type; aiohttp's json_response adds a charset.
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[str, bytes] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            raw = await part.read()
            if name == "payload_json":
                payload = json.loads(raw)
            else:
                files[getattr(part, "filename", None) or name] = bytes(raw)
        return payload, files
    raw_text = await request.text()
    return (json.loads(raw_text) if raw_text else None), {}
