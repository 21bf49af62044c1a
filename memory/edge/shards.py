"""One open `EdgeShard` per directory per process, and a lock file that keeps other processes out.

Edge locks its write-ahead log itself, but a second opener only learns that from a plain `Exception` ("Can't
init WAL: WouldBlock") halfway through loading, and the *same* process opening a directory twice fails the
same way. Mem0 builds several stores from one config, so every store on a directory must share one shard: the
registry here hands out that shard, and an `flock` on `<directory>.lock`, taken before Edge is touched, turns
a second process into an immediate `StoreLocked` that names the directory and the process holding it. The
kernel drops the lock when its holder dies, even by SIGKILL, so a crash never leaves a stale lock behind.

Edge itself is safe to call from many threads at once (queries release the GIL). The only thing it cannot take
is a close while a call is in flight, so every call holds a shared lock and `close` / destroy an exclusive
one. Calls that change points also hold a second shared lock, which a compaction (`memory.edge.compaction`)
takes alone: it pauses writes, never reads, until the compacted copy is swapped in.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qdrant_edge import EdgeConfig, EdgeShard

logger = logging.getLogger(__name__)

CONFIG_FILE = "edge_config.json"
"""Written by Edge into every shard directory; its presence means "load", its absence "create"."""


class StoreLocked(RuntimeError):
    """Another process holds this Edge directory; raised at open, before any data is touched."""

    def __init__(self, directory: Path, holder_pid: int | None = None) -> None:
        holder = f" (pid {holder_pid})" if holder_pid else ""
        super().__init__(
            f"Another memorybot process{holder} is using the data directory {directory}. "
            "Stop that process, or set MEMORYBOT_DATA_DIR to another directory."
        )
        self.directory = directory
        self.holder_pid = holder_pid


class _ReadWriteLock:
    """Many holders of `read()` at once, or one of `write()`; a waiting writer holds back new readers.

    Not re-entrant: a thread must not take `read()` while it already holds it (a waiting writer would deadlock
    it).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class SharedShard:
    """An open shard, shared by every store of this process on `directory`, until `close()`."""

    def __init__(self, directory: Path, shard: EdgeShard, lock_fd: int, dims: int) -> None:
        self.directory = directory
        self.dims = dims
        self._shard: EdgeShard | None = shard
        self._lock_fd = lock_fd
        self._rw = _ReadWriteLock()
        self._writes = _ReadWriteLock()
        self._pending_marked = pending_marker(directory).exists()

    @property
    def closed(self) -> bool:
        return self._shard is None

    @contextmanager
    def reading(self) -> Iterator[EdgeShard | None]:
        """The shard, held open for the duration of the block; None once closed (the caller reopens)."""
        with self._rw.read():
            yield self._shard

    @contextmanager
    def writing(self, *, leaves_old_data: bool = False) -> Iterator[EdgeShard | None]:
        """`reading` for a call that changes points: waits while a compaction copies and swaps the shard.

        With `leaves_old_data` (deletes and overwrites), the old text stays in the segment files until a
        compaction vacuums it, so the directory is marked as needing one.
        """
        with self._writes.read(), self._rw.read():
            if leaves_old_data and self._shard is not None:
                self._mark_pending()
            yield self._shard

    @property
    def needs_compaction(self) -> bool:
        """Deleted or overwritten points may still be in the files (survives restarts: a marker file)."""
        return self._pending_marked

    @contextmanager
    def writes_paused(self) -> Iterator[None]:
        """Hold back every write, and `close`, for a compaction; reads go on."""
        with self._writes.write():
            yield

    def swap_in(self, replacement: Path, load: Callable[[Path], EdgeShard]) -> bool:
        """Replace the live directory by `replacement` and reopen it; the caller holds `writes_paused`.

        Readers wait only for the close, two renames and the load. False (and `replacement` deleted) when
        the shard was already closed. A crash anywhere in here is repaired by the next `open_shard`.
        """
        with self._rw.write():
            shard, self._shard = self._shard, None
            if shard is None:
                shutil.rmtree(replacement, ignore_errors=True)
                return False
            shard.close()
            try:
                replace_directory(self.directory, replacement)
            finally:
                try:
                    self._shard = load(self.directory)
                except BaseException:
                    with _REGISTRY_LOCK:
                        self._release()
                    raise
            pending_marker(self.directory).unlink(missing_ok=True)
            self._pending_marked = False
        return True

    def _mark_pending(self) -> None:
        if not self._pending_marked:
            pending_marker(self.directory).touch()
            self._pending_marked = True

    def _release(self) -> None:
        """Give the directory back (lock file, registry); the shard is closed and `_REGISTRY_LOCK` held."""
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)
        if _REGISTRY.get(self.directory) is self:
            del _REGISTRY[self.directory]

    def close(self, *, destroy: bool = False) -> None:
        """Flush and close the shard, release the directory; with `destroy`, delete the directory first.

        Waits for calls in flight. Idempotent.
        """
        # The registry lock too: a store that finds the shard closed reopens it through `open_shard`, which
        # must wait until this process has let go of the directory, or it would lock itself out. Writes
        # first: a compaction in progress finishes (or gives up) before the directory goes away.
        with self._writes.write(), self._rw.write(), _REGISTRY_LOCK:
            shard, self._shard = self._shard, None
            if shard is None:
                return
            try:
                if not destroy:
                    shard.flush()
                shard.close()
                if destroy:
                    shutil.rmtree(self.directory, ignore_errors=True)
                    pending_marker(self.directory).unlink(missing_ok=True)
                    self._pending_marked = False
            finally:
                self._release()
        logger.debug("closed Edge shard %s%s", self.directory, " and deleted it" if destroy else "")


