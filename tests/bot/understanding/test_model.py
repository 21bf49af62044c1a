"""The preference model and the typed operations: keys, validation, folding, the queue's JSON form."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.understanding.operations import (
    Add,
    Forget,
    Interaction,
    MemoryUpdate,
    Remove,
    UpdateSource,
    applied_to,
    validate_operations,
)
from bot.understanding.preferences import Preference, Profile
from bot.understanding.render import about_you, memory_text


def pref(key: str, value: str) -> Preference:
    return Preference.from_key(key, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("format.case", "sideways"),
        ("format.max_tags", "0"),
        ("format.max_tags", "many"),
        ("topic", "like"),  # a topic needs its subject
        ("format.case:x", "lower"),  # and a format wish has none
        ("tag.instead:points", "points"),
        ("nonsense", "x"),
        ("topic:Politics", "avoid"),  # subjects are lowercase keys
    ],
)
def test_malformed_preferences_are_refused(key: str, value: str) -> None:
    with pytest.raises(ValueError):
        pref(key, value)


def test_the_newest_word_wins_and_always_displaces_never() -> None:
    profile = Profile.fold(
        [
            (pref("format.case", "upper"), "m1"),
            (pref("tag.never:work", "work"), "m2"),
            (pref("format.case", "lower"), "m3"),
            (pref("tag.always:work", "work"), "m4"),
            (pref("topic:politics", "avoid"), "m5"),
        ]
    )
    assert profile.case == "lower" and profile.sources["format.case"] == "m3"
    assert profile.always == ["work"] and profile.never == []
    assert profile.avoids == ["politics"]
    assert profile.without("topic:politics", "like").avoids == ["politics"]  # only if it holds that value
    assert profile.without("topic:politics").avoids == []


def test_a_messages_operations_apply_on_top_of_the_profile() -> None:
    profile = Profile.fold([(pref("topic:politics", "avoid"), "m1"), (pref("format.case", "upper"), "m2")])
    now = applied_to(
        profile,
        [Remove(key="topic:politics", value="avoid"), Add(preference=pref("format.number", "singular"))],
    )
    assert now.avoids == [] and now.number == "singular" and now.case == "upper"


def test_every_preference_renders_both_ways() -> None:
    for key, value in [
        ("format.case", "title"), ("format.hashtags", "no"), ("format.number", "singular"),
        ("format.max_tags", "3"), ("tag.always:news", "news"), ("tag.never:x", "x"),
        ("tag.instead:points", "basketball"), ("topic:rust", "like"), ("identity.name", "Al"),
        ("identity.role", "engineer"), ("reply.language", "French"), ("fact:abc", "Lives in Lisbon"),
    ]:  # fmt: skip
        p = pref(key, value)
        assert memory_text(p) and about_you(p)
    assert memory_text(pref("identity.role", "engineer")) == "Is an engineer"
    assert (
        memory_text(pref("tag.instead:points", "basketball"))
        == "Uses the tag 'basketball' instead of 'points'"
    )


def test_the_validator_drops_what_does_not_fit_and_stamps_the_source() -> None:
    raw = [
        {"op": "add", "preference": {"kind": "format.case", "value": "lower"}, "source": "guidance"},
        {"op": "add", "preference": {"kind": "format.case", "value": "purple"}},
        {"op": "remove", "memory_id": "someone-elses-id"},
        {"op": "remove", "memory_id": "mine"},
        {"op": "remove"},
        {"op": "explode"},
        {"op": "forget", "description": "my dog"},
    ]
    ops = validate_operations(raw, source="llm", own_memory_ids=["mine"])
    assert ops == [
        Add(preference=pref("format.case", "lower"), source="llm"),
        Remove(memory_id="mine", source="llm"),
        Forget(description="my dog", source="llm"),
    ]


def test_an_update_survives_the_queues_json_form() -> None:
    update = MemoryUpdate(
        key="console:1",
        user_id="console:alice",
        run_id="console:c",
        source=UpdateSource(platform="console", channel="c"),
        operations=(
            Add(preference=pref("tag.instead:points", "basketball"), correction=True),
            Remove(key="topic:politics", value="avoid"),
        ),
        interaction=Interaction(subject="NBA", tags=("basketball",)),
    )
    assert MemoryUpdate.model_validate(update.model_dump(mode="json")) == update
    with pytest.raises(ValidationError):
        update.model_copy(update={"key": "x"}).__setattr__("key", "y")
