"""Supersede by a short LLM judgement, for inferred memories our grammar cannot read.

Mem0 2.x only adds, so with a memory LLM configured "User switched from Vim to Emacs" would sit next to
"User's favourite editor is Vim" forever. Typed preferences are superseded by their key (`bot.remember`);
Mem0's own extractions are free-form facts with no key, so for each we show the memory LLM the new memory
and the user's few most similar older free-form ones and let it name the ones it replaces. The candidates
come from that user's own memories only, and are shown under small stand-in ids, so whatever the model
answers it can only point at them.

A judgement that fails (LLM down, slow, or answering nonsense) replaces nothing: two memories that disagree
are better than a lost one, and the agent's instructions already say the later line wins.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from memory.store import InferringStore, MemoryUnavailable
from memory.types import MemoryRecord

__all__ = ["JUDGE_PROMPT", "replaced_by"]

log = logging.getLogger(__name__)

CANDIDATES = 5
"""How many of the user's most similar memories the judge sees: contradictions are about the same subject."""
JUDGE_TIMEOUT_S = 30.0

JUDGE_PROMPT = """\
You maintain the memory a chat assistant keeps about one person. A new memory about that person has just \
been stored. Decide which of the older memories it replaces: those it contradicts or makes out of date (the \
same subject, and the new memory says something different, e.g. a changed preference, job, name or plan). \
Memories that merely add detail, or are about another subject, are not replaced.

The input is JSON: {"new_memory": "...", "older_memories": [{"id": "1", "text": "..."}, ...]}.
Answer with JSON only: {"replaces": ["<id>", ...]}, using ids from older_memories; \
{"replaces": []} when none.\
"""


async def replaced_by(
    store: InferringStore,
    user_id: str,
    new: MemoryRecord,
    older: Sequence[MemoryRecord],
    *,
    candidates: int = CANDIDATES,
    timeout_s: float = JUDGE_TIMEOUT_S,
) -> list[MemoryRecord]:
    """The older memories of `user_id` that `new` replaces, by the memory LLM's judgement.

    Args:
        store: The user's store; its Mem0 instance's LLM does the judging.
        user_id: Whose memories; only theirs are ever shown to the LLM or returned.
        new: The memory just stored.
        older: The user's memories from before this update; candidates are drawn from these only.
        candidates: How many of the most similar older memories to show.
        timeout_s: Give up on the LLM after this long (the user's other updates wait behind this one).

    Returns:
        The memories to delete; empty when nothing is replaced or the judgement failed.
    """
    eligible = {r.id: r for r in older if r.user_id == user_id and r.category != "interaction"}
    if not eligible:
        return []
    try:
        similar = await store.search(user_id, new.text, top_k=candidates + 5)
    except MemoryUnavailable:
        log.warning("supersede judgement skipped: memory search failed")
        return []
    shown = [eligible[r.id] for r in similar if r.id in eligible and r.id != new.id][:candidates]
    if not shown:
        return []
    by_stand_in = {str(i): record for i, record in enumerate(shown, start=1)}
    question = {
        "new_memory": new.text,
        "older_memories": [{"id": i, "text": r.text} for i, r in by_stand_in.items()],
    }
    messages = [
        {"role": "system", "content": JUDGE_PROMPT},
        {"role": "user", "content": json.dumps(question, ensure_ascii=False)},
    ]
    llm = _memory_llm(store)
    try:
        answer = await asyncio.wait_for(
            asyncio.to_thread(
                llm.generate_response, messages=messages, response_format={"type": "json_object"}
            ),
            timeout_s,
        )
        ids = _parse_ids(answer)
    except Exception as exc:  # an LLM outage or a bad answer must never cost the new memory
        log.warning("supersede judgement failed; keeping both memories", extra={"error": type(exc).__name__})
        return []
    unknown = [i for i in ids if i not in by_stand_in]
    if unknown:
        log.info("supersede judgement named ids it was not shown", extra={"unknown": len(unknown)})
    return [by_stand_in[i] for i in dict.fromkeys(ids) if i in by_stand_in]


def _memory_llm(store: InferringStore) -> Any:
    # The same LLM the store extracts with.
    return store.llm


def _parse_ids(answer: Any) -> list[str]:
    """`{"replaces": [...]}` from the LLM's text; raises ValueError on anything else."""
    if not isinstance(answer, str):
        raise ValueError("the judgement is not text")
    body = answer.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    parsed = json.loads(body)
    ids = parsed.get("replaces") if isinstance(parsed, dict) else None
    if not isinstance(ids, list):
        raise ValueError("the judgement has no 'replaces' list")
    return [str(i).strip() for i in ids if isinstance(i, str | int) and not isinstance(i, bool)]
