"""`MEMORY_STORE=pgvector`: Mem0's pgvector store with our indexes and hybrid search, on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from memory.mem0_store import Mem0Store
from tests.conftest import make_settings

ALICE = "console:alice"
BOB = "console:bob"


@pytest.fixture
async def pg_store(tmp_path: Path, pgvector_url: str) -> AsyncIterator[Mem0Store]:
    from memory.client import build_mem0

    settings = make_settings(tmp_path / "data", memory_store="pgvector", database_url=pgvector_url)
    store = Mem0Store(build_mem0(settings.store_config()))
    yield store
    await store.close()


async def test_hybrid_search_finds_a_rare_word_and_stays_within_the_person(
    pg_store: Mem0Store, pgvector_url: str, tmp_path: Path
) -> None:
    for text in ["Likes hiking in the Alps", "Reads about Rust lifetimes", "Has a cat named Zorblax"]:
        await pg_store.add(ALICE, text, category="fact")
    await pg_store.add(BOB, "Has a dog named Zorblax", category="fact")
    hits = await pg_store.search(ALICE, "zorblax", top_k=2)
    assert hits[0].text == "Has a cat named Zorblax"  # the full-text side ranks the exact word first
    assert all(h.user_id == ALICE for h in hits)
    with psycopg.connect(pgvector_url) as conn:
        listed = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'memorybot'")
        indexes = {row[0] for row in listed}
    assert {"memorybot_user_idx", "memorybot_fts_col_idx"} <= indexes
    assert not list((tmp_path / "data").rglob("history.db")), "Mem0's history is kept off with a database"


async def test_forget_all_leaves_no_row_of_the_person(pg_store: Mem0Store, pgvector_url: str) -> None:
    await pg_store.add(ALICE, "Alice's secret plan qx7", category="fact")
    await pg_store.add(BOB, "Bob's note", category="fact")
    assert await pg_store.delete_all(ALICE) == 1
    await pg_store.compact()
    with psycopg.connect(pgvector_url) as conn:
        rows = conn.execute("SELECT payload->>'data' FROM memorybot").fetchall()
    assert rows == [("Bob's note",)]


async def test_a_table_from_before_the_stored_text_vector_gets_it_and_keeps_its_rows(
    tmp_path: Path, pgvector_url: str
) -> None:
    from memory.client import build_mem0

    with psycopg.connect(pgvector_url, autocommit=True) as conn:  # the table as the first version made it
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("CREATE TABLE memorybot (id uuid PRIMARY KEY, vector vector(256), payload jsonb)")
        conn.execute(
            "CREATE INDEX memorybot_fts_idx ON memorybot USING gin (to_tsvector('english', payload->>'data'))"
        )
        conn.execute(
            "INSERT INTO memorybot VALUES (gen_random_uuid(), array_fill(0.1, ARRAY[256])::vector, %s)",
            ('{"data": "Has a cat named Zorblax", "user_id": "console:alice"}',),
        )
    settings = make_settings(tmp_path / "data", memory_store="pgvector", database_url=pgvector_url)
    store = Mem0Store(build_mem0(settings.store_config()))
    try:
        hits = await store.search(ALICE, "zorblax", top_k=2)
        assert [h.text for h in hits] == ["Has a cat named Zorblax"]
    finally:
        await store.close()
    with psycopg.connect(pgvector_url) as conn:
        indexes = {
            row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'memorybot'")
        }
        stored = conn.execute("SELECT fts::text FROM memorybot").fetchall()
    assert "memorybot_fts_idx" not in indexes and "memorybot_fts_col_idx" in indexes
    assert stored == [("'cat':3 'name':4 'zorblax':5",)]
