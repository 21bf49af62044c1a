"""LOCOMO (Maharana et al., ACL 2024): the ten annotated long conversations, read into plain dataclasses.

The data is CC BY-NC and never ships with the project: users pass their own copy with `--locomo`, and the
default looks beside the checkout (`../shared/data/locomo10.json`). Questions are kept only when their
evidence can be scored: category 5 (adversarial) has no answer in the conversation, and a few questions carry
no evidence or ids that name no turn ("D8:6; D9:17", "D30:05"); those are counted and reported as skipped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATEGORY_NAMES: dict[int, str] = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}
"""LoCoMo's own code names the categories this way (category 1 averages 3.1 evidence turns, 4 about 1); the
Mem0 paper swaps the names of 1 and 3. Every output names this mapping."""

CATEGORY_MAPPING_NAME = (
    "LoCoMo code: 1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop (5 adversarial skipped)"
)
SKIPPED_CATEGORY = 5

_DIA_ID = re.compile(r"D\d+:\d+")
_SESSION_KEY = re.compile(r"session_(\d+)")


class LocomoError(Exception):
    """The LOCOMO file is missing or not in the expected shape."""


@dataclass(frozen=True, slots=True)
class Turn:
    dia_id: str
    """`D<session>:<turn>`, the id the questions' evidence refers to."""
    speaker: str
    text: str
    session: int
    session_date: str
    """As written in the data, e.g. "1:56 pm on 8 May, 2023"."""

    @property
    def memory_text(self) -> str:
        """What one memory holds: `"<speaker>: <text>"`."""
        return f"{self.speaker}: {self.text}"


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    answer: str
    evidence: tuple[str, ...]
    category: int

    @property
    def category_name(self) -> str:
        return CATEGORY_NAMES.get(self.category, f"category-{self.category}")


@dataclass(frozen=True, slots=True)
class Conversation:
    sample_id: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]
    """Every question of the sample, unfiltered; see `usable_questions`."""

    @property
    def user_id(self) -> str:
        """Each conversation is one user of the memory layer."""
        return f"locomo:{self.sample_id}"

    @property
    def full_text(self) -> str:
        """The whole conversation as the memories hold it, one turn per line."""
        return "\n".join(turn.memory_text for turn in self.turns)


@dataclass(slots=True)
class QuestionFilter:
    """Which questions are scored, and why the others were not."""

    kept: list[Question] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def default_locomo_path() -> Path:
    """`../shared/data/locomo10.json` next to the repository root (the checkout holding `bench/`)."""
    repo_root = Path(__file__).resolve().parents[1]
    return repo_root.parent / "shared" / "data" / "locomo10.json"


def load_locomo(path: Path) -> list[Conversation]:
    """Read every sample of a `locomo10.json`-shaped file.

    Raises:
        LocomoError: the file is missing or a sample lacks `conversation`/`qa`.
    """
    if not path.is_file():
        raise LocomoError(
            f"LOCOMO data not found at {path}. Download locomo10.json from the snap-research/LoCoMo "
            "repository (CC BY-NC 4.0; never commit it) and pass --locomo PATH."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LocomoError(f"cannot read {path} as JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise LocomoError(f"{path}: expected a list of samples")
    return [_conversation(sample, index) for index, sample in enumerate(raw)]


def _conversation(sample: Any, index: int) -> Conversation:
    if not isinstance(sample, dict) or not isinstance(sample.get("conversation"), dict):
        raise LocomoError(f"sample {index} has no 'conversation' object")
    conv: dict[str, Any] = sample["conversation"]
    sessions = sorted(
        int(m.group(1))
        for key, value in conv.items()
        if (m := _SESSION_KEY.fullmatch(key)) and isinstance(value, list)
    )
    turns = [
        Turn(
            dia_id=str(turn["dia_id"]),
            speaker=str(turn["speaker"]),
            text=str(turn["text"]),
            session=number,
            session_date=str(conv.get(f"session_{number}_date_time", "")),
        )
        for number in sessions
        for turn in conv[f"session_{number}"]
    ]
    questions = [
        Question(
            text=str(qa["question"]),
            answer=str(qa.get("answer", qa.get("adversarial_answer", ""))),
            evidence=tuple(str(e) for e in qa.get("evidence") or ()),
            category=int(qa["category"]),
        )
        for qa in sample.get("qa") or ()
    ]
    return Conversation(str(sample.get("sample_id", f"sample-{index}")), tuple(turns), tuple(questions))


def usable_questions(conversation: Conversation) -> QuestionFilter:
    """The questions whose evidence can be scored: not category 5, evidence present, every id a known turn."""
    known = {turn.dia_id for turn in conversation.turns}
    result = QuestionFilter()
    for question in conversation.questions:
        if question.category == SKIPPED_CATEGORY:
            result.skipped["category 5 (adversarial)"] += 1
        elif not question.evidence:
            result.skipped["no evidence"] += 1
        elif not all(_DIA_ID.fullmatch(e) and e in known for e in question.evidence):
            result.skipped["malformed or unknown evidence id"] += 1
        else:
            result.kept.append(question)
    return result


__all__ = [
    "CATEGORY_MAPPING_NAME",
    "CATEGORY_NAMES",
    "Conversation",
    "LocomoError",
    "Question",
    "QuestionFilter",
    "Turn",
    "default_locomo_path",
    "load_locomo",
    "usable_questions",
]
