"""Corrections counted across people: a suggestion at three, nothing of anyone's text, forget-all honoured."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.understanding.corrections import CorrectionLedger
from bot.understanding.preferences import Preference

POINTS = Preference.from_key("tag.instead:points", "basketball")


def test_three_people_make_a_suggestion_the_operator_decides(tmp_path: Path) -> None:
    ledger = CorrectionLedger(tmp_path / "corrections.db")
    assert ledger.record("slack:T1:alice", POINTS) is None
    assert ledger.record("slack:T1:alice", POINTS) is None  # the same person counts once
    assert ledger.record("discord:bob", POINTS) is None
    assert ledger.record("console:me", Preference.from_key("identity.name", "Me")) is None  # personal
    suggestion = ledger.record("console:carol", POINTS)
    assert suggestion is not None and suggestion.people == 3
    assert [s.preference for s in ledger.suggestions()] == [POINTS]
    assert ledger.record("console:dan", POINTS) is None  # proposed once

    decided = ledger.decide(suggestion.id, accept=False)
    assert decided is not None and decided.status == "rejected"
    assert ledger.suggestions() == [] and ledger.decide(suggestion.id, accept=True) is None
    ledger.close()


def test_the_ledger_holds_no_user_id_or_text_and_forgets_a_person(tmp_path: Path) -> None:
    path = tmp_path / "corrections.db"
    ledger = CorrectionLedger(path)
    for user in ("slack:T1:alice", "discord:bob"):
        ledger.record(user, POINTS)
    assert ledger.purge_user("slack:T1:alice") == 1
    ledger.close()
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("corrections.db-*"))
    assert b"alice" not in raw and b"bob" not in raw
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM corrections").fetchone() == (1,)
