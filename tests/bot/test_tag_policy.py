"""Preferences applied to candidate tags: the same rules for the offline model and for an LLM's tags."""

from __future__ import annotations

from bot.tag_policy import shape_tags
from memory.preferences import Preferences
from tests.bot._similarity import e5_similarity

CANDIDATES = ["Election", "python", "Voter Turnout", "pandas", "dashboards", "data", "news", "libraries"]


def prefs(*memories: str) -> Preferences:
    return Preferences.from_memories(memories)


def test_no_preferences_gives_five_lowercase_kebab_tags() -> None:
    shaped = shape_tags(CANDIDATES, Preferences(), e5_similarity)
    assert shaped.tags == ["election", "python", "voter-turnout", "pandas", "dashboards"]
    assert shaped.notes == [] and shaped.applied == []


def test_every_preference_at_once() -> None:
    shaped = shape_tags(
        CANDIDATES,
        prefs(
            "Avoids politics", "Prefers Title Case tags", "Wants hashtags", "Wants at most 4 tags",
            "Always include the tag 'work'", "Never use the tag 'pandas'", "Likes data science",
        ),
        e5_similarity,
    )  # fmt: skip
    # "dashboards" and "data" are both near data science; the limit leaves room for the first of them
    assert shaped.tags == ["#Work", "#Data-Science", "#Dashboards", "#Python"]
    assert shaped.skipped == {"politics": ["election", "voter-turnout"]}
    assert shaped.favoured == ["data science"]
    assert shaped.notes == [
        "Title Case", "as hashtags", "at most 4", "always 'work'", "favouring data science",
        "skipped politics as you asked",
    ]  # fmt: skip


def test_shaping_twice_changes_nothing() -> None:
    preferences = prefs("Avoids politics", "Prefers UPPERCASE tags", "Wants hashtags", "Likes Rust",
                        "Always include the tag 'work'", "Wants at most 3 tags")  # fmt: skip
    once = shape_tags(["rust-lang", *CANDIDATES], preferences, e5_similarity)
    twice = shape_tags(once.tags, preferences, e5_similarity)
    assert once.tags == ["#WORK", "#RUST", "#RUST-LANG"]
    assert twice.tags == once.tags


def test_always_tags_survive_a_limit_smaller_than_them() -> None:
    shaped = shape_tags(CANDIDATES, prefs("Always include the tag 'a'", "Always include the tag 'b'",
                                          "Wants at most 1 tags"), None)  # fmt: skip
    assert shaped.tags == ["a", "b"]
