"""The memory-control commands of `ChatService` (it inherits them), written once for every adapter.

Kept apart from `bot/service.py` so the chat path and these commands can change independently. Every
method takes the caller's `ChatIdentity`: whose memories it touches is decided here, never by the adapter.
Linked identities form one person: listing, search, export, forget and edit span them, while every memory
stays owned by the identity that wrote it, and writes only ever go to the caller's own identity.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.compaction import Compactor
from bot.confirm import ConfirmTokens
from bot.controls import messages as say
from bot.controls.audit import AuditLog
from bot.controls.controls import MemoryControls, describe
from bot.controls.memory_ops import (
    MAX_REMEMBER_CHARS,
    edit_memory,
    expired_interactions,
    remember_explicitly,
)
from bot.identity import user_id_for
from bot.types import ChatIdentity
from memory.ids import SHORT_ID_CHARS, resolve_short_id
from memory.store import MemoryStore, MemoryUnavailable
from memory.types import MemoryPage, MemoryRecord
from state.queue import UpdateQueue

log = logging.getLogger(__name__)

RETENTION_EVERY_S = 3600.0
"""How often expired memories are looked for (and once at start)."""
_FULL_ID_CHARS = 36
_LINKED = "|linked"
"""Suffix of the owner a "forget every linked account" token is signed for: a plain token cannot stand in."""


class MemoryControlCommands:
    store: MemoryStore
    queue: UpdateQueue
    compactor: Compactor
    controls: MemoryControls
    _tokens: ConfirmTokens
    _retention_task: asyncio.Task[None] | None = None

    @property
    def audit(self) -> AuditLog:
        return self.controls.audit

    # ---- whose memories ------------------------------------------------------------------------

    async def readable_ids(self, identity: ChatIdentity) -> list[str]:
        """The caller's memory id first, then those linked with it."""
        return await self.controls.linked(user_id_for(identity))

    async def _records(self, identity: ChatIdentity) -> list[MemoryRecord]:
        ids = await self.readable_ids(identity)
        found = [r for uid in ids for r in await self.store.all(uid)]
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(found, key=lambda r: (r.created_at or epoch, r.id), reverse=True)

    async def list_linked(
        self, identity: ChatIdentity, *, offset: int, limit: int, query: str | None
    ) -> MemoryPage | None:
        """A listing across linked identities; None when the caller is not linked (the plain path applies)."""
        ids = await self.readable_ids(identity)
        if len(ids) < 2:
            return None
        if query:
            hits = [h for uid in ids for h in await self.store.search(uid, query, top_k=50)]
            hits.sort(key=lambda r: -(r.score or 0.0))
            return MemoryPage(
                items=hits[offset : offset + limit], total=len(hits), offset=offset, limit=limit
            )
        records = await self._records(identity)
        return MemoryPage(
            items=records[offset : offset + limit], total=len(records), offset=offset, limit=limit
        )

    async def owned_memory(self, identity: ChatIdentity, given: str) -> MemoryRecord | None:
        """The caller's (or a linked identity's) memory with this id or short id; None if not theirs."""
        given = given.strip().strip("`").lower()
        if not given:
            return None
        for uid in await self.readable_ids(identity):
            if len(given) >= _FULL_ID_CHARS or len(given) < SHORT_ID_CHARS:
                record = await self.store.get(uid, given)
                if record is not None:
                    return record
                continue
            matches = [r for r in await self.store.all(uid) if r.id.startswith(given)]
            if len(matches) == 1:
                return matches[0]
            if matches:
                return None  # ambiguous short id: refuse rather than guess
        return None

    async def export_linked(self, identity: ChatIdentity) -> str | None:
        ids = await self.readable_ids(identity)
        if len(ids) < 2:
            return None
        documents = [await self.store.export(uid) for uid in ids]
        merged: dict[str, Any] = {
            "user_id": ids[0],
            "linked_identities": ids[1:],
            "exported_at": datetime.now(UTC).isoformat(),
            "count": sum(int(d["count"]) for d in documents),
            "memories": [{**m, "owner": d["user_id"]} for d in documents for m in d["memories"]],
        }
        return json.dumps(merged, ensure_ascii=False, indent=2)

    # ---- pause ---------------------------------------------------------------------------------

    async def pause_memory(self, identity: ChatIdentity) -> str:
        return await self.controls.set_paused(identity, True)

    async def resume_memory(self, identity: ChatIdentity) -> str:
        return await self.controls.set_paused(identity, False)

    async def memory_settings(self, identity: ChatIdentity) -> list[str]:
        """Lines for the top of a `/memories` listing: paused, linked identities, retention."""
        me = user_id_for(identity)
        lines = []
        if await self.controls.is_paused(identity):
            lines.append(say.PAUSED_NOTICE)
        linked = await self.controls.linked(me)
        if len(linked) > 1:
            lines.append(say.links_line([describe(u) for u in linked[1:]]))
        retention = await self.controls.effective_retention(me)
        if retention is not None:
            lines.append(say.retention_line(retention))
        return lines

    # ---- remember and edit ---------------------------------------------------------------------

    async def remember(self, identity: ChatIdentity, text: str) -> str:
        text = " ".join(text.split())
        if not text:
            return say.REMEMBER_EMPTY
        if await self.controls.is_paused(identity):
            return say.REMEMBER_PAUSED
        if len(text) > MAX_REMEMBER_CHARS:
            return say.remember_too_long(MAX_REMEMBER_CHARS)
        owner = user_id_for(identity)
        async with self.store.user_lock(owner):
            added = await remember_explicitly(
                self.store, owner, text, key=f"remember:{uuid.uuid4()}", platform=identity.platform
            )
        self.compactor.after_delete()  # a replaced preference leaves its old text behind
        return say.remembered([r.text for r in added])

    async def edit(self, identity: ChatIdentity, memory_id: str, text: str) -> str:
        text = " ".join(text.split())
        if not memory_id.strip() or not text:
            return say.EDIT_USAGE
        if len(text) > MAX_REMEMBER_CHARS:
            return say.remember_too_long(MAX_REMEMBER_CHARS)
        if await self.controls.is_paused(identity):
            return say.EDIT_PAUSED
        record = await self.owned_memory(identity, memory_id)
        if record is None:
            return say.EDIT_MISSING
        async with self.store.user_lock(record.user_id):
            updated = await edit_memory(self.store, record.user_id, record.id, text)
        if updated is None:
            return say.EDIT_MISSING
        self.compactor.after_delete()  # the old text stays in the files until compacted
        return say.edited(updated.text)

    # ---- one person across platforms -----------------------------------------------------------

    async def link(self, identity: ChatIdentity, code: str | None = None) -> str:
        """No code: a one-time code for the caller. A code: join the caller with whoever made it."""
        if not code or not code.strip():
            return await self.controls.issue_code(identity)
        outcome = await self.controls.redeem(identity, code)
        return outcome.message

    async def unlink(self, identity: ChatIdentity) -> str:
        return await self.controls.unlink(identity)

    async def linked_identities(self, identity: ChatIdentity) -> list[str]:
        """The other identities the caller is linked with, as a person reads them."""
        return [describe(u) for u in (await self.readable_ids(identity))[1:]]

    def forget_all_linked_token(self, identity: ChatIdentity) -> str:
        """A confirmation for erasing every linked identity; only `confirm_forget_all_linked` accepts it."""
        return self._tokens.issue(user_id_for(identity) + _LINKED)

    async def confirm_forget_all_linked(self, identity: ChatIdentity, token: str) -> int | None:
        me = user_id_for(identity)
        if not self._tokens.verify(me + _LINKED, token):
            return None
        count = 0
        for uid in await self.controls.linked(me):  # every identity first, then one compaction for all
            count += await self.forget_everything(uid, compact=False)
        await self.compactor.now()
        return count

    async def forget_everything(self, user_id: str, *, compact: bool = True) -> int:  # ChatService's
        raise NotImplementedError

    # ---- retention -----------------------------------------------------------------------------

    async def set_retention(self, identity: ChatIdentity, value: str) -> str:
        return await self.controls.set_retention(identity, value)

    async def expire_memories(self, *, now: datetime | None = None, every_s: float | None = None) -> int:
        """Erase interaction memories past their retention, the same way as forget, then compact the files;
        updates still waiting in the queue (parked ones) from before the retention go too, with their text.
        Returns how many memories and queued updates were erased.

        Once per deployment: with several workers, only the one whose turn it is sweeps (`state.sweeps`;
        `every_s`: skip when another swept less than that long ago); the others return 0. Every worker then
        drops what it holds of the people concerned, as after a forget-all.
        """
        async with self.controls.sweeps.turn("retention", every_s=every_s) as mine:
            if not mine:
                return 0
            users = await self.controls.retention_users()
            expired = await expired_interactions(
                self.store, users, self.controls.default_retention_days, now=now
            )
            deleted = 0
            for record in expired:
                async with self.store.user_lock(record.user_id):
                    deleted += await self.store.delete(record.user_id, record.id)
            deleted += await asyncio.to_thread(
                self._drop_old_jobs, users, self.controls.default_retention_days, now or datetime.now(UTC)
            )
            if deleted:
                await asyncio.to_thread(self.queue.checkpoint)  # applied jobs' text may still be in its log
                await self.compactor.now()
                await asyncio.to_thread(
                    self.audit.write, actor="memorybot", action="retention-expiry", target="*", count=deleted
                )
                await self.announce_erased(sorted({r.user_id for r in expired}))
        return deleted

    def _drop_old_jobs(self, users: dict[str, int], default_days: int | None, now: datetime) -> int:
        dropped = 0
        if default_days:
            dropped += self.queue.drop_older((now - timedelta(days=default_days)).timestamp())
        for user_id, days in users.items():
            limit = min(d for d in (days, default_days) if d)
            dropped += self.queue.drop_older((now - timedelta(days=limit)).timestamp(), user_id)
        return dropped

    async def announce_erased(self, user_ids: list[str]) -> None:  # ChatService's
        raise NotImplementedError

    def start_retention(self) -> None:
        if self._retention_task is None:
            self._retention_task = asyncio.create_task(self._expire_periodically(), name="memory-retention")

    async def stop_retention(self) -> None:
        task, self._retention_task = self._retention_task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _expire_periodically(self) -> None:
        while True:
            try:
                await self.expire_memories(every_s=RETENTION_EVERY_S * 0.9)
            except MemoryUnavailable:
                log.warning("retention check skipped: memory unavailable")
            except Exception:
                log.exception("retention check failed")
            await asyncio.sleep(RETENTION_EVERY_S)

    # ---- server and workspace admins -----------------------------------------------------------

    async def switch_memory(
        self, identity: ChatIdentity, *, is_admin: bool, off: bool, channel: str | None, whole_server: bool
    ) -> str:
        return await self.controls.switch(
            identity, is_admin=is_admin, off=off, channel=channel, whole_server=whole_server
        )

    async def memory_switch_status(self, identity: ChatIdentity) -> str:
        return await self.controls.switch_status(identity)

    # ---- the operator (CLI) --------------------------------------------------------------------

    async def operator_forget(self, user_id: str, *, actor: str, memory_id: str | None = None) -> int:
        """Erase one memory or everything of `user_id` for the operator; writes the audit line."""
        if memory_id is None:
            count = await self.forget_everything(user_id)
            await asyncio.to_thread(self.controls.store.erase, user_id)
        else:
            async with self.store.user_lock(user_id):
                full = resolve_short_id(memory_id, [r.id for r in await self.store.all(user_id)])
                count = int(bool(full) and await self.store.delete(user_id, full or ""))
            self.compactor.after_delete()
        action = "forget-all" if memory_id is None else "forget-one"
        await asyncio.to_thread(
            self.audit.write, actor=actor, action=action, target=user_id, count=count, via="cli"
        )
        return count

    async def operator_export(self, user_id: str, *, actor: str) -> dict[str, Any]:
        """What the bot remembers about `user_id`, for the operator; audited (the count, never the text)."""
        document = await self.store.export(user_id)
        await asyncio.to_thread(
            self.audit.write,
            actor=actor,
            action="read-memories",
            target=user_id,
            count=document["count"],
            via="cli",
        )
        return document
