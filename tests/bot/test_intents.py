"""What a message asks for, as the offline model reads it."""

from __future__ import annotations

import pytest

from bot.intents import Intent, detect_intent
from bot.understanding.rules import understand

CASES: list[tuple[str, Intent]] = [
    ("hi", "greeting"),
    ("Hello there!", "greeting"),
    ("good morning", "greeting"),
    ("thanks!", "thanks"),
    ("thank you so much", "thanks"),
    ("What do you remember about me?", "recall"),
    ("what do you know about me", "recall"),
    ("show me my memories", "recall"),
    ("who am I?", "recall"),
    ("show me Bob's memories", "other_person"),
    ("what do you remember about Bob?", "other_person"),
    ("what does alice like?", "other_person"),
    ("what have you stored for other users?", "other_person"),
    ("help", "help"),
    ("how do I use you?", "help"),
    ("what can you do?", "help"),
    ("I like Rust", "statement"),
    ("I prefer lowercase tags and I avoid politics", "statement"),
    ("hi, my name is Alice", "statement"),
    ("what's the capital of France?", "question"),
    ("what do you know about python?", "question"),
    ("The election results are in and Python developers built dashboards", "tag"),
    (
        "I like Rust. Here is why: Tokio runtimes make async code fast and the borrow checker keeps it safe",
        "tag",
    ),
    ("I want tags for this article someone shared: the election", "tag"),
    ("what's my name?", "question_about_me"),
    ("whats my name", "question_about_me"),
    ("do I like rust?", "question_about_me"),
    ("what did I share about python?", "question_about_me"),
    ("actually I don't avoid politics anymore", "statement"),
    ("I no longer avoid politics", "statement"),
    ("forget that I avoid politics", "statement"),
    ("I'm ok with politics now", "statement"),
    ("I prefer singular tags", "statement"),
    ("", "empty"),
    ("https://example.com/article", "empty"),
]


@pytest.mark.parametrize(("text", "intent"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_intent(text: str, intent: Intent) -> None:
    assert detect_intent(text, understand(text)) == intent


def test_shared_links_are_always_something_to_tag() -> None:
    assert detect_intent("hi", understand("hi"), has_links=True) == "tag"
    text = "what do you remember about me?"
    assert detect_intent(text, understand(text), has_links=True) == "tag"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("make them shorter", "follow_up"),
        ("add one about databases", "follow_up"),
        ("no, not points", "statement"),
    ],
)
def test_follow_ups_and_corrections_refer_to_the_threads_last_tags(text: str, intent: Intent) -> None:
    assert detect_intent(text, understand(text, in_thread=True)) == intent
    assert detect_intent(text, understand(text, in_thread=False)) != "follow_up"
