"""The LOCOMO loader and question filter, on a tiny sample in LOCOMO's shape (the real file never ships)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.locomo import (
    CATEGORY_MAPPING_NAME,
    LocomoError,
    default_locomo_path,
    load_locomo,
    usable_questions,
)

SAMPLE = [
    {
        "sample_id": "conv-1",
        "conversation": {
            "speaker_a": "Ana",
            "speaker_b": "Ben",
            "session_2_date_time": "9:00 am on 2 May, 2023",
            "session_2": [{"speaker": "Ben", "dia_id": "D2:1", "text": "I adopted a cat named Miso."}],
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ana", "dia_id": "D1:1", "text": "I started pottery classes."},
                {
                    "speaker": "Ben",
                    "dia_id": "D1:2",
                    "text": "Nice!",
                    "img_url": ["x"],
                    "blip_caption": "a mug",
                },
            ],
        },
        "qa": [
            {
                "question": "What class did Ana start?",
                "answer": "pottery",
                "evidence": ["D1:1"],
                "category": 4,
            },
            {"question": "Pet?", "answer": "a cat", "evidence": ["D2:1", "D1:2"], "category": 1},
            {"question": "Trick?", "adversarial_answer": "no", "evidence": ["D1:1"], "category": 5},
            {"question": "No evidence?", "answer": "x", "evidence": [], "category": 2},
            {"question": "Two in one id?", "answer": "x", "evidence": ["D1:1; D2:1"], "category": 3},
            {"question": "Zero padded?", "answer": "x", "evidence": ["D1:01"], "category": 4},
            {"question": "Unknown turn?", "answer": "x", "evidence": ["D9:9"], "category": 4},
        ],
    }
]


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "locomo10.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_turns_come_in_session_order_with_their_date_and_speaker(tmp_path: Path) -> None:
    [conversation] = load_locomo(write(tmp_path, SAMPLE))
    assert conversation.user_id == "locomo:conv-1"
    assert [t.dia_id for t in conversation.turns] == ["D1:1", "D1:2", "D2:1"]
    first = conversation.turns[0]
    assert first.memory_text == "Ana: I started pottery classes."
    assert first.session == 1 and first.session_date == "1:56 pm on 8 May, 2023"
    assert conversation.turns[2].session_date == "9:00 am on 2 May, 2023"
    assert conversation.full_text.splitlines()[2] == "Ben: I adopted a cat named Miso."


def test_only_questions_with_scorable_evidence_are_kept(tmp_path: Path) -> None:
    [conversation] = load_locomo(write(tmp_path, SAMPLE))
    chosen = usable_questions(conversation)
    assert [q.text for q in chosen.kept] == ["What class did Ana start?", "Pet?"]
    assert chosen.kept[1].evidence == ("D2:1", "D1:2")
    assert [q.category_name for q in chosen.kept] == ["single-hop", "multi-hop"]
    assert dict(chosen.skipped) == {
        "category 5 (adversarial)": 1,
        "no evidence": 1,
        "malformed or unknown evidence id": 3,
    }


def test_the_category_mapping_is_named() -> None:
    assert "1 multi-hop" in CATEGORY_MAPPING_NAME and "3 open-domain" in CATEGORY_MAPPING_NAME


def test_a_missing_file_says_to_pass_locomo(tmp_path: Path) -> None:
    with pytest.raises(LocomoError, match="--locomo PATH"):
        load_locomo(tmp_path / "nowhere.json")


def test_a_file_of_another_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LocomoError, match="conversation"):
        load_locomo(write(tmp_path, [{"sample_id": "x"}]))
    with pytest.raises(LocomoError, match="list of samples"):
        load_locomo(write(tmp_path, {"samples": []}))


def test_the_default_path_is_beside_the_checkout() -> None:
    path = default_locomo_path()
    repo_root = Path(__file__).resolve().parents[2]
    assert path == repo_root.parent / "shared" / "data" / "locomo10.json"
