"""The statement grammar (version 1, moved from `memory/`): what people say about themselves becomes keyed
facts, and nothing else does. `parse_memory` is its third-person reader, used only by the one-time upgrade of
version-1 stores and for the operator's guidance text."""

from __future__ import annotations

import pytest

from bot.understanding._statements import ExtractedFact, extract_facts, parse_memory, parse_memory_facts


def keyed(text: str) -> list[tuple[str, str, str]]:
    return [(f.text, f.key, f.value) for f in extract_facts(text)]


POSITIVES: list[tuple[str, list[tuple[str, str, str]]]] = [
    # likes
    ("I like Rust", [("Likes Rust", "topic:rust", "like")]),
    ("I like Rust content", [("Likes Rust", "topic:rust", "like")]),
    ("i really love jazz!", [("Likes jazz", "topic:jazz", "like")]),
    ("I enjoy reading about space", [("Likes space", "topic:space", "like")]),
    ("I prefer Python over Java", [("Likes Python", "topic:python", "like")]),
    ("I'm into machine learning", [("Likes machine learning", "topic:machine learning", "like")]),
    (
        "I am interested in the history of science",
        [("Likes history of science", "topic:history of science", "like")],
    ),
    ("I'm a big fan of jazz", [("Likes jazz", "topic:jazz", "like")]),
    ("I like news", [("Likes news", "topic:news", "like")]),
    # avoids
    ("I avoid politics", [("Avoids politics", "topic:politics", "avoid")]),
    ("avoid politics", [("Avoids politics", "topic:politics", "avoid")]),
    ("I dislike crypto", [("Avoids cryptocurrency", "topic:cryptocurrency", "avoid")]),
    ("I hate political stuff", [("Avoids politics", "topic:politics", "avoid")]),
    ("I don't like sports", [("Avoids sports", "topic:sports", "avoid")]),
    ("I do not want celebrity gossip", [("Avoids celebrity gossip", "topic:celebrity gossip", "avoid")]),
    ("I'm not interested in football", [("Avoids football", "topic:football", "avoid")]),
    ("I can't stand reality TV", [("Avoids reality TV", "topic:reality tv", "avoid")]),
    # identity
    ("I'm a data scientist", [("Is a data scientist", "identity:role", "data scientist")]),
    ("I am an engineer at Acme", [("Is an engineer", "identity:role", "engineer")]),
    ("I work as a nurse", [("Is a nurse", "identity:role", "nurse")]),
    ("I work as accountant", [("Is an accountant", "identity:role", "accountant")]),
    ("my name is alice", [("Name is Alice", "identity:name", "alice")]),
    ("My name is Mary Jane", [("Name is Mary Jane", "identity:name", "mary jane")]),
    ("Call me Bob!", [("Name is Bob", "identity:name", "bob")]),
    # tag format
    ("I prefer lowercase tags", [("Prefers lowercase tags", "format:case", "lower")]),
    ("Tags in UPPERCASE please", [("Prefers UPPERCASE tags", "format:case", "upper")]),
    ("use Title Case for tags", [("Prefers Title Case tags", "format:case", "title")]),
    ("use hashtags", [("Wants hashtags", "format:hashtags", "yes")]),
    ("no hashtags please", [("Wants no hashtags", "format:hashtags", "no")]),
    ("I don't want hashtags", [("Wants no hashtags", "format:hashtags", "no")]),
    ("Never use hashtags", [("Wants no hashtags", "format:hashtags", "no")]),
    ("At most 3 tags please", [("Wants at most 3 tags", "format:max_tags", "3")]),
    ("no more than five tags", [("Wants at most 5 tags", "format:max_tags", "5")]),
    ("max 4 tags", [("Wants at most 4 tags", "format:max_tags", "4")]),
    ("3 tags max", [("Wants at most 3 tags", "format:max_tags", "3")]),
    ("I only want 2 tags", [("Wants at most 2 tags", "format:max_tags", "2")]),
    ("always include the tag 'work'", [("Always include the tag 'work'", "format:always:work", "yes")]),
    ("Always tag work", [("Always include the tag 'work'", "format:always:work", "yes")]),
    ("always add #work", [("Always include the tag 'work'", "format:always:work", "yes")]),
    ("always include work as a tag", [("Always include the tag 'work'", "format:always:work", "yes")]),
    (
        'Always include the tag "Deep Work"',
        [("Always include the tag 'Deep Work'", "format:always:deep-work", "yes")],
    ),
    ("never use the tag politics", [("Never use the tag 'politics'", "format:always:politics", "no")]),
    ("don't ever use the tag #news", [("Never use the tag 'news'", "format:always:news", "no")]),
]

MULTI: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "I prefer lowercase tags and I avoid politics",
        [("Prefers lowercase tags", "format:case", "lower"), ("Avoids politics", "topic:politics", "avoid")],
    ),
    (
        "I prefer lowercase tags and avoid politics.",
        [("Prefers lowercase tags", "format:case", "lower"), ("Avoids politics", "topic:politics", "avoid")],
    ),
    (
        "I love reading about space and hate crypto",
        [("Likes space", "topic:space", "like"), ("Avoids cryptocurrency", "topic:cryptocurrency", "avoid")],
    ),
    (
        "I don't like politics or religion",
        [("Avoids politics", "topic:politics", "avoid"), ("Avoids religion", "topic:religion", "avoid")],
    ),
    (
        "I prefer lowercase tags without hashtags",
        [("Prefers lowercase tags", "format:case", "lower"), ("Wants no hashtags", "format:hashtags", "no")],
    ),
    (
        "Hi! My name is Alice, I'm a data scientist. Oh and btw, I like Rust; no more than 3 tags please",
        [
            ("Name is Alice", "identity:name", "alice"),
            ("Is a data scientist", "identity:role", "data scientist"),
            ("Likes Rust", "topic:rust", "like"),
            ("Wants at most 3 tags", "format:max_tags", "3"),
        ],
    ),
    ("I like Rust, do you?", [("Likes Rust", "topic:rust", "like")]),
    # a message that contradicts itself: its last word counts
    ("I like politics. Actually no, I avoid politics", [("Avoids politics", "topic:politics", "avoid")]),
]

