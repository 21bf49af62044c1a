"""Candidate tags from text: short topics, no filler, no repeats, always the same."""

from __future__ import annotations

import pytest

from bot.keyphrases import candidates, slug

ELECTION_AND_PYTHON = (
    "The upcoming election has sparked a wave of new Python tools for analysing polling data. Data "
    "scientists are using Python libraries like pandas to track voter turnout, while campaigns rely on "
    "dashboards built with Python to follow the presidential race."
)


def test_candidates_are_topics_from_the_text() -> None:
    found = candidates(ELECTION_AND_PYTHON)
    assert "python" in found and "election" in found
    assert "voter-turnout" in found  # a phrase whose words both carry content stays whole
    for filler in ("upcoming", "sparked", "wave", "tools", "using", "the"):
        assert filler not in found


def test_a_repeated_compound_stays_whole_and_one_thing_is_named_once() -> None:
    text = (
        "Machine learning needs data. We use machine learning every day. "
        "Async Rust explained: Tokio makes Rust fast. Async Rust is everywhere."
    )
    found = candidates(text)
    assert "machine-learning" in found and "learning" not in found
    # "Async Rust" (said twice, as a name) or "rust", never both
    assert ("rust" in found) != ("async-rust" in found)


def test_a_verb_at_the_end_of_a_phrase_is_not_part_of_the_tag() -> None:
    # "why tail latency matters" once gave "latency-matters", then "matters" read as politics to a person who
    # avoids politics, and the reply claimed it had skipped politics in an article about Rust.
    found = candidates(
        "A long read about Rust async runtimes, work-stealing schedulers and why tail latency matters"
    )
    assert "tail-latency" in found
    assert not [tag for tag in found if "matter" in tag]


def test_no_candidate_is_part_of_another() -> None:
    # "polling-data" beside "data-scientists" is fine; "data" beside "polling-data" would say it twice
    found = candidates(ELECTION_AND_PYTHON)
    word_sets = [{w.rstrip("s") for w in tag.split("-")} for tag in found]
    for i, a in enumerate(word_sets):
        for b in word_sets[i + 1 :]:
            assert not (a <= b or b <= a), found


def test_same_text_same_candidates() -> None:
    assert candidates(ELECTION_AND_PYTHON) == candidates(ELECTION_AND_PYTHON)


@pytest.mark.parametrize("text", ["", "   ", "the and of", "hi"])
def test_nothing_to_tag(text: str) -> None:
    assert candidates(text) == []


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("Machine Learning", "machine-learning"), ("#Python", "python"), ("voter_turnout", "voter-turnout"),
     ("C++", "c++"), ("Node.js", "node.js")],
)  # fmt: skip
def test_slug(phrase: str, expected: str) -> None:
    assert slug(phrase) == expected
