"""Preferences applied to candidate tags: the same rules for the offline model and for an LLM's tags."""

from __future__ import annotations

from bot.tag_policy import shape_tags
from bot.understanding.preferences import Preference, Profile
from tests.bot._similarity import e5_similarity

CANDIDATES = ["Election", "python", "Voter Turnout", "pandas", "dashboards", "data", "news", "libraries"]


_SAID = {
    "Avoids politics": ("topic:politics", "avoid"),
    "Likes data science": ("topic:data science", "like"),
    "Likes Rust": ("topic:rust", "like"),
    "Prefers Title Case tags": ("format.case", "title"),
    "Prefers UPPERCASE tags": ("format.case", "upper"),
    "Wants hashtags": ("format.hashtags", "yes"),
    "Wants at most 4 tags": ("format.max_tags", "4"),
    "Wants at most 3 tags": ("format.max_tags", "3"),
    "Wants at most 1 tags": ("format.max_tags", "1"),
    "Always include the tag 'work'": ("tag.always:work", "work"),
    "Always include the tag 'a'": ("tag.always:a", "a"),
    "Always include the tag 'b'": ("tag.always:b", "b"),
    "Never use the tag 'pandas'": ("tag.never:pandas", "pandas"),
}


def prefs(*said: str) -> Profile:
    """The profile of typed preferences, named here by the sentence each renders as."""
    return Profile.fold((Preference.from_key(*_SAID[s]), None) for s in said)


def test_no_preferences_gives_five_lowercase_kebab_tags() -> None:
    shaped = shape_tags(CANDIDATES, Profile(), e5_similarity)
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


def test_singular_tags_and_a_learned_replacement() -> None:
    profile = Profile.fold(
        [
            (Preference.from_key("format.number", "singular"), None),
            (Preference.from_key("tag.instead:points", "basketball"), None),
        ]
    )
    shaped = shape_tags(["electric-cars", "points", "news", "databases"], profile, None)
    assert shaped.tags == ["electric-car", "basketball", "news", "database"]
    assert "tag.instead:points" in shaped.applied and "format.number" in shaped.applied


def test_guidance_always_tag_is_shaped_in_the_persons_style() -> None:
    profile = Profile.fold(
        [
            (Preference.from_key("tag.always:news", "#News"), "guidance-id"),
            (Preference.from_key("format.case", "upper"), "m1"),
            (Preference.from_key("format.hashtags", "yes"), "m2"),
        ]
    )
    assert shape_tags(["rust"], profile, None).tags == ["#NEWS", "#RUST"]