APOSTROPHES: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("I\u2019m a data scientist", [("Is a data scientist", "identity:role", "data scientist")]),
    ("I don\u2019t want hashtags", [("Wants no hashtags", "format:hashtags", "no")]),
    ("I\u2018m not into crypto", [("Avoids cryptocurrency", "topic:cryptocurrency", "avoid")]),
    ("I can\u02bct stand politics", [("Avoids politics", "topic:politics", "avoid")]),
    ("my name\u2019s Zo\u00eb", [("Name is Zo\u00eb", "identity:name", "zo\u00eb")]),
]

NEGATIVES = [
    "Bob likes politics",
    "my wife hates politics",
    "do you like Rust?",
    "Do I like Rust?",
    "what do you remember about me?",
    "Can you use lowercase tags?",
    "I'm a bit tired",
    "I like it",
    "I love you",
    "I hate this article",
    "I like to cook",
    "call me later",
    "This article is about uppercase letters in tags",
    "Tag this: the election results are in",
    "The president said he likes lowercase tags",
    "https://example.com/i-like-rust",
    "",
    "   ",
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES + MULTI + APOSTROPHES, ids=lambda v: str(v)[:40])
def test_first_person_statements_become_keyed_facts(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert keyed(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_statements_not_by_the_speaker_about_themselves_give_nothing(text: str) -> None:
    assert extract_facts(text) == []


def test_categories_split_identity_from_preferences() -> None:
    facts = {f.key: f.category for f in extract_facts("I'm a nurse and I like jazz; max 3 tags")}
    assert facts == {"identity:role": "fact", "topic:jazz": "preference", "format:max_tags": "preference"}


def test_like_and_avoid_share_a_key_so_they_contradict() -> None:
    (liked,) = extract_facts("I like politics")
    (avoided,) = extract_facts("I avoid politics")
    assert liked.key == avoided.key and liked.value != avoided.value


def test_always_and_never_share_a_key_so_they_contradict() -> None:
    (always,) = extract_facts("always include the tag work")
    (never,) = extract_facts("never use the tag work")
    assert always.key == never.key == "format:always:work"
    assert (always.value, never.value) == ("yes", "no")


CANONICAL = sorted(
    {f for text, _ in POSITIVES + MULTI + APOSTROPHES for f in extract_facts(text)}, key=lambda f: f.text
)


@pytest.mark.parametrize("fact", CANONICAL, ids=lambda f: f.text)
def test_parse_memory_round_trips_every_canonical_sentence(fact: ExtractedFact) -> None:
    assert parse_memory(fact.text) == fact


LLM_PHRASINGS = [
    ("User prefers lowercase tags", ("Prefers lowercase tags", "format:case", "lower")),
    ("Prefers tags in lowercase", ("Prefers lowercase tags", "format:case", "lower")),
    ("Avoids political content", ("Avoids politics", "topic:politics", "avoid")),
    ("The user likes Rust.", ("Likes Rust", "topic:rust", "like")),
    ("User's name is Alice", ("Name is Alice", "identity:name", "alice")),
    ("Their name is Bob", ("Name is Bob", "identity:name", "bob")),
    ("User is a data scientist", ("Is a data scientist", "identity:role", "data scientist")),
    ("Works as a nurse", ("Is a nurse", "identity:role", "nurse")),
    ("Dislikes politics", ("Avoids politics", "topic:politics", "avoid")),
    ("Is not interested in sports", ("Avoids sports", "topic:sports", "avoid")),
    ("Interested in Rust", ("Likes Rust", "topic:rust", "like")),
    ("Prefers no more than 3 tags", ("Wants at most 3 tags", "format:max_tags", "3")),
    ("Does not want hashtags", ("Wants no hashtags", "format:hashtags", "no")),
    ("Would like lowercase tags", ("Prefers lowercase tags", "format:case", "lower")),
    ("Hates crypto", ("Avoids cryptocurrency", "topic:cryptocurrency", "avoid")),
]


@pytest.mark.parametrize(("memory", "expected"), LLM_PHRASINGS, ids=[m for m, _ in LLM_PHRASINGS])
def test_parse_memory_reads_free_form_llm_sentences(memory: str, expected: tuple[str, str, str]) -> None:
    fact = parse_memory(memory)
    assert fact is not None
    assert (fact.text, fact.key, fact.value) == expected


@pytest.mark.parametrize(
    "memory",
    [
        "Tagged The election and Python (https://example.com) with #python, #election",
        "User's friend Bob likes politics",
        "Asked about the weather",
        "",
    ],
)
def test_parse_memory_ignores_sentences_that_state_no_preference(memory: str) -> None:
    assert parse_memory(memory) is None


def test_parse_memory_facts_reads_every_statement_in_a_compound_memory() -> None:
    facts = parse_memory_facts("User enjoys hiking and dislikes crowds")
    assert [(f.key, f.value) for f in facts] == [("topic:hiking", "like"), ("topic:crowds", "avoid")]