_REGISTRY: dict[Path, SharedShard] = {}
_REGISTRY_LOCK = threading.Lock()


def open_shard(
    directory: Path,
    *,
    dims: int,
    create_config: Callable[[], EdgeConfig],
    load_config: Callable[[], EdgeConfig],
    prepare: Callable[[EdgeShard], None],
) -> SharedShard:
    """The process's shard on `directory`, opening (or creating) it on first use.

    Args:
        directory: The shard directory; its parent holds the `.lock` file.
        dims: Dense vector size; a mismatch with the open or stored shard is an error.
        create_config: Configuration for a new shard.
        load_config: Configuration checked against an existing shard (Edge validates sizes and names).
        prepare: Run once on a freshly opened shard (payload indexes, migrations), before anyone else sees it.

    Raises:
        StoreLocked: another process holds the directory.
        ValueError: the directory holds vectors of another size.
    """
    key = directory.resolve()
    with _REGISTRY_LOCK:
        shared = _REGISTRY.get(key)
        if shared is not None and not shared.closed:
            if shared.dims != dims:
                raise ValueError(f"Edge store {key} is open with {shared.dims}-dimension vectors, not {dims}")
            return shared
        lock_fd = _lock(key)
        try:
            recover_directory(key)
            shard = _open(key, dims, create_config, load_config)
        except BaseException:
            fcntl.flock(lock_fd, fcntl.LOCK_UN)
            os.close(lock_fd)
            raise
        try:
            prepare(shard)
        except BaseException:
            shard.close()
            fcntl.flock(lock_fd, fcntl.LOCK_UN)
            os.close(lock_fd)
            raise
        shared = SharedShard(key, shard, lock_fd, dims)
        _REGISTRY[key] = shared
        logger.debug("opened Edge shard %s", key)
        return shared


def registered_shard(directory: Path) -> SharedShard | None:
    """The shard this process has open on `directory`, if any."""
    with _REGISTRY_LOCK:
        shared = _REGISTRY.get(directory.resolve())
    return shared if shared is not None and not shared.closed else None


def close_all() -> None:
    """Flush and close every shard this process opened (shutdown; also registered with atexit)."""
    with _REGISTRY_LOCK:
        open_now = list(_REGISTRY.values())
    for shared in open_now:
        try:
            shared.close()
        except Exception:
            logger.exception("closing Edge shard %s failed", shared.directory)


atexit.register(close_all)


def pending_marker(directory: Path) -> Path:
    """Beside the directory, like the lock file: present while deleted text may remain in the files."""
    return directory.with_name(directory.name + ".compact-pending")


def _sibling(directory: Path, suffix: str) -> Path:
    return directory.with_name(f"{directory.name}.{suffix}")


def staging_directory(directory: Path) -> Path:
    """Where a compaction builds its copy; anything found there at start-up is an unfinished one."""
    return _sibling(directory, "compacting")


def replace_directory(directory: Path, replacement: Path) -> None:
    """Put `replacement` where `directory` is, so that a crash at any point leaves one complete shard.

    `<dir>.new` exists only once the replacement is complete; `<dir>.old` only while the swap is half done.
    `recover_directory` finishes or undoes whatever a crash interrupted.
    """
    ready, old = _sibling(directory, "new"), _sibling(directory, "old")
    shutil.rmtree(ready, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    os.rename(replacement, ready)
    os.rename(directory, old)
    os.rename(ready, directory)
    shutil.rmtree(old, ignore_errors=True)


def recover_directory(directory: Path) -> None:
    """Repair what a crash in `replace_directory` or a compaction left; run under the directory's lock."""
    ready, old = _sibling(directory, "new"), _sibling(directory, "old")
    if not directory.exists():
        if ready.is_dir():
            os.rename(ready, directory)
            logger.warning("finished an interrupted compaction of %s", directory)
        elif old.is_dir():
            os.rename(old, directory)
            logger.warning("undid an interrupted compaction of %s", directory)
    for leftover in (ready, old, staging_directory(directory)):
        shutil.rmtree(leftover, ignore_errors=True)


def _lock(directory: Path) -> int:
    directory.parent.mkdir(parents=True, exist_ok=True)
    lock_path = directory.with_name(directory.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes (PEP 446)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        raise StoreLocked(directory, holder) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip())
    except (OSError, ValueError):
        return None


def _open(
    directory: Path,
    dims: int,
    create_config: Callable[[], EdgeConfig],
    load_config: Callable[[], EdgeConfig],
) -> EdgeShard:
    exists = (directory / CONFIG_FILE).is_file()
    try:
        if exists:
            return EdgeShard.load(str(directory), load_config())
        return EdgeShard.create(str(directory), create_config())
    except Exception as exc:  # Edge raises plain Exception with a message
        message = str(exc)
        if "WouldBlock" in message:  # a holder outside our lock file (another tool): same answer
            raise StoreLocked(directory) from exc
        if "incompatible" in message.lower():
            raise ValueError(
                f"Edge store {directory} does not fit {dims}-dimension vectors: {message}"
            ) from exc
        raise
