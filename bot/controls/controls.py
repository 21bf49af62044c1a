"""The memory controls' decisions, platform-neutral: whose memories a message may read and write, and the
pause, link, retention and admin-switch commands.

`ChatService` asks `scope_for` once per message and calls the rest from its command methods; adapters only
translate. State lives behind `ControlStore` (SQLite embedded, PostgreSQL shared by every worker); every
call into it runs in a worker thread so the chat path never blocks on either.

When the store cannot be read (the database is away), a message is decided on what this process last read
for the same person and place; someone it never saw gets no memory at all for that message. Deciding "not
paused" for someone unknown would write what they may have asked not to be kept.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.controls import codes
from bot.controls import messages as say
from bot.controls.audit import AuditLog
from bot.identity import session_id_for, user_id_for
from bot.types import ChatIdentity
from state.controls import ControlStore
from state.sweeps import LocalSweepGate, SweepGate

log = logging.getLogger(__name__)

_TOLD_THREADS = 10_000
_LAST_KNOWN = 10_000
"""Per-message control states kept to decide with while the store cannot be read."""
_RETENTION = re.compile(r"^(\d{1,4})\s*(d|day|days|w|week|weeks)?$")
MAX_RETENTION_DAYS = 3650
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MemoryScope:
    """What one message may do with memory, decided before anything is read."""

    owner: str
    """The speaker's own memory id: the only one a write ever goes to."""
    readable: tuple[str, ...]
    """The owner first, then the identities linked with it: recall spans all of them."""
    read: bool
    write: bool
    notices: tuple[str, ...] = ()
    """Said under the reply: memory paused, or switched off here by an admin (once per thread)."""


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    ok: bool
    message: str
    linked: tuple[str, ...] = ()


def describe(user_id: str) -> str:
    """An identity as a person reads it: `slack:T1:U2` → `Slack U2 (T1)`."""
    platform, _, rest = user_id.partition(":")
    if platform == "slack":
        team, _, user = rest.partition(":")
        return f"Slack {user} ({team})"
    return f"{platform.title() if platform != 'console' else 'console'} {rest}"


def server_scope(identity: ChatIdentity) -> str | None:
    return f"{identity.platform}:{identity.server}" if identity.server else None


def channel_scope(identity: ChatIdentity, channel: str | None = None) -> str | None:
    channel = channel or identity.channel
    if not identity.server or not channel:
        return None
    return f"{identity.platform}:{identity.server}:{channel}"


