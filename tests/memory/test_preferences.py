"""Folding memory sentences into the preferences in force: the newest word wins."""

from __future__ import annotations

from memory.preferences import Preferences


def test_every_kind_of_preference_is_read() -> None:
    prefs = Preferences.from_memories(
        [
            "Name is Alice",
            "Is a data scientist",
            "Likes Rust",
            "Avoids politics",
            "Prefers lowercase tags",
            "Wants hashtags",
            "Wants at most 3 tags",
            "Always include the tag 'work'",
            "Never use the tag 'news'",
            "Tagged something (https://example.com) with #a",  # an interaction: not a preference
        ]
    )
    assert prefs.name == "Alice"
    assert prefs.role == "data scientist"
    assert prefs.likes == ["rust"]
    assert prefs.avoids == ["politics"]
    assert prefs.case == "lower"
    assert prefs.hashtags is True
    assert prefs.max_tags == 3
    assert prefs.always == ["work"]
    assert prefs.never == ["news"]


def test_nothing_known_gives_empty_preferences() -> None:
    prefs = Preferences.from_memories(["Tagged a post with #x", "Met at the conference"])
    assert prefs == Preferences()
    assert prefs.is_empty


def test_a_later_memory_wins_over_an_earlier_contradiction() -> None:
    assert Preferences.from_memories(["Avoids politics", "Likes politics"]).likes == ["politics"]
    assert Preferences.from_memories(["Avoids politics", "Likes politics"]).avoids == []
    assert Preferences.from_memories(["Likes politics", "Avoids politics"]).avoids == ["politics"]
    assert Preferences.from_memories(["Wants at most 3 tags", "Wants at most 5 tags"]).max_tags == 5
    assert Preferences.from_memories(["Prefers UPPERCASE tags", "Prefers lowercase tags"]).case == "lower"
    assert Preferences.from_memories(["Wants hashtags", "Wants no hashtags"]).hashtags is False
    both = Preferences.from_memories(["Always include the tag 'work'", "Never use the tag 'work'"])
    assert (both.always, both.never) == ([], ["work"])


def test_free_form_llm_memories_count_the_same_as_ours() -> None:
    prefs = Preferences.from_memories(["User prefers tags in lowercase", "The user avoids political content"])
    assert prefs.case == "lower"
    assert prefs.avoids == ["politics"]


def test_order_of_topics_is_most_recently_stated_last() -> None:
    prefs = Preferences.from_memories(["Likes Rust", "Likes jazz", "Likes Rust"])
    assert prefs.likes == ["jazz", "rust"]
