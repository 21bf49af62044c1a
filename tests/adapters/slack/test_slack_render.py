"""Rendering: escaping of everything user- or model-written, and Slack's size limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.slack.render import (
    ACTION_FORGET_ALL,
    MAX_BLOCKS,
    SECTION_TEXT_LIMIT,
    escape,
    fit,
    forget_all_message,
    memory_page_message,
    parse_page_state,
    reply_message,
    split,
)
from bot.types import Reply
from memory.types import MemoryPage, MemoryRecord


def all_texts(message: dict[str, object]) -> list[str]:
    """Every mrkdwn string in a message, fallback text included."""
    found: list[str] = [str(message["text"])]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message["blocks"])
    return found


def record(n: int, text: str = "") -> MemoryRecord:
    return MemoryRecord(
        id=f"m{n}",
        text=text or f"memory {n}",
        user_id="slack:T1:U1",
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
    )


def test_control_sequences_in_reply_tags_memories_and_notices_are_escaped() -> None:
    hostile = "<!channel> <@U123> <https://evil.example|click> & more"
    message = reply_message(Reply(hostile, tags=["<!here>"], memories_used=[hostile], notices=[hostile]))
    texts = all_texts(message)
    assert len(texts) == 5
    for text in texts:
        assert "<!" not in text and "<@" not in text and "<http" not in text, text
    assert "&lt;!channel&gt; &lt;@U123&gt;" in texts[1]
    assert "&amp; more" in texts[1]


def test_escape_does_not_double_escape() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape("&lt;") == "&amp;lt;"


def test_a_long_reply_is_split_into_sections_within_the_limits() -> None:
    text = ("word " * 2000 + "\n") * 20  # ~200,000 characters
    message = reply_message(Reply(text, tags=["a"], notices=["n"]))
    blocks = message["blocks"]
    assert len(blocks) == MAX_BLOCKS
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= SECTION_TEXT_LIMIT for b in sections)
    assert sections[-1]["text"]["text"].endswith("…")
    assert blocks[-1]["type"] == "context"  # tags and notices survive the cut
    assert len(message["text"]) <= 3000


def test_splitting_never_cuts_an_entity_and_loses_no_text() -> None:
    text = "<&>" * 3000
    pieces = split(text, SECTION_TEXT_LIMIT)
    assert all(len(p) <= SECTION_TEXT_LIMIT for p in pieces)
    joined = "".join(pieces)
    assert joined == escape(text)


def test_fit_cuts_on_raw_characters() -> None:
    cut = fit("&" * 10, 12)
    assert cut == "&amp;&amp;…"


def test_memory_page_has_a_delete_button_per_memory_and_paging() -> None:
    page = MemoryPage(items=[record(6, "<!channel> likes tea"), record(7)], total=12, offset=5, limit=5)
    message = memory_page_message(page, query="tea")
    buttons = [b["accessory"] for b in message["blocks"] if "accessory" in b]
    assert [json.loads(b["value"])["id"] for b in buttons] == ["m6", "m7"]
    assert len({b["action_id"] for b in buttons}) == 2, "action ids must be unique within a message"
    actions = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    states = {e["action_id"]: parse_page_state(e["value"]) for e in actions}
    assert states == {
        "memorybot_edit:0": (5, "tea", "m6"),
        "memorybot_edit:1": (5, "tea", "m7"),
        "memorybot_page:prev": (0, "tea", None),
        "memorybot_page:next": (10, "tea", None),
    }
    assert all("<!channel>" not in t for t in all_texts(message))
    assert "6–7 of 12" in message["blocks"][0]["text"]["text"]


def test_first_page_without_more_has_no_paging_buttons() -> None:
    message = memory_page_message(MemoryPage(items=[record(1)], total=1, offset=0, limit=5))
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["memorybot_edit:0"]


def test_empty_page_says_so() -> None:
    message = memory_page_message(MemoryPage(items=[], total=0, offset=0, limit=5))
    assert "anything" in message["blocks"][0]["text"]["text"]


def test_forget_all_confirmation_carries_the_token_on_a_danger_button() -> None:
    message = forget_all_message("tok123", 4)
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    button = next(e for e in actions["elements"] if e["action_id"] == ACTION_FORGET_ALL)
    assert button == {**button, "style": "danger", "value": "tok123"}
    with pytest.raises(ValueError):
        forget_all_message("x" * 2001, 1)


@pytest.mark.parametrize("value", ["[]", '{"o": -1}', '{"o": 1, "q": 3}', '{"id": 5}', "not json"])
def test_page_state_rejects_values_we_did_not_make(value: str) -> None:
    with pytest.raises(ValueError):
        parse_page_state(value)
