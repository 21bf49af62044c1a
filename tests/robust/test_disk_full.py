"""The disk under the data directory fills up while the bot runs (a 16 MB tmpfs: mounting needs root, as CI
and this machine have; skipped elsewhere). Replies go on, the update waits, and lands once space is free."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import messages
from bot.types import ChatIdentity, IncomingMessage
from memorybot.app import build_service
from tests.conftest import make_settings
from tests.robust.test_faults import _until

ALICE = ChatIdentity(platform="console", user="alice", channel="c")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a size-capped tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path: Path) -> None:
    """Write until the disk refuses."""
    with path.open("wb") as filler, contextlib.suppress(OSError):
        block = b"\0" * (1 << 16)
        while True:
            filler.write(block)
            filler.flush()


async def test_a_full_disk_holds_the_update_until_space_is_free(small_disk: Path) -> None:
    settings = make_settings(small_disk / "data")
    async with build_service(settings) as service:
        await service.handle(IncomingMessage(ALICE, "I prefer lowercase tags", message_id="f0"))
        await service.drain()
        filler = small_disk / "filler"
        _fill(filler)
        with pytest.raises(OSError) as full:
            (small_disk / "probe").write_bytes(b"x" * 65536)
        assert full.value.errno == errno.ENOSPC

        reply = await service.handle(
            IncomingMessage(ALICE, "I like quokka-on-a-full-disk content", message_id="f1")
        )
        assert reply.text and reply.text != messages.MODEL_FAILED
        assert messages.MEMORY_WAITING in reply.notices or messages.MEMORY_UNAVAILABLE in reply.notices

        filler.unlink()
        await _until(lambda: service.queue.holding == 0 and service.queue.pending_count() == 0)
        texts = [m.text.lower() for m in (await service.list_memories(ALICE, limit=20)).items]
        # Exactly once: nothing half-written was left behind by the failed attempts.
        assert len([t for t in texts if "quokka-on-a-full-disk" in t]) == 1, (texts, service.queue.parked())
        assert any("lowercase" in t for t in texts)
