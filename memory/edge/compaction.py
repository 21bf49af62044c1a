"""Compaction of an Edge shard in a child process, so the serving process never stops answering.

`EdgeShard.optimize` (vacuum deleted points, merge segments) holds the GIL for its whole run: in the serving
process it would freeze every reply for seconds on a large store. So the server pauses writes (reads go on),
flushes, copies the directory, and lets a child process optimise the copy and drop its write-ahead log. Then
it swaps the compacted copy in, which pauses readers only for a close, two renames and a load.

Writes wait for the whole compaction instead of being replayed on the copy afterwards: in this bot writes come
from the background update worker and from `/forget`, which can wait seconds, and a delete can never be lost
in the swap.

Run as `python -m memory.edge.compaction DIRECTORY DIMS` to compact a copy (the child's side).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

from qdrant_edge import EdgeShard

from memory.edge import schema
from memory.edge.shards import SharedShard, staging_directory

logger = logging.getLogger(__name__)


class CompactionFailed(RuntimeError):
    """The child process could not compact the copy; the live shard is untouched."""


def compact(shared: SharedShard) -> bool:
    """Compact `shared` without stopping its readers. True when the optimiser changed anything (and the
    compacted copy is now live); False when there was nothing to do or the shard was closed meanwhile.

    Raises:
        CompactionFailed: the child failed; writes resume on the unchanged shard.
    """
    started = time.perf_counter()
    staging = staging_directory(shared.directory)
    with shared.writes_paused():
        with shared.reading() as shard:
            if shard is None:
                return False
            shard.flush()
        shutil.rmtree(staging, ignore_errors=True)
        try:
            # The log pre-allocates its next segment files ("tmp-open-N") in the background at any time.
            shutil.copytree(shared.directory, staging, ignore=shutil.ignore_patterns("tmp-open-*"))
            changed = compact_in_child(staging, shared.dims)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        copied = time.perf_counter()
        swapped = shared.swap_in(staging, lambda path: _load(path, shared.dims))
    logger.info(
        "compacted Edge shard %s in %.1f s (%.2f s pause for readers)",
        shared.directory,
        time.perf_counter() - started,
        time.perf_counter() - copied,
    )
    return swapped and changed


def compact_in_child(directory: Path, dims: int) -> bool:
    """Compact the shard copy at `directory` in a child process; True if the optimiser changed anything.

    Raises:
        CompactionFailed: the child exited with an error (its last line of output says which).
    """
    command = [sys.executable, "-m", __name__, str(directory), str(dims)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise CompactionFailed(f"compacting {directory} failed ({result.returncode}): {detail[0]}")
    return result.stdout.strip().splitlines()[-1:] == ["changed"]


def _load(directory: Path, dims: int) -> EdgeShard:
    return EdgeShard.load(str(directory), schema.load_config(dims))


def compact_copy(directory: Path, dims: int) -> bool:
    """The child's side: optimise the copy, flush, close, drop its log (the deleted text is in it)."""
    shard = _load(directory, dims)
    try:
        changed = shard.optimize()
        shard.flush()
    finally:
        shard.close()
    shutil.rmtree(directory / "wal", ignore_errors=True)
    return changed


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m memory.edge.compaction DIRECTORY DIMS", file=sys.stderr)
        return 2
    print("changed" if compact_copy(Path(argv[0]), int(argv[1])) else "unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
