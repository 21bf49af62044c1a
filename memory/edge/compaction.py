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

from qdrant_edge import (
    EdgeShard,
    KeywordIndexParams,
    PayloadSchemaType,
    Point,
    ScrollRequest,
    UpdateOperation,
)

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
    """The child's side: optimise the copy, then rebuild it as a fresh shard holding only the live points.

    Dropping the old write-ahead log (which holds the deleted text) is not enough on its own: Edge numbers its
    operations from the log, and a shard loaded without it would number new operations below the versions its
    points already carry, so later deletes and updates of those points would be silently ignored. Writing the
    live points into a fresh shard gives a log that holds only live data and operation numbers that agree with
    the points'.
    """
    shard = _load(directory, dims)
    try:
        changed = shard.optimize()
        points = _live_points(shard)
        indexed = dict(shard.info().payload_schema)
    finally:
        shard.close()
    fresh = directory.with_name(directory.name + ".fresh")
    shutil.rmtree(fresh, ignore_errors=True)
    rebuilt = EdgeShard.create(str(fresh), schema.create_config(dims))
    try:
        for name in indexed:
            params = KeywordIndexParams(is_tenant=True) if name == "user_id" else PayloadSchemaType.Keyword
            rebuilt.update(UpdateOperation.create_field_index(name, params))
        for start in range(0, len(points), _REBUILD_BATCH):
            rebuilt.update(UpdateOperation.upsert_points(points[start : start + _REBUILD_BATCH]))
        rebuilt.flush()
    finally:
        rebuilt.close()
    shutil.rmtree(directory)
    fresh.rename(directory)
    return changed


_REBUILD_BATCH = 512


def _live_points(shard: EdgeShard) -> list[Point]:
    points: list[Point] = []
    offset = None
    while True:
        request = ScrollRequest(offset=offset, limit=_REBUILD_BATCH, with_payload=True, with_vector=True)
        records, offset = shard.scroll(request)
        points.extend(Point(r.id, r.vector or {}, r.payload or {}) for r in records)
        if offset is None:
            return points


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m memory.edge.compaction DIRECTORY DIMS", file=sys.stderr)
        return 2
    print("changed" if compact_copy(Path(argv[0]), int(argv[1])) else "unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
