"""A forgotten memory leaves the files some time after `/forget`, in the background, and a restart does not
drop a compaction that was owed."""

from __future__ import annotations

from pathlib import Path

from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from tests.conftest import make_settings

ALICE = ChatIdentity(platform="console", user="alice", channel="c1")


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def remember(texts: list[str], data: Path, **settings: object) -> None:
    async with build_service(make_settings(data, **settings)) as service:
        for i, text in enumerate(texts):
            await service.handle(IncomingMessage(ALICE, text, message_id=f"m{i}"))
        await service.drain()


async def test_a_forgotten_memory_leaves_the_files_in_the_background(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await remember(["I like numbat content", "I avoid politics"], data)
    assert files_containing(data, b"numbat")

    async with build_service(make_settings(data, memory_compact_delay_s=0)) as service:
        page = await service.list_memories(ALICE, limit=100)
        numbat = next(m for m in page.items if "numbat" in m.text)
        assert await service.forget(ALICE, numbat.id)
        assert service.compactor.scheduled, "a forget schedules a compaction"
        await service.compactor.wait()
        assert not service.store.needs_compaction
        kept = await service.list_memories(ALICE, limit=100)
        assert [m.text for m in kept.items if "politics" in m.text], "the other memory stays"

    assert files_containing(data, b"numbat") == []


async def test_a_compaction_owed_at_shutdown_runs_after_the_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await remember(["I like quoll content"], data)
    # A long delay: the service stops before the compaction it owes runs.
    async with build_service(make_settings(data, memory_compact_delay_s=3600)) as service:
        page = await service.list_memories(ALICE, limit=100)
        assert await service.forget(ALICE, page.items[0].id)
        assert service.compactor.scheduled
    # Stopping did not wait an hour, and the deleted text is still owed a compaction.
    assert files_containing(data, b"quoll")

    async with build_service(make_settings(data, memory_compact_delay_s=0)) as service:
        assert service.compactor.scheduled, "the restart picks up the owed compaction"
        await service.compactor.wait()
        assert not service.store.needs_compaction
    assert files_containing(data, b"quoll") == []


async def test_forget_all_still_answers_when_compaction_fails_and_compacts_after(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await remember(["I like bilby content", "I avoid politics"], data)
    # A file where compaction must put its copy: a real failure, as a full disk would give.
    blockers = [p.with_name(p.name + ".compacting") for p in (data / "edge").iterdir() if p.is_dir()]
    for blocker in blockers:
        blocker.write_text("in the way")

    async with build_service(make_settings(data, memory_compact_delay_s=3600)) as service:
        token = service.forget_all_token(ALICE)
        assert await service.confirm_forget_all(ALICE, token) == 2, "the deletion is reported"
        assert (await service.list_memories(ALICE, limit=10)).items == []
        assert service.store.needs_compaction, "the failed compaction is still owed"
        assert service.compactor.scheduled, "and scheduled again"

    for blocker in blockers:
        blocker.unlink()
    async with build_service(make_settings(data, memory_compact_delay_s=0)) as service:
        await service.compactor.wait()
        assert not service.store.needs_compaction
    assert files_containing(data, b"bilby") == []
