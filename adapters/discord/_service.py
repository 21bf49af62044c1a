"""The part of the core's `ChatService` the adapter calls: it depends on a shape, not on the module."""

from __future__ import annotations

from typing import Protocol

from bot.types import ChatIdentity, IncomingMessage, Reply
from memory.types import MemoryPage


class ChatServiceLike(Protocol):
    async def handle(self, message: IncomingMessage) -> Reply: ...

    async def list_memories(
        self, identity: ChatIdentity, *, offset: int = 0, limit: int = 5, query: str | None = None
    ) -> MemoryPage: ...

    async def forget(self, identity: ChatIdentity, memory_id: str) -> bool: ...

    def forget_all_token(self, identity: ChatIdentity) -> str: ...

    async def confirm_forget_all(self, identity: ChatIdentity, token: str) -> int | None: ...

    async def export(self, identity: ChatIdentity) -> str: ...

    def help_text(self) -> str: ...
