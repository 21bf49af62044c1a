"""A real `ChatService` on `InMemoryStore`: the core's own tests in milliseconds, without Qdrant or Mem0.

Everything but the memory store is the real part the application wires (`memorybot.app.build_service`): the
offline tagging agent, the SQLite update queue, confirmation tokens, controls and ledger in the data
directory. Only what the core does is proven here; memory guarantees are proven on the real store
(`tests/memory/`, and the `service` fixture, which builds the whole application).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from bot.agent import build_agent
from bot.confirm import ConfirmTokens
from bot.service import ChatService, LinkSource
from bot.settings import Settings
from memory.in_memory_store import InMemoryStore
from memory.store import MemoryStore
from state import open_queue

Similarity = Callable[[str, Sequence[str]], list[float]]


@asynccontextmanager
async def in_memory_service(
    settings: Settings,
    *,
    store: MemoryStore | None = None,
    similarity: Similarity | None = None,
    links: LinkSource | None = None,
) -> AsyncIterator[ChatService]:
    """An open, started `ChatService` on `store` (a fresh `InMemoryStore` by default); closed on exit.

    Args:
        settings: Its `data_dir` holds the queue, controls and ledger files.
        store: The memory store; pass one to look at it, or to share it between two services.
        similarity: The topic judge's similarity (`memory.embedder.similarity` in the application); None
            leaves the offline tagger without it, which is what most core tests want: no model to load.
        links: Reads shared links (`bot.links.LinkReader`; the caller closes it); None reads none.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    service = ChatService(
        settings,
        store=store if store is not None else InMemoryStore(),
        agent=build_agent(settings),
        queue=open_queue(settings.data_dir, None),
        tokens=ConfirmTokens(b"in-memory-tests-secret"),
        similarity=similarity,
        links=links,
    )
    service.start()
    try:
        yield service
    finally:
        await service.aclose()
