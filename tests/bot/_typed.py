"""Memories as a version-2 store holds them, for tests of the agent that make their memories up."""

from __future__ import annotations

from typing import Any

from bot.understanding._statements import parse_memory_facts
from bot.understanding.guidance import parse_guidance
from bot.understanding.rules import preference_of


def typed_metadata(text: str) -> dict[str, Any]:
    """The metadata a memory with this (canonical) sentence carries: the preference it renders."""
    prefs = parse_guidance(text)
    if not prefs:
        prefs = [p for f in parse_memory_facts(text) if (p := preference_of(f)) is not None]
    return dict(prefs[0].metadata()) if prefs else {}