class MemoryControls:
    def __init__(
        self,
        store: ControlStore,
        audit: AuditLog,
        *,
        retention_days: int | None = None,
        clock: Callable[[], float] = time.time,
        sweeps: SweepGate | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.sweeps: SweepGate = sweeps or LocalSweepGate()
        """Whose turn the retention sweep is (one worker of a deployment at a time)."""
        self.default_retention_days = retention_days
        self.clock = clock
        """Seconds since the epoch; tests step it instead of sleeping."""
        self._told: OrderedDict[str, None] = OrderedDict()
        self._last_known: OrderedDict[tuple[str, tuple[str, ...]], tuple[bool, list[str], list[str]]] = (
            OrderedDict()
        )

    async def _io(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    # ---- the per-message decision --------------------------------------------------------------

    async def scope_for(self, identity: ChatIdentity) -> MemoryScope:
        owner = user_id_for(identity)
        scopes = [s for s in (server_scope(identity), channel_scope(identity)) if s]
        state = await self._message_state(owner, scopes)
        if state is None:
            return MemoryScope(owner, (owner,), read=False, write=False, notices=(say.CONTROLS_UNAVAILABLE,))
        paused, linked, off = state
        notices: list[str] = []
        if off:
            session = session_id_for(identity)
            if session not in self._told:
                where = "in this server" if server_scope(identity) in off else "in this channel"
                notices.append(say.admin_off_notice(where))
                self._told[session] = None
                if len(self._told) > _TOLD_THREADS:
                    self._told.popitem(last=False)
        if paused:
            notices.append(say.PAUSED_NOTICE)
        allowed = not paused and not off
        return MemoryScope(owner, tuple(linked), read=allowed, write=allowed, notices=tuple(notices))

    async def _message_state(self, owner: str, scopes: list[str]) -> tuple[bool, list[str], list[str]] | None:
        """The store's answer, remembered; when the store fails, the last answer remembered (None: none)."""
        key = (owner, tuple(scopes))
        try:
            state = await self._io(self.store.message_state, owner, scopes)
        except Exception as exc:  # the database is away: decide on what was last seen, or not at all
            log.warning("memory controls unreadable", extra={"error": type(exc).__name__})
            return self._last_known.get(key)
        self._last_known.pop(key, None)
        self._last_known[key] = state
        if len(self._last_known) > _LAST_KNOWN:
            self._last_known.popitem(last=False)
        return state

    # ---- pause ---------------------------------------------------------------------------------

    async def is_paused(self, identity: ChatIdentity) -> bool:
        return await self._io(self.store.is_paused, user_id_for(identity))

    async def set_paused(self, identity: ChatIdentity, paused: bool) -> str:
        owner = user_id_for(identity)
        was = await self._io(self.store.is_paused, owner)
        if was == paused:
            return say.ALREADY_PAUSED if paused else say.NOT_PAUSED
        await self._io(self.store.set_paused, owner, paused, now=self.clock())
        return say.PAUSED if paused else say.RESUMED

    # ---- linked identities ---------------------------------------------------------------------

    async def linked(self, user_id: str) -> list[str]:
        return await self._io(self.store.linked, user_id)

    async def issue_code(self, identity: ChatIdentity) -> str:
        code = codes.new_code()
        expires = self.clock() + codes.CODE_TTL_S
        normalised = codes.normalise(code)
        assert normalised is not None
        await self._io(
            self.store.put_code, codes.code_hash(normalised), user_id_for(identity), expires_at=expires
        )
        return say.link_code(code, codes.CODE_TTL_S // 60)

    async def redeem(self, identity: ChatIdentity, code: str) -> LinkOutcome:
        """Join the caller with whoever issued `code`; a wrong code counts against the caller's tries."""
        me = user_id_for(identity)
        now = self.clock()
        window_start = now - codes.CODE_TTL_S
        failures = await self._io(self.store.failures_since, me, window_start)
        if len(failures) >= codes.MAX_FAILURES:
            # Refuse without looking at the code, right or wrong: otherwise the throttle only slows guessing.
            wait = failures[-codes.MAX_FAILURES] + codes.CODE_TTL_S - now
            return LinkOutcome(False, say.link_throttled(max(1, math.ceil(wait / 60))))
        normalised = codes.normalise(code)
        issuer = None
        if normalised is not None:
            issuer = await self._io(self.store.take_code, codes.code_hash(normalised), now=now)
        if issuer is None:
            await self._io(self.store.add_failure, me, now=now)
            return LinkOutcome(False, say.LINK_BAD)
        if issuer == me:
            return LinkOutcome(False, say.LINK_SELF)
        await self._io(self.store.link, issuer, me, now=now)
        linked = await self._io(self.store.linked, me)
        return LinkOutcome(True, say.linked([describe(u) for u in linked]), tuple(linked))

    async def unlink(self, identity: ChatIdentity) -> str:
        me = user_id_for(identity)
        linked = await self._io(self.store.linked, me)
        if len(linked) < 2:
            return say.UNLINKED_NONE
        await self._io(self.store.unlink, me)
        return say.unlinked([describe(u) for u in linked[1:]])

    # ---- retention -----------------------------------------------------------------------------

    async def effective_retention(self, user_id: str) -> int | None:
        own = await self._io(self.store.retention_days, user_id)
        limits = [d for d in (own, self.default_retention_days) if d]
        return min(limits) if limits else None

    async def set_retention(self, identity: ChatIdentity, value: str) -> str:
        text = value.strip().lower()
        days: int | None
        if text in ("off", "none", "forever"):
            days = None
        else:
            match = _RETENTION.match(text)
            if not match:
                return say.RETENTION_USAGE
            days = int(match[1]) * (7 if (match[2] or "d").startswith("w") else 1)
            if not 1 <= days <= MAX_RETENTION_DAYS:
                return say.RETENTION_USAGE
        owner = user_id_for(identity)
        await self._io(self.store.set_retention_days, owner, days)
        return say.retention_set(days, self.default_retention_days)

    async def retention_users(self) -> dict[str, int]:
        return await self._io(self.store.retention_users)

    # ---- admin switches ------------------------------------------------------------------------

    async def switch(
        self, identity: ChatIdentity, *, is_admin: bool, off: bool, channel: str | None, whole_server: bool
    ) -> str:
        """Switch memory off (or back on) in a channel or the whole server, for a caller proven admin.

        Args:
            identity: who asks, and in which server and channel.
            is_admin: what the platform says about the caller (Manage Server; Slack admin or owner); the
                adapter asks the platform, and nothing is switched without it.
            off: off, or back on.
            channel: the channel named in the command; the one it was run in when None.
            whole_server: the whole server or workspace instead of one channel.
        """
        if not is_admin:
            return say.SWITCH_NOT_ADMIN
        scope = server_scope(identity) if whole_server else channel_scope(identity, channel)
        if scope is None:
            return say.SWITCH_NO_SERVER
        await self._io(self.store.set_memory_off, scope, off, by=user_id_for(identity), now=self.clock())
        where = _where(identity, scope)
        await self._io(
            self.audit.write,
            actor=user_id_for(identity),
            action="memory-off" if off else "memory-on",
            target=scope,
            via=identity.platform,
        )
        return say.switched(off, where)

    async def switch_status(self, identity: ChatIdentity) -> str:
        server = server_scope(identity)
        if server is None:
            return say.SWITCH_NO_SERVER
        off = await self._io(self.store.memory_off_under, server)
        channels = [_channel_ref(identity, s.rsplit(":", 1)[1]) for s in off if s != server]
        return say.switch_status(server in off, channels, "in this server")


def _where(identity: ChatIdentity, scope: str) -> str:
    if scope == server_scope(identity):
        return "in this server" if identity.platform == "discord" else "in this workspace"
    return "in " + _channel_ref(identity, scope.rsplit(":", 1)[1])


def _channel_ref(identity: ChatIdentity, channel: str) -> str:
    """Discord renders `<#id>` as the channel's name; elsewhere the id is the best the core knows."""
    return f"<#{channel}>" if identity.platform == "discord" else f"#{channel}"
