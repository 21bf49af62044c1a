"""The offline extractor: retractions, corrections, questions and follow-ups as typed operations."""

from __future__ import annotations

import pytest

from bot.understanding.guidance import parse_guidance
from bot.understanding.operations import Add, Forget, Remove
from bot.understanding.preferences import Preference
from bot.understanding.rules import FollowUp, Question, understand


def p(key: str, value: str) -> Preference:
    return Preference.from_key(key, value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("actually I don't avoid politics anymore", [Remove(key="topic:politics", value="avoid")]),
        ("I no longer avoid politics", [Remove(key="topic:politics", value="avoid")]),
        ("forget that I avoid politics", [Remove(key="topic:politics", value="avoid")]),
        ("I'm ok with politics now", [Remove(key="topic:politics", value="avoid")]),
        ("I'm fine with politics", [Remove(key="topic:politics", value="avoid")]),
        ("I don't mind politics", [Remove(key="topic:politics", value="avoid")]),
        ("stop skipping politics", [Remove(key="topic:politics", value="avoid")]),
        ("I don't like Rust anymore", [Remove(key="topic:rust", value="like")]),
        ("I no longer want uppercase tags", [Remove(key="format.case", value="upper")]),
        ("stop using hashtags", [Add(preference=p("format.hashtags", "no"))]),
        ("stop adding the tag news", [Add(preference=p("tag.never:news", "news"))]),
        ("forget my name", [Remove(key="identity.name")]),
        ("I'm not a nurse anymore", [Remove(key="identity.role")]),
        ("forget what I said about my dog", [Forget(description="my dog")]),
        ("I prefer singular tags", [Add(preference=p("format.number", "singular"))]),
        ("I'm fine with plural tags now", [Add(preference=p("format.number", "plural"))]),
        ("reply in French", [Add(preference=p("reply.language", "French"))]),
        ("call me Al", [Add(preference=p("identity.name", "Al"))]),
    ],
)
def test_statements_and_retractions(text: str, expected: list[object]) -> None:
    understood = understand(text)
    assert understood.operations == expected
    assert understood.statement_only


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("what's my name?", Question("name")),
        ("whats my name", Question("name")),
        ("do I like rust?", Question("likes", "rust")),
        ("what did I share about postgres?", Question("shared", "postgres")),
    ],
)
def test_questions_about_oneself_change_nothing(text: str, question: Question) -> None:
    understood = understand(text)
    assert understood.question == question and understood.operations == []


def test_corrections_and_follow_ups_need_earlier_tags_in_the_thread() -> None:
    instead = Add(preference=p("tag.instead:points", "basketball"), correction=True)
    for text in ["no — basketball, not points", "not points, basketball", "use basketball instead of points"]:
        assert understand(text, in_thread=True).operations == [instead]
    assert understand("no, not points", in_thread=True).operations == [
        Add(preference=p("tag.never:points", "points"), correction=True)
    ]
    assert understand("make them shorter", in_thread=True).follow_up == FollowUp("shorter")
    assert understand("add one about databases", in_thread=True).follow_up == FollowUp("add", "databases")
    assert understand("add one about databases").follow_up is None


@pytest.mark.parametrize(
    "text",
    [
        "The election debate covered Python in schools",
        "Bob no longer avoids politics",
        "this article is about why people stop avoiding taxes",
    ],
)
def test_content_and_other_peoples_statements_change_nothing(text: str) -> None:
    assert understand(text).operations == []


@pytest.mark.parametrize(
    ("guidance", "expected"),
    [
        ("Prefers singular tags", [p("format.number", "singular")]),
        ("Always include a #news tag", [p("tag.always:news", "news")]),
        ("Wants hashtags", [p("format.hashtags", "yes")]),
        ("use uppercase tags", [p("format.case", "upper")]),
        ("My name is Ops", []),  # nobody's default
        ("Be kind to newcomers", []),
    ],
)
def test_operator_guidance_is_read_into_the_same_model(guidance: str, expected: list[Preference]) -> None:
    assert parse_guidance(guidance) == expected


@pytest.mark.parametrize(
    "text",
    [
        "forget what I said about " + "word " * 60,
        "no — " + "x" * 100 + ", not points",
        "call me " + "Z" * 400,
    ],
)
def test_a_match_that_does_not_fit_the_model_is_understood_as_nothing(text: str) -> None:
    understood = understand(text, in_thread=True)  # never an exception: the reply must not fail on it
    assert all(len(str(op)) < 1000 for op in understood.operations)
