"""Splitting long answers for Discord's 2,000-character limit, and memory pages within embed limits."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest

from adapters.discord.render import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT,
    memories_embed,
    render_reply,
    split_message,
)
from bot.types import Reply
from memory.types import MemoryPage, MemoryRecord

FENCE = re.compile(r"^\s*```")


def words(text: str) -> list[str]:
    """The words of `text` outside fence lines: what a reader sees, however it is split."""
    return [w for line in text.split("\n") if not FENCE.match(line) for w in line.split()]


def fences_balanced(chunk: str) -> bool:
    return sum(1 for line in chunk.split("\n") if FENCE.match(line)) % 2 == 0


def prose(n_words: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    vocabulary = ["tag", "memory", "discord", "lowercase", "python", "release", "library", "data", "a", "the"]
    lines = []
    for _ in range(n_words // 12):
        lines.append(" ".join(rng.choice(vocabulary) for _ in range(12)))
        if rng.random() < 0.2:
            lines.append("")
    return "\n".join(lines)


def test_short_text_is_one_message() -> None:
    assert split_message("hello **world**") == ["hello **world**"]


def test_5000_characters_become_several_messages_under_the_limit_without_cutting_words() -> None:
    text = prose(900)
    assert len(text) > 5000
    chunks = split_message(text)
    assert len(chunks) >= 3
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert words("\n".join(chunks)) == words(text)


def test_one_long_line_is_cut_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(1200))  # ~9,000 characters, no newline
    chunks = split_message(text)
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert words("\n".join(chunks)) == text.split()


def test_a_code_block_that_fits_is_never_split() -> None:
    block = "```python\n" + "\n".join(f"print({i})  # line {i}" for i in range(40)) + "\n```"
    text = prose(250) + "\n" + block + "\n" + prose(60, seed=2)
    chunks = split_message(text)
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert sum(block in chunk for chunk in chunks) == 1, "the block must arrive whole in one message"
    assert all(fences_balanced(c) for c in chunks)
    assert words("\n".join(chunks)) == words(text)


def test_an_oversized_code_block_is_closed_and_reopened_in_every_part() -> None:
    body = "\n".join(f"value_{i} = compute({i}, 'some argument text')" for i in range(200))
    text = "Here is the code:\n```py\n" + body + "\n```\nThat was it."
    chunks = split_message(text)
    assert len(chunks) >= 4
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert all(fences_balanced(c) for c in chunks)
    code_chunks = [c for c in chunks if "value_" in c]
    assert all(c.index("```py\n") < c.index("value_") for c in code_chunks), "each part reopens the fence"
    code_lines = [line for c in chunks for line in c.split("\n") if line.startswith("value_")]
    assert code_lines == body.split("\n"), "no code line lost, duplicated or cut"


def test_an_unclosed_code_block_is_closed() -> None:
    text = "```\n" + "\n".join("x" * 50 for _ in range(60))
    chunks = split_message(text)
    assert len(chunks) == 2
    assert all(fences_balanced(c) for c in chunks)


def test_only_a_word_longer_than_a_message_is_cut() -> None:
    giant = "x" * 4500
    chunks = split_message(f"before {giant} after")
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert "".join(chunks).replace("before", "").replace("after", "").replace(" ", "") == giant
    assert chunks[0] == "before"
    assert chunks[-1].endswith("after")


def test_no_message_is_blank() -> None:
    assert split_message("a" + "\n" * 3000 + "b") == ["a", "b"]
    assert split_message("\n\n   \n") == []


@pytest.mark.parametrize("limit", [50, 120, 2000])
def test_random_documents_respect_every_rule(limit: int) -> None:
    rng = random.Random(limit)
    for _ in range(30):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.3:
                parts.append(
                    "```js\n" + "\n".join("let v = 1;" * rng.randint(1, 3) for _ in range(8)) + "\n```"
                )
            else:
                parts.append(" ".join("w" * rng.randint(1, 12) for _ in range(rng.randint(1, 60))))
        text = "\n".join(parts)
        chunks = split_message(text, limit)
        assert all(len(c) <= limit for c in chunks)
        assert all(fences_balanced(c) for c in chunks)
        assert all(c.strip() for c in chunks)
        if limit == 2000:
            assert words("\n".join(chunks)) == words(text)


def test_reply_shows_text_tags_memories_and_notices() -> None:
    rendered = render_reply(
        Reply("Here you go.", tags=["python", "data`x"], memories_used=["likes lowercase"], notices=["cut"])
    )
    assert rendered.splitlines() == [
        "Here you go.",
        "**Tags:** `python` · `datax`",
        "-# Remembered: likes lowercase",
        "-# cut",
    ]


def record(i: int, text: str) -> MemoryRecord:
    return MemoryRecord(
        id=f"id-{i}",
        text=text,
        user_id="discord:1",
        category="preference",
        created_at=datetime(2025, 1, i + 1, tzinfo=UTC),
    )


def test_memory_page_embed_stays_within_discord_limits_and_numbers_items() -> None:
    huge = "very long memory " * 600
    page = MemoryPage(items=[record(i, huge) for i in range(5)], total=12, offset=5, limit=5)
    embed = memories_embed(page, query="q" * 500)
    assert len(embed.description or "") <= EMBED_DESCRIPTION_LIMIT
    assert len(embed) <= EMBED_TOTAL_LIMIT
    assert len(embed.title or "") <= 256
    assert "**6.**" in (embed.description or "") and "**10.**" in (embed.description or "")
    assert "`id-0`" in (embed.description or "")
    assert "6–10 of 12" in (embed.footer.text or "")
