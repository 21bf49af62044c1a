"""Memory records and preferences: the metadata a memory carries, and the profile folded from them.

Only metadata is read here (`pref_key`, `pref_value`, `schema`); a record without them states no preference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.understanding.preferences import SCHEMA_VERSION, Preference, Profile
from memory.types import MemoryRecord

__all__ = ["oldest_first", "preference_in", "profile_from"]


def preference_in(record: MemoryRecord) -> Preference | None:
    """The preference a memory stores, from its metadata; None for interactions and unlabelled memories."""
    meta = record.metadata
    key, value = meta.get("pref_key"), meta.get("pref_value")
    if meta.get("schema") != SCHEMA_VERSION or not isinstance(key, str) or value is None:
        return None
    try:
        return Preference.from_key(key, str(value))
    except ValueError:
        return None


def oldest_first(records: Iterable[MemoryRecord]) -> list[MemoryRecord]:
    floor = datetime.min.replace(tzinfo=UTC)

    def when(record: MemoryRecord) -> tuple[datetime, str]:
        stamp = record.updated_at or record.created_at or floor
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)), record.id

    return sorted(records, key=when)


def profile_from(guidance: Sequence[MemoryRecord], memories: Sequence[MemoryRecord]) -> Profile:
    """The preferences in force: the operator's guidance first, then the person's own, newest last (wins)."""
    stated: list[tuple[Preference, str | None]] = []
    for record in [*oldest_first(guidance), *oldest_first(memories)]:
        pref = preference_in(record)
        if pref is not None:
            stated.append((pref, record.id))
    return Profile.fold(stated)
