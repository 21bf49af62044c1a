"""The thread's recent turns as message history: bounded in turns and in tokens, newest kept."""

from __future__ import annotations

from pydantic_ai.messages import ModelRequest, ModelResponse

from bot.service import THREAD_TOKENS, _history
from bot.tagging import Turn


def test_the_history_keeps_the_newest_turns_within_the_token_bound() -> None:
    turns = [Turn(f"message {i} " + "x" * 2000, f"reply {i}", ("t",)) for i in range(6)]
    history = _history(turns)
    kept = len(history) // 2
    assert 1 <= kept < 6
    assert sum(len(str(p.content)) for m in history for p in m.parts) <= THREAD_TOKENS * 4 + 100
    last_request, last_response = history[-2], history[-1]
    assert isinstance(last_request, ModelRequest) and "message 5" in str(last_request.parts[0].content)
    assert isinstance(last_response, ModelResponse) and "(tags: t)" in str(last_response.parts[0].content)


def test_short_turns_all_fit() -> None:
    turns = [Turn(f"m{i}", f"r{i}") for i in range(4)]
    assert len(_history(turns)) == 8
    assert _history([]) == []
