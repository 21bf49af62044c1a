"""One open `EdgeShard` per directory per process, and a lock file that keeps other processes out.

Edge locks its write-ahead log itself, but a second opener only learns that from a plain `Exception` ("Can't
init WAL: WouldBlock") halfway through loading, and the *same* process opening a directory twice fails the
same way. Mem0 builds several stores from one config, so every store on a directory must share one shard: the
registry here hands out that shard, and an `flock` on `<directory>.lock`, taken before Edge is touched, turns
a second process into an immediate `StoreLocked` that names the directory and the process holding it. The
kernel drops the lock when its holder dies, even by SIGKILL, so a crash never leaves a stale lock behind.

Edge itself is safe to call from many threads at once (queries release the GIL). The only thing it cannot take
is a close while a call is in flight, so every call holds a shared lock and `close` / destroy an exclusive
one.
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

    @property
    def closed(self) -> bool:
        return self._shard is None

    @contextmanager
    def reading(self) -> Iterator[EdgeShard | None]:
        """The shard, held open for the duration of the block; None once closed (the caller reopens)."""
        with self._rw.read():
            yield self._shard

    def close(self, *, destroy: bool = False, drop_wal: bool = False) -> None:
        """Flush and close the shard, release the directory; with `destroy`, delete the directory first.

        With `drop_wal`, delete the write-ahead log after the flush: every operation in it is already in the
        segments, but its files keep the text of deleted points until Edge rotates them, which a forget-all
        must not wait for. The next call reopens the shard with a fresh log. Waits for calls in flight.
        Idempotent.
        """
        # The registry lock too: a store that finds the shard closed reopens it through `open_shard`, which
        # must wait until this process has let go of the directory, or it would lock itself out.
        with self._rw.write(), _REGISTRY_LOCK:
            shard, self._shard = self._shard, None
            if shard is None:
                return
            try:
                if not destroy:
                    shard.flush()
                shard.close()
                if destroy:
                    shutil.rmtree(self.directory, ignore_errors=True)
                elif drop_wal:
                    shutil.rmtree(self.directory / "wal", ignore_errors=True)
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
                if _REGISTRY.get(self.directory) is self:
                    del _REGISTRY[self.directory]
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
